package store

import (
	"context"
	"io/fs"
)

// MigrateWith runs migrate with a given list (tests of failure and refusal).
func MigrateWith(ctx context.Context, db *DB, ms []Migration) ([]Migration, error) {
	return db.migrate(ctx, ms)
}

// LoadMigrations exposes loadMigrations to tests.
func LoadMigrations(fsys fs.FS, dir string, d Dialect) ([]Migration, error) {
	return loadMigrations(fsys, dir, d)
}

// ExecForTest runs a statement outside the store's methods, as someone with
// direct database access would.
func ExecForTest(ctx context.Context, db *DB, q string) error {
	_, err := db.write.ExecContext(ctx, q)
	return err
}

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

// SetCodesForTest replaces the drawing of study codes.
func SetCodesForTest(db *DB, fn func(prefix string) string) { db.codes = fn }

// StringsForTest runs a query of one text column and returns its values.
func StringsForTest(ctx context.Context, db *DB, q string, args ...any) ([]string, error) {
	return collect(ctx, db, func(s scanner) (string, error) { var v string; err := s.Scan(&v); return v, err }, q, args...)
}

// ExecArgsForTest runs a statement with arguments, as someone with direct
// database access would.
func ExecArgsForTest(ctx context.Context, db *DB, q string, args ...any) error {
	_, err := db.write.ExecContext(ctx, db.rebind(q), args...)
	return err
}

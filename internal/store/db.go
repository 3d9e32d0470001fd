// Package store owns HOLF's persistence: opening SQLite or PostgreSQL, the
// versioned migrations, and every SQL statement. Methods take a context,
// run each multi-row change in one transaction, append the audit entry for a
// write inside that same transaction, and map driver errors onto holf error
// codes so that callers never depend on a driver. It stores records the
// domain has validated and checks only what needs the database: references,
// uniqueness, and versions compared inside the UPDATE. It never decides who
// may do what.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/audit"
)

// Dialect names the SQL dialect of a database.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// timeFormat stores instants as fixed-width UTC text so that they sort and
// compare the same way in SQLite and PostgreSQL.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Options configure Open.
type Options struct {
	// Now is the clock; time.Now when nil. Tests inject their own.
	Now func() time.Time
	// ReadConns bounds the SQLite read pool; 4 when zero.
	ReadConns int
	// BusyTimeout is how long SQLite waits for a lock before giving up
	// with "unavailable"; 5 s when zero.
	BusyTimeout time.Duration
	// AuditKey keys the audit chain; it is kept outside the database. A
	// database opened without one gets a key of its own for this process
	// only, whose entries no later run can verify: the command line always
	// passes the operator's key.
	AuditKey audit.Key
}

// DB is an open HOLF database.
type DB struct {
	dialect Dialect
	// SQLite allows one writer: a single-connection write pool with
	// BEGIN IMMEDIATE avoids busy errors on lock upgrades, while reads use
	// their own pool. For PostgreSQL both point to the same pool.
	write *sql.DB
	read  *sql.DB
	now   func() time.Time
	dsn   string
	// statements counts every statement sent, so tests can prove that a
	// page costs a bounded number of queries (no N+1).
	statements atomic.Int64
	// codes draws a study code with a prefix; tests make it collide.
	codes func(prefix string) string
	// auditKey keys the audit chain (see Options.AuditKey).
	auditKey audit.Key
}

// Statements returns the number of SQL statements run so far.
func (db *DB) Statements() int64 { return db.statements.Load() }

// Open opens the database named by dsn: a postgres:// or postgresql:// URL for
// PostgreSQL, anything else a SQLite file path. It does not migrate.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if dsn == "" {
		return nil, holf.Errorf(holf.EInvalid, "no database given: use --db or HOLF_DB")
	}
	db := &DB{now: opts.Now, dsn: dsn, codes: newCode, auditKey: opts.AuditKey}
	if len(db.auditKey) == 0 {
		db.auditKey = audit.NewKey()
	}
	if db.now == nil {
		db.now = time.Now
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.dialect = Postgres
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(16)
		pool.SetMaxIdleConns(8)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.write, db.read = pool, pool
	} else {
		db.dialect = SQLite
		path := strings.TrimPrefix(dsn, "sqlite:")
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %q: %w", path, err)
		}
		// synchronous=FULL: an acknowledged commit survives power loss.
		busy := opts.BusyTimeout
		if busy <= 0 {
			busy = 5 * time.Second
		}
		pragmas := fmt.Sprintf("_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(%d)&_pragma=synchronous(FULL)", busy.Milliseconds())
		u := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + pragmas
		w, err := sql.Open("sqlite", u+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", u+"&_pragma=query_only(1)")
		if err != nil {
			_ = w.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		n := opts.ReadConns
		if n <= 0 {
			n = 4
		}
		r.SetMaxOpenConns(n)
		db.write, db.read = w, r
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.write.PingContext(pctx); err != nil {
		_ = db.Close()
		return nil, mapErr(fmt.Errorf("connect to database: %w", err))
	}
	return db, nil
}

// Dialect reports which SQL dialect db speaks.
func (db *DB) Dialect() Dialect { return db.dialect }

// Now returns the store's clock reading.
func (db *DB) Now() time.Time { return db.now() }

// Close closes the pools.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return mapErr(db.write.PingContext(ctx))
}

// Tx is a write transaction. Its methods rebind placeholders for the dialect.
type Tx struct {
	tx  *sql.Tx
	db  *DB
	now time.Time
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	tx.db.statements.Add(1)
	return tx.tx.ExecContext(ctx, tx.db.rebind(q), args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	tx.db.statements.Add(1)
	return tx.tx.QueryContext(ctx, tx.db.rebind(q), args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	tx.db.statements.Add(1)
	return tx.tx.QueryRowContext(ctx, tx.db.rebind(q), args...)
}

// updateVersioned runs q, an UPDATE of kind id whose WHERE carries the
// version the change was made from, so that the database itself compares
// it. No row changed means the record is gone (found reports "not found")
// or someone else saved first (a conflict). found may be nil when the
// record was loaded in this transaction already.
func (tx *Tx) updateVersioned(ctx context.Context, kind string, id int64, found func() error, q string, args ...any) error {
	res, err := tx.exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("update %s %d: %w", kind, id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	if found != nil {
		if err := found(); err != nil {
			return err
		}
	}
	return staleVersion(kind, id)
}

// insertID runs an INSERT … RETURNING id.
func (tx *Tx) insertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// writeTx runs fn in a write transaction and commits it.
func (db *DB) writeTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(fmt.Errorf("begin: %w", err))
	}
	tx := &Tx{tx: sqltx, db: db, now: db.now()}
	if err := fn(tx); err != nil {
		_ = sqltx.Rollback()
		return mapErr(err)
	}
	if err := sqltx.Commit(); err != nil {
		return mapErr(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// audited runs fn in a write transaction and appends ev in the same
// transaction, so that the write and its audit entry commit or fail together.
// fn returns the id of the record it wrote, filled into ev when ev has none.
func (db *DB) audited(ctx context.Context, ev holf.AuditEvent, fn func(tx *Tx) (int64, error)) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		id, err := fn(tx)
		if err != nil {
			return err
		}
		if ev.RecordID == 0 {
			ev.RecordID = id
		}
		if err := tx.writeOverrides(ctx); err != nil {
			return err
		}
		return tx.appendAudit(ctx, ev)
	})
}

// querier is what the read pool and a transaction both offer, so that every
// read is written once and runs inside or outside a transaction alike.
type querier interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	queryRow(ctx context.Context, q string, args ...any) *sql.Row
}

var (
	_ querier = (*DB)(nil)
	_ querier = (*Tx)(nil)
)

// collect runs q and scans every row with scan, in order.
func collect[T any](ctx context.Context, db querier, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

// one runs q, which selects one row, and scans it; no row is kind id not found.
func one[T any](ctx context.Context, db querier, scan func(scanner) (T, error), kind string, id any, q string, args ...any) (T, error) {
	v, err := scan(db.queryRow(ctx, q, args...))
	return v, notFoundIf(err, kind, id)
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	db.statements.Add(1)
	rows, err := db.read.QueryContext(ctx, db.rebind(q), args...)
	return rows, mapErr(err)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	db.statements.Add(1)
	return db.read.QueryRowContext(ctx, db.rebind(q), args...)
}

// rebind turns '?' placeholders into $1, $2, … for PostgreSQL. Statements in
// this package never put a '?' inside a string literal, which keeps this simple.
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// inOffices returns " AND col IN (…)" with its arguments restricting col to
// the set, nothing for every office; none is true for the empty set, whose
// query callers skip because it can match nothing.
func inOffices(col string, s holf.OfficeSet) (clause string, args []any, none bool) {
	if s.All() {
		return "", nil, false
	}
	ids := s.IDs()
	if len(ids) == 0 {
		return "", nil, true
	}
	return ` AND ` + col + ` IN (` + placeholders(len(ids)) + `)`, int64Args(ids), false
}

// int64Args turns ids into query arguments.
func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// insertRows inserts rows in multi-row statements of at most 500 rows,
// well under both databases' limits on bound parameters.
func (tx *Tx) insertRows(ctx context.Context, table, cols string, rows [][]any) error {
	for start := 0; start < len(rows); start += 500 {
		chunk := rows[start:min(start+500, len(rows))]
		var b strings.Builder
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		b.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + placeholders(len(r)) + ")")
			args = append(args, r...)
		}
		if _, err := tx.exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// snapshotOpts gives a read transaction one consistent view of the data.
// SQLite's read transactions are snapshots already (WAL).
func (db *DB) snapshotOpts() *sql.TxOptions {
	if db.dialect == Postgres {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return nil
}

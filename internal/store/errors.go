package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/holf-project/holf"
)

// mapErr translates driver errors into holf errors: constraint violations
// become conflicts or invalid input, a locked or unreachable database becomes
// "unavailable". Errors that are already *holf.Error pass through.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var he *holf.Error
	if errors.As(err, &he) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &holf.Error{Code: holf.EConflict, Message: "a record with the same key already exists", Key: "err.duplicate", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &holf.Error{Code: holf.EInvalid, Message: "the record refers to something that does not exist", Key: "err.reference", Err: err}
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_BUSY_SNAPSHOT, sqlite3.SQLITE_BUSY_TIMEOUT:
			return &holf.Error{Code: holf.EUnavailable, Message: "the database is busy; try again", Key: "err.unavailable", Err: err}
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
			return &holf.Error{Code: holf.EUnavailable, Message: "the database cannot be written; try again later", Key: "err.unavailable", Err: err}
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &holf.Error{Code: holf.EConflict, Message: "a record with the same key already exists", Key: "err.duplicate", Err: err}
		case "23503":
			return &holf.Error{Code: holf.EInvalid, Message: "the record refers to something that does not exist", Key: "err.reference", Err: err}
		case "40001", "40P01", "55P03", "57P01", "57P03", "53300":
			return &holf.Error{Code: holf.EUnavailable, Message: "the database is busy; try again", Key: "err.unavailable", Err: err}
		}
		if strings.HasPrefix(pe.Code, "08") {
			return &holf.Error{Code: holf.EUnavailable, Message: "the database is unreachable; try again later", Key: "err.unavailable", Err: err}
		}
		return err
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	// database/sql reports a closed pool only by its text.
	closed := strings.Contains(err.Error(), "sql: database is closed")
	if closed || errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, net.ErrClosed) {
		return &holf.Error{Code: holf.EUnavailable, Message: "the database is unreachable; try again later", Key: "err.unavailable", Err: err}
	}
	return err
}

func notFoundIf(err error, kind string, id any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return holf.NotFound(kind, id)
	}
	if err != nil {
		return fmt.Errorf("load %s %v: %w", kind, id, mapErr(err))
	}
	return nil
}

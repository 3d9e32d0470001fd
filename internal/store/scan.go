package store

import (
	"database/sql"
	"time"
)

// Scan targets that turn a column straight into a HOLF field, written once:
// nullable ids and texts become zero values, instants and dates are parsed
// from their fixed-width text, enums are read into their named type. A scan
// then lists the fields it fills, with no temporaries to copy back.

type idCol struct{ p *int64 }

func (c idCol) Scan(src any) error {
	var n sql.NullInt64
	if err := n.Scan(src); err != nil {
		return err
	}
	*c.p = n.Int64
	return nil
}

// asID reads a nullable id: NULL is 0.
func asID(p *int64) sql.Scanner { return idCol{p} }

type textCol[T ~string] struct{ p *T }

func (c textCol[T]) Scan(src any) error {
	var s sql.NullString
	if err := s.Scan(src); err != nil {
		return err
	}
	*c.p = T(s.String)
	return nil
}

// asText reads a (nullable) text into a string or a string enum: NULL is "".
func asText[T ~string](p *T) sql.Scanner { return textCol[T]{p} }

type timeCol struct {
	p     *time.Time
	parse func(string) time.Time
}

func (c timeCol) Scan(src any) error {
	var s sql.NullString
	if err := s.Scan(src); err != nil {
		return err
	}
	*c.p = time.Time{}
	if s.Valid {
		*c.p = c.parse(s.String)
	}
	return nil
}

// asTime reads a (nullable) instant: NULL is the zero time.
func asTime(p *time.Time) sql.Scanner { return timeCol{p, parseTime} }

// asDate reads a (nullable) YYYY-MM-DD date: NULL is the zero time.
func asDate(p *time.Time) sql.Scanner {
	return timeCol{p, func(s string) time.Time { t, _ := time.Parse(dateFormat, s); return t }}
}

type setCol struct{ p *bool }

func (c setCol) Scan(src any) error {
	*c.p = src != nil
	return nil
}

// asSet reads whether a nullable column is set (disabled_at: disabled).
func asSet(p *bool) sql.Scanner { return setCol{p} }

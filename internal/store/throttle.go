package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Throttle names a throttle table.
type Throttle string

// The two throttles: staff sign-in and questionnaire links.
const (
	LoginThrottle Throttle = "login_throttle"
	LinkThrottle  Throttle = "link_throttle"
)

// ThrottleRule limits one key: Free failures pass at once, each later one
// waits twice as long as the one before (1 s, 2 s, 4 s …) up to Max.
// Failures older than Forget are forgotten.
type ThrottleRule struct {
	Key    string
	Free   int
	Max    time.Duration
	Forget time.Duration
}

// delay is the wait after the nth failure of rule r.
func (r ThrottleRule) delay(n int) time.Duration {
	if n < r.Free {
		return 0
	}
	d := time.Second << min(n-r.Free, 30)
	return min(d, r.Max)
}

// Attempt decides whether an attempt may go ahead now under every rule
// and, when it may, counts it as a failure at once (success clears it with
// Clear): deciding and counting are one transaction, so of many parallel
// attempts exactly the free ones go ahead. It returns how long to wait when
// the attempt may not go ahead; a refused attempt is not counted.
func (db *DB) Attempt(ctx context.Context, t Throttle, rules []ThrottleRule) (time.Duration, error) {
	var wait time.Duration
	err := db.writeTx(ctx, func(tx *Tx) error {
		var err error
		wait, err = tx.throttle(ctx, t, rules, true)
		return err
	})
	return wait, err
}

// Blocked reports how long an attempt under rules must wait, counting
// nothing: for attempts that count only when they fail (a link is looked
// up first, and only an unknown one is a failure: see Fail).
func (db *DB) Blocked(ctx context.Context, t Throttle, rules []ThrottleRule) (time.Duration, error) {
	var wait time.Duration
	err := db.writeTx(ctx, func(tx *Tx) error {
		var err error
		wait, err = tx.throttle(ctx, t, rules, false)
		return err
	})
	return wait, err
}

// Fail counts a failure under every rule.
func (db *DB) Fail(ctx context.Context, t Throttle, rules []ThrottleRule) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.prune(ctx, t); err != nil {
			return err
		}
		for _, r := range sortedRules(rules) {
			if _, err := tx.count(ctx, t, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// Clear forgets the failures of keys (a successful sign-in).
func (db *DB) Clear(ctx context.Context, t Throttle, keys ...string) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		for _, k := range keys {
			// t is one of this file's constants, never input.
			if _, err := tx.exec(ctx, `DELETE FROM `+string(t)+` WHERE throttle_key = ?`, k); err != nil { // #nosec G202 -- constant table name
				return fmt.Errorf("clear throttle: %w", err)
			}
		}
		return nil
	})
}

// sortedRules orders rules by key, so that concurrent transactions lock
// the rows in one order and cannot deadlock.
func sortedRules(rules []ThrottleRule) []ThrottleRule {
	out := slices.Clone(rules)
	slices.SortFunc(out, func(a, b ThrottleRule) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	return out
}

type throttleRow struct {
	failures int
	last     time.Time
	until    time.Time
}

// lock reads key's row, creating it, and holds it for the transaction
// (SQLite's one writer holds everything already).
func (tx *Tx) lock(ctx context.Context, t Throttle, r ThrottleRule) (throttleRow, error) {
	now := formatTime(tx.now)
	// #nosec G202 -- t is one of this file's constants
	if _, err := tx.exec(ctx, `INSERT INTO `+string(t)+` (throttle_key, failures, last_at, blocked_until) VALUES (?, 0, ?, ?)
		ON CONFLICT (throttle_key) DO NOTHING`, r.Key, now, now); err != nil {
		return throttleRow{}, fmt.Errorf("throttle: %w", err)
	}
	q := `SELECT failures, last_at, blocked_until FROM ` + string(t) + ` WHERE throttle_key = ?` // #nosec G202 -- constant table name
	if tx.db.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	var row throttleRow
	if err := tx.queryRow(ctx, q, r.Key).Scan(&row.failures, asTime(&row.last), asTime(&row.until)); err != nil {
		return row, fmt.Errorf("throttle: %w", err)
	}
	if r.Forget > 0 && tx.now.Sub(row.last) > r.Forget {
		row = throttleRow{}
	}
	return row, nil
}

// count adds a failure to key's row and sets its next wait.
func (tx *Tx) count(ctx context.Context, t Throttle, r ThrottleRule) (throttleRow, error) {
	row, err := tx.lock(ctx, t, r)
	if err != nil {
		return row, err
	}
	row.failures++
	row.last, row.until = tx.now, tx.now.Add(r.delay(row.failures))
	// #nosec G202 -- t is one of this file's constants
	_, err = tx.exec(ctx, `UPDATE `+string(t)+` SET failures = ?, last_at = ?, blocked_until = ? WHERE throttle_key = ?`,
		row.failures, formatTime(row.last), formatTime(row.until), r.Key)
	return row, err
}

// forgetAfter prunes rows untouched for this long: no rule remembers more.
const forgetAfter = 48 * time.Hour

func (tx *Tx) prune(ctx context.Context, t Throttle) error {
	// #nosec G202 -- t is one of this file's constants
	_, err := tx.exec(ctx, `DELETE FROM `+string(t)+` WHERE last_at < ?`, formatTime(tx.now.Add(-forgetAfter)))
	return err
}

func (tx *Tx) throttle(ctx context.Context, t Throttle, rules []ThrottleRule, countIt bool) (time.Duration, error) {
	rules = sortedRules(rules)
	if countIt {
		if err := tx.prune(ctx, t); err != nil {
			return 0, err
		}
	}
	var wait time.Duration
	for _, r := range rules {
		row, err := tx.lock(ctx, t, r)
		if err != nil {
			return 0, err
		}
		if row.failures >= r.Free && tx.now.Before(row.until) {
			wait = max(wait, row.until.Sub(tx.now))
		}
	}
	if wait > 0 || !countIt {
		return wait, nil
	}
	for _, r := range rules {
		if _, err := tx.count(ctx, t, r); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

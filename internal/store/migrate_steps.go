package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/holf-project/holf"
)

// goSteps are the parts of migrations that SQL cannot say plainly in both
// dialects. A step runs right after its version's SQL, in the same
// transaction, so a failure leaves the database as it was.
var goSteps = map[int]func(ctx context.Context, tx *Tx) error{
	7:  convertEventDetails,
	8:  uniqueStudyCodes,
	10: startKeyedAudit,
}

// startKeyedAudit records that entries from the next one on are keyed.
func startKeyedAudit(ctx context.Context, tx *Tx) error {
	_, err := tx.exec(ctx, `UPDATE audit_head SET keyed_from = seq + 1 WHERE id = 1`)
	return err
}

// convertEventDetails turns the packed detail strings of the timeline into
// JSON details, then drops the packed column.
func convertEventDetails(ctx context.Context, tx *Tx) error {
	type row struct {
		id           int64
		kind, detail string
	}
	rows, err := tx.query(ctx, `SELECT id, kind, detail FROM family_events WHERE detail <> ''`)
	if err != nil {
		return fmt.Errorf("read packed event details: %w", err)
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.kind, &r.detail); err != nil {
			_ = rows.Close()
			return err
		}
		all = append(all, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, r := range all {
		b, err := json.Marshal(unpackDetail(holf.EventKind(r.kind), r.detail))
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE family_events SET details = ? WHERE id = ?`, string(b), r.id); err != nil {
			return fmt.Errorf("convert event %d: %w", r.id, err)
		}
	}
	if _, err := tx.exec(ctx, `ALTER TABLE family_events DROP COLUMN detail`); err != nil {
		return fmt.Errorf("drop packed event details: %w", err)
	}
	return nil
}

// unpackDetail reads the strings the store packed before version 7:
// "created" held the status, "replaced_by" the new family's id, "updated" a
// comma list of changes ("name", "member_added:Ali"), "mapping" the version,
// "plan" "kind|item", and status changes "[discharged:reason][ – note]".
func unpackDetail(kind holf.EventKind, detail string) holf.EventDetails {
	var d holf.EventDetails
	switch kind {
	case holf.EventCreated:
		d.Status = holf.FamilyStatus(detail)
	case holf.EventReplacedBy:
		d.Family, _ = strconv.ParseInt(detail, 10, 64)
	case holf.EventUpdated:
		for _, c := range strings.Split(detail, ",") {
			what, name, _ := strings.Cut(c, ":")
			d.Changes = append(d.Changes, holf.FamilyChange{What: what, Name: name})
		}
	case holf.EventMapping:
		d.Version, _ = strconv.Atoi(detail)
	case holf.EventPlan:
		d.PlanChange, d.Item, _ = strings.Cut(detail, "|")
	default:
		head, note, _ := strings.Cut(detail, " – ")
		d.Note = note
		if reason, ok := strings.CutPrefix(head, "discharged:"); ok {
			d.Reason = holf.DischargeReason(reason)
		}
	}
	return d
}

// uniqueStudyCodes gives every family of a study a code of its own:
// respondent codes were unique already (migration 6), family codes were
// not. A family code that two families share is drawn anew for the later
// family (by respondent id) and its parents' rows; the codes are copied into
// study_family_codes, which then gets its unique index.
func uniqueStudyCodes(ctx context.Context, tx *Tx) error {
	type row struct {
		id, study, family int64
		code              string
	}
	rows, err := tx.query(ctx, `SELECT id, study_id, family_id, family_code FROM respondents
		WHERE family_id IS NOT NULL AND family_code <> '' ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read family codes: %w", err)
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.study, &r.family, &r.code); err != nil {
			_ = rows.Close()
			return err
		}
		all = append(all, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	type key struct {
		study int64
		code  string
	}
	owner := map[key]int64{}      // a study's family code → its family
	code := map[[2]int64]string{} // (study, family) → its code
	for _, r := range all {
		fk := [2]int64{r.study, r.family}
		c, known := code[fk]
		if !known {
			c = r.code
			for other, taken := owner[key{r.study, c}]; taken && other != r.family; other, taken = owner[key{r.study, c}] {
				c = newCode("F")
			}
			code[fk], owner[key{r.study, c}] = c, r.family
			if _, err := tx.exec(ctx, `INSERT INTO study_family_codes (study_id, family_id, code) VALUES (?, ?, ?)`, r.study, r.family, c); err != nil {
				return err
			}
		}
		if c != r.code {
			if _, err := tx.exec(ctx, `UPDATE respondents SET family_code = ? WHERE id = ?`, c, r.id); err != nil {
				return err
			}
		}
	}
	if _, err := tx.exec(ctx, `CREATE UNIQUE INDEX study_family_codes_code ON study_family_codes (study_id, code)`); err != nil {
		return fmt.Errorf("unique family codes: %w", err)
	}
	return nil
}

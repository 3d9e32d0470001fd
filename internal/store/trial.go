package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/trial"
)

// The trial's records: the study, its sites, the randomisation and its
// corrections. A draw writes its allocation, the offices' arms and the
// sites' stage in the transaction that marks it drawn.

const studyCols = `id, registration, title, recruit_from, recruit_to, target_per_office, eligibility, exclusions, results_released_at, released_by, version, created_at, updated_at`

func scanStudy(s scanner) (trial.Study, error) {
	var st trial.Study
	var elig, excl string
	err := s.Scan(&st.ID, &st.Registration, &st.Title, asDate(&st.RecruitFrom), asDate(&st.RecruitTo), &st.TargetPerOffice,
		&elig, &excl, asTime(&st.ReleasedAt), &st.ReleasedBy, &st.Version, asTime(&st.CreatedAt), asTime(&st.UpdatedAt))
	st.Eligibility, st.Exclusions = splitLines(elig), splitLines(excl)
	return st, err
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TrialStudy loads the trial: HOLF evaluates one. Not found when none is set up.
func (db *DB) TrialStudy(ctx context.Context) (trial.Study, error) {
	return one(ctx, db, scanStudy, "study", "", `SELECT `+studyCols+` FROM studies ORDER BY id LIMIT 1`)
}

// SaveStudy creates st (ID 0) or saves it from st.Version.
func (db *DB) SaveStudy(ctx context.Context, ev holf.AuditEvent, st *trial.Study) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		elig, excl := strings.Join(st.Eligibility, "\n"), strings.Join(st.Exclusions, "\n")
		if st.ID == 0 {
			id, err := tx.insertID(ctx, `INSERT INTO studies (registration, title, recruit_from, recruit_to, target_per_office, eligibility, exclusions, version, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, st.Registration, st.Title, formatDate(st.RecruitFrom), formatDate(st.RecruitTo), st.TargetPerOffice, elig, excl, now, now)
			if err != nil {
				return 0, fmt.Errorf("create study: %w", err)
			}
			st.ID, st.Version, st.CreatedAt, st.UpdatedAt = id, 1, parseTime(now), parseTime(now)
			return id, nil
		}
		if err := tx.updateVersioned(ctx, "study", st.ID, nil, `UPDATE studies SET registration = ?, title = ?, recruit_from = ?, recruit_to = ?,
			target_per_office = ?, eligibility = ?, exclusions = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			st.Registration, st.Title, formatDate(st.RecruitFrom), formatDate(st.RecruitTo), st.TargetPerOffice, elig, excl, now, st.ID, st.Version); err != nil {
			return 0, err
		}
		st.Version++
		st.UpdatedAt = parseTime(now)
		return st.ID, nil
	})
}

// ReleaseResults marks the study's effect results released, from
// st.Version; a release is not taken back.
func (db *DB) ReleaseResults(ctx context.Context, ev holf.AuditEvent, st *trial.Study, by string) error {
	ev.RecordID = st.ID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		if err := tx.updateVersioned(ctx, "study", st.ID, nil, `UPDATE studies SET results_released_at = ?, released_by = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ? AND results_released_at IS NULL`, now, by, now, st.ID, st.Version); err != nil {
			return 0, err
		}
		st.ReleasedAt, st.ReleasedBy = parseTime(now), by
		st.Version++
		return st.ID, nil
	})
}

const siteCols = `id, study_id, COALESCE(office_id, 0), name, stage, reason, covariates, version, updated_at`

func scanSite(s scanner) (trial.Site, error) {
	var st trial.Site
	var cov string
	err := s.Scan(&st.ID, &st.StudyID, &st.OfficeID, &st.Name, asText(&st.Stage), &st.Reason, &cov, &st.Version, asTime(&st.UpdatedAt))
	if err == nil {
		err = json.Unmarshal([]byte(cov), &st.Covariates)
	}
	return st, err
}

// Sites lists the study's sites by name.
func (db *DB) Sites(ctx context.Context, studyID int64) ([]trial.Site, error) {
	return collect(ctx, db, scanSite, `SELECT `+siteCols+` FROM study_sites WHERE study_id = ? ORDER BY name, id`, studyID)
}

// SaveSites creates (ID 0) or saves each site from its version, all or none.
func (db *DB) SaveSites(ctx context.Context, ev holf.AuditEvent, sites []trial.Site) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		for i := range sites {
			s := &sites[i]
			cov, err := json.Marshal(s.Covariates)
			if err != nil {
				return 0, err
			}
			var office any
			if s.OfficeID != 0 {
				office = s.OfficeID
			}
			if s.ID == 0 {
				id, err := tx.insertID(ctx, `INSERT INTO study_sites (study_id, office_id, name, stage, reason, covariates, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)`,
					s.StudyID, office, s.Name, string(s.Stage), s.Reason, string(cov), now)
				if err != nil {
					return 0, fmt.Errorf("create site %s: %w", s.Name, err)
				}
				s.ID, s.Version = id, 1
				continue
			}
			if err := tx.updateVersioned(ctx, "site", s.ID, nil, `UPDATE study_sites SET office_id = ?, name = ?, stage = ?, reason = ?, covariates = ?,
				version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, office, s.Name, string(s.Stage), s.Reason, string(cov), now, s.ID, s.Version); err != nil {
				return 0, err
			}
			s.Version++
		}
		return 0, nil
	})
}

const randomisationCols = `r.id, r.study_id, r.status, r.config, r.config_hash, r.candidates_hash, r.accepted, r.prepared_by, pp.name, r.prepared_at,
	COALESCE(r.drawn_by, 0), COALESCE(pd.name, ''), r.drawn_at, r.result, r.version`

const randomisationFrom = ` FROM randomisations r JOIN people pp ON pp.id = r.prepared_by LEFT JOIN people pd ON pd.id = r.drawn_by`

func scanRandomisation(s scanner) (trial.Randomisation, error) {
	var r trial.Randomisation
	var cfg, result string
	err := s.Scan(&r.ID, &r.StudyID, asText(&r.Status), &cfg, &r.ConfigHash, &r.CandidatesHash, &r.Accepted, &r.PreparedBy, &r.PreparedByName,
		asTime(&r.PreparedAt), &r.DrawnBy, &r.DrawnByName, asTime(&r.DrawnAt), &result, &r.Version)
	if err != nil {
		return r, err
	}
	var in sealedInput
	if err := json.Unmarshal([]byte(cfg), &in); err != nil {
		return r, fmt.Errorf("randomisation %d config: %w", r.ID, err)
	}
	r.Config, r.Clusters = in.Config, in.Clusters
	if result != "" {
		r.Result = new(trial.Result)
		if err := json.Unmarshal([]byte(result), r.Result); err != nil {
			return r, fmt.Errorf("randomisation %d result: %w", r.ID, err)
		}
	}
	return r, nil
}

// sealedInput is what a randomisation's config column holds: the
// configuration and the offices' values it was prepared from.
type sealedInput struct {
	Config   trial.Config    `json:"config"`
	Clusters []trial.Cluster `json:"clusters"`
}

// Randomisations lists the study's randomisations, newest first.
func (db *DB) Randomisations(ctx context.Context, studyID int64) ([]trial.Randomisation, error) {
	return collect(ctx, db, scanRandomisation, `SELECT `+randomisationCols+randomisationFrom+` WHERE r.study_id = ? ORDER BY r.id DESC`, studyID)
}

// GetRandomisation loads randomisation id.
func (db *DB) GetRandomisation(ctx context.Context, id int64) (trial.Randomisation, error) {
	return one(ctx, db, scanRandomisation, "randomisation", id, `SELECT `+randomisationCols+randomisationFrom+` WHERE r.id = ?`, id)
}

// PrepareRandomisation records r as prepared. It refuses when the study is
// randomised already or a preparation waits: the database's unique indexes
// decide, so two people preparing at once cannot both succeed.
func (db *DB) PrepareRandomisation(ctx context.Context, ev holf.AuditEvent, r *trial.Randomisation) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		var drawn int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM randomisations WHERE study_id = ? AND status = 'drawn'`, r.StudyID).Scan(&drawn); err != nil {
			return 0, err
		}
		if drawn > 0 {
			return 0, trial.ErrRandomised()
		}
		cfg, err := json.Marshal(sealedInput{r.Config, r.Clusters})
		if err != nil {
			return 0, err
		}
		now := formatTime(tx.now)
		id, err := tx.insertID(ctx, `INSERT INTO randomisations (study_id, status, config, config_hash, candidates_hash, accepted, prepared_by, prepared_at, version)
			VALUES (?, 'prepared', ?, ?, ?, ?, ?, ?, 1)`, r.StudyID, string(cfg), r.ConfigHash, r.CandidatesHash, r.Accepted, r.PreparedBy, now)
		if err != nil {
			if he, ok := holf.AsError(mapErr(err)); ok && he.Code == holf.EConflict {
				return 0, &holf.Error{Code: holf.EConflict, Message: "a randomisation is prepared already and waits for its confirmation", Key: "trial.err.prepared", Err: err}
			}
			return 0, fmt.Errorf("prepare randomisation: %w", err)
		}
		r.ID, r.Status, r.Version, r.PreparedAt = id, trial.StatusPrepared, 1, parseTime(now)
		return id, nil
	})
}

// CancelRandomisation withdraws prepared randomisation r from r.Version.
func (db *DB) CancelRandomisation(ctx context.Context, ev holf.AuditEvent, r *trial.Randomisation) error {
	ev.RecordID = r.ID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if err := tx.updateVersioned(ctx, "randomisation", r.ID, nil, `UPDATE randomisations SET status = 'cancelled', version = version + 1
			WHERE id = ? AND version = ? AND status = 'prepared'`, r.ID, r.Version); err != nil {
			return 0, err
		}
		r.Status = trial.StatusCancelled
		r.Version++
		return r.ID, nil
	})
}

// DrawRandomisation marks prepared randomisation r drawn by r.DrawnBy with
// r.Result, from r.Version, and in the same transaction records the
// allocation, sets each office's arm and each randomised site's stage.
func (db *DB) DrawRandomisation(ctx context.Context, ev holf.AuditEvent, r *trial.Randomisation) error {
	ev.RecordID = r.ID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		result, err := json.Marshal(r.Result)
		if err != nil {
			return 0, err
		}
		now := formatTime(tx.now)
		if err := tx.updateVersioned(ctx, "randomisation", r.ID, nil, `UPDATE randomisations SET status = 'drawn', drawn_by = ?, drawn_at = ?, seed = ?, result = ?,
			version = version + 1 WHERE id = ? AND version = ? AND status = 'prepared'`,
			r.DrawnBy, now, fmt.Sprint(r.Result.Seed), string(result), r.ID, r.Version); err != nil {
			return 0, err
		}
		rows := make([][]any, len(r.Result.Allocation))
		for i, a := range r.Result.Allocation {
			arm := holf.ArmComparison
			if a.Intervention {
				arm = holf.ArmIntervention
			}
			rows[i] = []any{r.ID, a.ClusterID, string(arm)}
			if _, err := tx.exec(ctx, `UPDATE offices SET arm = ?, version = version + 1, updated_at = ? WHERE id = ?`, string(arm), now, a.ClusterID); err != nil {
				return 0, fmt.Errorf("set arm of office %d: %w", a.ClusterID, err)
			}
		}
		if err := tx.insertRows(ctx, "allocations", "randomisation_id, office_id, arm", rows); err != nil {
			return 0, fmt.Errorf("record allocation: %w", err)
		}
		if _, err := tx.exec(ctx, `UPDATE study_sites SET stage = 'randomised', version = version + 1, updated_at = ?
			WHERE study_id = ? AND office_id IN (SELECT office_id FROM allocations WHERE randomisation_id = ?)`, now, r.StudyID, r.ID); err != nil {
			return 0, fmt.Errorf("mark sites randomised: %w", err)
		}
		r.Status, r.DrawnAt = trial.StatusDrawn, parseTime(now)
		r.Version++
		return r.ID, nil
	})
}

// Correct records correction c and sets the office's arm, provided it is
// still c.From: the arm is compared inside the statement, so two
// corrections of one office cannot both apply.
func (db *DB) Correct(ctx context.Context, ev holf.AuditEvent, c *trial.Correction) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		res, err := tx.exec(ctx, `UPDATE offices SET arm = ?, version = version + 1, updated_at = ? WHERE id = ? AND arm = ?`, string(c.To), now, c.OfficeID, string(c.From))
		if err != nil {
			return 0, fmt.Errorf("correct arm of office %d: %w", c.OfficeID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = holf.Stale("office", c.OfficeID)
			}
			return 0, err
		}
		id, err := tx.insertID(ctx, `INSERT INTO allocation_corrections (randomisation_id, office_id, from_arm, to_arm, reason, person_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			c.RandomisationID, c.OfficeID, string(c.From), string(c.To), c.Reason, c.PersonID, now)
		if err != nil {
			return 0, fmt.Errorf("record correction: %w", err)
		}
		c.ID, c.At = id, parseTime(now)
		return id, nil
	})
}

// Corrections lists randomisation id's corrections in the order made.
func (db *DB) Corrections(ctx context.Context, id int64) ([]trial.Correction, error) {
	return collect(ctx, db, func(s scanner) (trial.Correction, error) {
		var c trial.Correction
		err := s.Scan(&c.ID, &c.RandomisationID, &c.OfficeID, &c.OfficeName, asText(&c.From), asText(&c.To), &c.Reason, &c.PersonID, &c.PersonName, asTime(&c.At))
		return c, err
	}, `SELECT c.id, c.randomisation_id, c.office_id, o.name, c.from_arm, c.to_arm, c.reason, c.person_id, p.name, c.at
		FROM allocation_corrections c JOIN offices o ON o.id = c.office_id JOIN people p ON p.id = c.person_id
		WHERE c.randomisation_id = ? ORDER BY c.at, c.id`, id)
}

// SaveTrialRun records a computation of the effect table.
func (db *DB) SaveTrialRun(ctx context.Context, ev holf.AuditEvent, r *trial.Run) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		effects, err := json.Marshal(r.Effects)
		if err != nil {
			return 0, err
		}
		attrition, err := json.Marshal(r.Attrition)
		if err != nil {
			return 0, err
		}
		now := formatTime(tx.now)
		id, err := tx.insertID(ctx, `INSERT INTO trial_results (study_id, snapshot, seed, permutations, software, effects, attrition, skipped, computed_by, computed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.StudyID, r.Snapshot, strconv.FormatUint(r.Seed, 10), r.Permutations, r.Software, string(effects),
			string(attrition), strings.Join(r.Skipped, "\n"), r.ComputedBy, now)
		if err != nil {
			return 0, fmt.Errorf("save trial results: %w", err)
		}
		r.ID, r.ComputedAt = id, parseTime(now)
		return id, nil
	})
}

// LatestTrialRun loads the study's newest computation of the effect table;
// ok is false when there is none.
func (db *DB) LatestTrialRun(ctx context.Context, studyID int64) (r trial.Run, ok bool, err error) {
	var seed, effects, attrition, skipped string
	err = db.queryRow(ctx, `SELECT id, study_id, snapshot, seed, permutations, software, effects, attrition, skipped, computed_by, computed_at
		FROM trial_results WHERE study_id = ? ORDER BY id DESC LIMIT 1`, studyID).
		Scan(&r.ID, &r.StudyID, &r.Snapshot, &seed, &r.Permutations, &r.Software, &effects, &attrition, &skipped, &r.ComputedBy, asTime(&r.ComputedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, mapErr(err)
	}
	r.Seed, _ = strconv.ParseUint(seed, 10, 64)
	r.Skipped = splitLines(skipped)
	if err := json.Unmarshal([]byte(attrition), &r.Attrition); err != nil {
		return r, false, fmt.Errorf("trial run %d: attrition: %w", r.ID, err)
	}
	return r, true, json.Unmarshal([]byte(effects), &r.Effects)
}

// FamilyFlowRow counts an office's families by status, whether they
// consented, and the reason follow-up ended.
type FamilyFlowRow struct {
	Office    int64
	Status    holf.FamilyStatus
	Consented bool
	Reason    holf.DischargeReason
	N         int
}

// FamilyFlow counts every office's families for the CONSORT flow, in one
// statement; no family is named.
func (db *DB) FamilyFlow(ctx context.Context) ([]FamilyFlowRow, error) {
	return collect(ctx, db, func(s scanner) (FamilyFlowRow, error) {
		var r FamilyFlowRow
		var consented int
		err := s.Scan(&r.Office, asText(&r.Status), &consented, asText(&r.Reason), &r.N)
		r.Consented = consented == 1
		return r, err
	}, `SELECT office_id, status, CASE WHEN consent_date IS NULL THEN 0 ELSE 1 END, COALESCE(discharge_reason, ''), COUNT(*)
		FROM families GROUP BY office_id, status, CASE WHEN consent_date IS NULL THEN 0 ELSE 1 END, COALESCE(discharge_reason, '')
		ORDER BY 1, 2, 3, 4`)
}

// FamilyComposition is a recruited family's office, its number of children
// living at home and its number of parents: counts only, for the baseline
// table.
type FamilyComposition struct {
	Office            int64
	Children, Parents int
}

// FamilyCompositions counts the members of every family that consented, in
// one statement; no family is named.
func (db *DB) FamilyCompositions(ctx context.Context) ([]FamilyComposition, error) {
	return collect(ctx, db, func(s scanner) (FamilyComposition, error) {
		var c FamilyComposition
		err := s.Scan(&c.Office, &c.Children, &c.Parents)
		return c, err
	}, `SELECT f.office_id,
		SUM(CASE WHEN m.role = 'child' AND m.lives_at_home = 1 THEN 1 ELSE 0 END),
		SUM(CASE WHEN m.role = 'parent' THEN 1 ELSE 0 END)
		FROM families f JOIN family_members m ON m.family_id = f.id
		WHERE f.consent_date IS NOT NULL
		GROUP BY f.office_id, f.id ORDER BY f.office_id, f.id`)
}

const targetCols = `id, office_id, batch_id, reference, name, children, criterion, register_declined, COALESCE(position, 0), outcome, outcome_note,
	out_of_order, after_allocation, COALESCE(family_id, 0), version, updated_at`

func scanTarget(s scanner) (trial.Target, error) {
	var t trial.Target
	var declined, after int
	err := s.Scan(&t.ID, &t.OfficeID, &t.BatchID, &t.Reference, &t.Name, &t.Children, asText(&t.Criterion), &declined, &t.Position, asText(&t.Outcome),
		&t.OutcomeNote, &t.OutOfOrder, &after, &t.FamilyID, &t.Version, asTime(&t.UpdatedAt))
	t.RegisterDeclined, t.AfterAllocation = declined == 1, after == 1
	return t, err
}

// Targets lists office's target list in draw order, the excluded last.
func (db *DB) Targets(ctx context.Context, office int64) ([]trial.Target, error) {
	return collect(ctx, db, scanTarget, `SELECT `+targetCols+` FROM target_entries WHERE office_id = ?
		ORDER BY CASE WHEN position IS NULL THEN 1 ELSE 0 END, position, reference`, office)
}

// AllTargets lists every office's target list in draw order, office by
// office, in one statement (the CONSORT flow's replacement draws).
func (db *DB) AllTargets(ctx context.Context) ([]trial.Target, error) {
	return collect(ctx, db, scanTarget, `SELECT `+targetCols+` FROM target_entries
		ORDER BY office_id, CASE WHEN position IS NULL THEN 1 ELSE 0 END, position, reference`)
}

// GetTarget loads target id of office.
func (db *DB) GetTarget(ctx context.Context, office, id int64) (trial.Target, error) {
	return one(ctx, db, scanTarget, "target", id, `SELECT `+targetCols+` FROM target_entries WHERE office_id = ? AND id = ?`, office, id)
}

// ImportTargets records one import of office's target list as a batch with
// its seed, every row or none. order places the rows after the highest
// position recorded, read in the same transaction, so that two imports at
// once cannot give two families one place (the unique index refuses it).
func (db *DB) ImportTargets(ctx context.Context, ev holf.AuditEvent, office int64, seed uint64, by string, ts []trial.Target, order func([]trial.Target, int)) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		var last int
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(position), 0) FROM target_entries WHERE office_id = ?`, office).Scan(&last); err != nil {
			return 0, err
		}
		order(ts, last)
		batch, err := tx.insertID(ctx, `INSERT INTO target_batches (office_id, seed, entries, imported_by, imported_at) VALUES (?, ?, ?, ?, ?)`,
			office, strconv.FormatUint(seed, 10), len(ts), by, now)
		if err != nil {
			return 0, fmt.Errorf("record target batch: %w", err)
		}
		rows := make([][]any, len(ts))
		for i := range ts {
			t := &ts[i]
			t.OfficeID, t.BatchID, t.Version = office, batch, 1
			var pos any
			if t.Position > 0 {
				pos = t.Position
			}
			rows[i] = []any{office, batch, t.Reference, t.Name, t.Children, string(t.Criterion), boolInt(t.RegisterDeclined), pos, string(t.Outcome), boolInt(t.AfterAllocation), now}
		}
		if err := tx.insertRows(ctx, "target_entries", "office_id, batch_id, reference, name, children, criterion, register_declined, position, outcome, after_allocation, updated_at", rows); err != nil {
			return 0, fmt.Errorf("record targets: %w", err)
		}
		return batch, nil
	})
}

// SaveTargetOutcome records t's outcome from t.Version; an excluded family
// has none.
func (db *DB) SaveTargetOutcome(ctx context.Context, ev holf.AuditEvent, t *trial.Target) error {
	ev.RecordID = t.ID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		return t.ID, tx.saveTargetOutcome(ctx, t, now)
	})
}

// saveTargetOutcome writes t's outcome and family from t.Version. A family
// linked to another entry is refused by the unique index as a conflict.
func (tx *Tx) saveTargetOutcome(ctx context.Context, t *trial.Target, now string) error {
	if err := tx.updateVersioned(ctx, "target", t.ID, nil, `UPDATE target_entries SET outcome = ?, outcome_note = ?, out_of_order = ?,
		family_id = ?, version = version + 1, updated_at = ? WHERE id = ? AND office_id = ? AND version = ? AND outcome <> 'excluded'`,
		string(t.Outcome), t.OutcomeNote, t.OutOfOrder, nullID(t.FamilyID), now, t.ID, t.OfficeID, t.Version); err != nil {
		return err
	}
	t.Version++
	t.UpdatedAt = parseTime(now)
	return nil
}

// SaveTargetOutcomes records the outcomes of ts at office in one
// transaction, each from its version (an import of records with history).
func (db *DB) SaveTargetOutcomes(ctx context.Context, ev holf.AuditEvent, office int64, ts []trial.Target) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		for i := range ts {
			t := &ts[i]
			t.OfficeID = office
			if err := tx.saveTargetOutcome(ctx, t, now); err != nil {
				return 0, err
			}
		}
		return office, nil
	})
}

// TargetFlow counts every office's target-list entries by outcome, in one
// statement.
func (db *DB) TargetFlow(ctx context.Context) ([]FamilyFlowRow, error) {
	return collect(ctx, db, func(s scanner) (FamilyFlowRow, error) {
		var r FamilyFlowRow
		var outcome string
		err := s.Scan(&r.Office, &outcome, &r.N)
		r.Reason = holf.DischargeReason(outcome) // the outcome, in the row's reason
		return r, err
	}, `SELECT office_id, outcome, COUNT(*) FROM target_entries GROUP BY office_id, outcome ORDER BY 1, 2`)
}

// TrialConsent loads family's consent to the evaluation; ok is false when
// none is recorded.
func (db *DB) TrialConsent(ctx context.Context, family int64) (c trial.Consent, ok bool, err error) {
	err = db.queryRow(ctx, `SELECT family_id, member_id, given_on, withdrawn_on, COALESCE(recorded_by, 0), version FROM trial_consents WHERE family_id = ?`, family).
		Scan(&c.FamilyID, &c.MemberID, asDate(&c.GivenOn), asDate(&c.WithdrawnOn), &c.RecordedBy, &c.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	return c, err == nil, mapErr(err)
}

// SaveTrialConsent records c (Version 0: the first record) or changes it
// from c.Version.
func (db *DB) SaveTrialConsent(ctx context.Context, ev holf.AuditEvent, c *trial.Consent) error {
	ev.RecordID = c.FamilyID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		if c.Version == 0 {
			if _, err := tx.exec(ctx, `INSERT INTO trial_consents (family_id, member_id, given_on, withdrawn_on, recorded_by, recorded_at, version) VALUES (?, ?, ?, ?, ?, ?, 1)`,
				c.FamilyID, c.MemberID, formatDate(c.GivenOn), formatDate(c.WithdrawnOn), c.RecordedBy, now); err != nil {
				return 0, fmt.Errorf("record trial consent: %w", err)
			}
			c.Version = 1
			return c.FamilyID, nil
		}
		if err := tx.updateVersioned(ctx, "trial consent", c.FamilyID, nil, `UPDATE trial_consents SET member_id = ?, given_on = ?, withdrawn_on = ?, recorded_by = ?,
			recorded_at = ?, version = version + 1 WHERE family_id = ? AND version = ?`,
			c.MemberID, formatDate(c.GivenOn), formatDate(c.WithdrawnOn), c.RecordedBy, now, c.FamilyID, c.Version); err != nil {
			return 0, err
		}
		c.Version++
		return c.FamilyID, nil
	})
}

// ConsentFlowRow counts an office's families with a consent to the
// evaluation given before or after a date (its allocation).
type ConsentFlowRow struct {
	Office    int64
	GivenOn   time.Time
	Withdrawn bool
}

// TrialConsents lists every consent to the evaluation by office, for the
// CONSORT flow: dates only, no family named.
func (db *DB) TrialConsents(ctx context.Context) ([]ConsentFlowRow, error) {
	return collect(ctx, db, func(s scanner) (ConsentFlowRow, error) {
		var r ConsentFlowRow
		err := s.Scan(&r.Office, asDate(&r.GivenOn), asSet(&r.Withdrawn))
		return r, err
	}, `SELECT f.office_id, c.given_on, c.withdrawn_on FROM trial_consents c JOIN families f ON f.id = c.family_id ORDER BY 1, 2`)
}

// CreateFamilyForTarget creates family f (audited by ev) and links target
// t to it from t.Version, in one transaction: the record and the list
// never disagree about which family an entry became. tev audits the link.
func (db *DB) CreateFamilyForTarget(ctx context.Context, ev, tev holf.AuditEvent, f *holf.Family, t *trial.Target) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		id, err := tx.createFamily(ctx, ev, f)
		if err != nil {
			return 0, err
		}
		t.FamilyID = id
		if err := tx.saveTargetOutcome(ctx, t, formatTime(tx.now)); err != nil {
			return 0, err
		}
		tev.RecordID = t.ID
		return id, tx.appendAudit(ctx, tev)
	})
}

// DateTrialHistory dates the drawn randomisation and the target lists as an
// import of a trial run before HOLF recorded it (the demo's, built today
// about a trial that began months ago): prepared and drawn at the times
// given, the lists imported at lists. The audit log keeps the real times.
func (db *DB) DateTrialHistory(ctx context.Context, ev holf.AuditEvent, prepared, drawn, lists time.Time) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		if _, err := tx.exec(ctx, `UPDATE randomisations SET prepared_at = ?, drawn_at = ? WHERE status = 'drawn'`, formatTime(prepared), formatTime(drawn)); err != nil {
			return 0, fmt.Errorf("date the randomisation: %w", err)
		}
		if _, err := tx.exec(ctx, `UPDATE target_batches SET imported_at = ?`, formatTime(lists)); err != nil {
			return 0, fmt.Errorf("date the target lists: %w", err)
		}
		return 0, nil
	})
}

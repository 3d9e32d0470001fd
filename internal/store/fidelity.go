package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/fidelity"
)

// FidelityFacts gathers what the fidelity indicators count for the given
// offices, in one read snapshot and one statement per kind of record (never
// one per office or family). Records older than since are left out where
// only their own month counts (meetings, contacts, reviews, logs); the
// families' state (consent, mappings, goals) is read whole.
func (db *DB) FidelityFacts(ctx context.Context, offices holf.OfficeSet, since, asOf time.Time, loc *time.Location) (*fidelity.Facts, error) {
	f := &fidelity.Facts{Location: loc, AsOf: asOf}
	in, oargs, none := inOffices("f.office_id", offices)
	if none {
		return f, nil
	}
	sqltx, err := db.read.BeginTx(ctx, db.snapshotOpts())
	if err != nil {
		return nil, mapErr(err)
	}
	defer func() { _ = sqltx.Rollback() }()
	tx := &Tx{tx: sqltx, db: db}
	from := formatTime(since)
	args := func(extra ...any) []any { return append(append([]any{}, extra...), oargs...) }
	inO, _, _ := inOffices("id", offices) // the same arguments, on the offices table
	steps := []func() error{
		func() (err error) {
			f.Offices, err = collect(ctx, tx, func(s scanner) (o fidelity.Office, err error) {
				return o, s.Scan(&o.ID, &o.Name, &o.Arm)
			}, `SELECT id, name, arm FROM offices WHERE 1 = 1`+inO+` ORDER BY name, id`, oargs...)
			return err
		},
		func() (err error) {
			f.Coordinators, err = collect(ctx, tx, func(s scanner) (c fidelity.Staff, err error) {
				return c, s.Scan(&c.PersonID, &c.OfficeID)
			}, `SELECT person_id, office_id FROM role_assignments f WHERE role = 'coordinator' AND office_id IS NOT NULL`+in+` ORDER BY office_id, person_id`, oargs...)
			return err
		},
		func() (err error) {
			f.Families, err = collect(ctx, tx, func(s scanner) (x fidelity.Family, err error) {
				return x, s.Scan(&x.ID, &x.OfficeID, asID(&x.Coordinator), asDate(&x.Consent), asDate(&x.Discharged), asID(&x.Replaces))
			}, `SELECT f.id, f.office_id, f.primary_coordinator_id, f.consent_date, f.discharged_on, f.replaces_family_id
				FROM families f WHERE 1 = 1`+in+` ORDER BY f.id`, oargs...)
			return err
		},
		func() error {
			children, err := collect(ctx, tx, func(s scanner) (c [2]int64, err error) {
				return c, s.Scan(&c[0], &c[1])
			}, `SELECT m.family_id, m.id FROM family_members m JOIN families f ON f.id = m.family_id
				WHERE m.role = 'child' AND m.lives_at_home = 1 AND m.birth_year > ?`+in+` ORDER BY m.family_id, m.position, m.id`,
				args(asOf.Year()-18)...)
			if err != nil {
				return err
			}
			at := map[int64]int{}
			for i, x := range f.Families {
				at[x.ID] = i
			}
			for _, c := range children {
				if i, ok := at[c[0]]; ok {
					f.Families[i].Children = append(f.Families[i].Children, c[1])
				}
			}
			return nil
		},
		func() (err error) {
			f.Mappings, err = collect(ctx, tx, func(s scanner) (m fidelity.MappingSave, err error) {
				var content string
				if err := s.Scan(&m.FamilyID, asTime(&m.Saved), &content); err != nil {
					return m, err
				}
				var fields map[string]string
				if err := json.Unmarshal([]byte(content), &fields); err != nil {
					return m, fmt.Errorf("mapping of family %d: %w", m.FamilyID, err)
				}
				m.ChallengeAreas, m.Children = summariseMapping(fields)
				return m, nil
			}, `SELECT v.family_id, v.saved_at, v.content FROM mapping_versions v JOIN families f ON f.id = v.family_id
				WHERE 1 = 1`+in+` ORDER BY v.family_id, v.version`, oargs...)
			return err
		},
		func() (err error) {
			f.Goals, err = collect(ctx, tx, func(s scanner) (g fidelity.Goal, err error) {
				return g, s.Scan(&g.FamilyID, &g.Area, asID(&g.MemberID), asTime(&g.Created), &g.Dropped)
			}, `SELECT g.family_id, g.area, g.member_id, g.created_at, CASE WHEN g.status = 'dropped' THEN 1 ELSE 0 END
				FROM plan_goals g JOIN families f ON f.id = g.family_id WHERE 1 = 1`+in, oargs...)
			return err
		},
		func() (err error) {
			// A named owner: the coordinator, a family member, a partner on
			// the actor list, or someone named.
			f.Activities, err = collect(ctx, tx, func(s scanner) (a fidelity.Activity, err error) {
				return a, s.Scan(&a.ID, &a.FamilyID, &a.Owner, &a.Named, asTime(&a.Created))
			}, `SELECT a.id, a.family_id, a.responsible_kind,
					CASE WHEN a.responsible_kind = 'coordinator' OR a.responsible_member_id IS NOT NULL OR a.partner_id IS NOT NULL
						OR TRIM(a.responsible_name) <> '' THEN 1 ELSE 0 END, a.created_at
				FROM plan_activities a JOIN families f ON f.id = a.family_id WHERE a.created_at >= ?`+in+` ORDER BY a.id`, args(from)...)
			return err
		},
		func() (err error) {
			// A reflection of under 20 characters in all is as good as empty.
			f.Meetings, err = collect(ctx, tx, func(s scanner) (m fidelity.Meeting, err error) {
				return m, s.Scan(&m.ID, &m.FamilyID, asID(&m.Lead), &m.Held, asTime(&m.Starts), &m.Prep, &m.PrinciplesTools,
					asTime(&m.Reflected), &m.Empty, &m.Copied)
			}, `SELECT m.id, m.family_id, m.lead_id, CASE WHEN m.status = 'held' THEN 1 ELSE 0 END, m.starts_at,
					CASE WHEN TRIM(m.prep_purpose) <> '' OR TRIM(m.prep_main_topic) <> '' THEN 1 ELSE 0 END,
					CASE WHEN m.prep_principles <> '' AND m.prep_tools <> '' THEN 1 ELSE 0 END,
					m.reflected_at,
					CASE WHEN LENGTH(TRIM(m.refl_what || m.refl_participation || m.refl_feedback || m.refl_tools || m.refl_open)) < 20 THEN 1 ELSE 0 END,
					CASE WHEN m.similar_to IS NOT NULL THEN 1 ELSE 0 END
				FROM meetings m JOIN families f ON f.id = m.family_id
				WHERE (m.starts_at >= ? OR m.reflected_at >= ?)`+in+` ORDER BY m.id`, args(from, from)...)
			return err
		},
		func() (err error) {
			f.Contacts, err = collect(ctx, tx, func(s scanner) (c fidelity.Contact, err error) {
				return c, s.Scan(&c.FamilyID, asTime(&c.At))
			}, `SELECT c.family_id, c.at FROM contacts c JOIN families f ON f.id = c.family_id
				WHERE c.kind <> 'call_missed' AND c.at >= ?`+in, args(from)...)
			return err
		},
		func() (err error) {
			f.Reviews, err = collect(ctx, tx, func(s scanner) (r fidelity.Review, err error) {
				return r, s.Scan(&r.ID, &r.OfficeID, &r.FamilyID, &r.Coordinator, asTime(&r.Decided), &r.Meets)
			}, `SELECT f.id, f.office_id, f.family_id, f.requested_by, f.reviewed_at, CASE WHEN f.status = 'meets' THEN 1 ELSE 0 END
				FROM reviews f WHERE f.status <> 'requested' AND f.reviewed_at >= ?`+in+` ORDER BY f.id`, args(from)...)
			return err
		},
		func() (err error) {
			f.Attendance, err = collect(ctx, tx, func(s scanner) (a fidelity.Attendance, err error) {
				return a, s.Scan(&a.PersonID, &a.OfficeID, asTime(&a.Starts), &a.Attended)
			}, `SELECT a.person_id, f.office_id, s.starts_at, a.attended FROM supervision_attendance a
				JOIN supervision_sessions s ON s.id = a.session_id
				JOIN supervision_group_members f ON f.group_id = s.group_id AND f.person_id = a.person_id
				WHERE s.status = 'held' AND s.starts_at >= ?`+in, args(from)...)
			return err
		},
		func() (err error) {
			f.FollowUps, err = collect(ctx, tx, func(s scanner) (u fidelity.FollowUp, err error) {
				var month string
				if err := s.Scan(&u.OfficeID, &u.CoordinatorID, &month); err != nil {
					return u, err
				}
				// The month is kept as its first day.
				u.Month, err = fidelity.ParseMonth(month[:min(len(month), 7)])
				return u, err
			}, `SELECT f.office_id, f.coordinator_id, f.month FROM follow_ups f WHERE f.month >= ?`+in, args(since.Format("2006-01"))...)
			return err
		},
		func() (err error) {
			f.SupportLogs, err = collect(ctx, tx, func(s scanner) (l fidelity.SupportLog, err error) {
				return l, s.Scan(&l.OfficeID, &l.SubjectID, asDate(&l.On))
			}, `SELECT f.office_id, f.subject_id, f.on_date FROM action_logs f WHERE f.kind = 'support' AND f.on_date >= ?`+in,
				args(since.Format(dateFormat))...)
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("fidelity facts: %w", err)
		}
	}
	return f, nil
}

// summariseMapping tells which areas have challenges written and which
// children have a section of their own.
func summariseMapping(fields map[string]string) (areas []string, children []int64) {
	for _, a := range holf.TargetAreas {
		if strings.TrimSpace(fields[holf.AreaKey(a, "challenges")]) != "" {
			areas = append(areas, string(a))
		}
	}
	seen := map[int64]bool{}
	for k, v := range fields {
		rest, ok := strings.CutPrefix(k, "child.")
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		id, _, _ := strings.Cut(rest, ".")
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && !seen[n] {
			seen[n] = true
			children = append(children, n)
		}
	}
	return areas, children
}

// FidelityRun says when an office's maintained figures were computed.
type FidelityRun struct {
	OfficeID   int64
	ComputedAt time.Time
	AsOf       time.Time
	From, To   fidelity.Month
}

// SaveFidelity replaces the maintained figures of the runs' offices with
// cells (by office: their coordinator is not kept), in one transaction
// with its audit entry.
func (db *DB) SaveFidelity(ctx context.Context, ev holf.AuditEvent, runs []FidelityRun, cells []fidelity.Cell) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		var rows, runRows [][]any
		for _, r := range runs {
			if _, err := tx.exec(ctx, `DELETE FROM fidelity_cells WHERE office_id = ?`, r.OfficeID); err != nil {
				return 0, err
			}
			if _, err := tx.exec(ctx, `DELETE FROM fidelity_runs WHERE office_id = ?`, r.OfficeID); err != nil {
				return 0, err
			}
			runRows = append(runRows, []any{r.OfficeID, formatTime(r.ComputedAt), r.AsOf.Format(dateFormat), r.From.String(), r.To.String()})
		}
		for _, c := range cells {
			rows = append(rows, []any{c.Office, c.Month.String(), c.Indicator, c.Version, c.Num, c.Den})
		}
		if len(runRows) > 0 {
			if err := tx.insertRows(ctx, "fidelity_runs", "office_id, computed_at, as_of, month_from, month_to", runRows); err != nil {
				return 0, err
			}
		}
		if len(rows) > 0 {
			if err := tx.insertRows(ctx, "fidelity_cells", "office_id, month, indicator, version, numerator, denominator", rows); err != nil {
				return 0, err
			}
		}
		return 0, nil
	})
}

// FidelityRuns lists the maintained figures' runs for the offices.
func (db *DB) FidelityRuns(ctx context.Context, offices holf.OfficeSet) ([]FidelityRun, error) {
	in, args, none := inOffices("office_id", offices)
	if none {
		return nil, nil
	}
	return collect(ctx, db, func(s scanner) (r FidelityRun, err error) {
		var from, to string
		if err := s.Scan(&r.OfficeID, asTime(&r.ComputedAt), asDate(&r.AsOf), &from, &to); err != nil {
			return r, err
		}
		if r.From, err = fidelity.ParseMonth(from); err != nil {
			return r, err
		}
		r.To, err = fidelity.ParseMonth(to)
		return r, err
	}, `SELECT office_id, computed_at, as_of, month_from, month_to FROM fidelity_runs WHERE 1 = 1`+in+` ORDER BY office_id`, args...)
}

// FidelityCells reads the maintained figures of the offices for months
// from..to, in one statement: one per office, indicator and month.
func (db *DB) FidelityCells(ctx context.Context, offices holf.OfficeSet, p fidelity.Period) ([]fidelity.Cell, error) {
	in, args, none := inOffices("office_id", offices)
	if none {
		return nil, nil
	}
	return collect(ctx, db, func(s scanner) (c fidelity.Cell, err error) {
		var month string
		if err := s.Scan(&c.Office, &month, &c.Indicator, &c.Version, &c.Num, &c.Den); err != nil {
			return c, err
		}
		c.Month, err = fidelity.ParseMonth(month)
		return c, err
	}, `SELECT office_id, month, indicator, version, numerator, denominator FROM fidelity_cells
		WHERE month >= ? AND month <= ?`+in+` ORDER BY office_id, indicator, month`,
		append([]any{p.From.String(), p.To.String()}, args...)...)
}

// StepTime is when a step was first taken: an instant, or a day (consents,
// follow-ups and logs are kept as days).
type StepTime struct {
	At      time.Time
	Instant bool
}

// OfficeMilestones reads the first time each step of implementation was
// taken at office, in one statement. A step not yet taken is absent.
func (db *DB) OfficeMilestones(ctx context.Context, office int64) (map[string]StepTime, error) {
	rows, err := collect(ctx, db, func(s scanner) (kv [2]string, err error) {
		var v *string
		if err := s.Scan(&kv[0], &v); err != nil || v == nil {
			return kv, err
		}
		kv[1] = *v
		return kv, nil
	}, `SELECT 'first_recruited', MIN(consent_date) FROM families WHERE office_id = ?
		UNION ALL SELECT 'target_recruited', (SELECT consent_date FROM families WHERE office_id = ? AND consent_date IS NOT NULL ORDER BY consent_date LIMIT 1 OFFSET 20)
		UNION ALL SELECT 'first_mapping', MIN(v.saved_at) FROM mapping_versions v JOIN families f ON f.id = v.family_id WHERE f.office_id = ?
		UNION ALL SELECT 'first_plan', MIN(g.created_at) FROM plan_goals g JOIN families f ON f.id = g.family_id WHERE f.office_id = ?
		UNION ALL SELECT 'first_fge', MIN(m.starts_at) FROM meetings m JOIN families f ON f.id = m.family_id
			WHERE f.office_id = ? AND m.status = 'held' AND (m.prep_purpose <> '' OR m.prep_main_topic <> '')
		UNION ALL SELECT 'first_supervision', MIN(s.starts_at) FROM supervision_sessions s
			JOIN supervision_attendance a ON a.session_id = s.id AND a.attended = 1
			JOIN supervision_group_members g ON g.group_id = s.group_id AND g.person_id = a.person_id WHERE g.office_id = ? AND s.status = 'held'
		UNION ALL SELECT 'first_review_meets', MIN(reviewed_at) FROM reviews WHERE office_id = ? AND status = 'meets'
		UNION ALL SELECT 'first_followup', MIN(month) FROM follow_ups WHERE office_id = ?
		UNION ALL SELECT 'first_support', MIN(on_date) FROM action_logs WHERE office_id = ? AND kind = 'support'`,
		office, office, office, office, office, office, office, office, office)
	if err != nil {
		return nil, err
	}
	out := map[string]StepTime{}
	for _, kv := range rows {
		switch v := kv[1]; {
		case len(v) == len(timeFormat):
			out[kv[0]] = StepTime{At: parseTime(v), Instant: true}
		case len(v) >= len(dateFormat):
			if t, err := time.Parse(dateFormat, v[:len(dateFormat)]); err == nil {
				out[kv[0]] = StepTime{At: t}
			}
		}
	}
	return out, nil
}

// StudyFamilyCodes maps family ids to their pseudonyms in study code.
func (db *DB) StudyFamilyCodes(ctx context.Context, study string) (map[int64]string, error) {
	rows, err := collect(ctx, db, func(s scanner) (kv struct {
		id   int64
		code string
	}, err error) {
		return kv, s.Scan(&kv.id, &kv.code)
	}, `SELECT c.family_id, c.code FROM study_family_codes c JOIN survey_studies s ON s.id = c.study_id WHERE s.code = ?`, study)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.id] = r.code
	}
	return out, nil
}

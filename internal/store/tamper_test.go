package store_test

import (
	"errors"
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/audit"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/testdb"
)

// history writes a small log: offices, a family, views of it by two
// people and a saved mapping (whose entry holds its content's digest).
func history(t *testing.T, db *store.DB) holf.Family {
	t.Helper()
	o := mustOffice(t, db, "NAV Spor")
	fk := mustPerson(t, db, "fk.spor", holf.Assignment{Role: holf.RoleCoordinator, OfficeID: o.ID})
	f := holf.Family{OfficeID: o.ID, Name: "Familien Spor", PrimaryCoordinatorID: fk.ID, Status: holf.StatusCandidate,
		Members: []holf.Member{{Role: holf.MemberParent, Name: "Mor", BirthYear: 1980, LivesAtHome: true},
			{Role: holf.MemberChild, Name: "Barn", BirthYear: 2015, LivesAtHome: true}}}
	if err := db.CreateFamily(ctx, ev("family.create", "family"), &f); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"fk.spor", "leder.spor", "fk.spor", "leder.spor"} {
		view := holf.AuditEvent{Actor: who, Role: holf.RoleCoordinator, Action: "family.view", RecordType: "family", RecordID: f.ID, Purpose: "test"}
		if err := db.RecordView(ctx, view); err != nil {
			t.Fatal(err)
		}
	}
	m := holf.Mapping{FamilyID: f.ID, Fields: map[string]string{holf.AreaKey(holf.AreaWork, "situation"): "Mor søker jobb."}}
	if err := db.SaveMapping(ctx, ev("mapping.save", "family"), &m); err != nil {
		t.Fatal(err)
	}
	return f
}

// entries reads the whole log, oldest first.
func entries(t *testing.T, db *store.DB) []holf.AuditEvent {
	t.Helper()
	es, err := db.ListAudit(ctx, store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

// rewrite replaces the whole log by es, renumbered from 1 and chained with
// link, and moves the head to its end: what someone with write access and
// without the key can do.
func rewrite(t *testing.T, db *store.DB, es []holf.AuditEvent, link func(prev string, e holf.AuditEvent) string) {
	t.Helper()
	exec(t, db, `DELETE FROM audit_log`)
	prev := ""
	for i, e := range es {
		e.Seq, e.PrevHash = int64(i+1), prev
		e.Hash = link(prev, e)
		exec(t, db, `INSERT INTO audit_log (seq, at, actor_id, actor, role, action, record_type, record_id, purpose, record_ids, data_ref, data_digest, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, e.At.UTC().Format(audit.TimeFormat), e.ActorID, e.Actor, string(e.Role), e.Action,
			e.RecordType, e.RecordID, e.Purpose, audit.JoinIDs(e.RecordIDs), e.DataRef, e.DataDigest, e.PrevHash, e.Hash)
		prev = e.Hash
	}
	exec(t, db, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, int64(len(es)), prev)
}

func exec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if err := store.ExecArgsForTest(ctx, db, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestTwelveTamperings: each way of rewriting the audit log without the key
// is reported by verification against the signed checkpoint, on both
// databases. "Deleting everything" no longer verifies as "intact: 0
// entries".
func TestTwelveTamperings(t *testing.T) {
	plain := audit.Hash
	forged := audit.NewKey() // an intruder's own key
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *store.DB, f holf.Family, cps *[]audit.Checkpoint)
	}{
		{"edit an entry", func(t *testing.T, db *store.DB, _ holf.Family, _ *[]audit.Checkpoint) {
			exec(t, db, `UPDATE audit_log SET purpose = 'nothing to see' WHERE seq = 4`)
		}},
		{"edit and re-hash the chain", func(t *testing.T, db *store.DB, _ holf.Family, _ *[]audit.Checkpoint) {
			es := entries(t, db)
			es[3].Purpose = "nothing to see"
			rewrite(t, db, es, plain)
		}},
		{"edit and re-key the chain with a key of one's own", func(t *testing.T, db *store.DB, _ holf.Family, _ *[]audit.Checkpoint) {
			es := entries(t, db)
			es[3].Actor = "someone-else"
			rewrite(t, db, es, forged.MAC)
		}},
		{"delete an entry", func(t *testing.T, db *store.DB, _ holf.Family, _ *[]audit.Checkpoint) {
			exec(t, db, `DELETE FROM audit_log WHERE seq = 5`)
		}},
		{"delete an entry and renumber", func(t *testing.T, db *store.DB, _ holf.Family, _ *[]audit.Checkpoint) {
			es := entries(t, db)
			rewrite(t, db, append(es[:4:4], es[5:]...), plain)
		}},
		{"insert a forged view", func(t *testing.T, db *store.DB, f holf.Family, _ *[]audit.Checkpoint) {
			es := entries(t, db)
			fake := es[4]
			fake.Actor, fake.Purpose = "auditor", "routine check"
			rewrite(t, db, append(es[:5:5], append([]holf.AuditEvent{fake}, es[5:]...)...), plain)
		}},
		{"truncate the newest entries", func(t *testing.T, db *store.DB, _ holf.Family, _ *[]audit.Checkpoint) {
			exec(t, db, `DELETE FROM audit_log WHERE seq > 6`)
		}},
		{"truncate and rewind the head", func(t *testing.T, db *store.DB, _ holf.Family, _ *[]audit.Checkpoint) {
			es := entries(t, db)
			exec(t, db, `DELETE FROM audit_log WHERE seq > 6`)
			exec(t, db, `UPDATE audit_head SET seq = 6, hash = ? WHERE id = 1`, es[5].Hash)
		}},
		{"erase one person's views", func(t *testing.T, db *store.DB, _ holf.Family, _ *[]audit.Checkpoint) {
			var kept []holf.AuditEvent
			for _, e := range entries(t, db) {
				if !(e.Actor == "leder.spor" && e.Action == "family.view") {
					kept = append(kept, e)
				}
			}
			rewrite(t, db, kept, plain)
		}},
		{"delete everything", func(t *testing.T, db *store.DB, _ holf.Family, _ *[]audit.Checkpoint) {
			exec(t, db, `DELETE FROM audit_log`)
			exec(t, db, `UPDATE audit_head SET seq = 0, hash = '' WHERE id = 1`)
		}},
		{"change the data a write stored", func(t *testing.T, db *store.DB, f holf.Family, _ *[]audit.Checkpoint) {
			exec(t, db, `UPDATE mapping_versions SET content = ? WHERE family_id = ?`, `{"area.work.situation":"Far søker jobb."}`, f.ID)
		}},
		{"forge the checkpoint", func(t *testing.T, db *store.DB, _ holf.Family, cps *[]audit.Checkpoint) {
			es := entries(t, db)
			rewrite(t, db, es[:6], plain)
			c := (*cps)[0]
			c.Seq, c.Hash = 6, entries(t, db)[5].Hash // the signature no longer fits
			*cps = []audit.Checkpoint{c}
		}},
	}
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			detected := 0
			for _, c := range cases {
				db := testdb.Open(t, d, store.Options{AuditKey: audit.NewKey()})
				f := history(t, db)
				cps := pin(t, db)
				if n, err := db.VerifyAudit(ctx, cps); err != nil || n != 8 {
					t.Fatalf("%s: the log before tampering: %d %v", c.name, n, err)
				}
				dropGuards(t, db)
				c.tamper(t, db, f, &cps)
				_, err := db.VerifyAudit(ctx, cps)
				var be *audit.BrokenError
				if !errors.As(err, &be) {
					t.Errorf("%s: not detected (%v)", c.name, err)
					continue
				}
				detected++
				// A checkpoint taken now (the server takes one a minute)
				// checks the log since the last one before it signs; when
				// the tampering lies before that, signing it must still not
				// make the log verify.
				if next, err := db.Checkpoint(ctx, cps); err == nil {
					if _, err := db.VerifyAudit(ctx, append(cps, next)); !errors.As(err, &be) {
						t.Errorf("%s: a later checkpoint made the tampered log verify", c.name)
					}
				}
			}
			if detected != len(cases) {
				t.Fatalf("%d of %d tamperings detected", detected, len(cases))
			}
			t.Logf("%d of %d tamperings detected", detected, len(cases))
		})
	}
}

// TestAuditWithoutCheckpointIsNotIntact: a log with entries that no signed
// checkpoint vouches for does not verify; an empty new log does.
func TestAuditWithoutCheckpointIsNotIntact(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		if n, err := db.VerifyAudit(ctx, nil); err != nil || n != 0 {
			t.Fatalf("an empty log: %d %v", n, err)
		}
		history(t, db)
		var be *audit.BrokenError
		if _, err := db.VerifyAudit(ctx, nil); !errors.As(err, &be) {
			t.Fatalf("a log without checkpoints verified: %v", err)
		}
	})
}

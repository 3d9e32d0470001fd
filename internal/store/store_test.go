package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/audit"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/testdb"
)

var ctx = context.Background()

func ev(action, recordType string) holf.AuditEvent {
	return holf.AuditEvent{ActorID: 0, Actor: "test", Role: "system", Action: action, RecordType: recordType, Purpose: "testing"}
}

func mustOffice(t *testing.T, db *store.DB, name string) holf.Office {
	t.Helper()
	o := holf.Office{Name: name, Municipality: "Oslo", Arm: holf.ArmIntervention}
	if err := o.Validate(); err != nil { // as every door does: the store stores valid records
		t.Fatal(err)
	}
	if err := db.CreateOffice(ctx, ev("office.create", "office"), &o); err != nil {
		t.Fatalf("create office: %v", err)
	}
	return o
}

func mustPerson(t *testing.T, db *store.DB, username string, as ...holf.Assignment) holf.Person {
	t.Helper()
	p := holf.Person{Username: username, Name: "Test " + username, Assignments: as}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := db.CreatePerson(ctx, ev("person.create", "person"), &p, "hash"); err != nil {
		t.Fatalf("create person: %v", err)
	}
	return p
}

func TestMigrateIsIdempotentAndVersioned(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		applied, err := db.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second migrate applied %d, err %v; want 0, nil", len(applied), err)
		}
		st, err := db.Status(ctx)
		if err != nil || st.Current != st.Latest || st.Latest < 2 {
			t.Fatalf("status %+v err %v", st, err)
		}
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatalf("check schema: %v", err)
		}
	})
}

func TestFailedMigrationLeavesDatabaseUnchanged(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			dsn := testdb.DSN(t, d)
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ms, err := store.Migrations(d)
			if err != nil {
				t.Fatal(err)
			}
			bad := append(ms, store.Migration{Version: len(ms) + 1, Name: "broken", SQL: "CREATE TABLE good_table (id INTEGER); THIS IS NOT SQL;", Checksum: "x"})
			if _, err := store.MigrateWith(ctx, db, bad); err == nil {
				t.Fatal("broken migration succeeded")
			}
			st, err := db.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Current != 0 {
				t.Fatalf("schema version %d after failed migration, want 0 (nothing applied)", st.Current)
			}
			if _, err := db.ListOffices(ctx, store.OfficeFilter{Offices: holf.AllOffices()}); err == nil {
				t.Fatal("offices table exists after a failed migration run")
			}
			// The good migrations still apply afterwards.
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate after failure: %v", err)
			}
		})
	}
}

func TestMigrateRefusesNewerOrEditedSchema(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ms, _ := store.Migrations(db.Dialect())
		newer := append(ms, store.Migration{Version: len(ms) + 1, Name: "future", SQL: "CREATE TABLE future_t (id INTEGER)", Checksum: "f"})
		if _, err := store.MigrateWith(ctx, db, newer); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("migrate on a newer schema: %v, want refusal naming a newer schema", err)
		}
		if err := db.CheckSchema(ctx); err == nil {
			t.Fatal("CheckSchema accepted a newer schema")
		}
		edited := append([]store.Migration{}, newer...)
		edited[0].Checksum = "edited"
		if _, err := store.MigrateWith(ctx, db, edited); err == nil || !strings.Contains(err.Error(), "changed") {
			t.Fatalf("edited migration: %v, want refusal", err)
		}
	})
}

func TestMigrationFilesAreComplete(t *testing.T) {
	fs := fstest.MapFS{
		"m/0001_a.sql":          {Data: []byte("x")},
		"m/0002_b.sqlite.sql":   {Data: []byte("x")},
		"m/0002_b.postgres.sql": {Data: []byte("x")},
		"m/0004_gap.sql":        {Data: []byte("x")},
	}
	if _, err := store.LoadMigrations(fs, "m", store.SQLite); err == nil {
		t.Fatal("a gap in versions was accepted")
	}
	for _, d := range testdb.Dialects {
		if _, err := store.Migrations(d); err != nil {
			t.Fatalf("%s migrations: %v", d, err)
		}
	}
}

func TestOfficeVersionConflict(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := mustOffice(t, db, "NAV Alna")
		a, b := o, o
		a.Name = "NAV Alna øst"
		if err := db.UpdateOffice(ctx, ev("office.update", "office"), &a); err != nil {
			t.Fatal(err)
		}
		b.Municipality = "Bærum"
		err := db.UpdateOffice(ctx, ev("office.update", "office"), &b)
		if holf.ErrorCode(err) != holf.EConflict {
			t.Fatalf("stale update: %v, want conflict", err)
		}
		got, _ := db.GetOffice(ctx, o.ID)
		if got.Name != "NAV Alna øst" || got.Municipality != "Oslo" || got.Version != 2 {
			t.Fatalf("stored %+v: the stale write must change nothing", got)
		}
		_, err = db.GetOffice(ctx, 9999)
		if holf.ErrorCode(err) != holf.ENotFound {
			t.Fatalf("missing office: %v, want not found", err)
		}
		missing := holf.Office{ID: 9999, Name: "x", Municipality: "y", Arm: holf.ArmNone, Version: 1}
		if err := db.UpdateOffice(ctx, ev("office.update", "office"), &missing); holf.ErrorCode(err) != holf.ENotFound {
			t.Fatalf("update of missing office: %v, want not found", err)
		}
		dup := holf.Office{Name: "NAV Alna øst", Municipality: "Oslo", Arm: holf.ArmNone}
		if err := db.CreateOffice(ctx, ev("office.create", "office"), &dup); holf.ErrorCode(err) != holf.EConflict {
			t.Fatalf("duplicate office name: %v, want conflict", err)
		}
	})
}

func TestConcurrentUpdatesOneWins(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := mustOffice(t, db, "NAV Fana")
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c := o
				c.Municipality = "Bergen " + string(rune('A'+i))
				errs[i] = db.UpdateOffice(ctx, ev("office.update", "office"), &c)
			}(i)
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch holf.ErrorCode(err) {
			case "":
				ok++
			case holf.EConflict:
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d concurrent updates of the same version succeeded, want exactly 1", ok)
		}
		if n, err := db.VerifyAudit(ctx, pin(t, db)); err != nil {
			t.Fatalf("audit after concurrent writes: %d %v", n, err)
		}
	})
}

func TestPeopleAndAssignments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		a := mustOffice(t, db, "NAV A")
		b := mustOffice(t, db, "NAV B")
		p := mustPerson(t, db, "ts1", holf.Assignment{Role: holf.RoleTrainingSupport, OfficeID: a.ID}, holf.Assignment{Role: holf.RoleTrainingSupport, OfficeID: b.ID})
		mustPerson(t, db, "fk.a", holf.Assignment{Role: holf.RoleCoordinator, OfficeID: a.ID})
		mustPerson(t, db, "fk.b", holf.Assignment{Role: holf.RoleCoordinator, OfficeID: b.ID})
		mustPerson(t, db, "admin", holf.Assignment{Role: holf.RoleAdministrator})

		got, err := db.GetPerson(ctx, p.ID)
		if err != nil || len(got.Assignments) != 2 {
			t.Fatalf("get person: %+v %v", got, err)
		}
		dup := holf.Person{Username: "ts1", Name: "Other"}
		err = db.CreatePerson(ctx, ev("person.create", "person"), &dup, "")
		var he *holf.Error
		if !errors.As(err, &he) || he.Code != holf.EInvalid || he.Fields[0].Key != "err.username_taken" {
			t.Fatalf("duplicate username: %v", err)
		}
		inA, err := db.ListPeople(ctx, store.PeopleFilter{Offices: holf.Offices(a.ID)})
		if err != nil || len(inA) != 2 {
			t.Fatalf("people of office A: %d %v, want 2", len(inA), err)
		}
		coords, _ := db.ListPeople(ctx, store.PeopleFilter{Role: holf.RoleCoordinator, Offices: holf.AllOffices()})
		if len(coords) != 2 {
			t.Fatalf("coordinators: %d, want 2", len(coords))
		}
		none, _ := db.ListPeople(ctx, store.PeopleFilter{Offices: holf.Offices()})
		if len(none) != 0 {
			t.Fatalf("an empty office filter must list nobody, got %d", len(none))
		}
		if zero, _ := db.ListPeople(ctx, store.PeopleFilter{}); len(zero) != 0 {
			t.Fatalf("a filter built from nothing must list nobody, got %d", len(zero))
		}
		bad := holf.Person{Username: "x1", Name: "X", Assignments: []holf.Assignment{{Role: holf.RoleCoordinator, OfficeID: 4242}}}
		if err := db.CreatePerson(ctx, ev("person.create", "person"), &bad, ""); holf.ErrorCode(err) != holf.EInvalid {
			t.Fatalf("assignment to a missing office: %v, want invalid", err)
		}
		if _, err := db.GetPersonByUsername(ctx, "x1"); holf.ErrorCode(err) != holf.ENotFound {
			t.Fatalf("the failed create left a person behind: %v", err)
		}
	})
}

func TestSessionsExpireAndEndOnDisable(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			clock := testdb.NewClock()
			db := testdb.Open(t, d, store.Options{Now: clock.Now})
			p := mustPerson(t, db, "fk", holf.Assignment{Role: holf.RoleAdministrator})
			pol := store.SessionPolicy{Idle: 30 * time.Minute, Absolute: 10 * time.Hour}
			login := func(id string) {
				if err := db.CreateSession(ctx, ev("session.login", "person"), p.ID, id, "csrf", ""); err != nil {
					t.Fatal(err)
				}
			}
			login("s1")
			if a, err := db.SessionActor(ctx, "s1", pol); err != nil || a.PersonID != p.ID || a.CSRFToken != "csrf" {
				t.Fatalf("fresh session: %+v %v", a, err)
			}
			clock.Advance(31 * time.Minute)
			if _, err := db.SessionActor(ctx, "s1", pol); holf.ErrorCode(err) != holf.EUnauthorized {
				t.Fatalf("idle session: %v, want unauthorized", err)
			}
			login("s2")
			for i := 0; i < 21; i++ { // active every 29 minutes for 10 h 9 min
				clock.Advance(29 * time.Minute)
				_, err := db.SessionActor(ctx, "s2", pol)
				if i < 20 && err != nil {
					t.Fatalf("active session ended early at step %d: %v", i, err)
				}
				if i == 20 && holf.ErrorCode(err) != holf.EUnauthorized {
					t.Fatalf("session older than 10 h: %v, want unauthorized", err)
				}
			}
			login("s3")
			login("s4")
			if err := db.SetDisabled(ctx, ev("person.disable", "person"), p.ID, true); err != nil {
				t.Fatal(err)
			}
			if n, _ := db.CountSessions(ctx, p.ID); n != 0 {
				t.Fatalf("%d sessions left after disabling", n)
			}
			if _, err := db.SessionActor(ctx, "s3", pol); holf.ErrorCode(err) != holf.EUnauthorized {
				t.Fatalf("session of disabled account: %v", err)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		p := mustPerson(t, db, "api", holf.Assignment{Role: holf.RoleResearcher})
		tok, err := db.CreateToken(ctx, ev("token.create", "token"), p.ID, "export", "h1")
		if err != nil {
			t.Fatal(err)
		}
		if a, err := db.TokenActor(ctx, "h1"); err != nil || a.PersonID != p.ID || a.Via != "token" {
			t.Fatalf("token actor: %+v %v", a, err)
		}
		if _, err := db.TokenActor(ctx, "nope"); holf.ErrorCode(err) != holf.EUnauthorized {
			t.Fatalf("unknown token: %v", err)
		}
		if err := db.RevokeToken(ctx, ev("token.revoke", "token"), tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TokenActor(ctx, "h1"); holf.ErrorCode(err) != holf.EUnauthorized {
			t.Fatalf("revoked token: %v", err)
		}
		if err := db.RevokeToken(ctx, ev("token.revoke", "token"), 999); holf.ErrorCode(err) != holf.ENotFound {
			t.Fatalf("revoke missing token: %v", err)
		}
	})
}

func TestThrottleWaitsGrowAndAreForgotten(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			clock := testdb.NewClock()
			db := testdb.Open(t, d, store.Options{Now: clock.Now})
			rules := []store.ThrottleRule{{Key: "pair:kari|10.0.0.1", Free: 3, Max: 10 * time.Second, Forget: time.Hour}}
			for i := 0; i < 3; i++ {
				if wait, err := db.Attempt(ctx, store.LoginThrottle, rules); err != nil || wait != 0 {
					t.Fatalf("free attempt %d: %v %v", i, wait, err)
				}
			}
			// Past the free ones, each wait doubles up to Max.
			for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
				wait, err := db.Attempt(ctx, store.LoginThrottle, rules)
				if err != nil || wait != want {
					t.Fatalf("wait %v %v, want %v", wait, err, want)
				}
				if again, _ := db.Attempt(ctx, store.LoginThrottle, rules); again != want {
					t.Fatalf("a refused attempt changed the wait: %v", again)
				}
				clock.Advance(want)
				if wait, _ := db.Attempt(ctx, store.LoginThrottle, rules); wait != 0 {
					t.Fatalf("after the wait: %v", wait)
				}
			}
			// Links have their own table.
			if wait, _ := db.Blocked(ctx, store.LinkThrottle, rules); wait != 0 {
				t.Fatalf("the link throttle shares the sign-in counts: %v", wait)
			}
			clock.Advance(2 * time.Hour)
			if wait, _ := db.Attempt(ctx, store.LoginThrottle, rules); wait != 0 {
				t.Fatalf("old failures not forgotten: %v", wait)
			}
			for i := 0; i < 5; i++ {
				_, _ = db.Attempt(ctx, store.LoginThrottle, rules)
			}
			if err := db.Clear(ctx, store.LoginThrottle, rules[0].Key); err != nil {
				t.Fatal(err)
			}
			if wait, _ := db.Attempt(ctx, store.LoginThrottle, rules); wait != 0 {
				t.Fatalf("cleared failures still count: %v", wait)
			}
		})
	}
}

func TestAuditChainDetectsTampering(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		for i := 0; i < 5; i++ {
			mustOffice(t, db, "NAV "+string(rune('A'+i)))
		}
		cps := pin(t, db)
		if n, err := db.VerifyAudit(ctx, cps); err != nil || n != 5 {
			t.Fatalf("verify fresh log: %d %v", n, err)
		}
		// The database itself refuses edits.
		if err := store.ExecForTest(ctx, db, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`); err == nil {
			t.Fatal("the audit log accepted an UPDATE")
		}
		if err := store.ExecForTest(ctx, db, `DELETE FROM audit_log WHERE seq = 2`); err == nil {
			t.Fatal("the audit log accepted a DELETE")
		}
		// Someone with full database access removes the guard and edits an entry.
		dropGuards(t, db)
		if err := store.ExecForTest(ctx, db, `UPDATE audit_log SET purpose = 'nothing to see' WHERE seq = 3`); err != nil {
			t.Fatal(err)
		}
		_, err := db.VerifyAudit(ctx, cps)
		var be *audit.BrokenError
		if !errors.As(err, &be) || be.Seq != 3 {
			t.Fatalf("verify after editing entry 3: %v, want broken at 3", err)
		}
	})
}

func TestAuditChainDetectsDeletion(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		for i := 0; i < 4; i++ {
			mustOffice(t, db, "NAV "+string(rune('A'+i)))
		}
		cps := pin(t, db)
		dropGuards(t, db)
		if err := store.ExecForTest(ctx, db, `DELETE FROM audit_log WHERE seq = 4`); err != nil {
			t.Fatal(err)
		}
		var be *audit.BrokenError
		if _, err := db.VerifyAudit(ctx, cps); !errors.As(err, &be) || be.Seq != 4 {
			t.Fatalf("verify after deleting the newest entry: %v, want broken at 4", err)
		}
		if err := store.ExecForTest(ctx, db, `DELETE FROM audit_log WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.VerifyAudit(ctx, cps); !errors.As(err, &be) || be.Seq != 2 {
			t.Fatalf("verify after deleting entry 2: %v, want broken at 2", err)
		}
	})
}

func dropGuards(t *testing.T, db *store.DB) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if db.Dialect() == store.Postgres {
		stmts = []string{`DROP TRIGGER audit_log_no_change ON audit_log`}
	}
	for _, s := range stmts {
		if err := store.ExecForTest(ctx, db, s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteRollsBackWhenAuditFails(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := holf.Office{Name: "NAV Rollback", Municipality: "Oslo", Arm: holf.ArmNone}
		bad := ev("office.create", "office")
		bad.Purpose = "" // an audit entry without purpose cannot be written
		if err := db.CreateOffice(ctx, bad, &o); err == nil {
			t.Fatal("write succeeded without its audit entry")
		}
		offices, _ := db.ListOffices(ctx, store.OfficeFilter{Offices: holf.AllOffices()})
		if len(offices) != 0 {
			t.Fatalf("the office was stored although its audit entry failed: %+v", offices)
		}
		// A failing audit insert (here: the table is gone) also rolls the write back.
		if err := store.ExecForTest(ctx, db, `ALTER TABLE audit_log RENAME TO audit_log_moved`); err != nil {
			t.Fatal(err)
		}
		o2 := holf.Office{Name: "NAV Rollback 2", Municipality: "Oslo", Arm: holf.ArmNone}
		if err := db.CreateOffice(ctx, ev("office.create", "office"), &o2); err == nil {
			t.Fatal("write succeeded although the audit insert failed")
		}
		if err := store.ExecForTest(ctx, db, `ALTER TABLE audit_log_moved RENAME TO audit_log`); err != nil {
			t.Fatal(err)
		}
		offices, _ = db.ListOffices(ctx, store.OfficeFilter{Offices: holf.AllOffices()})
		if len(offices) != 0 {
			t.Fatalf("write kept without audit: %+v", offices)
		}
	})
}

func TestConcurrentAuditAppendsKeepOneChain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := db.RecordView(ctx, ev("person.view", "person")); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n, err := db.VerifyAudit(ctx, pin(t, db)); err != nil || n != 20 {
			t.Fatalf("verify after concurrent appends: %d %v", n, err)
		}
	})
}

func TestListAuditFilters(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := mustOffice(t, db, "NAV X")
		p := mustPerson(t, db, "fk")
		view := ev("person.view", "person")
		view.RecordID, view.ActorID, view.Actor = p.ID, 7, "leder"
		if err := db.RecordView(ctx, view); err != nil {
			t.Fatal(err)
		}
		got, err := db.ListAudit(ctx, store.AuditFilter{RecordType: "person", RecordID: p.ID})
		if err != nil || len(got) != 2 {
			t.Fatalf("entries for person: %d %v, want 2 (create, view)", len(got), err)
		}
		got, _ = db.ListAudit(ctx, store.AuditFilter{Actor: "leder"})
		if len(got) != 1 || got[0].Action != "person.view" {
			t.Fatalf("entries by actor: %+v", got)
		}
		got, _ = db.ListAudit(ctx, store.AuditFilter{RecordType: "office", RecordID: o.ID})
		if len(got) != 1 {
			t.Fatalf("entries for office: %+v", got)
		}
		got, _ = db.ListAudit(ctx, store.AuditFilter{Since: time.Now().Add(time.Hour)})
		if len(got) != 0 {
			t.Fatalf("entries in the future: %+v", got)
		}
	})
}

// pin signs the audit log's head now: the checkpoint a verification
// afterwards checks against.
func pin(t *testing.T, db *store.DB) []audit.Checkpoint {
	t.Helper()
	c, err := db.Checkpoint(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	return []audit.Checkpoint{c}
}

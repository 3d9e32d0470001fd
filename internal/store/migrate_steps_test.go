package store_test

import (
	"fmt"
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/testdb"
)

// TestDataMigrationsConvertExistingRows builds a database at schema version
// 6 with rows in the old shapes (timeline details packed into strings, two
// families sharing a family code), migrates it to the latest version and
// reads the rows back in the new shapes.
func TestDataMigrationsConvertExistingRows(t *testing.T) {
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
			if _, err := store.MigrateWith(ctx, db, ms[:6]); err != nil {
				t.Fatal(err)
			}
			raw := testdb.Raw(t, dsn)
			now := "2026-11-01T09:00:00.000000Z"
			for _, q := range []string{
				`INSERT INTO offices (id, name, municipality, arm, target_areas, version, created_at, updated_at) VALUES (1, 'NAV X', 'Oslo', 'none', 'work', 1, '` + now + `', '` + now + `')`,
				`INSERT INTO families (id, office_id, name, status, version, created_at, updated_at) VALUES (1, 1, 'A', 'discharged', 1, '` + now + `', '` + now + `')`,
				`INSERT INTO families (id, office_id, name, status, version, created_at, updated_at) VALUES (2, 1, 'B', 'active', 1, '` + now + `', '` + now + `')`,
				`INSERT INTO family_events (family_id, at, on_date, kind, actor_id, actor, detail) VALUES
					(1, '` + now + `', '2026-10-01', 'created', 1, 'fk', 'candidate'),
					(1, '` + now + `', '2026-10-02', 'updated', 1, 'fk', 'name,member_added:Ali Hassan'),
					(1, '` + now + `', '2026-10-03', 'mapping', 1, 'fk', '3'),
					(1, '` + now + `', '2026-10-04', 'plan', 1, 'fk', 'activity.done|Søke barnehageplass'),
					(1, '` + now + `', '2026-10-05', 'discharged', 1, 'fk', 'discharged:moved – flyttet til Bergen'),
					(1, '` + now + `', '2026-10-06', 'replaced_by', 1, 'fk', '2'),
					(2, '` + now + `', '2026-10-07', 'active', 1, 'fk', 'active')`,
				`INSERT INTO survey_studies (id, code, definition, created_at) VALUES (1, 'holf', '{}', '` + now + `')`,
				`INSERT INTO respondents (study_id, code, family_code, grp, office_id, family_id, created_at) VALUES
					(1, 'PAAAAA1', 'FSHARED', 'parents', 1, 1, '` + now + `'),
					(1, 'PAAAAA2', 'FSHARED', 'parents', 1, 1, '` + now + `'),
					(1, 'PAAAAA3', 'FSHARED', 'parents', 1, 2, '` + now + `')`,
			} {
				if _, err := raw.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			events, err := db.FamilyEvents(ctx, 1)
			if err != nil || len(events) != 6 {
				t.Fatalf("events: %d %v", len(events), err)
			}
			want := []holf.EventDetails{
				{Status: holf.StatusCandidate},
				{Changes: []holf.FamilyChange{{What: "name"}, {What: "member_added", Name: "Ali Hassan"}}},
				{Version: 3},
				{PlanChange: "activity.done", Item: "Søke barnehageplass"},
				{Reason: holf.ReasonMoved, Note: "flyttet til Bergen"},
				{Family: 2},
			}
			for i, e := range events {
				if got, w := fmtDetails(e.Details), fmtDetails(want[i]); got != w {
					t.Errorf("event %d (%s): %s, want %s", i, e.Kind, got, w)
				}
			}
			if events, _ := db.FamilyEvents(ctx, 2); len(events) != 1 || events[0].Details.Note != "" {
				t.Errorf("an event without a note got one: %+v", events)
			}
			pairs, err := store.StringsForTest(ctx, db, `SELECT DISTINCT family_code FROM respondents WHERE family_id = 1`)
			if err != nil || len(pairs) != 1 || pairs[0] != "FSHARED" {
				t.Fatalf("the first family keeps its code for both parents: %v %v", pairs, err)
			}
			other, err := store.StringsForTest(ctx, db, `SELECT code FROM study_family_codes WHERE family_id = 2`)
			if err != nil || len(other) != 1 || other[0] == "FSHARED" {
				t.Fatalf("the second family still shares the code: %v %v", other, err)
			}
			if mine, _ := store.StringsForTest(ctx, db, `SELECT family_code FROM respondents WHERE family_id = 2`); len(mine) != 1 || mine[0] != other[0] {
				t.Fatalf("the second family's parent was not given its new code: %v", mine)
			}
			if _, err := raw.Exec(`INSERT INTO study_family_codes (study_id, family_id, code) VALUES (1, 3, 'FSHARED')`); err == nil {
				t.Fatal("a family code could be given to a second family")
			}
		})
	}
}

func fmtDetails(d holf.EventDetails) string {
	return fmt.Sprintf("%+v", d)
}

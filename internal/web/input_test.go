package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBadBytesAreRefusedAtTheEdge: NUL, other control characters and broken
// UTF-8 in a form, a query or a JSON body are refused with a 422 that names
// the field, the same on both databases (PostgreSQL answered NUL with a
// 500, SQLite stored it); texts have length limits and dates plausible
// years; nothing is stored.
func TestBadBytesAreRefusedAtTheEdge(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		fk, api := f.client().login("fk.a"), f.api("fk.a")
		families := func() int {
			fams, err := f.app.Families.List(t.Context(), mustActor(t, f, "fk.a"), familyQueryAll)
			if err != nil {
				t.Fatal(err)
			}
			return len(fams)
		}
		before := families()
		for name, v := range map[string]string{"NUL": "Familien \x00Ali", "broken UTF-8": "Familien \xffAli", "bell": "Familien \aAli"} {
			form := newFamilyForm(f, v)
			if r := fk.post("/families", form); r.StatusCode != 422 || !strings.Contains(r.body, "name") {
				t.Errorf("form with %s in the name: %d", name, r.StatusCode)
			}
		}
		form := newFamilyForm(f, "Familien Lang")
		form.Set("member_0_country", strings.Repeat("Somalia ", 112500)) // 900 000 characters
		if r := fk.post("/families", form); r.StatusCode != 422 || !strings.Contains(r.body, `href="#member_0_country"`) {
			t.Errorf("a country of birth of 900 000 characters: %d", r.StatusCode)
		}
		if n := families(); n != before {
			t.Fatalf("a refused family was stored: %d families, was %d", n, before)
		}
		if r := fk.get("/families?q=" + url.QueryEscape("Ali\x00")); r.StatusCode != 422 {
			t.Errorf("a search with NUL: %d", r.StatusCode)
		}
		if r := fk.get("/families?q=" + strings.Repeat("a", 50001)); r.StatusCode != 422 {
			t.Errorf("a search of 50 001 bytes: %d", r.StatusCode)
		}
		// The API names the field by its JSON path.
		fam, err := f.app.Families.Get(t.Context(), mustActor(t, f, "fk.a"), f.famA.ID)
		if err != nil {
			t.Fatal(err)
		}
		patch := func(body string) response {
			return api.do("PATCH", fmt.Sprintf("/api/v1/families/%d", fam.ID), strings.NewReader(body),
				http.Header{"Content-Type": {"application/json"}, "If-Match": {etag("family", fam.ID, fam.Version)}})
		}
		if r := patch(`{"notes": "a\u0000b"}`); r.StatusCode != 422 || !strings.Contains(r.body, `"field":"notes"`) {
			t.Errorf("API, NUL in notes: %d %s", r.StatusCode, r.body)
		}
		if r := patch("{\"notes\": \"a\xffb\"}"); r.StatusCode != 400 {
			t.Errorf("API, broken UTF-8: %d %s", r.StatusCode, r.body)
		}
		if r := patch(`{"members": [{"role": "parent", "name": "x\u0007", "birth_year": 1980, "lives_at_home": true}]}`); r.StatusCode != 422 || !strings.Contains(r.body, `"field":"members.0.name"`) {
			t.Errorf("API, a control character in a member's name: %d %s", r.StatusCode, r.body)
		}
		if got, _ := f.db.GetFamily(t.Context(), fam.ID); got.Version != fam.Version {
			t.Fatal("a refused patch changed the family")
		}
		// Dates are plausible.
		goal := fk.post(fmt.Sprintf("/families/%d/plan/goals", fam.ID), url.Values{"title": {"Arbeid"}, "area": {"work"}})
		if goal.StatusCode != http.StatusSeeOther {
			t.Fatalf("goal: %d", goal.StatusCode)
		}
		plan, _ := f.db.Plan(t.Context(), fam.ID)
		r := fk.post(fmt.Sprintf("/families/%d/plan/activities", fam.ID), url.Values{"goal": {fmt.Sprint(plan.Goals[0].ID)}, "title": {"Søke"},
			"responsible": {"coordinator"}, "due": {"0000-01-01"}})
		if r.StatusCode != 422 || !strings.Contains(r.body, `href="#due"`) {
			t.Errorf("a due date in year 0: %d", r.StatusCode)
		}
	})
}

// TestHeadWorksWhereGetDoes: HEAD answers like GET, with no body, for a
// signed-in browser and for an anonymous one (the login redirect).
func TestHeadWorksWhereGetDoes(t *testing.T) {
	f := newFixture(t, "sqlite")
	fk := f.client().login("fk.a")
	paths := []string{"/", "/families", "/families?status=all", fmt.Sprintf("/families/%d", f.famA.ID), fmt.Sprintf("/families/%d/plan", f.famA.ID),
		fmt.Sprintf("/families/%d/mapping", f.famA.ID), "/offices", "/people", "/surveys", "/healthz", "/static/app.css"}
	for _, p := range paths {
		get, head := fk.get(p), fk.do("HEAD", p, nil, nil)
		if head.StatusCode != get.StatusCode || head.body != "" {
			t.Errorf("HEAD %s: %d (%d bytes), GET %d", p, head.StatusCode, len(head.body), get.StatusCode)
		}
	}
	anon := f.client()
	if r := anon.do("HEAD", "/families", nil, nil); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("anonymous HEAD: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
)

// TestFidelityPagesByRole checks who reaches which fidelity page: project
// management every office but never the families behind a figure; a leader
// the own office and its records (audited); a coordinator only their own
// figures; a bad period is a 422 naming the field, with the default shown.
func TestFidelityPagesByRole(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		_, err := f.app.Families.ChangeStatus(context.Background(), mustActor(t, f, "fk.a"), holf.StatusChange{FamilyID: f.famA.ID, Version: f.famA.Version,
			To: holf.StatusRecruited, On: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		fk := f.client().login("fk.a")
		if r := fk.post(fmt.Sprintf("/families/%d/contacts", f.famA.ID), url.Values{"kind": {"sms"}, "date": {"2026-11-20"}, "time": {"10:00"}, "note": {"Påminnelse"}}); r.StatusCode >= 400 {
			t.Fatalf("contact: %d %s", r.StatusCode, r.body)
		}
		a, b := f.offA.ID, f.offB.ID
		pm := f.client().login("pm")
		leader := f.client().login("leder.a")
		cases := []struct {
			who  *client
			path string
			want int
		}{
			{pm, "/fidelity", 200},
			{pm, fmt.Sprintf("/fidelity/offices/%d", a), 200},
			{pm, fmt.Sprintf("/fidelity/offices/%d/no_contact", a), 200},
			{pm, fmt.Sprintf("/fidelity/offices/%d/telepathy", a), 404},
			{pm, "/fidelity/mine", 403},
			{leader, fmt.Sprintf("/fidelity/offices/%d", a), 200},
			{leader, fmt.Sprintf("/fidelity/offices/%d", b), 404},
			{leader, "/fidelity", 200},
			{fk, "/fidelity", 403},
			{fk, fmt.Sprintf("/fidelity/offices/%d", a), 404}, // a record route hides what it denies
			{fk, "/fidelity/mine", 200},
			{f.client().login("admin"), "/fidelity", 403},
		}
		for _, c := range cases {
			if r := c.who.get(c.path); r.StatusCode != c.want {
				t.Errorf("%s: %d, want %d", c.path, r.StatusCode, c.want)
			}
		}
		// The leader's overview lists the own office only.
		if r := leader.get("/fidelity"); strings.Contains(r.body, "NAV Bjerke") || !strings.Contains(r.body, "NAV Alna") {
			t.Errorf("leader's overview shows other offices: %s", r.body)
		}
		// Project management sees the figure, not who is behind it.
		drill := fmt.Sprintf("/fidelity/offices/%d/contacts_per_family?from=2026-11&to=2026-11&month=2026-11", a)
		if r := pm.get(drill); r.StatusCode != 200 || strings.Contains(r.body, "Familien Alnes") || strings.Contains(r.body, `id="records"`) {
			t.Errorf("project management's drill-down: %d %s", r.StatusCode, r.body)
		}
		r := leader.get(drill)
		if r.StatusCode != 200 || !strings.Contains(r.body, `id="records"`) || !strings.Contains(r.body, "Familien Alnes") {
			t.Fatalf("leader's drill-down: %d %s", r.StatusCode, r.body)
		}
		wantAudited(t, f, store.AuditFilter{ActorID: f.id("leder.a")}, "fidelity.drill")
		// A bad period: the field is named, the page still shows the default.
		r = pm.get("/fidelity?from=2026-13&to=2026-01")
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, `href="#from"`) || !strings.Contains(r.body, "Skriv en måned som ÅÅÅÅ-MM.") || !strings.Contains(r.body, "NAV Alna") {
			t.Errorf("bad period: %d %s", r.StatusCode, r.body)
		}
		if r := pm.get("/fidelity?from=2026-11&to=2026-01"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Perioden kan ikke slutte før den begynner.") {
			t.Errorf("period backwards: %d", r.StatusCode)
		}
		// An intervention noted from the office page goes back there; any
		// other return address is ignored.
		note := url.Values{"office": {fmt.Sprint(a)}, "subject": {fmt.Sprint(f.id("leder.a"))}, "on": {"2026-11-23"}, "channel": {"phone"},
			"topic": {"Kontaktet lederen om avdrift: Familier uten kontakt."}}
		for back, want := range map[string]string{
			fmt.Sprintf("/fidelity/offices/%d", a):    fmt.Sprintf("/fidelity/offices/%d?notice=saved", a),
			"https://evil.example/fidelity/offices/1": "/logs?notice=saved",
			"/fidelity/offices//evil.example":         "/logs?notice=saved",
		} {
			note.Set("back", back)
			if r := pm.post("/logs", note); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != want {
				t.Errorf("note with back %q: %d %s", back, r.StatusCode, r.Header.Get("Location"))
			}
		}
		// The API gives the overview as data, null where there is nothing to count.
		api := f.api("pm")
		r = api.get("/api/v1/fidelity?from=2026-11&to=2026-11")
		if body := compactJSON(t, r.body); r.StatusCode != 200 || !strings.Contains(body, `"indicator":"contacts_per_family","version":1,"model_only":false,"numerator":1,"denominator":1,"value":1}`) ||
			!strings.Contains(body, `"value":null`) {
			t.Errorf("API: %d %s", r.StatusCode, r.body)
		}
		if r := api.get("/api/v1/fidelity?from=2026-13"); r.StatusCode != 422 || !strings.Contains(r.body, `"field":"from"`) {
			t.Errorf("API bad period: %d %s", r.StatusCode, r.body)
		}
		if r := f.api("fk.a").get("/api/v1/fidelity"); r.StatusCode != 403 {
			t.Errorf("coordinator on the API overview: %d", r.StatusCode)
		}
		// The coordinator's own page holds only their own figures.
		if r := fk.get("/fidelity/mine"); !strings.Contains(r.body, "Kontakter per familie") || strings.Contains(r.body, "Aslak") {
			t.Errorf("own figures: %s", r.body)
		}
	})
}

package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/store"
)

// newFamilyForm is the recruitment form as a coordinator fills it in.
func newFamilyForm(f *fixture, name string) url.Values {
	return url.Values{
		"name": {name}, "office": {strconv.FormatInt(f.offA.ID, 10)}, "primary_coordinator": {strconv.FormatInt(f.id("fk.a"), 10)},
		"second_coordinator": {strconv.FormatInt(f.id("fk2.a"), 10)}, "notes": {"Mor ønsker arbeidspraksis."},
		"member_0_role": {"parent"}, "member_0_name": {"Amina Yusuf"}, "member_0_birth_year": {"1984"}, "member_0_country": {"Somalia"},
		"member_0_languages": {"somali, norsk"}, "member_0_interpreter": {"on"}, "member_0_interpreter_language": {"somali"}, "member_0_home": {"on"},
		"member_1_role": {"child"}, "member_1_name": {"Ali Yusuf"}, "member_1_birth_year": {"2014"}, "member_1_home": {"on"},
		"member_2_role": {"child"}, "member_2_name": {""}, "member_2_birth_year": {""},
	}
}

func TestFamilyLifecycle(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		fk := f.client().login("fk.a")
		// Bad input: every problem named, everything typed kept.
		bad := newFamilyForm(f, "Familien Yusuf")
		bad.Set("member_1_birth_year", "20x4")
		bad.Set("member_0_interpreter_language", "")
		r := fk.post("/families", bad)
		if r.StatusCode != 422 {
			t.Fatalf("invalid family: %d", r.StatusCode)
		}
		for _, want := range []string{"Skriv et heltall", "Skriv hvilket språk", `value="20x4"`, `value="Amina Yusuf"`, "Mor ønsker arbeidspraksis."} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the invalid form lacks %q", want)
			}
		}
		r = fk.post("/families", newFamilyForm(f, "Familien Yusuf"))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("recruit: %d %s", r.StatusCode, r.body)
		}
		path := strings.TrimSuffix(r.Header.Get("Location"), "?notice=created")
		id, _ := strconv.ParseInt(strings.TrimPrefix(path, "/families/"), 10, 64)
		page := fk.get(path)
		if page.StatusCode != 200 || !strings.Contains(page.body, "Amina Yusuf") || !strings.Contains(page.body, "Kandidat") {
			t.Fatalf("family page: %d", page.StatusCode)
		}
		if strings.Contains(page.body, "Hvem har sett") {
			t.Error("a coordinator sees the access log; only leaders should")
		}
		caseload := fk.get("/families")
		if !strings.Contains(caseload.body, "Familien Yusuf") || !strings.Contains(caseload.body, "somali") || !strings.Contains(caseload.body, "Familien Alnes") {
			t.Fatal("the caseload lacks the family or its interpreter need")
		}
		if r := fk.get("/families?q=amina&status=all"); !strings.Contains(r.body, "Familien Yusuf") || strings.Contains(r.body, "Familien Alnes") {
			t.Error("searching by a member's name does not find just that family")
		}
		if r := fk.get("/families?q=100%25_&status=all"); r.StatusCode != 200 || strings.Contains(r.body, "Familien Yusuf") {
			t.Error("LIKE wildcards in the search are not escaped")
		}
		version := func() string {
			fam, err := f.db.GetFamily(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			return strconv.FormatInt(fam.Version, 10)
		}
		move := func(to, on, reason string) response {
			return fk.post(path+"/status", url.Values{"to": {to}, "on": {on}, "reason": {reason}, "version": {version()}})
		}
		// The family was registered today (23 November): its consent cannot
		// be earlier. A month later, the coordinator records its follow-up.
		if r := move("recruited", "2026-11-02", ""); r.StatusCode != 422 || !strings.Contains(r.body, "før familien ble registrert (23.11.2026)") {
			t.Fatalf("consent before registration: %d", r.StatusCode)
		}
		f.clock.Advance(30 * 24 * time.Hour)
		fk = f.client().login("fk.a") // the morning's session has long ended
		if r := move("active", "2026-11-25", ""); r.StatusCode != 422 || !strings.Contains(r.body, "kan ikke gå fra") {
			t.Fatalf("candidate to active: %d", r.StatusCode)
		}
		if r := move("recruited", "2031-01-01", ""); r.StatusCode != 422 || !strings.Contains(r.body, "fram i tid") {
			t.Fatalf("future consent: %d", r.StatusCode)
		}
		if r := move("recruited", "2026-11-25", ""); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("recruit: %d %s", r.StatusCode, r.body)
		}
		if r := move("active", "2026-12-02", ""); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("activate: %d", r.StatusCode)
		}
		if r := move("discharged", "2026-12-14", ""); r.StatusCode != 422 || !strings.Contains(r.body, "Må fylles ut") {
			t.Fatalf("discharge without reason: %d", r.StatusCode)
		}
		if r := move("discharged", "2026-12-14", "moved"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("discharge: %d", r.StatusCode)
		}
		// Replace the discharged family; both ends of the link show.
		repl := newFamilyForm(f, "Familien Hassan")
		repl.Set("replaces", strconv.FormatInt(id, 10))
		if r := fk.post("/families", repl); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("replace: %d %s", r.StatusCode, r.body)
		}
		page = fk.get(path)
		for _, want := range []string{"Avsluttet", "Familien flyttet", "Rekruttert – samtykke gitt", "Oppfølgingen startet", "Erstattet av en ny familie", "25.11.2026"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the timeline lacks %q", want)
			}
		}
		// Edit: add a child; a stale form is refused and shows both versions.
		edit := newFamilyForm(f, "Familien Yusuf-Hassan")
		fam, _ := f.db.GetFamily(context.Background(), id)
		edit.Set("version", strconv.FormatInt(fam.Version, 10))
		edit.Set("member_0_id", strconv.FormatInt(fam.Members[0].ID, 10))
		edit.Set("member_1_id", strconv.FormatInt(fam.Members[1].ID, 10))
		edit.Set("member_2_name", "Hodan Yusuf")
		edit.Set("member_2_birth_year", "2018")
		edit.Set("member_2_home", "on")
		if r := fk.post(path, edit); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", r.StatusCode, r.body)
		}
		edit.Set("member_2_name", "Hodan Y.")
		r = fk.post(path, edit)
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "Hodan Yusuf (2018)") || !strings.Contains(r.body, `value="Hodan Y."`) {
			t.Fatalf("stale edit: %d", r.StatusCode)
		}
		if r := fk.get(path); !strings.Contains(r.body, "Opplysninger endret: navn; Hodan Yusuf lagt til") || strings.Contains(r.body, "EXTRA") {
			t.Error("the timeline does not say what the edit changed")
		}
		fam, _ = f.db.GetFamily(context.Background(), id)
		if len(fam.Members) != 3 || fam.Members[0].ID == 0 || fam.Members[2].Name != "Hodan Yusuf" {
			t.Fatalf("members after edit: %+v", fam.Members)
		}
		// The leader sees who has accessed the record.
		leader := f.client().login("leder.a")
		if r := leader.get(path); !strings.Contains(r.body, "Hvem har sett") || !strings.Contains(r.body, "fk.a") {
			t.Fatal("the leader's family page lacks the access log")
		}
		views, _ := f.db.ListAudit(context.Background(), store.AuditFilter{RecordType: "family", RecordID: id, Actor: "leder.a"})
		if len(views) != 1 || views[0].Action != "family.view" || views[0].Role != holf.RoleOfficeLeader {
			t.Fatalf("leader's view audit: %+v", views)
		}
		// Administrators, project management and researchers see no families.
		for _, u := range []string{"admin", "pm", "forsker"} {
			c := f.client().login(u)
			if r := c.get(path); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s opens a family: %d", u, r.StatusCode)
			}
			if r := c.get("/families"); r.StatusCode != http.StatusForbidden {
				t.Errorf("%s opens the caseload: %d", u, r.StatusCode)
			}
		}
	})
}

func TestFamilyAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		api := f.api("fk.a")
		list := decode[[]apiFamilySummary](t, api.get("/api/v1/families"))
		if len(list) != 1 || list[0].ID != f.famA.ID || list[0].OfficeID != f.offA.ID {
			t.Fatalf("list = %+v", list)
		}
		path := fmt.Sprintf("/api/v1/families/%d", f.famA.ID)
		r := api.get(path)
		tag := r.Header.Get("ETag")
		got := decode[apiFamily](t, r)
		if r.StatusCode != 200 || tag == "" || len(got.Members) != 2 || got.OfficeID != f.offA.ID {
			t.Fatalf("get: %d %+v", r.StatusCode, got)
		}
		patch := func(body, ifMatch string) response {
			h := http.Header{"Content-Type": {"application/merge-patch+json"}}
			if ifMatch != "" {
				h.Set("If-Match", ifMatch)
			}
			return api.do("PATCH", path, strings.NewReader(body), h)
		}
		if r := patch(`{"notes": "x"}`, ""); r.StatusCode != 428 {
			t.Fatalf("no If-Match: %d", r.StatusCode)
		}
		if r := patch(`{"notes": "x"}`, `"family-1-v99"`); r.StatusCode != 412 {
			t.Fatalf("stale If-Match: %d", r.StatusCode)
		}
		if r := patch(`{"office_id": 2}`, tag); r.StatusCode != 400 {
			t.Fatalf("patch office: %d", r.StatusCode)
		}
		// Two real concurrent patches with the same ETag: one wins, one gets 412.
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i := range codes {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				codes[i] = patch(fmt.Sprintf(`{"notes": "samtidig %d"}`, i), tag).StatusCode
			}(i)
		}
		wg.Wait()
		if !(codes[0] == 200 && codes[1] == 412 || codes[0] == 412 && codes[1] == 200) {
			t.Fatalf("concurrent patches: %v, want one 200 and one 412", codes)
		}
		r = api.get(path)
		tag = r.Header.Get("ETag")
		r = patch(`{"second_coordinator_id": `+strconv.FormatInt(f.id("fk2.a"), 10)+`, "members": [{"id": `+strconv.FormatInt(f.famA.Members[0].ID, 10)+`, "role": "parent", "name": "Hodan Alnes", "birth_year": 1985, "lives_at_home": true}, {"role": "child", "name": "Nytt barn", "birth_year": 2020, "lives_at_home": true}]}`, tag)
		if r.StatusCode != 200 {
			t.Fatalf("patch members: %d %s", r.StatusCode, r.body)
		}
		got = decode[apiFamily](t, r)
		if len(got.Members) != 2 || got.Members[1].Name != "Nytt barn" || got.Members[0].ID != f.famA.Members[0].ID || got.SecondCoordinatorID == nil {
			t.Fatalf("after patch: %+v", got)
		}
		r = patch(`{"status": "recruited", "consent_date": "2026-11-01"}`, r.Header.Get("ETag"))
		if r.StatusCode != 200 || decode[apiFamily](t, r).Status != holf.StatusRecruited {
			t.Fatalf("status patch: %d %s", r.StatusCode, r.body)
		}
		if r := patch(`{"status": "candidate"}`, r.Header.Get("ETag")); r.StatusCode != 422 {
			t.Fatalf("backwards status: %d %s", r.StatusCode, r.body)
		}
		if r := api.get(fmt.Sprintf("/api/v1/families/%d", f.famB.ID)); r.StatusCode != 404 {
			t.Fatalf("other office's family: %d", r.StatusCode)
		}
		if r := f.api("leder.a").do("PATCH", path, strings.NewReader(`{"notes":"x"}`), http.Header{"If-Match": {"*"}, "Content-Type": {"application/json"}}); r.StatusCode != 404 {
			t.Fatalf("leader patches a family: %d, want 404 (leaders read, coordinators write)", r.StatusCode)
		}
	})
}

func TestCaseloadEscapesText(t *testing.T) {
	f := newFixture(t, store.SQLite)
	fam := f.famA
	fam.Name = `<script>alert("x")</script> & "Co"`
	fam.Members[0].InterpreterLanguage = `<img src=x onerror=alert(1)>`
	if err := f.db.UpdateFamily(context.Background(), holf.AuditEvent{Actor: "t", Role: "system", Action: "x", RecordType: "family", Purpose: "t"}, &fam); err != nil {
		t.Fatal(err)
	}
	r := f.client().login("fk.a").get("/families")
	if strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<img src=x") {
		t.Fatal("the caseload does not escape names")
	}
	if !strings.Contains(r.body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;Co&#34;") || !strings.Contains(r.body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Fatalf("escaped text missing: %s", r.body)
	}
}

// TestCaseloadTellsNamesakesApart: two families of one name at an office
// show their first parent and case number.
func TestCaseloadTellsNamesakesApart(t *testing.T) {
	f := newFixture(t, store.SQLite)
	fk := f.client().login("fk.a")
	twin := f.famA
	twin.ID, twin.Members = 0, []holf.Member{{Role: holf.MemberParent, Name: "Amina Familien Alnes", BirthYear: 1990, LivesAtHome: true},
		{Role: holf.MemberChild, Name: "Sara Familien Alnes", BirthYear: 2018, LivesAtHome: true}}
	twin, err := f.app.Families.Create(context.Background(), mustActor(t, f, "fk.a"), twin, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := fk.get("/families?status=all")
	for _, want := range []string{fmt.Sprintf("Hodan · sak %d", f.famA.ID), fmt.Sprintf("Amina · sak %d", twin.ID), "1 voksen, 1 barn"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the caseload lacks %q", want)
		}
	}
}

// TestErrorSummaryNamesEachField: each line of the summary says which field
// it is about and links to it, in the page's language.
func TestErrorSummaryNamesEachField(t *testing.T) {
	f := newFixture(t, store.SQLite)
	fk := f.client().login("fk.a")
	v := newFamilyForm(f, "")
	v.Set("member_1_name", "")
	r := fk.post("/families", v)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.StatusCode)
	}
	for _, want := range []string{`href="#name">Navn: Må fylles ut`, `href="#member_1_name">Medlem 2, navn: Må fylles ut`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
}

// TestAccessLogSpeaksTheLeadersLanguage: who has seen the record is shown
// in words, not as codes and English purposes.
func TestAccessLogSpeaksTheLeadersLanguage(t *testing.T) {
	f := newFixture(t, store.SQLite)
	f.client().login("fk.a").get(fmt.Sprintf("/families/%d", f.famA.ID))
	r := f.client().login("leder.a").get(fmt.Sprintf("/families/%d", f.famA.ID))
	for _, want := range []string{"så familiens sider", "oppfølging av familien (saksbehandling)"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the access log lacks %q", want)
		}
	}
	if strings.Contains(r.body, "<code>family.view</code>") || strings.Contains(r.body, "follow-up of the family (case work)") {
		t.Error("the access log shows codes or English on a Norwegian page")
	}
}

// TestLeaderSeesFamiliesPerCoordinator: the office page counts each
// coordinator's families, and says so when one has none.
func TestLeaderSeesFamiliesPerCoordinator(t *testing.T) {
	f := newFixture(t, store.SQLite)
	r := f.client().login("leder.a").get(fmt.Sprintf("/offices/%d", f.offA.ID))
	if !strings.Contains(r.body, "Familier per familiekoordinator") || !strings.Contains(r.body, "Anne Alna") ||
		!strings.Contains(r.body, `Aslak Alna</th><td colspan="4" class="muted">Ingen familier`) {
		t.Fatalf("the office page: %s", r.body)
	}
	if r := f.client().login("forsker").get(fmt.Sprintf("/offices/%d", f.offA.ID)); strings.Contains(r.body, "Familier per familiekoordinator") {
		t.Fatal("a researcher sees the families per coordinator")
	}
}

// TestCaseloadAcrossOffices: training support with two offices sees which
// office each family belongs to and can choose one.
func TestCaseloadAcrossOffices(t *testing.T) {
	f := newFixture(t, store.SQLite)
	hash, _ := cheapHasher.Hash(testPassword)
	ts := holf.Person{Username: "ts.ab", Name: "Tor Støtte", Assignments: []holf.Assignment{{Role: holf.RoleTrainingSupport, OfficeID: f.offA.ID},
		{Role: holf.RoleTrainingSupport, OfficeID: f.offB.ID}}}
	if err := f.app.Imports().Person(context.Background(), app.System("test"), &ts, hash, "test"); err != nil {
		t.Fatal(err)
	}
	c := f.client().login("ts.ab")
	all := c.get("/families?status=all")
	if !strings.Contains(all.body, `<td data-label="Kontor">NAV Alna</td>`) || !strings.Contains(all.body, `<td data-label="Kontor">NAV Bjerke</td>`) ||
		!strings.Contains(all.body, `<select id="office" name="office">`) {
		t.Fatalf("the caseload across offices: %s", all.body)
	}
	one := c.get(fmt.Sprintf("/families?status=all&office=%d", f.offB.ID))
	if strings.Contains(one.body, f.famA.Name) || !strings.Contains(one.body, f.famB.Name) {
		t.Fatal("the office filter")
	}
	// One office only: no filter, no column.
	if r := f.client().login("fk.a").get("/families?scope=office&status=all"); strings.Contains(r.body, `id="office"`) {
		t.Fatal("a coordinator of one office gets an office filter")
	}
}

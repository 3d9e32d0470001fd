package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
)

func TestMappingIsALivingVersionedDocument(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fk := f.client().login("fk.a")
		path := fmt.Sprintf("/families/%d/mapping", f.famA.ID)
		child := f.famA.Children()[0]
		page := fk.get(path)
		for _, want := range []string{"Arbeid", "Økonomi", "Bolig", "Barnas situasjon", "Helse", "Barn: " + child.Name, "Forelder: ", "Ingen kartlegging er lagret"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the empty mapping form lacks %q", want)
			}
		}
		save := func(base string, fields map[string]string) response {
			v := url.Values{"base_version": {base}}
			for k, x := range fields {
				v.Set(k, x)
			}
			return fk.post(path, v)
		}
		work := holf.AreaKey(holf.AreaWork, "resources")
		school := holf.ChildKey(child.ID, "school")
		if r := save("0", map[string]string{work: "Mor har fagbrev som helsefagarbeider.", school: "Trives i 4. klasse."}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("first save: %d %s", r.StatusCode, r.body)
		}
		f.clock.Advance(10 * 60e9)
		if r := save("1", map[string]string{work: "Mor har fagbrev som helsefagarbeider og vil jobbe deltid.", school: "Trives i 4. klasse."}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("second save: %d", r.StatusCode)
		}
		// Someone working from version 1 is refused; both texts are shown.
		r := save("1", map[string]string{work: "Mor vil ta førerkort.", school: "Trives i 4. klasse."})
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "Mor vil ta førerkort.") || !strings.Contains(r.body, "vil jobbe deltid") || !strings.Contains(r.body, "Lagret nå") {
			t.Fatalf("stale save: %d", r.StatusCode)
		}
		if !strings.Contains(r.body, `name="base_version" value="2"`) {
			t.Fatal("the conflict form must carry the new base version so a merged save goes through")
		}
		long := strings.Repeat("ø", holf.MaxMappingField+1)
		r = save("2", map[string]string{work: long})
		if r.StatusCode != 422 || !strings.Contains(r.body, fmt.Sprintf("høyst %d tegn", holf.MaxMappingField)) || !strings.Contains(r.body, long) {
			t.Fatalf("too long: %d", r.StatusCode)
		}
		m, err := f.db.Mapping(ctx, f.famA.ID, 0)
		if err != nil || m.Version != 2 || m.Fields[work] != "Mor har fagbrev som helsefagarbeider og vil jobbe deltid." {
			t.Fatalf("stored mapping: %+v %v", m, err)
		}
		hist := fk.get(path + "/history")
		for _, want := range []string{"Endringer fra versjon 1 til 2", "Mor har fagbrev som helsefagarbeider.", "vil jobbe deltid", "Ressurser"} {
			if !strings.Contains(hist.body, want) {
				t.Errorf("history lacks %q", want)
			}
		}
		if strings.Count(hist.body, "Trives i 4. klasse.") != 0 {
			t.Error("the diff of 1→2 shows an unchanged field")
		}
		if h := fk.get(path + "/history?from=0&to=1"); !strings.Contains(h.body, "Trives i 4. klasse.") {
			t.Error("the diff from nothing to version 1 lacks the school answer")
		}
		fam := fk.get(fmt.Sprintf("/families/%d", f.famA.ID))
		if !strings.Contains(fam.body, "Kartleggingen lagret (versjon 2)") {
			t.Error("the timeline lacks the mapping versions")
		}
		// Sections show when they last changed: work after the second save, the child after the first.
		versions, _ := f.db.MappingVersions(ctx, f.famA.ID)
		upd := holf.SectionUpdates(versions)
		if !upd["area.work"].Equal(versions[1].SavedAt) || !upd[holf.Section(school)].Equal(versions[0].SavedAt) {
			t.Fatalf("section updates %v", upd)
		}
		// Leaders read; they do not get a form.
		leader := f.client().login("leder.a")
		if r := leader.get(path); r.StatusCode != 200 || strings.Contains(r.body, "<textarea") || !strings.Contains(r.body, "vil jobbe deltid") {
			t.Fatalf("leader's mapping view: %d", r.StatusCode)
		}
		saves, _ := f.db.ListAudit(ctx, store.AuditFilter{RecordType: "family", RecordID: f.famA.ID, Actor: "fk.a"})
		n := 0
		for _, e := range saves {
			if e.Action == "mapping.save" {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d mapping.save audit entries, want 2", n)
		}
	})
}

func TestOfficeTargetAreasShapeTheMapping(t *testing.T) {
	f := newFixture(t, store.SQLite)
	admin := f.client().login("admin")
	o, _ := f.db.GetOffice(context.Background(), f.offA.ID)
	r := admin.post(fmt.Sprintf("/offices/%d", o.ID), url.Values{"name": {o.Name}, "municipality": {o.Municipality}, "arm": {string(o.Arm)},
		"version": {fmt.Sprint(o.Version)}, "target_areas": {"work", "economy", "housing", "children"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("set areas: %d %s", r.StatusCode, r.body)
	}
	if r := admin.post(fmt.Sprintf("/offices/%d", o.ID), url.Values{"name": {o.Name}, "municipality": {o.Municipality}, "arm": {string(o.Arm)}, "version": {fmt.Sprint(o.Version + 1)}}); r.StatusCode != 422 || !strings.Contains(r.body, "minst ett målområde") {
		t.Fatalf("no areas: %d", r.StatusCode)
	}
	page := f.client().login("fk.a").get(fmt.Sprintf("/families/%d/mapping", f.famA.ID))
	if strings.Contains(page.body, "Fysisk og psykisk helse") || !strings.Contains(page.body, "Bolig") {
		t.Fatal("the mapping does not follow the office's target areas")
	}
	fk := f.client().login("fk.a")
	if r := fk.post(fmt.Sprintf("/families/%d/mapping", f.famA.ID), url.Values{"base_version": {"0"}, holf.AreaKey(holf.AreaHealth, "situation"): {"x"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	m, _ := f.db.Mapping(context.Background(), f.famA.ID, 0)
	if _, ok := m.Fields[holf.AreaKey(holf.AreaHealth, "situation")]; ok {
		t.Fatal("a field outside the office's areas was stored")
	}
}

// TestConcurrentMappingSaves sends two saves based on the same version at
// the same moment: exactly one lands, the other gets both texts back.
func TestConcurrentMappingSaves(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		a, b := f.client().login("fk.a"), f.client().login("fk2.a")
		path := fmt.Sprintf("/families/%d/mapping", f.famA.ID)
		key := holf.AreaKey(holf.AreaEconomy, "situation")
		codes := make(chan int, 2)
		for i, c := range []*client{a, b} {
			go func(i int, c *client) {
				codes <- c.post(path, url.Values{"base_version": {"0"}, key: {fmt.Sprintf("Tekst %d", i)}}).StatusCode
			}(i, c)
		}
		got := map[int]int{<-codes: 1}
		got[<-codes]++
		if got[http.StatusSeeOther] != 1 || got[http.StatusConflict] != 1 {
			t.Fatalf("concurrent saves: %v, want one 303 and one 409", got)
		}
		versions, _ := f.db.MappingVersions(context.Background(), f.famA.ID)
		if len(versions) != 1 {
			t.Fatalf("%d versions stored, want 1", len(versions))
		}
	})
}

// A section saved without JavaScript: two coordinators on different
// sections both land; the one who saves a section someone else changed
// meanwhile gets it back with their own text and what is saved now, and
// bad input names its field.
func TestMappingSectionsWithoutJavaScript(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		a, b := f.client().login("fk.a"), f.client().login("fk2.a")
		path := fmt.Sprintf("/families/%d/mapping/sections/", f.famA.ID)
		work, economy := holf.AreaKey(holf.AreaWork, "situation"), holf.AreaKey(holf.AreaEconomy, "situation")
		r := a.post(path+"area.work", url.Values{"base_version": {"0"}, work: {"Deltid i butikk"}})
		if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "?saved=area.work#s-f-area-work") {
			t.Fatalf("a section: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		if r := b.post(path+"area.economy", url.Values{"base_version": {"0"}, economy: {"Gjeld"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("another section from the same start: %d %s", r.StatusCode, r.body)
		}
		r = b.post(path+"area.work", url.Values{"base_version": {"0"}, work: {"Ingen jobb"}})
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "Ingen jobb") || !strings.Contains(r.body, "Deltid i butikk") || !strings.Contains(r.body, "Lagret nå:") {
			t.Fatalf("a section changed meanwhile: %d %s", r.StatusCode, r.body)
		}
		long := strings.Repeat("lang tekst ", 1000)
		if r := a.post(path+"area.work", url.Values{"base_version": {"2"}, work: {long}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, `href="#f-area-work-situation"`) || !strings.Contains(r.body, long) {
			t.Fatalf("a field too long: %d %.3000s", r.StatusCode, r.body)
		}
		page := a.get(fmt.Sprintf("/families/%d/mapping?saved=area.work", f.famA.ID))
		if !strings.Contains(page.body, "«Arbeid» er lagret.") || !strings.Contains(page.body, "1 av 4 felt utfylt") || !strings.Contains(page.body, "Ikke påbegynt") {
			t.Fatalf("the mapping page: %s", page.body)
		}
		versions, _ := f.db.MappingVersions(context.Background(), f.famA.ID)
		if len(versions) != 2 || versions[1].Fields[work] != "Deltid i butikk" || versions[1].Fields[economy] != "Gjeld" {
			t.Fatalf("versions: %+v", versions)
		}
		// The family's page says where the work stands.
		if fam := a.get(fmt.Sprintf("/families/%d", f.famA.ID)); !strings.Contains(fam.body, "Versjon 2, sist endret") || !strings.Contains(fam.body, "Ingen mål ennå") {
			t.Fatalf("the family's overview: %s", fam.body)
		}
	})
}

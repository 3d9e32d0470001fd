package web

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
)

// surveyFixture recruits the fixture's family at office A and installs the
// default study through the project manager's page.
func surveyFixture(t *testing.T, f *fixture) {
	t.Helper()
	fk, err := f.app.ActAs(context.Background(), "fk.a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Families.ChangeStatus(context.Background(), fk, holf.StatusChange{FamilyID: f.famA.ID, Version: f.famA.Version,
		To: holf.StatusRecruited, On: f.app.Today()}, nil); err != nil {
		t.Fatal(err)
	}
	pm := f.client().login("pm")
	if r := pm.get("/surveys"); r.StatusCode != 200 || !strings.Contains(r.body, "/surveys/install") {
		t.Fatalf("surveys before install: %d %s", r.StatusCode, r.body)
	}
	if r := pm.post("/surveys/install", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("install: %d %s", r.StatusCode, r.body)
	}
	if r := pm.post("/surveys/install", nil); r.StatusCode != http.StatusConflict {
		t.Fatalf("a second install: %d, want 409", r.StatusCode)
	}
}

var linkField = regexp.MustCompile(`id="new-link" readonly value="https://[^/]+(/s/[A-Za-z0-9_-]+)"`)

// issueLink enrols office A's parents and returns the first one's link path.
func issueLink(t *testing.T, f *fixture, fk *client) string {
	t.Helper()
	base := "/offices/" + itoa(int(f.offA.ID)) + "/surveys"
	if r := fk.post(base+"/enrol", url.Values{"wave": {"T1"}, "group": {"parents"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("enrol: %d %s", r.StatusCode, r.body)
	}
	page := fk.get(base + "?wave=T1&group=parents")
	m := regexp.MustCompile(`name="respondent" value="(\d+)"`).FindStringSubmatch(page.body)
	if page.StatusCode != 200 || m == nil || !strings.Contains(page.body, "Hodan Familien Alnes") {
		t.Fatalf("office page: %d %s", page.StatusCode, page.body)
	}
	// The link is made by a POST and shown on the page it redirects to,
	// once: a reload neither shows it again nor makes another.
	r, loc := fk.postThen(t, base+"/links", url.Values{"wave": {"T1"}, "group": {"parents"}, "respondent": {m[1]}})
	lm := linkField.FindStringSubmatch(r.body)
	if r.StatusCode != 200 || lm == nil {
		t.Fatalf("link: %d %s", r.StatusCode, r.body)
	}
	if again := fk.get(loc); linkField.MatchString(again.body) || !strings.Contains(again.body, "Lenken vises bare én gang") {
		t.Fatalf("the link shown twice: %s", again.body)
	}
	return lm[1]
}

func TestParentAnswersThroughPersonalLink(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		surveyFixture(t, f)
		fk := f.client().login("fk.a")
		link := issueLink(t, f, fk)
		anon := f.client()

		first := anon.get(link)
		if first.StatusCode != 200 || !strings.Contains(first.body, "Side 1 av") || !strings.Contains(first.body, "Er du kvinne eller mann?") ||
			!strings.Contains(first.body, `name="parents_background.gender" value="1"`) || !strings.Contains(first.body, ">Kvinne</label>") {
			t.Fatalf("first page: %d %s", first.StatusCode, first.body)
		}
		// An impossible birth year is refused, named, and kept as typed.
		bad := anon.post(link, url.Values{"page": {"1"}, "go": {"next"}, "parents_background.gender": {"1"}, "parents_background.birth_year": {"1850"}})
		if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "Spørsmål 2: skriv et tall fra 1920 til 2012") ||
			!strings.Contains(bad.body, `value="1850"`) || !strings.Contains(bad.body, `value="1" checked`) {
			t.Fatalf("bad year: %d %s", bad.StatusCode, bad.body)
		}
		ok := anon.post(link, url.Values{"page": {"1"}, "go": {"next"}, "parents_background.gender": {"1"}, "parents_background.birth_year": {"1984"},
			"parents_background.marital": {"2"}, "parents_background.children": {"3"}})
		if ok.StatusCode != http.StatusSeeOther || !strings.HasSuffix(ok.Header.Get("Location"), "?p=2") {
			t.Fatalf("save page 1: %d %s", ok.StatusCode, ok.Header.Get("Location"))
		}
		// Coming back later continues at the first open page.
		if r := anon.get(link); !strings.Contains(r.body, "Side 2 av") || !strings.Contains(r.body, "4 av 60 spørsmål besvart") {
			t.Fatalf("resume: %s", r.body)
		}
		// Answer HSCL-10 (hand-computed mean 1.9 > 1.85) and a few more.
		st, err := f.db.Study(context.Background(), f.srv.lib, "holf")
		if err != nil {
			t.Fatal(err)
		}
		q, _ := st.Questionnaire("T1", "parents")
		hscl := []string{"1", "1", "2", "2", "2", "2", "3", "2", "2", "2"}
		for _, pg := range q.Def.Pages(f.srv.lib) {
			if pg.Instrument.ID != "hscl10" {
				continue
			}
			v := url.Values{"page": {itoa(pg.Number)}, "go": {"next"}}
			for _, qu := range pg.Questions {
				n := strings.TrimPrefix(qu.Item.ID, "hscl10_")
				i := int(n[0]-'0') - 1
				if n == "10" {
					i = 9
				}
				v.Set("hscl10."+qu.Item.ID, hscl[i])
			}
			if r := anon.post(link, v); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("hscl page %d: %d %s", pg.Number, r.StatusCode, r.body)
			}
		}
		review := anon.get(link + "?p=review")
		if !strings.Contains(review.body, "spørsmål er ikke besvart") || !strings.Contains(review.body, `<ul class="missing"><li><a href="`+link+`?p=`) {
			t.Fatalf("review: the unanswered questions are named and linked: %s", review.body)
		}
		if r := anon.post(link, url.Values{"page": {"0"}, "go": {"submit"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit: %d %s", r.StatusCode, r.body)
		}
		// A used link says so plainly and changes nothing.
		if r := anon.get(link); r.StatusCode != 200 || !strings.Contains(r.body, "Takk for at du svarte") || strings.Contains(r.body, "<form method=\"post\" action=\"/s/") {
			t.Fatalf("used link: %d %s", r.StatusCode, r.body)
		}
		if r := anon.post(link, url.Values{"page": {"1"}, "parents_background.gender": {"2"}}); r.StatusCode != 200 || !strings.Contains(r.body, "Takk for at du svarte") {
			t.Fatalf("post to a used link: %d", r.StatusCode)
		}
		// Scores are stored beside the raw answers.
		rows, err := f.db.ExportResponses(context.Background(), q.ID)
		if err != nil || len(rows) != 1 {
			t.Fatalf("export rows %d, %v", len(rows), err)
		}
		row := rows[0]
		if v := row.Scores["hscl10"]["hscl10"].Value; v == nil || *v < 1.9-1e-12 || *v > 1.9+1e-12 || !row.Scores["hscl10"]["hscl10"].Cutoffs["mental_distress"] {
			t.Fatalf("hscl10 score %v", row.Scores["hscl10"])
		}
		if row.Answers["parents_background"]["gender"] != 1 || row.Mode != "web" || row.MemberBirthYear != 1985 {
			t.Fatalf("row %+v", row)
		}
		// The researcher's export: pseudonymised, audited.
		res := f.client().login("forsker")
		z := res.get("/surveys/export?wave=T1&group=parents")
		if z.StatusCode != 200 || z.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("export: %d %s", z.StatusCode, z.body)
		}
		zr, err := zip.NewReader(bytes.NewReader([]byte(z.body)), int64(len(z.body)))
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]string{}
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			names[zf.Name] = string(b)
		}
		data := names["holf_t1_parents.csv"]
		if data == "" || names["codebook.csv"] == "" || names["holf_t1_parents.R"] == "" || names["holf_t1_parents.do"] == "" {
			t.Fatalf("export files: %v", len(names))
		}
		if strings.Contains(data, "Hodan") || strings.Contains(data, "Alnes") || !strings.Contains(data, row.Respondent) {
			t.Fatalf("export is not pseudonymised: %s", data)
		}
		audit, _ := f.db.ListAudit(context.Background(), store.AuditFilter{})
		if !hasAction(audit, "survey.export") || !hasAction(audit, "survey.submit") || !hasAction(audit, "survey.respondents") {
			t.Error("export, submission or respondent list not audited")
		}
		// Nobody else gets the data; other offices do not see the names.
		if r := f.client().login("pm").get("/surveys/export?wave=T1&group=parents"); r.StatusCode != http.StatusForbidden {
			t.Errorf("project management export: %d", r.StatusCode)
		}
		if r := f.client().login("fk.b").get("/offices/" + itoa(int(f.offA.ID)) + "/surveys"); r.StatusCode != http.StatusNotFound {
			t.Errorf("another office's respondents: %d", r.StatusCode)
		}
		if r := res.get("/offices/" + itoa(int(f.offA.ID)) + "/surveys"); r.StatusCode != http.StatusNotFound {
			t.Errorf("researcher sees names: %d", r.StatusCode)
		}
		// Tracking counts it, nationally.
		if r := f.client().login("pm").get("/surveys?wave=T1&group=parents"); !strings.Contains(r.body, "100 %") {
			t.Errorf("tracking: %s", r.body)
		}
		// The trial's read: the same scores without the answers; scores of
		// a newer definition replace the older ones, whatever order the
		// rows come in.
		ctx := context.Background()
		stale, err := f.db.StaleScores(ctx, st.ID, map[string]int{"hscl10": 2})
		if err != nil || len(stale) != 1 {
			t.Fatalf("stale scores %+v, %v", stale, err)
		}
		v2 := 3.5
		if err := f.db.Rescore(ctx, holf.AuditEvent{Actor: "t", Role: "system", Action: "survey.rescore", RecordType: "response", Purpose: "t"}, stale[0].ResponseID,
			survey.InstrumentScores{Instrument: "hscl10", Version: 2, Scores: []survey.Score{{ID: "hscl10", Value: &v2, Answered: 10, Items: 10}}}); err != nil {
			t.Fatal(err)
		}
		scored, err := f.db.ScoredResponses(ctx, q.ID)
		if err != nil || len(scored) != 1 || len(scored[0].Answers) != 0 || scored[0].Respondent != row.Respondent {
			t.Fatalf("scored rows %+v, %v", scored, err)
		}
		if got := scored[0].Scores["hscl10"]; scored[0].Version["hscl10"] != 2 || len(got) != 1 || *got["hscl10"].Value != v2 || got["hscl10"].Cutoffs["mental_distress"] {
			t.Fatalf("hscl10 after re-scoring: v%d %+v", scored[0].Version["hscl10"], got)
		}
		if len(scored[0].Scores) != len(row.Scores) {
			t.Fatalf("instruments scored: %d, exported %d", len(scored[0].Scores), len(row.Scores))
		}
	})
}

func hasAction(evs []holf.AuditEvent, action string) bool {
	for _, e := range evs {
		if e.Action == action {
			return true
		}
	}
	return false
}

func TestRespondentLinksResistGuessing(t *testing.T) {
	f := newFixture(t, store.SQLite, func(c *Config) { c.LinkLimit = 3 })
	surveyFixture(t, f)
	anon := f.client()
	for i := range 3 {
		if r := anon.get("/s/not-a-real-token-" + itoa(i)); r.StatusCode != http.StatusNotFound || !strings.Contains(r.body, "Denne lenken virker ikke") ||
			strings.Contains(r.body, `href="/login"`) {
			t.Fatalf("guess %d: %d %s", i, r.StatusCode, r.body)
		}
	}
	r := anon.get("/s/another-guess")
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("after 3 bad links: %d", r.StatusCode)
	}
	// Even a valid link waits: the throttle is per address.
	link := issueLink(t, f, f.client().login("fk.a"))
	if r := f.client().get(link); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("valid link from a throttled address: %d", r.StatusCode)
	}
	f.clock.Advance(16 * 60e9)
	if r := f.client().get(link); r.StatusCode != http.StatusOK {
		t.Fatalf("after the window: %d", r.StatusCode)
	}
}

func TestExpiredLinkAndReminder(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		surveyFixture(t, f)
		fk := f.client().login("fk.a")
		link := issueLink(t, f, fk)
		anon := f.client()
		anon.post(link, url.Values{"page": {"1"}, "go": {"next"}, "parents_background.gender": {"2"}})
		f.clock.Advance(61 * 24 * 3600e9)
		if r := anon.get(link); r.StatusCode != http.StatusGone || !strings.Contains(r.body, "Denne lenken har gått ut") {
			t.Fatalf("expired: %d %s", r.StatusCode, r.body)
		}
		fk = f.client().login("fk.a") // the session ended long ago
		base := "/offices/" + itoa(int(f.offA.ID)) + "/surveys"
		page := fk.get(base + "?wave=T1&group=parents")
		if !strings.Contains(page.body, "trenger påminnelse") {
			t.Fatalf("no reminder due: %s", page.body)
		}
		rid := regexp.MustCompile(`name="respondent" value="(\d+)"`).FindStringSubmatch(page.body)[1]
		r, _ := fk.postThen(t, base+"/links", url.Values{"wave": {"T1"}, "group": {"parents"}, "respondent": {rid}})
		newLink := linkField.FindStringSubmatch(r.body)[1]
		if newLink == link {
			t.Fatal("the reminder reused the old link")
		}
		if r := anon.get(link); r.StatusCode != http.StatusNotFound {
			t.Errorf("old link after a reminder: %d", r.StatusCode)
		}
		// The answer given before is still there.
		if r := anon.get(newLink + "?p=1"); !strings.Contains(r.body, `value="2" checked`) {
			t.Errorf("answers lost on a new link: %s", r.body)
		}
		if r := fk.get(base + "?wave=T1&group=parents"); !strings.Contains(r.body, "1 i alt") {
			t.Errorf("reminder not counted: %s", r.body)
		}
	})
}

func TestPaperEntry(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		surveyFixture(t, f)
		fk := f.client().login("fk.a")
		base := "/offices/" + itoa(int(f.offA.ID)) + "/surveys"
		fk.post(base+"/enrol", url.Values{"wave": {"T1"}, "group": {"parents"}})
		page := fk.get(base + "?wave=T1&group=parents")
		rid := regexp.MustCompile(`name="respondent" value="(\d+)"`).FindStringSubmatch(page.body)[1]
		paper := base + "/paper/" + rid + "?wave=T1&group=parents"
		form := fk.get(paper)
		if form.StatusCode != 200 || !strings.Contains(form.body, "Plutselig frykt uten grunn") {
			t.Fatalf("paper form: %d %s", form.StatusCode, form.body)
		}
		post := func(c *client, v url.Values) response {
			v.Set("wave", "T1")
			v.Set("group", "parents")
			return c.post(base+"/paper/"+rid, v)
		}
		if r := post(fk, url.Values{"version": {"0"}, "hscl10.hscl10_1": {"5"}, "parents_background.gender": {"1"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "skriv et tall fra 1 til 4") || !strings.Contains(r.body, `value="1" checked`) {
			t.Fatalf("out of range on paper: %d %s", r.StatusCode, r.body)
		}
		if r := post(fk, url.Values{"version": {"0"}, "hscl10.hscl10_1": {"2"}, "go": {"save"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.StatusCode, r.body)
		}
		// A colleague with the old form open does not overwrite silently.
		fk2 := f.client().login("fk2.a")
		if r := post(fk2, url.Values{"version": {"0"}, "hscl10.hscl10_1": {"4"}}); r.StatusCode != http.StatusConflict || !strings.Contains(r.body, `value="4" checked`) {
			t.Fatalf("stale paper save: %d %s", r.StatusCode, r.body)
		}
		ver := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(fk.get(paper).body)[1]
		if r := post(fk, url.Values{"version": {ver}, "hscl10.hscl10_2": {"3"}, "go": {"submit"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit paper: %d %s", r.StatusCode, r.body)
		}
		st, _ := f.db.Study(context.Background(), f.srv.lib, "holf")
		q, _ := st.Questionnaire("T1", survey.GroupParents)
		rows, _ := f.db.ExportResponses(context.Background(), q.ID)
		if len(rows) != 1 || rows[0].Mode != "paper" || rows[0].Answers["hscl10"]["hscl10_1"] != 2 || rows[0].Scores["hscl10"]["hscl10"].Value != nil {
			t.Fatalf("paper row %+v", rows)
		}
		if r := fk.get(paper); r.StatusCode != http.StatusConflict {
			t.Errorf("a submitted paper form opened again: %d", r.StatusCode)
		}
	})
}

// The burden of a consumer loan is asked of those who have one: answered
// "no", the question is hidden, an answer to it given before is cleared,
// and the review does not count it as missing. The dentist question offers
// answers in its own words.
func TestConditionalQuestions(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		surveyFixture(t, f)
		link := issueLink(t, f, f.client().login("fk.a"))
		anon := f.client()
		st, err := f.db.Study(context.Background(), f.srv.lib, "holf")
		if err != nil {
			t.Fatal(err)
		}
		q, _ := st.Questionnaire("T1", "parents")
		at := map[string]int{}
		for _, pg := range q.Def.Pages(f.srv.lib) {
			for _, qu := range pg.Questions {
				at[qu.Item.ID] = pg.Number
			}
		}
		loan, burden := "parents_baseline.has_consumer_loan", "parents_baseline.burden_consumer_loan"
		save := func(page int, v url.Values) {
			t.Helper()
			v.Set("page", itoa(page))
			v.Set("go", "next")
			if r := anon.post(link, v); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("page %d: %d %s", page, r.StatusCode, r.body)
			}
		}
		save(at["has_consumer_loan"], url.Values{loan: {"1"}})
		save(at["burden_consumer_loan"], url.Values{burden: {"3"}})
		page := anon.get(link + "?p=" + itoa(at["burden_consumer_loan"]))
		if !strings.Contains(page.body, `data-show-if="`+loan+`" data-show-values="1">`) || !strings.Contains(page.body, `name="`+burden+`" value="3" checked`) {
			t.Fatalf("the burden of a loan held: %s", page.body)
		}
		save(at["has_consumer_loan"], url.Values{loan: {"0"}})
		page = anon.get(link + "?p=" + itoa(at["burden_consumer_loan"]))
		if !strings.Contains(page.body, `data-show-values="1" hidden>`) || strings.Contains(page.body, `name="`+burden+`" value="3" checked`) {
			t.Fatalf("the burden after no loan: %s", page.body)
		}
		if review := anon.get(link + "?p=review"); strings.Contains(review.body, "Hvor stor belastning er forbrukslånet") {
			t.Fatalf("the review counts a skipped question as missing: %s", review.body)
		}
		if dentist := anon.get(link + "?p=" + itoa(at["afford_dentist"])); !strings.Contains(dentist.body, ">Nei, jeg har ikke råd</label>") {
			t.Fatalf("the dentist's answers: %s", dentist.body)
		}
	})
}

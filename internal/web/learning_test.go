package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
)

// makeGroup sets up a supervision group led by ts.a with fk.a (office A)
// and fk.b (office B), and one session; it returns their ids.
func makeGroup(t *testing.T, f *fixture) (group, session int64) {
	t.Helper()
	pm := f.client().login("pm")
	r := pm.post("/supervision/groups", url.Values{"name": {"Gruppe Øst"}, "leader": {fmt.Sprint(f.id("ts.a"))},
		"members": {fmt.Sprintf("%d:%d", f.id("fk.a"), f.offA.ID), fmt.Sprintf("%d:%d", f.id("fk.b"), f.offB.ID)}, "version": {"0"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create group: %d %s", r.StatusCode, r.body)
	}
	if _, err := fmt.Sscanf(r.Header.Get("Location"), "/supervision/groups/%d", &group); err != nil {
		t.Fatal(err)
	}
	ts := f.client().login("ts.a")
	r = ts.post(fmt.Sprintf("/supervision/groups/%d/sessions", group), url.Values{"date": {"2027-01-20"}, "time": {"09:00"}, "minutes": {"180"}, "place": {"Alna"}, "version": {"0"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("plan session: %d %s", r.StatusCode, r.body)
	}
	if _, err := fmt.Sscanf(r.Header.Get("Location"), fmt.Sprintf("/supervision/groups/%d?notice=saved#session-%%d", group), &session); err != nil {
		t.Fatal(r.Header.Get("Location"), err)
	}
	return group, session
}

func caseForm(group, session int64, topic string) url.Values {
	return url.Values{"group": {fmt.Sprint(group)}, "session": {fmt.Sprint(session)}, "areas": {"work", "economy"}, "topic": {topic},
		"problem": {"Hvordan finne et første steg?"}, "tools": {"menu_agenda"}, "principles": {"goals"}, "version": {"0"}, "send": {"1"}}
}

func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("not JSON: %v: %s", err, s)
	}
	return b.String()
}

var caseLocation = regexp.MustCompile(`/families/\d+/supervision/(\d+)\?`)

func TestSupervisionKeepsTheFamilyAtItsOffice(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		group, session := makeGroup(t, f)
		fa, fb, ts := f.client().login("fk.a"), f.client().login("fk.b"), f.client().login("ts.a")
		newCase := fmt.Sprintf("/families/%d/supervision", f.famA.ID)
		if r := fa.get(newCase + "/new"); r.StatusCode != 200 || !strings.Contains(r.body, "Gruppe Øst") {
			t.Fatalf("new form: %d", r.StatusCode)
		}
		// A form naming the family warns before it is shared, keeping the text.
		named := caseForm(group, session, "Hodan vil i arbeid, fnr 01018512345")
		r := fa.post(newCase, named)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Kan identifisere familien: «Hodan»") ||
			!strings.Contains(r.body, "01018512345") || !strings.Contains(r.body, "Hvordan finne et første steg?") {
			t.Fatalf("identifiers not warned: %d %s", r.StatusCode, r.body)
		}
		r = fa.post(newCase, caseForm(group, session, "Mor vil i arbeid, men mangler norskopplæring"))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("send form: %d %s", r.StatusCode, r.body)
		}
		m := caseLocation.FindStringSubmatch(r.Header.Get("Location"))
		if m == nil {
			t.Fatal(r.Header.Get("Location"))
		}
		caseA := m[1]
		if r := fb.post(fmt.Sprintf("/families/%d/supervision", f.famB.ID), caseForm(group, session, "Far har vært lenge i tiltak")); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("second case: %d %s", r.StatusCode, r.body)
		}
		// A session takes two cases.
		if r := fa.post(newCase, caseForm(group, session, "Et tredje tema")); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "har allerede 2 saker") {
			t.Fatalf("third case: %d", r.StatusCode)
		}
		// Another office's member sees the alias, never the family.
		page := fb.get(fmt.Sprintf("/supervision/groups/%d", group))
		if page.StatusCode != 200 || !strings.Contains(page.body, fmt.Sprintf("G%d-01", group)) || strings.Contains(page.body, "Alnes") ||
			!strings.Contains(page.body, "Familien Bjerkesen") {
			t.Fatalf("group page for fk.b: %d %s", page.StatusCode, page.body)
		}
		if r := fb.get(newCase + "/" + caseA); r.StatusCode != http.StatusNotFound {
			t.Fatalf("fk.b opens fk.a's form: %d", r.StatusCode)
		}
		api := f.api("fk.b").get("/api/v1/supervision-groups")
		api.body = compactJSON(t, api.body)
		if api.StatusCode != 200 || strings.Contains(api.body, fmt.Sprintf(`"family_id":%d`, f.famA.ID)) || strings.Contains(api.body, "Alnes") ||
			!strings.Contains(api.body, `"alias":"G`) || !strings.Contains(api.body, fmt.Sprintf(`"family_id":%d`, f.famB.ID)) {
			t.Fatalf("API for fk.b: %s", api.body)
		}
		// A researcher and an office leader are not in the group.
		for _, u := range []string{"forsker", "leder.a"} {
			if r := f.client().login(u).get(fmt.Sprintf("/supervision/groups/%d", group)); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
				t.Fatalf("%s sees the group: %d", u, r.StatusCode)
			}
		}
		// The leader runs the first case through the five rounds.
		run := fmt.Sprintf("/supervision/groups/%d/sessions/%d/run", group, session)
		screen := ts.get(run + "?case=" + caseA)
		if screen.StatusCode != 200 || strings.Contains(screen.body, "Alnes") || !strings.Contains(screen.body, "Suksesshistorie") {
			t.Fatalf("shared screen: %d %s", screen.StatusCode, screen.body)
		}
		if r := fa.get(run); r.StatusCode != http.StatusNotFound {
			t.Fatalf("a member runs the session: %d", r.StatusCode)
		}
		cid := int64(0)
		fmt.Sscan(caseA, &cid)
		version := func() string {
			c, err := f.db.Case(context.Background(), cid)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(c.Version)
		}
		for _, round := range holf.Rounds {
			v := url.Values{"case": {caseA}, "round": {string(round)}, "note": {"Notat fra " + string(round)}, "version": {version()}}
			if round == holf.RoundSummary {
				empty := url.Values{"case": {caseA}, "round": {"summary"}, "note": {""}, "version": {version()}, "next_steps": {"Kalle inn til samarbeidsmøte"}}
				if r := ts.post(run, empty); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Kalle inn til samarbeidsmøte") {
					t.Fatalf("empty summary: %d", r.StatusCode)
				}
				v.Set("next_steps", "Kalle inn til samarbeidsmøte")
				v.Set("to_fge", "1")
			}
			if round == holf.RoundPresentation {
				v.Set("emphasis", "planning")
			}
			if r := ts.post(run, v); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("round %s: %d %s", round, r.StatusCode, r.body)
			}
		}
		// The summary comes back to the family's record at its office.
		fam := fa.get(fmt.Sprintf("/families/%d", f.famA.ID))
		if !strings.Contains(fam.body, "Notat fra summary") || !strings.Contains(fam.body, "Kalle inn til samarbeidsmøte") {
			t.Fatalf("family page without the summary: %s", fam.body[max(0, strings.Index(fam.body, "supervision-title")-200):])
		}
		// …and into the family's next FGE preparation, as the supervisee chose.
		next := planMeeting(t, fa, f.famA.ID, "2026-11-30", "10:00", f.famA.Members[0].ID)
		if prep := fa.get(fmt.Sprintf("/families/%d/meetings/%d/prep", f.famA.ID, next)); !strings.Contains(prep.body, "Avtalt i veiledning") ||
			!strings.Contains(prep.body, "Kalle inn til samarbeidsmøte") {
			t.Fatalf("the next preparation lacks the next steps")
		}
		// A stale version is refused, not overwritten.
		if r := ts.post(run, url.Values{"case": {caseA}, "round": {"success"}, "note": {"x"}, "version": {"1"}}); r.StatusCode != http.StatusConflict {
			t.Fatalf("stale round: %d", r.StatusCode)
		}
		// Attendance.
		if r := ts.post(fmt.Sprintf("/supervision/groups/%d/sessions/%d", group, session), url.Values{"date": {"2027-01-20"}, "time": {"09:00"}, "minutes": {"180"},
			"place": {"Alna"}, "status": {"held"}, "version": {"1"}, "expected": {fmt.Sprint(f.id("fk.a")), fmt.Sprint(f.id("fk.b"))}, "attended": {fmt.Sprint(f.id("fk.a"))}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("attendance: %d %s", r.StatusCode, r.body)
		}
		ss, err := f.db.Sessions(context.Background(), group)
		if err != nil || len(ss) != 1 || !ss[0].Attended(f.id("fk.a")) || ss[0].Attended(f.id("fk.b")) || ss[0].Status != holf.SessionHeld {
			t.Fatalf("sessions %+v %v", ss, err)
		}
		// Topics across forms: counts only.
		topics := f.client().login("pm").get("/supervision/topics")
		if topics.StatusCode != 200 || strings.Contains(topics.body, "Alnes") || strings.Contains(topics.body, "G1-") || !strings.Contains(topics.body, "Arbeid") {
			t.Fatalf("topics: %d %s", topics.StatusCode, topics.body)
		}
		wantAudited(t, f, store.AuditFilter{Actor: "fk.a", Limit: 200}, "case.new", "case.save")
		wantAudited(t, f, store.AuditFilter{Actor: "ts.a", Limit: 200}, "session.save", "session.run", "session.round")
		wantAudited(t, f, store.AuditFilter{Actor: "fk.b", Limit: 200}, "group.view", "group.list")
	})
}

func TestTrainingSupportReviewsForms(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		fa, ts := f.client().login("fk.a"), f.client().login("ts.a")
		mid := planMeeting(t, fa, f.famA.ID, "2026-11-24", "10:00", f.famA.Members[0].ID)
		req := url.Values{"kind": {"meeting"}, "record": {fmt.Sprint(mid)}, "note": {"Er forberedelsen god nok?"}}
		base := fmt.Sprintf("/families/%d/reviews", f.famA.ID)
		if r := fa.post(base, req); r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "review_requested") {
			t.Fatalf("request: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		// Submitting twice is refused, and says so.
		if r := fa.post(base, req); r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "review_pending") {
			t.Fatalf("twice: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		rs, err := f.db.Reviews(context.Background(), store.ReviewFilter{Offices: holf.AllOffices()})
		if err != nil || len(rs) != 1 {
			t.Fatalf("reviews %d %v", len(rs), err)
		}
		queue := ts.get("/reviews")
		if queue.StatusCode != 200 || !strings.Contains(queue.body, "Familien Alnes") {
			t.Fatalf("queue: %d", queue.StatusCode)
		}
		page := fmt.Sprintf("%s/%d", base, rs[0].ID)
		if r := ts.get(page); r.StatusCode != 200 || !strings.Contains(r.body, "Er forberedelsen god nok?") {
			t.Fatalf("review page: %d", r.StatusCode)
		}
		// Needs work without a reason: refused, comments kept.
		v := url.Values{"version": {"1"}, "status": {"needs_work"}, "comment_preparation": {"Formålet med møtet mangler."}}
		if r := ts.post(page, v); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Formålet med møtet mangler.") {
			t.Fatalf("no reason: %d", r.StatusCode)
		}
		v.Set("reason", "Skriv formål og hovedtema før møtet.")
		if r := ts.post(page, v); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("decide: %d %s", r.StatusCode, r.body)
		}
		// The coordinator sees the comments where the form is.
		meeting := fa.get(fmt.Sprintf("/families/%d/meetings/%d", f.famA.ID, mid))
		if !strings.Contains(meeting.body, "Formålet med møtet mangler.") || !strings.Contains(meeting.body, "Trenger arbeid") {
			t.Fatalf("meeting page lacks the review")
		}
		// Training support of another office, or a coordinator, may not review.
		if r := f.client().login("fk.b").get(page); r.StatusCode != http.StatusNotFound {
			t.Fatalf("fk.b reads the review: %d", r.StatusCode)
		}
		if r := fa.post(page, v); r.StatusCode != http.StatusNotFound {
			t.Fatalf("a coordinator decides: %d", r.StatusCode)
		}
		api := f.api("ts.a").get("/api/v1/reviews")
		api.body = compactJSON(t, api.body)
		if api.StatusCode != 200 || !strings.Contains(api.body, `"status":"needs_work"`) {
			t.Fatalf("API: %s", api.body)
		}
		wantAudited(t, f, store.AuditFilter{Actor: "ts.a", Limit: 200}, "review.list", "review.view", "review.decide")
	})
}

func TestActionLogsAndMonthlyFollowUp(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ts, pm, leader := f.client().login("ts.a"), f.client().login("pm"), f.client().login("leder.a")
		entry := url.Values{"office": {fmt.Sprint(f.offA.ID)}, "subject": {fmt.Sprint(f.id("fk.a"))}, "on": {"2026-11-20"}, "channel": {"phone"},
			"topic": {"Gjennomgang av kartleggingen"}, "minutes": {"30"}, "follow_up": {"Ny samtale om en måned"}}
		if r := ts.post("/logs", entry); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("log: %d %s", r.StatusCode, r.body)
		}
		bad := url.Values{"office": {fmt.Sprint(f.offA.ID)}, "subject": {fmt.Sprint(f.id("fk.b"))}, "on": {"2027-01-01"}, "channel": {"phone"}, "topic": {"Et tema"}}
		if r := ts.post("/logs", bad); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Velg en person ved det valgte kontoret") ||
			!strings.Contains(r.body, "Datoen kan ikke være fram i tid") || !strings.Contains(r.body, "Et tema") {
			t.Fatalf("bad log: %d", r.StatusCode)
		}
		if r := pm.post("/logs", url.Values{"office": {fmt.Sprint(f.offB.ID)}, "subject": {fmt.Sprint(f.id("leder.b"))}, "on": {"2026-11-19"}, "channel": {"video"},
			"topic": {"Status for rekrutteringen"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("pm log: %d %s", r.StatusCode, r.body)
		}
		list := pm.get("/logs")
		if list.StatusCode != 200 || !strings.Contains(list.body, "Gjennomgang av kartleggingen") || !strings.Contains(list.body, "Status for rekrutteringen") {
			t.Fatalf("pm's logs: %d", list.StatusCode)
		}
		if r := ts.get("/logs"); strings.Contains(r.body, "Status for rekrutteringen") {
			t.Fatal("training support reads project management's log")
		}
		csv := pm.get("/logs/export.csv?kind=support")
		if csv.StatusCode != 200 || !strings.Contains(csv.body, "Anne Alna") || strings.Contains(csv.body, "Status for rekrutteringen") {
			t.Fatalf("export: %s", csv.body)
		}
		if r := f.client().login("fk.a").get("/logs"); r.StatusCode != http.StatusForbidden {
			t.Fatalf("a coordinator reads the logs: %d", r.StatusCode)
		}
		// The leader's monthly follow-up.
		base := fmt.Sprintf("/offices/%d/follow-ups", f.offA.ID)
		over := leader.get(base)
		if over.StatusCode != 200 || !strings.Contains(over.body, "Anne Alna") || !strings.Contains(over.body, "Forfalt") {
			t.Fatalf("overview: %d", over.StatusCode)
		}
		fu := url.Values{"coordinator": {fmt.Sprint(f.id("fk.a"))}, "month": {"2026-11"}, "role_clarity": {"some"}, "actions": {"Ta opp rolleavklaring"}}
		if r := leader.post(base, fu); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Skriv hvilke oppgaver som tas over") {
			t.Fatalf("role note missing: %d", r.StatusCode)
		}
		fu.Set("role_note", "Søker stønad for familien")
		if r := leader.post(base, fu); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("follow-up: %d %s", r.StatusCode, r.body)
		}
		if r := leader.post(base, fu); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "har allerede en oppfølging") {
			t.Fatalf("twice a month: %d", r.StatusCode)
		}
		other := url.Values{"coordinator": {fmt.Sprint(f.id("fk.b"))}, "month": {"2026-11"}, "role_clarity": {"clear"}}
		if r := leader.post(base, other); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "arbeider ikke ved ditt kontor") {
			t.Fatalf("another office's coordinator: %d", r.StatusCode)
		}
		if r := f.client().login("leder.b").get(base); r.StatusCode != http.StatusNotFound {
			t.Fatalf("leder.b sees office A: %d", r.StatusCode)
		}
		mine := f.client().login("fk.a").get("/follow-ups/mine")
		if mine.StatusCode != 200 || !strings.Contains(mine.body, "Ta opp rolleavklaring") {
			t.Fatalf("mine: %d", mine.StatusCode)
		}
		if r := f.client().login("fk2.a").get("/follow-ups/mine"); strings.Contains(r.body, "Ta opp rolleavklaring") {
			t.Fatal("a colleague reads another's follow-up")
		}
		// National seminars: project management plans them, everyone reads them.
		if r := pm.post("/seminars", url.Values{"title": {""}, "on": {"2027-02-01"}, "agenda": {"Meny-agenda\nRolleavklaring"}, "version": {"0"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "Rolleavklaring") {
			t.Fatalf("seminar without a title: %d", r.StatusCode)
		}
		if r := pm.post("/seminars", url.Values{"title": {"Fellessamling vår"}, "on": {"2027-02-01"}, "agenda": {"Meny-agenda\nRolleavklaring"}, "version": {"0"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("seminar: %d %s", r.StatusCode, r.body)
		}
		fk := f.client().login("fk.a")
		if r := fk.get("/seminars"); r.StatusCode != 200 || !strings.Contains(r.body, "Fellessamling vår") || !strings.Contains(r.body, "<li>Rolleavklaring</li>") {
			t.Fatalf("seminars for a coordinator: %d", r.StatusCode)
		}
		if r := fk.post("/seminars", url.Values{"title": {"X"}, "on": {"2027-02-01"}}); r.StatusCode != http.StatusForbidden {
			t.Fatalf("a coordinator plans a seminar: %d", r.StatusCode)
		}
		wantAudited(t, f, store.AuditFilter{Actor: "leder.a", Limit: 200}, "followup.overview", "followup.save")
		wantAudited(t, f, store.AuditFilter{Actor: "pm", Limit: 200}, "log.add", "log.list")
	})
}

func casesOfGroup(group int64) store.CaseFilter { return store.CaseFilter{Groups: []int64{group}} }

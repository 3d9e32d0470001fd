package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
)

var meetingLocation = regexp.MustCompile(`/meetings/(\d+)\?`)

// planMeeting plans a meeting of family famID through the form, on date at
// clock, with the given members, and returns its id.
func planMeeting(t *testing.T, c *client, famID int64, date, clock string, members ...int64) int64 {
	t.Helper()
	v := url.Values{"kind": {"follow_up"}, "date": {date}, "time": {clock}, "minutes": {"45"}, "channel": {"office"}, "status": {"planned"},
		"lead": {fmt.Sprint(c.f.id("fk.a"))}, "pc" + fmt.Sprint(c.f.id("fk.a")): {"1"}}
	for _, m := range members {
		v.Set(fmt.Sprintf("pm%d", m), "1")
	}
	r := c.post(fmt.Sprintf("/families/%d/meetings", famID), v)
	m := meetingLocation.FindStringSubmatch(r.Header.Get("Location"))
	if r.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("plan a meeting: %d %s %s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

func meetingVersion(t *testing.T, f *fixture, famID, id int64) string {
	t.Helper()
	m, err := f.db.Meeting(context.Background(), famID, id)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(m.Version)
}

// TestMeetingThroughItsLife: a coordinator plans a meeting for two members,
// prepares it with the FGE check lists, agrees a Menu agenda, records it as
// held with attendance and an interpreter, reflects on it and marks a topic
// for supervision, adds a follow-up task; the journal text has the meeting
// and never the reflection; the next meeting carries the topic not reached;
// a copied reflection is flagged; everything is on the timeline and audited.
func TestMeetingThroughItsLife(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fk := f.client().login("fk.a")
		fam := f.famA
		base := fmt.Sprintf("/families/%d/meetings", fam.ID)
		parent, child := fam.Members[0], fam.Members[1]
		// The new-meeting form comes with NAV's defaults and every parent.
		form := fk.get(base + "/new")
		if form.StatusCode != 200 || !strings.Contains(form.body, `value="2026-11-24"`) || !strings.Contains(form.body, `value="10:00"`) ||
			!strings.Contains(form.body, fmt.Sprintf(`id="pm%d" name="pm%d" value="1" checked`, parent.ID, parent.ID)) {
			t.Fatalf("new meeting form: %d", form.StatusCode)
		}
		// Monday 23 November at 08:00 in Norway, over before 'now' (10:00).
		id := planMeeting(t, fk, fam.ID, "2026-11-23", "08:00", parent.ID, child.ID)
		mbase := fmt.Sprintf("%s/%d", base, id)
		r := fk.post(mbase+"/prep", url.Values{"version": {meetingVersion(t, f, fam.ID, id)}, "prep_purpose": {"Bli enige om neste steg mot jobb"},
			"prep_main_topic": {"Arbeid"}, "prep_tools": {"menu_agenda", "utu"}, "prep_principles": {"acknowledge", "goals"}, "prep_forms": {"plan"},
			"exec_plan": {"Velkommen – Meny-agenda – arbeid – oppsummering"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("prepare: %d %s", r.StatusCode, r.body)
		}
		page := fk.get(mbase)
		for _, want := range []string{"Anerkjenne brukerens situasjon og behov", "UTU: utdyp – tilfør – utdyp", "Bli enige om neste steg mot jobb"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the meeting page lacks %q", want)
			}
		}
		r = fk.post(mbase+"/agenda", url.Values{"version": {meetingVersion(t, f, fam.ID, id)},
			"agenda_0_title": {"Praksisplass i barnehage"}, "agenda_0_proposer": {"family"}, "agenda_0_link": {"area:work"}, "agenda_0_priority": {"1"},
			"agenda_0_minutes": {"20"}, "agenda_0_outcome": {"discussed"}, "agenda_0_notes": {"Mor ringer barnehagen innen fredag."},
			"agenda_1_title": {"Ny bolig"}, "agenda_1_proposer": {"coordinator"}, "agenda_1_link": {"area:housing"}, "agenda_1_priority": {"2"},
			"agenda_1_outcome": {"not_reached"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("agenda: %d %s", r.StatusCode, r.body)
		}
		// Held: the parent came, the child was heard, with an interpreter.
		details := url.Values{"version": {meetingVersion(t, f, fam.ID, id)}, "kind": {"follow_up"}, "date": {"2026-11-23"}, "time": {"08:00"},
			"minutes": {"45"}, "channel": {"office"}, "status": {"held"}, "lead": {fmt.Sprint(f.id("fk.a"))},
			fmt.Sprintf("pm%d", parent.ID): {"1"}, fmt.Sprintf("am%d", parent.ID): {"attended"},
			fmt.Sprintf("pm%d", child.ID): {"1"}, fmt.Sprintf("am%d", child.ID): {"absent"}, fmt.Sprintf("hm%d", child.ID): {"1"},
			"pc" + fmt.Sprint(f.id("fk.a")): {"1"}, "ac" + fmt.Sprint(f.id("fk.a")): {"attended"},
			"name_n0": {"Kari Berg, arbeidsveileder"}, "an0": {"attended"}, "interpreter": {"1"}, "interpreter_language": {"somali"}}
		if r := fk.post(mbase+"/details", details); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("record as held: %d %s", r.StatusCode, r.body)
		}
		// The start page asks for the reflection, linked straight to it.
		if home := fk.get("/"); !strings.Contains(home.body, mbase+"/reflection") {
			t.Fatal("the start page does not ask for the after-reflection")
		}
		reflection := "Mor var engasjert og fortalte selv om jobbsøkingen. Meny-agenda gjorde at hun satte dagsorden, og vi rakk ikke boligen."
		r = fk.post(mbase+"/reflection", url.Values{"version": {meetingVersion(t, f, fam.ID, id)}, "refl_open": {reflection},
			"refl_supervision": {"1"}, "refl_supervision_topic": {"Hvordan holde fokus når mor vil snakke om alt på en gang"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("reflect: %d %s", r.StatusCode, r.body)
		}
		m, _ := f.db.Meeting(ctx, fam.ID, id)
		if m.Status != holf.MeetingHeld || m.InterpreterLanguage != "somali" || len(m.Participants) != 4 || !m.Participants[1].ChildHeard ||
			m.ReflectedAt.IsZero() || m.ReflectedBy != f.id("fk.a") || len(m.Agenda) != 2 || m.Stage(f.clock.Now()) != holf.StageReflected {
			t.Fatalf("stored meeting %+v", m)
		}
		home := fk.get("/")
		if !strings.Contains(home.body, "Hvordan holde fokus") || strings.Contains(home.body, mbase+"/reflection") {
			t.Fatal("the start page: the supervision topic is listed and the reflection no longer asked for")
		}
		// A follow-up task in the plan, from the meeting.
		fk.post(fmt.Sprintf("/families/%d/plan/goals", fam.ID), url.Values{"title": {"Mor i arbeid"}, "area": {"work"}})
		plan, _ := f.db.Plan(ctx, fam.ID)
		r = fk.post(fmt.Sprintf("/families/%d/plan/activities", fam.ID), url.Values{"goal": {fmt.Sprint(plan.Goals[0].ID)}, "title": {"Ringe barnehagen"},
			"responsible": {"member"}, "responsible_member": {fmt.Sprint(parent.ID)}, "due": {"2026-11-27"}, "meeting": {fmt.Sprint(id)}})
		if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), mbase) {
			t.Fatalf("follow-up task: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		// The journal text: the meeting, the agreed agenda, the task; no reflection.
		j := fk.get(mbase + "/journal")
		for _, want := range []string{"Oppfølgingsmøte", "23.11.2026 kl. 08:00–08:45", "somali", "Kari Berg, arbeidsveileder – Møtte",
			"Praksisplass i barnehage (20 min)", "Mor ringer barnehagen innen fredag.", "Ringe barnehagen (frist 27.11.2026)", "deltok eller ble hørt"} {
			if !strings.Contains(j.body, want) {
				t.Errorf("journal text lacks %q", want)
			}
		}
		if strings.Contains(j.body, "engasjert") || strings.Contains(j.body, "Hvordan holde fokus") {
			t.Fatal("the journal text holds the after-reflection")
		}
		// The Menu agenda sheet is SVG with the topics and the numbers beside.
		sheet := fk.get(mbase + "/menu")
		if !strings.Contains(sheet.body, "<svg") || !strings.Contains(sheet.body, "Praksisplass i") || strings.Count(sheet.body, "<circle") != 8 {
			t.Fatalf("menu sheet: %d", sheet.StatusCode)
		}
		// The next meeting carries the topic not reached.
		next := planMeeting(t, fk, fam.ID, "2026-11-23", "09:00", parent.ID)
		nm, _ := f.db.Meeting(ctx, fam.ID, next)
		if len(nm.Agenda) != 1 || nm.Agenda[0].Title != "Ny bolig" || nm.Agenda[0].CarriedFrom == 0 {
			t.Fatalf("carried topics %+v", nm.Agenda)
		}
		// Carried once: a third meeting does not carry it again.
		third := planMeeting(t, fk, fam.ID, "2026-12-07", "10:00", parent.ID)
		if tm, _ := f.db.Meeting(ctx, fam.ID, third); len(tm.Agenda) != 0 {
			t.Fatalf("the topic was carried twice: %+v", tm.Agenda)
		}
		// A copied reflection is flagged, and saved.
		r = fk.post(fmt.Sprintf("%s/%d/details", base, next), url.Values{"version": {meetingVersion(t, f, fam.ID, next)}, "kind": {"follow_up"},
			"date": {"2026-11-23"}, "time": {"09:00"}, "minutes": {"45"}, "channel": {"office"}, "status": {"held"},
			fmt.Sprintf("pm%d", parent.ID): {"1"}, fmt.Sprintf("am%d", parent.ID): {"attended"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("second meeting held: %d %s", r.StatusCode, r.body)
		}
		fk.post(fmt.Sprintf("%s/%d/reflection", base, next), url.Values{"version": {meetingVersion(t, f, fam.ID, next)},
			"refl_open": {strings.Replace(reflection, "boligen", "budsjettet", 1)}})
		if nm, _ = f.db.Meeting(ctx, fam.ID, next); nm.SimilarTo != id || nm.Similarity < holf.CopyThreshold {
			t.Fatalf("a copied reflection was not flagged: similar to %d (%.2f)", nm.SimilarTo, nm.Similarity)
		}
		if page := fk.get(fmt.Sprintf("%s/%d", base, next)); !strings.Contains(page.body, "nesten lik") {
			t.Fatal("the meeting page does not flag the copy")
		}
		// The timeline has the meetings, and filters.
		tl := fk.get(fmt.Sprintf("/families/%d?kind=meeting", fam.ID))
		if strings.Count(tl.body, `class="tl-meeting"`) != 3 || strings.Contains(tl.body, `class="tl-plan"`) {
			t.Fatalf("timeline filtered to meetings: %d meetings", strings.Count(tl.body, `class="tl-meeting"`))
		}
		if tl := fk.get(fmt.Sprintf("/families/%d?kind=meeting&member=%d", fam.ID, child.ID)); strings.Count(tl.body, `class="tl-meeting"`) != 1 {
			t.Fatal("timeline filtered to the child: only the meeting the child was part of")
		}
		// Every write is audited.
		wantAudited(t, f, store.AuditFilter{Actor: "fk.a", RecordType: "family", RecordID: fam.ID, Limit: 100}, "meeting.create", "meeting.prep", "meeting.agenda", "meeting.details", "meeting.reflection", "meeting.view", "plan.activity_add")
	})
}

// TestMeetingFormsKeepWhatWasTyped: bad input is refused naming the field,
// with everything typed kept; a save from an old version is a conflict that
// shows both versions; deleting needs the current version.
func TestMeetingFormsKeepWhatWasTyped(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		fk, fk2 := f.client().login("fk.a"), f.client().login("fk2.a")
		fam := f.famA
		base := fmt.Sprintf("/families/%d/meetings", fam.ID)
		r := fk.post(base, url.Values{"kind": {"home_visit"}, "date": {"2026-11-30"}, "time": {"25:99"}, "minutes": {"tre kvarter"},
			"channel": {"home"}, "place": {"Trosterudveien 5"}, fmt.Sprintf("pm%d", fam.Members[0].ID): {"1"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, `href="#time"`) || !strings.Contains(r.body, `href="#minutes"`) ||
			!strings.Contains(r.body, "Trosterudveien 5") || !strings.Contains(r.body, `value="tre kvarter"`) {
			t.Fatalf("bad time and duration: %d", r.StatusCode)
		}
		if r := fk.post(base, url.Values{"kind": {"follow_up"}, "date": {"2026-11-30"}, "time": {"10:00"}, "minutes": {"45"}, "channel": {"office"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Velg minst én deltaker") {
			t.Fatalf("no participants: %d", r.StatusCode)
		}
		id := planMeeting(t, fk, fam.ID, "2026-11-30", "10:00", fam.Members[0].ID)
		v := meetingVersion(t, f, fam.ID, id)
		mbase := fmt.Sprintf("%s/%d", base, id)
		if r := fk.post(mbase+"/prep", url.Values{"version": {v}, "prep_purpose": {"Anne sitt mål"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("first save: %d", r.StatusCode)
		}
		r = fk2.post(mbase+"/prep", url.Values{"version": {v}, "prep_purpose": {"Aslak sitt mål"}})
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "Anne sitt mål") || !strings.Contains(r.body, "Aslak sitt mål") {
			t.Fatalf("stale save: %d, both versions shown: %v %v", r.StatusCode, strings.Contains(r.body, "Anne sitt mål"), strings.Contains(r.body, "Aslak sitt mål"))
		}
		if r := fk.post(mbase+"/reflection", url.Values{"version": {meetingVersion(t, f, fam.ID, id)}, "refl_open": {"For tidlig"}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a reflection before the meeting: %d", r.StatusCode)
		}
		if r := fk.post(mbase+"/delete", url.Values{"version": {v}}); r.StatusCode != http.StatusConflict {
			t.Fatalf("delete from an old version: %d", r.StatusCode)
		}
		if r := fk.post(mbase+"/delete", url.Values{"version": {meetingVersion(t, f, fam.ID, id)}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d", r.StatusCode)
		}
		if r := fk.get(mbase); r.StatusCode != http.StatusNotFound {
			t.Fatalf("deleted meeting: %d", r.StatusCode)
		}
	})
}

// TestDraftsAreKeptAsTheCoordinatorTypes: the page's script posts the form
// as a draft; opening the form again fills it from the draft and says so;
// saving clears the draft, and another coordinator never sees it.
func TestDraftsAreKeptAsTheCoordinatorTypes(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		fk, fk2 := f.client().login("fk.a"), f.client().login("fk2.a")
		id := planMeeting(t, fk, f.famA.ID, "2026-11-30", "10:00", f.famA.Members[0].ID)
		mbase := fmt.Sprintf("/families/%d/meetings/%d", f.famA.ID, id)
		v := meetingVersion(t, f, f.famA.ID, id)
		f.clock.Advance(time.Minute)
		if r := fk.post(mbase+"/prep/draft", url.Values{"version": {v}, "prep_purpose": {"Halvskrevet formål"}, "prep_tools": {"iima"}}); r.StatusCode != http.StatusNoContent {
			t.Fatalf("draft: %d %s", r.StatusCode, r.body)
		}
		form := fk.get(mbase + "/prep")
		if !strings.Contains(form.body, "Halvskrevet formål") || !strings.Contains(form.body, `value="iima" checked`) || !strings.Contains(form.body, "utkastet ditt") {
			t.Fatal("the form is not filled from the draft")
		}
		if other := fk2.get(mbase + "/prep"); strings.Contains(other.body, "Halvskrevet formål") {
			t.Fatal("another coordinator sees the draft")
		}
		if r := fk.post(mbase+"/prep", url.Values{"version": {v}, "prep_purpose": {"Ferdig formål"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", r.StatusCode)
		}
		if form := fk.get(mbase + "/prep"); strings.Contains(form.body, "Halvskrevet formål") || !strings.Contains(form.body, "Ferdig formål") {
			t.Fatal("the draft outlived the save")
		}
	})
}

// TestReflectionsAreTheCoordinatorsOwn: the leader sees that a reflection
// exists, not what it says, until the coordinator shares it; on pages and
// in the API alike.
func TestReflectionsAreTheCoordinatorsOwn(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		fk, leader, leaderAPI := f.client().login("fk.a"), f.client().login("leder.a"), f.api("leder.a")
		id := planMeeting(t, fk, f.famA.ID, "2026-11-23", "08:00", f.famA.Members[0].ID)
		mbase := fmt.Sprintf("/families/%d/meetings/%d", f.famA.ID, id)
		fk.post(mbase+"/reflection", url.Values{"version": {meetingVersion(t, f, f.famA.ID, id)}, "refl_open": {"Jeg ble utålmodig i dag."}})
		api := fmt.Sprintf("/api/v1/families/%d/meetings/%d", f.famA.ID, id)
		for _, c := range []response{leader.get(mbase), leaderAPI.get(api), leaderAPI.get(fmt.Sprintf("/api/v1/families/%d/meetings", f.famA.ID))} {
			if c.StatusCode != 200 || strings.Contains(c.body, "utålmodig") {
				t.Fatalf("the leader reads the reflection: %d", c.StatusCode)
			}
		}
		if b := leader.get(mbase).body; !strings.Contains(b, "læringsnotater") {
			t.Fatalf("the leader's page does not say that a reflection exists: %s", b)
		}
		if b := leaderAPI.get(api).body; !strings.Contains(b, `"reflection_exists": true`) {
			t.Fatalf("the API does not tell the leader that a reflection exists: %s", b)
		}
		fk.post(mbase+"/reflection", url.Values{"version": {meetingVersion(t, f, f.famA.ID, id)}, "refl_open": {"Jeg ble utålmodig i dag."}, "refl_shared": {"1"}})
		if !strings.Contains(leader.get(mbase).body, "utålmodig") {
			t.Fatal("a shared reflection is not shown to the leader")
		}
	})
}

// TestContactLog: a missed call and an SMS in a few fields; on the
// timeline, filtered; changed with its version; the API lists and writes
// them with ETags.
func TestContactLog(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fk, fkAPI := f.client().login("fk.a"), f.api("fk.a")
		fam := f.famA
		page := fk.get(fmt.Sprintf("/families/%d/contacts/new", fam.ID))
		if !strings.Contains(page.body, `value="5"`) || !strings.Contains(page.body, `value="2026-11-23"`) {
			t.Fatal("the contact form lacks its defaults")
		}
		for _, v := range []url.Values{
			{"kind": {"call_missed"}, "member": {fmt.Sprint(fam.Members[0].ID)}, "date": {"2026-11-23"}, "time": {"09:30"}, "minutes": {"1"}},
			{"kind": {"sms"}, "member": {fmt.Sprint(fam.Members[0].ID)}, "date": {"2026-11-23"}, "time": {"09:35"}, "note": {"Minnet om møtet på mandag"}},
		} {
			if r := fk.post(fmt.Sprintf("/families/%d/contacts", fam.ID), v); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("log: %d %s", r.StatusCode, r.body)
			}
		}
		r := fk.post(fmt.Sprintf("/families/%d/contacts", fam.ID), url.Values{"kind": {"sms"}, "date": {"2026-11-24"}, "time": {"12:00"}, "note": {"I morgen"}, "from": {"page"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, `value="I morgen"`) || !strings.Contains(r.body, `href="#at"`) {
			t.Fatalf("a contact in the future: %d", r.StatusCode)
		}
		tl := fk.get(fmt.Sprintf("/families/%d?kind=contact", fam.ID))
		if strings.Count(tl.body, `class="tl-contact"`) != 2 || !strings.Contains(tl.body, "Ringte, fikk ikke svar") || !strings.Contains(tl.body, "Minnet om møtet") {
			t.Fatal("the contacts are not on the timeline")
		}
		cs, _ := f.db.Contacts(ctx, fam.ID)
		sms := cs[1]
		cpath := fmt.Sprintf("/families/%d/contacts/%d", fam.ID, sms.ID)
		if edit := fk.get(cpath); !strings.Contains(edit.body, "23.11.2026 09:35 – SMS – Hodan Familien Alnes: Minnet om møtet på mandag") {
			t.Fatal("the contact's journal line")
		}
		upd := url.Values{"kind": {"sms"}, "date": {"2026-11-23"}, "time": {"09:35"}, "note": {"Endret"}, "version": {fmt.Sprint(sms.Version)}}
		if r := fk.post(cpath, upd); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("update: %d", r.StatusCode)
		}
		if r := fk.post(cpath, upd); r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "Endret") {
			t.Fatalf("stale update: %d", r.StatusCode)
		}
		// The API: list, create, patch with If-Match, delete.
		list := decode[[]apiContact](t, fkAPI.get(fmt.Sprintf("/api/v1/families/%d/contacts", fam.ID)))
		if len(list) != 2 || list[0].Kind != holf.ContactCallMissed {
			t.Fatalf("API contacts %+v", list)
		}
		cr := fkAPI.do("POST", fmt.Sprintf("/api/v1/families/%d/contacts", fam.ID), strings.NewReader(`{"kind":"drop_in","at":"2026-11-23T08:00:00Z","minutes":10,"note":"Kom innom med brev"}`),
			http.Header{"Content-Type": {"application/json"}})
		if cr.StatusCode != http.StatusCreated {
			t.Fatalf("API create: %d %s", cr.StatusCode, cr.body)
		}
		created := decode[apiContact](t, cr)
		cp := fmt.Sprintf("/api/v1/families/%d/contacts/%d", fam.ID, created.ID)
		if r := fkAPI.do("PATCH", cp, strings.NewReader(`{"note":"x"}`), http.Header{"Content-Type": {"application/json"}, "If-Match": {`"contact-1-v9"`}}); r.StatusCode != http.StatusPreconditionFailed {
			t.Fatalf("stale patch: %d", r.StatusCode)
		}
		if r := fkAPI.do("PATCH", cp, strings.NewReader(`{"note":"Kom innom"}`), http.Header{"Content-Type": {"application/json"}, "If-Match": {cr.Header.Get("ETag")}}); r.StatusCode != 200 {
			t.Fatalf("patch: %d %s", r.StatusCode, r.body)
		}
		if r := fkAPI.do("DELETE", cp, nil, http.Header{"If-Match": {"*"}}); r.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %d", r.StatusCode)
		}
		tlAPI := decode[[]apiTimelineItem](t, fkAPI.get(fmt.Sprintf("/api/v1/families/%d/timeline?kind=contact", fam.ID)))
		if len(tlAPI) != 2 || tlAPI[0].ContactID == nil {
			t.Fatalf("API timeline %+v", tlAPI)
		}
	})
}

// TestMeetingsAPI: create, read, patch and delete a meeting with ETags.
func TestMeetingsAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		fkAPI := f.api("fk.a")
		fam := f.famA
		body := fmt.Sprintf(`{"kind":"mapping","status":"planned","starts_at":"2026-11-30T09:00:00Z","minutes":60,"channel":"video",
			"participants":[{"kind":"member","member_id":%d,"attendance":"expected"}],"preparation":{"principles":["roles"]}}`, fam.Members[0].ID)
		r := fkAPI.do("POST", fmt.Sprintf("/api/v1/families/%d/meetings", fam.ID), strings.NewReader(body), http.Header{"Content-Type": {"application/json"}})
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", r.StatusCode, r.body)
		}
		m := decode[apiMeeting](t, r)
		path := fmt.Sprintf("/api/v1/families/%d/meetings/%d", fam.ID, m.ID)
		if m.Stage != holf.StagePrepared || m.Preparation.Principles[0] != "roles" || m.FGEVersion != 1 {
			t.Fatalf("created %+v", m)
		}
		if r := fkAPI.do("PATCH", path, strings.NewReader(`{"minutes":30}`), http.Header{"Content-Type": {"application/json"}}); r.StatusCode != http.StatusPreconditionRequired {
			t.Fatalf("patch without If-Match: %d", r.StatusCode)
		}
		p := fkAPI.do("PATCH", path, strings.NewReader(`{"minutes":30,"place":"Teams"}`), http.Header{"Content-Type": {"application/json"}, "If-Match": {r.Header.Get("ETag")}})
		if p.StatusCode != 200 || decode[apiMeeting](t, p).Minutes != 30 {
			t.Fatalf("patch: %d %s", p.StatusCode, p.body)
		}
		if r := fkAPI.do("PATCH", path, strings.NewReader(`{"minutes":1}`), http.Header{"Content-Type": {"application/json"}, "If-Match": {p.Header.Get("ETag")}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "minutes") {
			t.Fatalf("bad patch: %d %s", r.StatusCode, r.body)
		}
		if r := fkAPI.do("DELETE", path, nil, http.Header{"If-Match": {r.Header.Get("ETag")}}); r.StatusCode != http.StatusPreconditionFailed {
			t.Fatalf("delete from an old ETag: %d", r.StatusCode)
		}
		if r := fkAPI.do("DELETE", path, nil, http.Header{"If-Match": {p.Header.Get("ETag")}}); r.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.StatusCode, r.body)
		}
		if list := decode[[]apiMeeting](t, fkAPI.get(fmt.Sprintf("/api/v1/families/%d/meetings", fam.ID))); len(list) != 0 {
			t.Fatalf("after delete: %d meetings", len(list))
		}
	})
}

// TestCalendarFeed: a coordinator makes a secret feed URL; the feed is
// valid iCalendar with the meetings, titled by kind and family label only;
// a new secret revokes the old.
func TestCalendarFeed(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		fk := f.client().login("fk.a")
		planMeeting(t, fk, f.famA.ID, "2026-11-30", "10:00", f.famA.Members[0].ID, f.famA.Members[1].ID)
		r, _ := fk.postThen(t, "/calendar/renew", nil)
		m := regexp.MustCompile(`/calendar/([A-Za-z0-9_-]+)\.ics`).FindStringSubmatch(r.body)
		if r.StatusCode != 200 || m == nil {
			t.Fatalf("renew: %d", r.StatusCode)
		}
		anon := f.client()
		feed := anon.get("/calendar/" + m[1] + ".ics")
		if feed.StatusCode != 200 || feed.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
			t.Fatalf("feed: %d %s", feed.StatusCode, feed.Header.Get("Content-Type"))
		}
		for _, want := range []string{"BEGIN:VCALENDAR\r\n", "DTSTART:20261130T090000Z\r\n", "DTEND:20261130T094500Z\r\n", "SUMMARY:Oppfølgingsmøte – Familien Alnes\r\n", "END:VCALENDAR\r\n"} {
			if !strings.Contains(feed.body, want) {
				t.Errorf("feed lacks %q", want)
			}
		}
		if strings.Contains(feed.body, "Hodan") || strings.Contains(feed.body, "Ayaan") {
			t.Fatal("the feed names a family member")
		}
		for _, line := range strings.Split(feed.body, "\r\n") {
			if len(line) > 75 {
				t.Fatalf("an unfolded line of %d octets", len(line))
			}
		}
		fk.post("/calendar/renew", nil)
		if r := anon.get("/calendar/" + m[1] + ".ics"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("the old secret still works: %d", r.StatusCode)
		}
		if r := f.client().login("leder.a").get("/calendar"); r.StatusCode != http.StatusForbidden {
			t.Fatalf("a leader's calendar page: %d", r.StatusCode)
		}
	})
}

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

// TestEveryPersonalDataReadIsAudited walks every page and API read that
// shows personal data — records, lists, searches, forms, and forms shown
// again after a refused write — and checks that each left an audit entry
// by its reader before the answer; a list names the families it showed.
func TestEveryPersonalDataReadIsAudited(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fk, fkAPI, leader, admin := f.client().login("fk.a"), f.api("fk.a"), f.client().login("leder.a"), f.client().login("admin")
		fam := fmt.Sprintf("/families/%d", f.famA.ID)
		// A plan, a mapping, a discharged family and the questionnaires.
		fk.post(fam+"/plan/goals", url.Values{"title": {"Arbeid"}, "area": {"work"}})
		plan, _ := f.db.Plan(ctx, f.famA.ID)
		goal := plan.Goals[0]
		fk.post(fam+"/plan/activities", url.Values{"goal": {fmt.Sprint(goal.ID)}, "title": {"Søke"}, "responsible": {"coordinator"}})
		plan, _ = f.db.Plan(ctx, f.famA.ID)
		act := plan.Activities[0]
		fk.post(fam+"/mapping", url.Values{"base_version": {"0"}, holf.AreaKey(holf.AreaWork, "situation"): {"Mor søker jobb."}})
		old := newFamilyForm(f, "Familien Gammel")
		if r := fk.post("/families", old); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("family: %d", r.StatusCode)
		}
		gone, _ := f.app.Families.List(ctx, mustActor(t, f, "fk.a"), familyQueryAll)
		var oldID int64
		for _, g := range gone {
			if g.Name == "Familien Gammel" {
				oldID = g.ID
			}
		}
		if _, err := f.app.Families.ChangeStatus(ctx, mustActor(t, f, "fk.a"), holf.StatusChange{FamilyID: oldID, Version: 1, To: holf.StatusDischarged,
			On: f.app.Today(), Reason: holf.ReasonMoved}, nil); err != nil {
			t.Fatal(err)
		}
		surveyFixture(t, f)
		issueLink(t, f, fk) // the parent is invited: their paper form is open
		office := "/offices/" + itoa(int(f.offA.ID)) + "/surveys"
		parent := respondentOf.FindStringSubmatch(fk.get(office + "?wave=T1&group=parents").body)[1]
		mid := planMeeting(t, fk, f.famA.ID, "2026-11-23", "08:00", f.famA.Members[0].ID)
		meeting := fmt.Sprintf("%s/meetings/%d", fam, mid)
		fk.post(fam+"/contacts", url.Values{"kind": {"sms"}, "date": {"2026-11-23"}, "time": {"09:00"}})
		contacts, _ := f.db.Contacts(ctx, f.famA.ID)
		famVersion := func() string { got, _ := f.db.GetFamily(ctx, f.famA.ID); return fmt.Sprint(got.Version) }
		partners := fmt.Sprintf("/offices/%d/partners", f.offA.ID)
		school := addPartner(t, fk, f.offA.ID, "Furuset skole", "school", "974760673")
		recordConsent(t, fk, f.famA.ID, consentForm(f.famA.Members[1].ID, f.famA.Members[0].ID, []int64{school}, []string{"children", "plan", "work"},
			[]string{"disclose"}, "2027-11-20"))
		consents, _ := f.db.Consents(ctx, f.famA.ID)
		consent := fmt.Sprintf("%s/consents/%d", fam, consents[0].ID)
		fk.post(fam+"/escalations", url.Values{"kind": {"disagreement"}, "asked": {"Skolen og barnevernet er uenige om hvem som følger opp."}})

		type read struct {
			name, actor string
			do          func() response
			list        bool // the entry names the families shown
		}
		reads := []read{
			{"caseload", "fk.a", func() response { return fk.get("/families") }, true},
			{"caseload of the office", "fk.a", func() response { return fk.get("/families?scope=office&status=all") }, true},
			{"caseload search by name", "fk.a", func() response { return fk.get("/families?q=hodan&status=all") }, true},
			{"API family list", "fk.a", func() response { return fkAPI.get("/api/v1/families") }, true},
			{"new family form (families it may replace)", "fk.a", func() response { return fk.get("/families/new") }, true},
			{"family page", "fk.a", func() response { return fk.get(fam) }, false},
			{"family edit form", "fk.a", func() response { return fk.get(fam + "/edit") }, false},
			{"family edit refused", "fk.a", func() response {
				v := newFamilyForm(f, "")
				v.Set("version", famVersion())
				return fk.post(fam, v)
			}, false},
			{"status change refused", "fk.a", func() response {
				return fk.post(fam+"/status", url.Values{"version": {famVersion()}, "to": {"recruited"}, "on": {""}})
			}, false},
			{"plan", "fk.a", func() response { return fk.get(fam + "/plan") }, false},
			{"plan printout", "fk.a", func() response { return fk.get(fam + "/plan/print") }, false},
			{"goal form", "fk.a", func() response { return fk.get(fmt.Sprintf("%s/plan/goals/%d", fam, goal.ID)) }, false},
			{"goal refused", "fk.a", func() response { return fk.post(fam+"/plan/goals", url.Values{"title": {""}, "area": {"work"}}) }, false},
			{"new activity form", "fk.a", func() response { return fk.get(fam + "/plan/activities/new") }, false},
			{"activity form", "fk.a", func() response { return fk.get(fmt.Sprintf("%s/plan/activities/%d", fam, act.ID)) }, false},
			{"activity refused", "fk.a", func() response {
				return fk.post(fmt.Sprintf("%s/plan/activities/%d", fam, act.ID), url.Values{"goal": {fmt.Sprint(goal.ID)}, "title": {""}, "responsible": {"coordinator"}, "version": {fmt.Sprint(act.Version)}})
			}, false},
			{"mapping", "fk.a", func() response { return fk.get(fam + "/mapping") }, false},
			{"mapping conflict with both texts", "fk.a", func() response {
				return fk.post(fam+"/mapping", url.Values{"base_version": {"0"}, holf.AreaKey(holf.AreaWork, "situation"): {"Far søker jobb."}})
			}, false},
			{"mapping history", "fk.a", func() response { return fk.get(fam + "/mapping/history") }, false},
			{"coordinator's day", "fk.a", func() response { return fk.get("/") }, true},
			{"new meeting form", "fk.a", func() response { return fk.get(fam + "/meetings/new") }, false},
			{"meeting", "fk.a", func() response { return fk.get(meeting) }, false},
			{"meeting part form", "fk.a", func() response { return fk.get(meeting + "/prep") }, false},
			{"meeting journal text", "fk.a", func() response { return fk.get(meeting + "/journal") }, false},
			{"Menu agenda sheet", "fk.a", func() response { return fk.get(meeting + "/menu") }, false},
			{"meeting refused", "fk.a", func() response {
				return fk.post(meeting+"/details", url.Values{"version": {meetingVersion(t, f, f.famA.ID, mid)}, "kind": {"x"}})
			}, false},
			{"leader's meeting", "leder.a", func() response { return leader.get(meeting) }, false},
			{"new contact form", "fk.a", func() response { return fk.get(fam + "/contacts/new") }, false},
			{"contact form", "fk.a", func() response { return fk.get(fmt.Sprintf("%s/contacts/%d", fam, contacts[0].ID)) }, false},
			{"API meetings", "fk.a", func() response { return fkAPI.get(fmt.Sprintf("/api/v1/families/%d/meetings", f.famA.ID)) }, false},
			{"API contacts", "fk.a", func() response { return fkAPI.get(fmt.Sprintf("/api/v1/families/%d/contacts", f.famA.ID)) }, false},
			{"API timeline", "fk.a", func() response { return fkAPI.get(fmt.Sprintf("/api/v1/families/%d/timeline", f.famA.ID)) }, false},
			{"API family", "fk.a", func() response { return fkAPI.get(fmt.Sprintf("/api/v1/families/%d", f.famA.ID)) }, false},
			{"API plan", "fk.a", func() response { return fkAPI.get(fmt.Sprintf("/api/v1/families/%d/plan", f.famA.ID)) }, false},
			{"API mapping", "fk.a", func() response { return fkAPI.get(fmt.Sprintf("/api/v1/families/%d/mapping", f.famA.ID)) }, false},
			{"questionnaire respondents of the office", "fk.a", func() response { return fk.get(office + "?wave=T1&group=parents") }, false},
			{"paper questionnaire form", "fk.a", func() response { return fk.get(office + "/paper/" + parent + "?wave=T1&group=parents") }, false},
			{"actor list", "fk.a", func() response { return fk.get(partners) }, false},
			{"actor list export", "fk.a", func() response { return fk.get(partners + "/export.csv") }, false},
			{"partner form", "fk.a", func() response { return fk.get(fmt.Sprintf("%s/%d", partners, school)) }, false},
			{"partner refused", "fk.a", func() response {
				return fk.post(partners, url.Values{"name": {""}, "kind": {"school"}, "checked_on": {""}})
			}, false},
			{"API partners", "fk.a", func() response { return fkAPI.get("/api/v1" + partners) }, false},
			{"consents", "fk.a", func() response { return fk.get(fam + "/consents") }, false},
			{"consent", "fk.a", func() response { return fk.get(consent) }, false},
			{"consent form for signature", "fk.a", func() response { return fk.get(consent + "?print=1") }, false},
			{"consent refused", "fk.a", func() response { return fk.post(fam+"/consents", url.Values{"purpose": {"x"}}) }, false},
			{"API consents", "fk.a", func() response { return fkAPI.get("/api/v1" + fam + "/consents") }, false},
			{"network", "fk.a", func() response { return fk.get(fam + "/network") }, false},
			{"involvement refused", "fk.a", func() response { return fk.post(fam+"/network/involvements", url.Values{"partner": {"0"}}) }, false},
			{"sharing extract", "fk.a", func() response { return fk.get(fmt.Sprintf("%s/network/extract?partner=%d", fam, school)) }, false},
			{"API network", "fk.a", func() response { return fkAPI.get("/api/v1" + fam + "/network") }, false},
			{"leader's escalations", "leder.a", func() response { return leader.get("/") }, true},
			{"staff record", "leder.a", func() response { return leader.get("/people/" + itoa(int(f.id("fk.a")))) }, false},
			{"staff edit form", "admin", func() response { return admin.get("/people/" + itoa(int(f.id("fk.a"))) + "/edit") }, false},
			{"API staff record", "admin", func() response { return f.api("admin").get("/api/v1/people/" + itoa(int(f.id("fk.a")))) }, false},
		}
		audited := 0
		for _, rd := range reads {
			before, _ := f.db.ListAudit(ctx, store.AuditFilter{Actor: rd.actor, Limit: 1})
			var last int64
			if len(before) > 0 {
				last = before[0].Seq
			}
			r := rd.do()
			if r.StatusCode >= 500 {
				t.Errorf("%s: %d", rd.name, r.StatusCode)
				continue
			}
			after, _ := f.db.ListAudit(ctx, store.AuditFilter{Actor: rd.actor, Limit: 50})
			var found *holf.AuditEvent
			for i := range after {
				e := &after[i]
				if e.Seq > last && (strings.HasSuffix(e.Action, ".view") || strings.HasSuffix(e.Action, ".list") ||
					strings.HasSuffix(e.Action, ".respondents") || strings.HasSuffix(e.Action, "_view") || e.Action == "plan.print" || e.Action == "share.extract") {
					found = e
				}
			}
			switch {
			case found == nil:
				t.Errorf("%s (%d): no audit entry of the read", rd.name, r.StatusCode)
			case rd.list && len(found.RecordIDs) == 0:
				t.Errorf("%s: the list's entry names no families", rd.name)
			default:
				audited++
			}
		}
		t.Logf("%d of %d reads of personal data audited", audited, len(reads))
	})
}

package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
)

// addPartner puts a partner on office's actor list through the form and
// returns its id.
func addPartner(t *testing.T, c *client, office int64, name, kind, org string) int64 {
	t.Helper()
	r := c.post(fmt.Sprintf("/offices/%d/partners", office), url.Values{"name": {name}, "kind": {kind}, "org_number": {org}, "active": {"1"},
		"checked_on": {"2026-11-01"}, "contact_0_name": {"Kontakt " + name}, "contact_0_level": {"operational"}, "contact_0_phone": {"22 00 00 00"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add partner %s: %d %s", name, r.StatusCode, r.body)
	}
	ps, err := c.f.db.Partners(context.Background(), office)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Name == name {
			return p.ID
		}
	}
	t.Fatalf("partner %s not stored", name)
	return 0
}

// consentForm is the consent form filled for member, given by grantor on
// 20 November, to share categories with recipients for actions until
// expires; callers change what their case needs.
func consentForm(member, grantor int64, recipients []int64, categories, actions []string, expires string) url.Values {
	v := url.Values{"member": {fmt.Sprint(member)}, "grantor": {fmt.Sprint(grantor)}, "purpose": {"Skolehverdagen"}, "categories": categories,
		"actions": actions, "given_on": {"2026-11-20"}, "expires_on": {expires}, "method": {"paper"}}
	for _, r := range recipients {
		v.Add("recipients", fmt.Sprint(r))
	}
	return v
}

// recordConsent records the consent form v for family fam through the page.
func recordConsent(t *testing.T, c *client, fam int64, v url.Values) {
	t.Helper()
	if r := c.post(fmt.Sprintf("/families/%d/consents", fam), v); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("consent: %d %s", r.StatusCode, r.body)
	}
}

// TestActorList: a coordinator keeps the office's actor list: bad input
// named by field with the input kept, a stale save is a conflict, another
// office sees nothing, the CSV import is all or nothing with line numbers,
// and the export reads back.
func TestActorList(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		fk := f.client().login("fk.a")
		base := fmt.Sprintf("/offices/%d/partners", f.offA.ID)
		r := fk.post(base, url.Values{"name": {"Furuset skole"}, "kind": {"school"}, "org_number": {"974760674"}, "checked_on": {"2026-11-01"},
			"contact_0_name": {"Eva Lund"}, "contact_0_email": {"ikke-en-adresse"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Organisasjonsnummeret er ikke gyldig") ||
			!strings.Contains(r.body, `href="#org_number"`) || !strings.Contains(r.body, `value="Furuset skole"`) || !strings.Contains(r.body, `value="Eva Lund"`) {
			t.Fatalf("a bad organisation number: %d", r.StatusCode)
		}
		school := addPartner(t, fk, f.offA.ID, "Furuset skole", "school", "974760673")
		list := fk.get(base)
		if !strings.Contains(list.body, "Furuset skole") || !strings.Contains(list.body, "Kontakt Furuset skole") {
			t.Fatal("the list lacks the partner and its contact")
		}
		p, _ := f.db.Partner(context.Background(), f.offA.ID, school)
		edit := url.Values{"name": {"Furuset skole"}, "kind": {"school"}, "org_number": {"974760673"}, "active": {"1"}, "checked_on": {"2026-11-02"},
			"version": {fmt.Sprint(p.Version)}}
		if r := fk.post(fmt.Sprintf("%s/%d", base, school), edit); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", r.StatusCode, r.body)
		}
		if r := fk.post(fmt.Sprintf("%s/%d", base, school), edit); r.StatusCode != http.StatusConflict {
			t.Fatalf("a stale edit: %d", r.StatusCode)
		}
		// Another office's coordinator and a researcher see nothing.
		fkb := f.client().login("fk.b")
		for _, path := range []string{base, fmt.Sprintf("%s/%d", base, school), base + "/export.csv"} {
			if r := fkb.get(path); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s from office B: %d", path, r.StatusCode)
			}
		}
		if r := fkb.get(fmt.Sprintf("/offices/%d/partners/%d", f.offB.ID, school)); r.StatusCode != http.StatusNotFound {
			t.Errorf("office A's partner under office B's path: %d", r.StatusCode)
		}
		if r := f.client().login("forsker").get(base); r.StatusCode != http.StatusNotFound {
			t.Errorf("a researcher: %d", r.StatusCode)
		}
		if r := f.api("fk.b").get(fmt.Sprintf("/api/v1/offices/%d/partners", f.offA.ID)); r.StatusCode != http.StatusNotFound {
			t.Errorf("API from office B: %d", r.StatusCode)
		}
		// The import: one bad row (line 3) imports nothing.
		header := "organization_name,organization_number,kind,service_name,municipality,phone,email,status,last_checked,contact_name,contact_title,contact_level,contact_phone,contact_email\n"
		bad := header + "Alna barnevernstjeneste,,child_welfare,Barneverntjenesten,Oslo,,,active,2026-10-01,Siri Ås,saksbehandler,operational,,\n" +
			"Helsestasjon Furuset,123456789,health_station,,Oslo,,,active,,,,,,\n"
		r = fk.post(base+"/import", url.Values{"csv": {bad}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Linje 3, org_number") {
			t.Fatalf("a bad import row: %d %s", r.StatusCode, r.body)
		}
		if ps, _ := f.db.Partners(context.Background(), f.offA.ID); len(ps) != 1 {
			t.Fatalf("a failed import left %d partners", len(ps))
		}
		good := strings.Replace(bad, "123456789", "889640782", 1) +
			"Alna barnevernstjeneste,,child_welfare,Barneverntjenesten,Oslo,,,active,2026-10-01,Per Leder,leder,leader,,\n"
		if r := fk.post(base+"/import", url.Values{"csv": {good}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("import: %d %s", r.StatusCode, r.body)
		}
		ps, _ := f.db.Partners(context.Background(), f.offA.ID)
		var cw holf.Partner
		for _, p := range ps {
			if p.Kind == holf.PartnerChildWelfare {
				cw = p
			}
		}
		if len(ps) != 3 || len(cw.Contacts) != 2 || cw.Contacts[1].Level != holf.LevelLeader {
			t.Fatalf("imported %d partners, child welfare %+v", len(ps), cw)
		}
		export := fk.get(base + "/export.csv")
		if export.StatusCode != 200 || !strings.HasPrefix(export.body, header) || !strings.Contains(export.body, "Per Leder,leder,leader") {
			t.Fatalf("export: %d %s", export.StatusCode, export.body)
		}
		api := decode[[]apiPartner](t, f.api("fk.a").get(fmt.Sprintf("/api/v1/offices/%d/partners", f.offA.ID)))
		if len(api) != 3 || api[0].Name == "" || api[0].Kind == "" {
			t.Fatalf("API partners %+v", api)
		}
		// Reading the list is audited (it names contact people).
		wantAudited(t, f, store.AuditFilter{Actor: "fk.a", Limit: 200}, "partner.list", "partner.create", "partner.update", "partner.import")
	})
}

// TestConsentGuardsSharing: a consent is recorded with its errors named;
// it covers the school and the child welfare service for the children's
// situation; a partner task for the school is allowed and one for the GP
// refused, naming what is missing; an emergency override goes through and
// the leader sees it; a correction invalidates the old record; a
// withdrawal lists the partners to inform; other offices see nothing; every
// view is audited.
func TestConsentGuardsSharing(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fk := f.client().login("fk.a")
		fam := f.famA
		parent, child := fam.Members[0], fam.Members[1]
		school := addPartner(t, fk, f.offA.ID, "Furuset skole", "school", "974760673")
		cw := addPartner(t, fk, f.offA.ID, "Alna barnevernstjeneste", "child_welfare", "")
		gp := addPartner(t, fk, f.offA.ID, "Legesenteret Furuset", "gp", "")
		base := fmt.Sprintf("/families/%d/consents", fam.ID)
		consent := consentForm(child.ID, parent.ID, []int64{school, cw}, []string{"children", "plan"}, []string{"disclose", "discuss"}, "2027-11-20")
		consent.Set("purpose", "Samarbeid om Ayaans skolehverdag")
		bad := url.Values{}
		for k, v := range consent {
			bad[k] = v
		}
		bad.Del("recipients")
		bad.Set("expires_on", "2026-11-01")
		r := fk.post(base, bad)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Velg hvem opplysningene kan deles med") ||
			!strings.Contains(r.body, "Sluttdatoen må være etter datoen samtykket ble gitt") || !strings.Contains(r.body, "Samarbeid om Ayaans skolehverdag") {
			t.Fatalf("a consent without recipient and with expiry before start: %d", r.StatusCode)
		}
		if r := fk.post(base, consent); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("record the consent: %d %s", r.StatusCode, r.body)
		}
		cs, _ := f.db.Consents(ctx, fam.ID)
		if len(cs) != 1 || len(cs[0].Recipients) != 2 || cs[0].RecordedBy == "" {
			t.Fatalf("stored consents %+v", cs)
		}
		c := cs[0]
		show := fk.get(fmt.Sprintf("%s/%d", base, c.ID))
		for _, want := range []string{"Furuset skole", "Alna barnevernstjeneste", "Barnas situasjon", "Samarbeid om Ayaans skolehverdag"} {
			if !strings.Contains(show.body, want) {
				t.Errorf("the consent page lacks %q", want)
			}
		}
		if print := fk.get(fmt.Sprintf("%s/%d?print=1&lang=en", base, c.ID)); print.StatusCode != 200 || !strings.Contains(print.body, "Furuset skole") {
			t.Fatalf("the printable form: %d", print.StatusCode)
		}
		// The plan: a goal for the child; the school may own a task, the GP may not.
		plan := fmt.Sprintf("/families/%d/plan", fam.ID)
		fk.post(plan+"/goals", url.Values{"title": {"Ayaan trives på skolen"}, "area": {"children"}, "member": {fmt.Sprint(child.ID)}})
		pl, _ := f.db.Plan(ctx, fam.ID)
		goal := pl.Goals[0]
		task := func(partner int64, title string, extra ...string) response {
			v := url.Values{"goal": {fmt.Sprint(goal.ID)}, "title": {title}, "responsible": {"partner"}, "responsible_partner": {fmt.Sprint(partner)},
				"due": {"2026-12-15"}}
			for i := 0; i+1 < len(extra); i += 2 {
				v.Set(extra[i], extra[i+1])
			}
			return fk.post(plan+"/activities", v)
		}
		if r := task(school, "Skolen melder tilbake om fravær"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("a task for the school: %d %s", r.StatusCode, r.body)
		}
		r = task(gp, "Fastlegen vurderer henvisning")
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Legesenteret Furuset") ||
			!strings.Contains(r.body, "mottakeren er ikke med i samtykket") || !strings.Contains(r.body, "Fastlegen vurderer henvisning") {
			t.Fatalf("a task for the GP without consent: %d %s", r.StatusCode, r.body)
		}
		// The override keeps its reason when the rest of the form is wrong.
		if r := task(gp, "", "consent_override", "Akutt"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, ">Akutt</textarea>") {
			t.Fatalf("the override's reason is kept: %d", r.StatusCode)
		}
		if r := task(gp, "Fastlegen vurderer henvisning", "consent_override", "Akutt bekymring for barnets helse, mor samtykket muntlig"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("an emergency override: %d %s", r.StatusCode, r.body)
		}
		pl, _ = f.db.Plan(ctx, fam.ID)
		if len(pl.Activities) != 2 || pl.Activities[0].PartnerID != school || pl.Activities[0].ResponsibleName != "Furuset skole" {
			t.Fatalf("partner tasks %+v", pl.Activities)
		}
		if home := f.client().login("leder.a").get("/"); !strings.Contains(home.body, "Akutt bekymring for barnets helse") {
			t.Fatal("the leader does not see the override")
		}
		if home := f.client().login("leder.b").get("/"); strings.Contains(home.body, "Akutt bekymring") {
			t.Fatal("another office's leader sees the override")
		}
		// The API, and 404 for another office.
		api := decode[[]apiConsent](t, f.api("fk.a").get("/api/v1"+base))
		if len(api) != 1 || api[0].Status != holf.ConsentActive || api[0].MemberID != child.ID || len(api[0].Recipients) != 2 || api[0].GivenOn != "2026-11-20" {
			t.Fatalf("API consents %+v", api)
		}
		fkb := f.client().login("fk.b")
		for _, path := range []string{base, fmt.Sprintf("%s/%d", base, c.ID)} {
			if r := fkb.get(path); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s from office B: %d", path, r.StatusCode)
			}
		}
		if r := f.api("fk.b").get("/api/v1" + base); r.StatusCode != http.StatusNotFound {
			t.Errorf("API from office B: %d", r.StatusCode)
		}
		// A correction invalidates the record and makes a new one.
		corr := url.Values{}
		for k, v := range consent {
			corr[k] = v
		}
		corr.Set("replaces", fmt.Sprint(c.ID))
		corr.Set("version", fmt.Sprint(c.Version))
		corr.Set("given_on", "2026-11-23")
		corr["categories"] = []string{"children", "plan", "health"}
		if r := fk.post(base, corr); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("correct: %d %s", r.StatusCode, r.body)
		}
		if r := fk.post(base, corr); r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("correcting a replaced record again: %d", r.StatusCode)
		}
		cs, _ = f.db.Consents(ctx, fam.ID)
		var old, cur holf.Consent
		for _, x := range cs {
			if x.ID == c.ID {
				old = x
			} else {
				cur = x
			}
		}
		if len(cs) != 2 || old.InvalidatedOn.IsZero() || old.ReplacedBy != cur.ID || old.Purpose != c.Purpose || len(cur.Categories) != 3 {
			t.Fatalf("after the correction: old %+v new %+v", old, cur)
		}
		// Withdrawn: the school was told something (it owns a task), so the
		// coordinator is told to inform it; child welfare was told nothing.
		wpath := fmt.Sprintf("%s/%d/withdraw", base, cur.ID)
		if r := fk.post(wpath, url.Values{"withdrawn_on": {"2026-12-24"}, "version": {fmt.Sprint(cur.Version)}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a withdrawal in the future: %d", r.StatusCode)
		}
		if r := fk.post(wpath, url.Values{"withdrawn_on": {"2026-11-23"}, "withdrawn_how": {"Mor ringte"}, "version": {fmt.Sprint(cur.Version)}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("withdraw: %d %s", r.StatusCode, r.body)
		}
		if r := fk.post(wpath, url.Values{"withdrawn_on": {"2026-11-23"}, "version": {fmt.Sprint(cur.Version)}}); r.StatusCode != http.StatusConflict && r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("withdrawing twice: %d", r.StatusCode)
		}
		page := fk.get(fmt.Sprintf("%s/%d", base, cur.ID))
		inform := page.body[strings.Index(page.body, "Gi beskjed til disse"):]
		inform = inform[:strings.Index(inform, "</ul>")]
		if !strings.Contains(inform, "Furuset skole") || strings.Contains(inform, "Alna barnevernstjeneste") {
			t.Fatalf("partners to inform: %s", inform)
		}
		// Without consent now, a new task for the school is refused.
		if r := task(school, "Skolen sender ny rapport"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "samtykket er trukket") {
			t.Fatalf("a task after withdrawal: %d", r.StatusCode)
		}
		// The child a consent names cannot be removed from the family.
		cur0, _ := f.db.GetFamily(ctx, fam.ID)
		next := cur0
		next.Members = cur0.Members[:1]
		_, err := f.app.Families.Update(ctx, mustActor(t, f, "fk.a"), next, nil)
		if he, ok := holf.AsError(err); !ok || len(he.Fields) == 0 || he.Fields[0].Key != "err.member_has_consent" {
			t.Fatalf("removing the child a consent names: %v", err)
		}
		wantAudited(t, f, store.AuditFilter{Actor: "fk.a", RecordType: "family", RecordID: fam.ID, Limit: 200}, "consent.view", "consent.add", "consent.correct", "consent.withdraw", "consent.override")
	})
}

// TestCollaborationMeetingNeedsConsent: partners invited to a meeting must
// be covered for what its agenda is about.
func TestCollaborationMeetingNeedsConsent(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fk := f.client().login("fk.a")
		fam := f.famA
		parent, child := fam.Members[0], fam.Members[1]
		school := addPartner(t, fk, f.offA.ID, "Furuset skole", "school", "974760673")
		gp := addPartner(t, fk, f.offA.ID, "Legesenteret Furuset", "gp", "")
		given := consentForm(child.ID, parent.ID, []int64{school}, []string{"children", "plan"}, []string{"discuss"}, "2027-05-20")
		given.Set("method", "meeting")
		recordConsent(t, fk, fam.ID, given)
		meeting := func(partners ...int64) url.Values {
			v := url.Values{"kind": {"collaboration"}, "date": {"2026-11-30"}, "time": {"09:00"}, "minutes": {"60"}, "channel": {"office"}, "status": {"planned"},
				"lead": {fmt.Sprint(f.id("fk.a"))}, "pc" + fmt.Sprint(f.id("fk.a")): {"1"}, fmt.Sprintf("pm%d", parent.ID): {"1"}}
			for _, p := range partners {
				v.Set(fmt.Sprintf("px%d", p), "1")
			}
			return v
		}
		r := fk.post(fmt.Sprintf("/families/%d/meetings", fam.ID), meeting(school, gp))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Legesenteret Furuset") || !strings.Contains(r.body, "mottakeren er ikke med i samtykket") {
			t.Fatalf("a meeting with the GP: %d %s", r.StatusCode, r.body)
		}
		if strings.Contains(r.body, "Furuset skole –") {
			t.Fatal("the school is covered and must not be named as missing")
		}
		id := planMeeting(t, fk, fam.ID, "2026-11-30", "09:00")
		m, _ := f.db.Meeting(ctx, fam.ID, id)
		_ = m
		r = fk.post(fmt.Sprintf("/families/%d/meetings", fam.ID), meeting(school))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("a meeting with the school: %d %s", r.StatusCode, r.body)
		}
		ms, _ := f.db.Meetings(ctx, fam.ID)
		var collab holf.Meeting
		for _, x := range ms {
			if x.Kind == holf.MeetingCollaboration {
				collab = x
			}
		}
		if got := collab.Partners(); len(got) != 1 || got[0] != school {
			t.Fatalf("the meeting's partners %v", got)
		}
		page := fk.get(fmt.Sprintf("/families/%d/meetings/%d", fam.ID, collab.ID))
		if !strings.Contains(page.body, "Furuset skole") {
			t.Fatal("the meeting page does not name the partner")
		}
		// The API: the same rule, partners by id, the need date kept.
		api := f.api("fk.a")
		body := func(partner int64) string {
			return fmt.Sprintf(`{"kind":"collaboration","status":"planned","starts_at":"2026-12-10T09:00:00Z","minutes":60,"channel":"office","need_on":"2026-11-20",
			"participants":[{"kind":"member","member_id":%d,"attendance":"expected"},{"kind":"partner","partner_id":%d,"name":"Eva Lund","attendance":"expected"}]}`, parent.ID, partner)
		}
		hdr := http.Header{"Content-Type": {"application/json"}}
		if r := api.do("POST", fmt.Sprintf("/api/v1/families/%d/meetings", fam.ID), strings.NewReader(body(gp)), hdr); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "participants") {
			t.Fatalf("API meeting with the GP: %d %s", r.StatusCode, r.body)
		}
		cr := api.do("POST", fmt.Sprintf("/api/v1/families/%d/meetings", fam.ID), strings.NewReader(body(school)), hdr)
		if cr.StatusCode != http.StatusCreated {
			t.Fatalf("API meeting with the school: %d %s", cr.StatusCode, cr.body)
		}
		am := decode[apiMeeting](t, cr)
		if am.NeedOn != "2026-11-20" || !am.Late || len(am.Participants) != 2 || am.Participants[1].PartnerID == nil || *am.Participants[1].PartnerID != school {
			t.Fatalf("API meeting %+v", am)
		}
		pp := api.do("PATCH", fmt.Sprintf("/api/v1/families/%d/meetings/%d", fam.ID, am.ID), strings.NewReader(`{"minutes":45}`),
			http.Header{"Content-Type": {"application/json"}, "If-Match": {cr.Header.Get("ETag")}})
		if pp.StatusCode != 200 || len(decode[apiMeeting](t, pp).Participants) != 2 {
			t.Fatalf("API patch keeps the partner: %d %s", pp.StatusCode, pp.body)
		}
	})
}

// TestNetworkEscalationAndExtract: who is involved with each member; a
// stalled partner task is lifted to the leader, who sees it on the start
// page and closes it with its outcome; the sharing extract holds only what
// the consent covers, is refused without one, and is audited; a
// collaboration meeting held more than 14 days after its need is flagged.
func TestNetworkEscalationAndExtract(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fk := f.client().login("fk.a")
		fam := f.famA
		parent, child := fam.Members[0], fam.Members[1]
		school := addPartner(t, fk, f.offA.ID, "Furuset skole", "school", "974760673")
		housing := addPartner(t, fk, f.offA.ID, "Boligkontoret Alna", "housing", "")
		gp := addPartner(t, fk, f.offA.ID, "Legesenteret Furuset", "gp", "")
		base := fmt.Sprintf("/families/%d/network", fam.ID)
		// Who is involved.
		if r := fk.post(base+"/involvements", url.Values{"member": {fmt.Sprint(child.ID)}, "partner": {"0"}, "contact_name": {"Ola Dahl"}, "since": {"2027-01-01"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, `value="Ola Dahl"`) || !strings.Contains(r.body, `href="#partner"`) || !strings.Contains(r.body, `href="#since"`) {
			t.Fatalf("an involvement without a service and in the future: %d", r.StatusCode)
		}
		if r := fk.post(base+"/involvements", url.Values{"member": {fmt.Sprint(child.ID)}, "partner": {fmt.Sprint(school)}, "contact_name": {"Ola Dahl"},
			"role": {"kontaktlærer"}, "since": {"2026-08-15"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("add an involvement: %d %s", r.StatusCode, r.body)
		}
		page := fk.get(base)
		if !strings.Contains(page.body, "Ola Dahl") || !strings.Contains(page.body, "kontaktlærer") || !strings.Contains(page.body, child.Name) {
			t.Fatal("the network page does not show who is involved")
		}
		// A consent for the school about the child, and for the plan.
		recordConsent(t, fk, fam.ID, consentForm(child.ID, parent.ID, []int64{school}, []string{"children", "plan"}, []string{"disclose", "discuss"}, "2026-12-10"))
		plan := fmt.Sprintf("/families/%d/plan", fam.ID)
		fk.post(plan+"/goals", url.Values{"title": {"Ayaan trives på skolen"}, "area": {"children"}, "member": {fmt.Sprint(child.ID)}})
		fk.post(plan+"/goals", url.Values{"title": {"Mor i arbeid"}, "area": {"work"}, "member": {fmt.Sprint(parent.ID)}})
		pl, _ := f.db.Plan(ctx, fam.ID)
		if r := fk.post(plan+"/activities", url.Values{"goal": {fmt.Sprint(pl.Goals[0].ID)}, "title": {"Skolen melder fravær hver uke"}, "responsible": {"partner"},
			"responsible_partner": {fmt.Sprint(school)}, "due": {"2026-11-20"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("a school task: %d %s", r.StatusCode, r.body)
		}
		fk.post(plan+"/activities", url.Values{"goal": {fmt.Sprint(pl.Goals[1].ID)}, "title": {"Søke praksisplass"}, "responsible": {"coordinator"}, "due": {"2026-12-20"}})
		pl, _ = f.db.Plan(ctx, fam.ID)
		task := pl.Activities[0]
		// The coordinator is reminded that the consent ends within 30 days.
		if home := fk.get("/"); !strings.Contains(home.body, "Forny samtykket for "+child.Name) {
			t.Fatal("no reminder of the consent that expires")
		}
		// The task has stalled: lift it to the leader.
		if r := fk.post(fmt.Sprintf("/families/%d/escalations", fam.ID), url.Values{"kind": {"stalled"}, "activity": {"0"}, "asked": {""}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "Velg oppgaven som har stoppet opp") {
			t.Fatalf("a stalled escalation without its task: %d", r.StatusCode)
		}
		if r := fk.post(fmt.Sprintf("/families/%d/escalations", fam.ID), url.Values{"kind": {"stalled"}, "activity": {fmt.Sprint(task.ID)},
			"asked": {"Skolen har ikke meldt fravær på tre uker, og svarer ikke på e-post."}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("escalate: %d %s", r.StatusCode, r.body)
		}
		es, _ := f.db.Escalations(ctx, fam.ID)
		if len(es) != 1 || es[0].PartnerID != school || es[0].Status != holf.EscalationOpen || es[0].OfficeID != f.offA.ID {
			t.Fatalf("stored escalations %+v", es)
		}
		e := es[0]
		leader := f.client().login("leder.a")
		if home := leader.get("/"); !strings.Contains(home.body, "1 sak løftet til deg") || !strings.Contains(home.body, "Skolen har ikke meldt fravær") {
			t.Fatal("the leader's start page lacks the escalation")
		}
		if home := f.client().login("leder.b").get("/"); strings.Contains(home.body, "Skolen har ikke meldt fravær") {
			t.Fatal("another office's leader sees the escalation")
		}
		if home := fk.get("/"); strings.Contains(home.body, "sak løftet til deg") {
			t.Fatal("the coordinator's start page lists escalations to handle")
		}
		epath := fmt.Sprintf("/families/%d/escalations/%d", fam.ID, e.ID)
		if r := fk.post(epath, url.Values{"version": {"1"}, "answer": {"x"}}); r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusForbidden {
			t.Fatalf("the coordinator answers the escalation: %d", r.StatusCode)
		}
		if r := leader.post(epath, url.Values{"version": {"1"}, "answer": {"Jeg ringer rektor."}, "resolve": {"1"}}); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "Skriv hva utfallet ble") || !strings.Contains(r.body, "Jeg ringer rektor.") {
			t.Fatalf("closing without an outcome: %d", r.StatusCode)
		}
		if r := leader.post(epath, url.Values{"version": {"1"}, "answer": {"Jeg ringer rektor."}, "outcome": {"Rektor følger opp; fravær meldes fredager."}, "resolve": {"1"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("close: %d %s", r.StatusCode, r.body)
		}
		if r := leader.post(epath, url.Values{"version": {"1"}, "answer": {"Igjen"}, "outcome": {"Igjen"}}); r.StatusCode != http.StatusUnprocessableEntity && r.StatusCode != http.StatusConflict {
			t.Fatalf("answering a closed matter: %d", r.StatusCode)
		}
		if home := leader.get("/"); strings.Contains(home.body, "Skolen har ikke meldt fravær") {
			t.Fatal("a closed escalation is still on the leader's page")
		}
		// The extract for the school: the child's goal and its task, not the
		// mother's work goal.
		x := fk.get(fmt.Sprintf("%s/extract?partner=%d", base, school))
		if x.StatusCode != 200 || !strings.Contains(x.body, "Ayaan trives på skolen") || !strings.Contains(x.body, "Skolen melder fravær hver uke") ||
			strings.Contains(x.body, "Mor i arbeid") || strings.Contains(x.body, "Søke praksisplass") || !strings.Contains(x.body, "1 mål eller temaer er utelatt") {
			t.Fatalf("the extract: %d %s", x.StatusCode, x.body)
		}
		if r := fk.get(fmt.Sprintf("%s/extract?partner=%d", base, gp)); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "mottakeren er ikke med i samtykket") {
			t.Fatalf("an extract for the GP: %d", r.StatusCode)
		}
		if r := f.client().login("fk.b").get(fmt.Sprintf("%s/extract?partner=%d", base, school)); r.StatusCode != http.StatusNotFound {
			t.Fatalf("an extract from office B: %d", r.StatusCode)
		}
		// The housing office was given nothing; the school is to be told on withdrawal.
		if shared, _ := f.db.Shared(ctx, fam.ID); len(shared) != 1 || shared[0] != school {
			t.Fatalf("shared with %v", shared)
		}
		_ = housing
		// A collaboration meeting held 20 days after its need is flagged.
		r := fk.post(fmt.Sprintf("/families/%d/meetings", fam.ID), url.Values{"kind": {"collaboration"}, "date": {"2026-11-30"}, "time": {"09:00"}, "minutes": {"60"},
			"channel": {"office"}, "status": {"planned"}, "lead": {fmt.Sprint(f.id("fk.a"))}, "pc" + fmt.Sprint(f.id("fk.a")): {"1"},
			fmt.Sprintf("pm%d", parent.ID): {"1"}, fmt.Sprintf("px%d", school): {"1"}, "need_on": {"2026-11-10"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("a collaboration meeting: %d %s", r.StatusCode, r.body)
		}
		m := meetingLocation.FindStringSubmatch(r.Header.Get("Location"))
		if mp := fk.get(fmt.Sprintf("/families/%d/meetings/%s", fam.ID, m[1])); !strings.Contains(mp.body, "holdes 20 dager etter at behovet ble meldt") {
			t.Fatal("the late collaboration meeting is not flagged")
		}
		if np := fk.get(base); !strings.Contains(np.body, "holdes 20 dager etter") || !strings.Contains(np.body, "Furuset skole") {
			t.Fatal("the network page lacks the collaboration meeting")
		}
		if form := fk.get(fmt.Sprintf("/families/%d/meetings/new?kind=collaboration", fam.ID)); !strings.Contains(form.body, `name="need_on" type="date" value="2026-11-23"`) {
			t.Fatal("a collaboration meeting called from the network page registers its need today")
		}
		api := decode[apiNetwork](t, f.api("fk.a").get("/api/v1"+base))
		if len(api.Involvements) != 1 || len(api.Escalations) != 1 || api.Escalations[0].Status != holf.EscalationResolved || len(api.CollaborationMeetings) != 1 {
			t.Fatalf("API network %+v", api)
		}
		if r := f.api("fk.b").get("/api/v1" + base); r.StatusCode != http.StatusNotFound {
			t.Fatalf("API network from office B: %d", r.StatusCode)
		}
		wantAudited(t, f, store.AuditFilter{RecordType: "family", RecordID: fam.ID, Limit: 300}, "network.view", "involvement.add", "escalation.raise", "escalation.handle", "share.extract")
		// The leader's list names the families it showed.
		lists, _ := f.db.ListAudit(ctx, store.AuditFilter{Actor: "leder.a", Limit: 100})
		listed := false
		for _, e := range lists {
			listed = listed || e.Action == "escalation.list" && slices.Contains(e.RecordIDs, fam.ID)
		}
		if !listed {
			t.Error("the leader's list of escalations is not audited")
		}
	})
}

// TestNetworkAPIWrites: partners, consents, withdrawals and escalations
// through /api/v1, with the same rules, ETags and 404s as the pages.
func TestNetworkAPIWrites(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		api, leader, other := f.api("fk.a"), f.api("leder.a"), f.api("fk.b")
		fam := f.famA
		parent, child := fam.Members[0], fam.Members[1]
		hdr := func(kv ...string) http.Header {
			h := http.Header{"Content-Type": {"application/json"}}
			for i := 0; i+1 < len(kv); i += 2 {
				h.Set(kv[i], kv[i+1])
			}
			return h
		}
		office := fmt.Sprintf("/api/v1/offices/%d/partners", f.offA.ID)
		if r := api.do("POST", office, strings.NewReader(`{"name":"Furuset skole","kind":"school","organisation_number":"974760674"}`), hdr()); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "org_number") {
			t.Fatalf("a bad organisation number: %d %s", r.StatusCode, r.body)
		}
		r := api.do("POST", office, strings.NewReader(`{"name":"Furuset skole","kind":"school","organisation_number":"974760673","contacts":[{"name":"Eva Lund","title":"rektor","level":"leader"}]}`), hdr())
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("a partner: %d %s", r.StatusCode, r.body)
		}
		school := decode[map[string]int64](t, r)["id"]
		if r := other.do("POST", office, strings.NewReader(`{"name":"X","kind":"school"}`), hdr()); r.StatusCode != http.StatusNotFound {
			t.Fatalf("another office's coordinator adds a partner: %d", r.StatusCode)
		}
		consents := fmt.Sprintf("/api/v1/families/%d/consents", fam.ID)
		body := fmt.Sprintf(`{"member_id":%d,"grantor_id":%d,"recipients":[%d],"purpose":"Skolehverdagen","categories":["children"],"actions":["disclose"],
			"given_on":"2026-11-20","expires_on":"%%s","method":"paper"}`, child.ID, parent.ID, school)
		if r := api.do("POST", consents, strings.NewReader(fmt.Sprintf(body, "2026-11-01")), hdr()); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "expires_on") {
			t.Fatalf("an expiry before the start: %d %s", r.StatusCode, r.body)
		}
		cr := api.do("POST", consents, strings.NewReader(fmt.Sprintf(body, "2027-11-20")), hdr())
		if cr.StatusCode != http.StatusCreated {
			t.Fatalf("a consent: %d %s", cr.StatusCode, cr.body)
		}
		c := decode[apiConsent](t, cr)
		if c.Status != holf.ConsentActive || c.Recipients[0] != school {
			t.Fatalf("created %+v", c)
		}
		if r := other.do("POST", consents, strings.NewReader(fmt.Sprintf(body, "2027-11-20")), hdr()); r.StatusCode != http.StatusNotFound {
			t.Fatalf("another office records a consent: %d", r.StatusCode)
		}
		// A correction needs the old record's ETag.
		fix := strings.Replace(fmt.Sprintf(body, "2027-05-20"), `"method"`, fmt.Sprintf(`"replaces":%d,"method"`, c.ID), 1)
		if r := api.do("POST", consents, strings.NewReader(fix), hdr("If-Match", `"consent-1-v9"`)); r.StatusCode != http.StatusPreconditionFailed {
			t.Fatalf("a stale correction: %d %s", r.StatusCode, r.body)
		}
		fr := api.do("POST", consents, strings.NewReader(fix), hdr("If-Match", cr.Header.Get("ETag")))
		if fr.StatusCode != http.StatusCreated {
			t.Fatalf("a correction: %d %s", fr.StatusCode, fr.body)
		}
		fixed := decode[apiConsent](t, fr)
		// The school owns a task, so withdrawing lists it to inform.
		plan := fmt.Sprintf("/families/%d/plan", fam.ID)
		fk := f.client().login("fk.a")
		fk.post(plan+"/goals", url.Values{"title": {"Skolen"}, "area": {"children"}, "member": {fmt.Sprint(child.ID)}})
		pl, _ := f.db.Plan(context.Background(), fam.ID)
		if r := fk.post(plan+"/activities", url.Values{"goal": {fmt.Sprint(pl.Goals[0].ID)}, "title": {"Melde fravær"}, "responsible": {"partner"},
			"responsible_partner": {fmt.Sprint(school)}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("a school task: %d %s", r.StatusCode, r.body)
		}
		wpath := fmt.Sprintf("%s/%d/withdraw", consents, fixed.ID)
		wr := api.do("POST", wpath, strings.NewReader(`{"withdrawn_on":"2026-11-23","how":"Mor ringte"}`), hdr("If-Match", fr.Header.Get("ETag")))
		if wr.StatusCode != 200 || !slices.Equal(decode[struct {
			Inform []int64 `json:"inform_partners"`
		}](t, wr).Inform, []int64{school}) {
			t.Fatalf("withdraw: %d %s", wr.StatusCode, wr.body)
		}
		// An escalation raised by the coordinator, closed by the leader.
		pl, _ = f.db.Plan(context.Background(), fam.ID)
		esc := fmt.Sprintf("/api/v1/families/%d/escalations", fam.ID)
		er := api.do("POST", esc, strings.NewReader(fmt.Sprintf(`{"kind":"stalled","activity_id":%d,"asked":"Ingen svar fra skolen."}`, pl.Activities[0].ID)), hdr())
		if er.StatusCode != http.StatusCreated {
			t.Fatalf("escalate: %d %s", er.StatusCode, er.body)
		}
		e := decode[apiEscalation](t, er)
		if e.PartnerID == nil || *e.PartnerID != school || e.Status != holf.EscalationOpen {
			t.Fatalf("escalation %+v", e)
		}
		epath := fmt.Sprintf("%s/%d", esc, e.ID)
		if r := api.do("PATCH", epath, strings.NewReader(`{"outcome":"x"}`), hdr("If-Match", er.Header.Get("ETag"))); r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusForbidden {
			t.Fatalf("the coordinator handles the escalation: %d", r.StatusCode)
		}
		lr := leader.do("PATCH", epath, strings.NewReader(`{"answer":"Ringte rektor","outcome":"Fravær meldes fredager","status":"resolved"}`), hdr("If-Match", er.Header.Get("ETag")))
		if lr.StatusCode != 200 || decode[apiEscalation](t, lr).Status != holf.EscalationResolved {
			t.Fatalf("the leader closes it: %d %s", lr.StatusCode, lr.body)
		}
		if r := leader.do("PATCH", epath, strings.NewReader(`{"answer":"igjen"}`), hdr("If-Match", er.Header.Get("ETag"))); r.StatusCode != http.StatusPreconditionFailed {
			t.Fatalf("a stale answer: %d", r.StatusCode)
		}
	})
}

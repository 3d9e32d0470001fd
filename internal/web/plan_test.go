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

func TestFamilyPlan(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fk := f.client().login("fk.a")
		base := fmt.Sprintf("/families/%d/plan", f.famA.ID)
		mother, child := f.famA.Parents()[0], f.famA.Children()[0]
		if r := fk.get(base); r.StatusCode != 200 || !strings.Contains(r.body, "Ingen mål ennå") {
			t.Fatalf("empty plan: %d", r.StatusCode)
		}
		if r := fk.post(base+"/goals", url.Values{"title": {""}, "area": {"work"}}); r.StatusCode != 422 || !strings.Contains(r.body, "Må fylles ut") {
			t.Fatalf("empty goal: %d", r.StatusCode)
		}
		if r := fk.post(base+"/goals", url.Values{"title": {"Mor i jobb innen ett år"}, "area": {"work"}, "member": {fmt.Sprint(mother.ID)}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("add goal: %d %s", r.StatusCode, r.body)
		}
		plan, _ := f.db.Plan(ctx, f.famA.ID)
		goal := plan.Goals[0]
		if r := fk.post(base+"/goals", url.Values{"title": {"Norskkurs nivå B1"}, "area": {"housing"}, "parent": {fmt.Sprint(goal.ID)}, "member": {fmt.Sprint(mother.ID)}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("add sub-goal: %d %s", r.StatusCode, r.body)
		}
		fk.post(base+"/goals", url.Values{"title": {"Ali begynner på fotball"}, "area": {"children"}, "member": {fmt.Sprint(child.ID)}})
		plan, _ = f.db.Plan(ctx, f.famA.ID)
		sub := plan.Goals[1]
		if sub.ParentID != goal.ID || sub.Area != holf.AreaWork {
			t.Fatalf("sub-goal %+v: must sit under its goal in its area", sub)
		}
		football := plan.Goals[2]
		today := f.clock.Now()
		add := func(v url.Values) response { return fk.post(base+"/activities", v) }
		if r := add(url.Values{"goal": {fmt.Sprint(sub.ID)}, "title": {"Melde seg på norskkurs"}, "responsible": {"partner"}, "responsible_name": {""}, "due": {"15.12.2026"}}); r.StatusCode != 422 ||
			!strings.Contains(r.body, "Skriv en dato") || !strings.Contains(r.body, "Må fylles ut") || !strings.Contains(r.body, "Melde seg på norskkurs") {
			t.Fatalf("invalid activity: %d", r.StatusCode)
		}
		acts := []url.Values{
			{"goal": {fmt.Sprint(sub.ID)}, "title": {"Melde seg på norskkurs"}, "responsible": {"member"}, "responsible_member": {fmt.Sprint(mother.ID)}, "due": {today.AddDate(0, 0, -3).Format("2006-01-02")}},
			{"goal": {fmt.Sprint(goal.ID)}, "title": {"Avtale arbeidspraksis"}, "responsible": {"nav"}, "responsible_name": {"NAV-veileder Ola"}, "due": {today.AddDate(0, 0, 10).Format("2006-01-02")}},
			{"goal": {fmt.Sprint(football.ID)}, "title": {"Søke fritidskortet"}, "responsible": {"coordinator"}, "due": {today.AddDate(0, 1, 0).Format("2006-01-02")}},
		}
		for _, a := range acts {
			if r := add(a); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("add activity: %d %s", r.StatusCode, r.body)
			}
		}
		plan, _ = f.db.Plan(ctx, f.famA.ID)
		if len(plan.Activities) != 3 || plan.Version != 6 {
			t.Fatalf("plan: %d activities, version %d", len(plan.Activities), plan.Version)
		}
		// Check off in one action.
		norsk := plan.Activities[0]
		if r := fk.post(fmt.Sprintf("%s/activities/%d/status", base, norsk.ID), url.Values{"to": {"done"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("check off: %d", r.StatusCode)
		}
		plan, _ = f.db.Plan(ctx, f.famA.ID)
		if pr := plan.GoalProgress(goal.ID); pr.Done != 1 || pr.Total != 2 {
			t.Fatalf("goal progress %+v, want 1 of 2 (sub-goal's activity counts)", pr)
		}
		page := fk.get(base)
		for _, want := range []string{"Mor i jobb innen ett år", "Norskkurs nivå B1", "1 av 2 aktiviteter utført", "NAV-veileder Ola", "Familiekoordinator (Anne Alna)", "Utført: Melde seg på norskkurs"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("plan page lacks %q", want)
			}
		}
		due := fk.get(base + "?view=due")
		if !strings.Contains(due.body, `<span class="what">Avtale arbeidspraksis</span>`) || strings.Contains(due.body, `<span class="what">Søke fritidskortet</span>`) {
			t.Error("the due view must show the activity due in 10 days and not the one in a month")
		}
		// An open activity past its date is overdue.
		plan.Activities[0].Status = holf.ActivityOpen
		// (Reopened by the office's other coordinator: the audit check below
		// counts fk.a's own actions.)
		colleague, _ := f.app.ActAs(ctx, "fk2.a")
		if _, err := f.app.Plans.SetActivityStatus(ctx, colleague, f.famA.ID, norsk.ID, holf.ActivityOpen); err != nil {
			t.Fatal(err)
		}
		if due := fk.get(base + "?view=due"); !strings.Contains(due.body, "forfalt") {
			t.Error("an open activity past its due date is not shown as overdue")
		}
		member := fk.get(base + "?view=member")
		if !strings.Contains(member.body, mother.Name) || !strings.Contains(member.body, "NAV-veileder Ola") {
			t.Error("the per-member view lacks a responsible")
		}
		// Edit an activity; a stale edit is refused with both versions.
		edit := url.Values{"goal": {fmt.Sprint(goal.ID)}, "title": {"Avtale arbeidspraksis i barnehage"}, "responsible": {"nav"}, "responsible_name": {"NAV-veileder Ola"},
			"due": {today.AddDate(0, 0, 10).Format("2006-01-02")}, "status": {"open"}, "version": {"1"}}
		arb := plan.Activities[1]
		if r := fk.post(fmt.Sprintf("%s/activities/%d", base, arb.ID), edit); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit activity: %d %s", r.StatusCode, r.body)
		}
		edit.Set("title", "Avtale praksis")
		if r := fk.post(fmt.Sprintf("%s/activities/%d", base, arb.ID), edit); r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "Avtale arbeidspraksis i barnehage") || !strings.Contains(r.body, "Avtale praksis") {
			t.Fatalf("stale activity edit: %d", r.StatusCode)
		}
		// Another family's activity id is not found through this family.
		if r := fk.get(fmt.Sprintf("/families/%d/plan/activities/%d", f.famA.ID, 99999)); r.StatusCode != 404 {
			t.Fatalf("unknown activity: %d", r.StatusCode)
		}
		// The family's printable plan: plain, no internal notes, in the chosen language.
		pr := fk.get(base + "/print")
		for _, want := range []string{"Planen vår – Familien Alnes", "☐", "Melde seg på norskkurs", "innen", "Anne Alna (familiekoordinatoren)",
			"Målet gjelder Hodan Familien Alnes.", "Ta kontakt med Anne Alna"} {
			if !strings.Contains(pr.body, want) {
				t.Errorf("printable plan lacks %q", want)
			}
		}
		// Goal → sub-goal → its task stay together, with who does it.
		g, sg, task, other := strings.Index(pr.body, ">Mor i jobb innen ett år<"), strings.Index(pr.body, ">Norskkurs nivå B1<"),
			strings.Index(pr.body, "Melde seg på norskkurs</bdi> – <bdi class=\"who\">Hodan Familien Alnes"), strings.Index(pr.body, ">Ali begynner på fotball<")
		if g < 0 || sg < g || task < sg || other > 0 && other < task {
			t.Errorf("the printed plan does not keep goal, sub-goal and task together: %d %d %d %d", g, sg, task, other)
		}
		if strings.Contains(pr.body, "Mor ønsker") || strings.Contains(pr.body, "Merknader") {
			t.Error("the printable plan shows internal notes")
		}
		en := fk.get(base + "/print?lang=en")
		if !strings.Contains(en.body, `<html lang="en">`) || !strings.Contains(en.body, "This goal is for") ||
			!strings.Contains(en.body, "written in Norwegian, in the family&#39;s and the coordinator&#39;s own words") ||
			!strings.Contains(en.body, `<h2><bdi lang="nb">Mor i jobb innen ett år</bdi></h2>`) {
			t.Errorf("the printable plan in English: the frame translated, the family's words labelled Norwegian: %s", en.body)
		}
		changes, _ := f.db.PlanChanges(ctx, f.famA.ID, 100)
		if len(changes) < 8 {
			t.Fatalf("plan history has %d changes", len(changes))
		}
		if r := fk.get(fmt.Sprintf("/families/%d", f.famA.ID)); !strings.Contains(r.body, "Aktivitet lagt til: Søke fritidskortet") {
			t.Error("plan changes are not on the family's timeline")
		}
		if r := fk.get("/families"); !strings.Contains(r.body, `plan?view=due" class="late">1</a>`) {
			t.Error("the caseload does not show the overdue activity")
		}
		// Leaders read the plan without the editing controls.
		leader := f.client().login("leder.a")
		if r := leader.get(base); r.StatusCode != 200 || strings.Contains(r.body, "Legg til mål") || strings.Contains(r.body, "/status\"") {
			t.Fatalf("leader's plan: %d", r.StatusCode)
		}
		if r := leader.post(fmt.Sprintf("%s/activities/%d/status", base, arb.ID), url.Values{"to": {"done"}}); r.StatusCode != 404 {
			t.Fatalf("leader checks off: %d, want 404", r.StatusCode)
		}
		views, _ := f.db.ListAudit(ctx, store.AuditFilter{RecordType: "family", RecordID: f.famA.ID, Actor: "fk.a", Limit: 500})
		kinds := map[string]int{}
		for _, e := range views {
			kinds[e.Action]++
		}
		if kinds["plan.view"] == 0 || kinds["plan.print"] != 2 || kinds["plan.activity_status"] != 1 || kinds["plan.goal_add"] != 3 {
			t.Fatalf("plan audit %v", kinds)
		}
	})
}

func TestPlanAndMappingAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		api := f.api("fk.a")
		base := fmt.Sprintf("/api/v1/families/%d", f.famA.ID)
		r := api.get(base + "/mapping")
		if r.StatusCode != 200 || r.Header.Get("ETag") == "" || decode[apiMapping](t, r).Version != 0 {
			t.Fatalf("empty mapping: %d %s", r.StatusCode, r.body)
		}
		put := func(body, tag string) response {
			h := http.Header{"Content-Type": {"application/json"}}
			if tag != "" {
				h.Set("If-Match", tag)
			}
			return api.do("PUT", base+"/mapping", strings.NewReader(body), h)
		}
		key := holf.AreaKey(holf.AreaHousing, "wishes")
		if r := put(`{"fields": {"`+key+`": "Større bolig"}}`, ""); r.StatusCode != 428 {
			t.Fatalf("PUT without If-Match: %d", r.StatusCode)
		}
		r2 := put(`{"fields": {"`+key+`": "Større bolig"}}`, r.Header.Get("ETag"))
		if r2.StatusCode != 200 || decode[apiMapping](t, r2).Version != 1 {
			t.Fatalf("PUT: %d %s", r2.StatusCode, r2.body)
		}
		if r := put(`{"fields": {"`+key+`": "x"}}`, r.Header.Get("ETag")); r.StatusCode != 412 {
			t.Fatalf("PUT with the old ETag: %d", r.StatusCode)
		}
		if r := put(`{"fields": {"area.space.travel": "x"}}`, r2.Header.Get("ETag")); r.StatusCode != 422 {
			t.Fatalf("PUT with an unknown field: %d %s", r.StatusCode, r.body)
		}
		sys := holf.AuditEvent{Actor: "test", Role: "system", Action: "seed", RecordType: "family", Purpose: "test"}
		g := holf.Goal{FamilyID: f.famA.ID, Area: holf.AreaWork, Title: "Jobb", Status: holf.GoalOpen}
		if err := f.db.AddGoal(ctx, sys, &g); err != nil {
			t.Fatal(err)
		}
		a := holf.Activity{FamilyID: f.famA.ID, GoalID: g.ID, Title: "Søke jobb", Responsible: holf.ResponsibleCoordinator, Status: holf.ActivityOpen}
		if err := f.db.AddActivity(ctx, sys, &a); err != nil {
			t.Fatal(err)
		}
		r = api.get(base + "/plan")
		plan := decode[apiPlan](t, r)
		if r.StatusCode != 200 || r.Header.Get("ETag") == "" || len(plan.Goals) != 1 || len(plan.Goals[0].Activities) != 1 {
			t.Fatalf("plan: %d %s", r.StatusCode, r.body)
		}
		path := fmt.Sprintf("%s/plan/activities/%d", base, a.ID)
		patch := func(body, tag string) response {
			h := http.Header{"Content-Type": {"application/merge-patch+json"}}
			if tag != "" {
				h.Set("If-Match", tag)
			}
			return api.do("PATCH", path, strings.NewReader(body), h)
		}
		tag := fmt.Sprintf(`"activity-%d-v%d"`, a.ID, a.Version)
		if r := patch(`{"status": "done"}`, ""); r.StatusCode != 428 {
			t.Fatalf("no If-Match: %d", r.StatusCode)
		}
		r = patch(`{"status": "done"}`, tag)
		if r.StatusCode != 200 || decode[apiActivity](t, r).Status != holf.ActivityDone || decode[apiActivity](t, r).DoneOn == nil {
			t.Fatalf("check off: %d %s", r.StatusCode, r.body)
		}
		if r := patch(`{"title": "y"}`, tag); r.StatusCode != 412 {
			t.Fatalf("stale activity ETag: %d", r.StatusCode)
		}
		if r := f.api("fk.b").get(base + "/plan"); r.StatusCode != 404 {
			t.Fatalf("other office reads the plan: %d", r.StatusCode)
		}
	})
}

// TestPlanKeepsTwoLevels: a goal with sub-goals cannot become a sub-goal
// (its sub-goals and their open activities would drop out of the plan), a
// sub-goal cannot have sub-goals, and no goal sits under itself.
func TestPlanKeepsTwoLevels(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fk := f.client().login("fk.a")
		base := fmt.Sprintf("/families/%d/plan", f.famA.ID)
		add := func(v url.Values) {
			t.Helper()
			if r := fk.post(base+"/goals", v); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("add goal: %d", r.StatusCode)
			}
		}
		add(url.Values{"title": {"Arbeid"}, "area": {"work"}})
		add(url.Values{"title": {"Bolig"}, "area": {"housing"}})
		plan, _ := f.db.Plan(ctx, f.famA.ID)
		work, housing := plan.Goals[0], plan.Goals[1]
		add(url.Values{"title": {"Norskkurs"}, "area": {"work"}, "parent": {fmt.Sprint(work.ID)}})
		plan, _ = f.db.Plan(ctx, f.famA.ID)
		course := plan.Goals[2]
		move := func(g holf.Goal, parent int64) response {
			return fk.post(fmt.Sprintf("%s/goals/%d", base, g.ID), url.Values{"title": {g.Title}, "area": {string(g.Area)}, "status": {"open"},
				"parent": {fmt.Sprint(parent)}, "version": {fmt.Sprint(g.Version)}})
		}
		if r := move(work, housing.ID); r.StatusCode != 422 || !strings.Contains(r.body, "kan ikke selv bli et delmål") {
			t.Errorf("a goal with sub-goals made a sub-goal: %d", r.StatusCode)
		}
		if r := fk.post(base+"/goals", url.Values{"title": {"Tredje nivå"}, "area": {"work"}, "parent": {fmt.Sprint(course.ID)}}); r.StatusCode != 422 {
			t.Errorf("a sub-goal of a sub-goal: %d", r.StatusCode)
		}
		if r := move(housing, housing.ID); r.StatusCode != 422 {
			t.Errorf("a goal under itself: %d", r.StatusCode)
		}
		after, _ := f.db.Plan(ctx, f.famA.ID)
		for _, g := range after.Goals {
			if g.ID == work.ID && g.ParentID != 0 || g.ID == housing.ID && g.ParentID != 0 || len(after.Goals) != 3 {
				t.Fatalf("the plan changed: %+v", after.Goals)
			}
		}
	})
}

package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/holf-project/holf/internal/testdb"
)

// TestBrowserNetworkAndConsent is the network issue's round in a real
// browser: a coordinator puts the school on the actor list by hand and
// imports child welfare and the GP; records a consent covering the school
// and child welfare for the children's situation; calls a collaboration
// meeting with both within 14 days; records two partner tasks that appear
// in the plan; tries to add the GP and is told what the consent lacks;
// lifts a stalled task to the leader; withdraws the consent and sees which
// partners to inform. The leader sees the matter on the start page.
// axe-core checks every new page.
func TestBrowserNetworkAndConsent(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx, axe := browser(t)
			f := newFixture(t, d)
			base := f.ts.URL
			fam := fmt.Sprintf("/families/%d", f.famA.ID)
			parent, child := f.famA.Members[0], f.famA.Members[1]
			partners := fmt.Sprintf("/offices/%d/partners", f.offA.ID)
			browserLogin(t, ctx, base, "fk.a")
			step := stepper(t, ctx)
			mainText := func() string { s, _ := text(ctx, "main"); return s }
			// The actor list: the school by hand, with a bad number first.
			step("new partner", chromedp.Navigate(base+partners+"/new"), chromedp.WaitVisible(css(`#name`)),
				chromedp.SendKeys(css(`#name`), "Furuset skole"), chromedp.SetValue(css(`#kind`), "school"), chromedp.SendKeys(css(`#org_number`), "974760674"),
				chromedp.SendKeys(css(`#contact_0_name`), "Eva Lund"), chromedp.SendKeys(css(`#contact_0_role`), "kontaktlærer"))
			checkAxe(t, ctx, axe, "partner form")
			step("bad number", chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`.error-summary`)))
			checkAxe(t, ctx, axe, "partner form with an error")
			step("fix number", chromedp.SetValue(css(`#org_number`), "974760673"), chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			csv := "organization_name,organization_number,kind,service_name,municipality,contact_name,contact_title,contact_level\n" +
				"Alna barnevernstjeneste,,child_welfare,Hjelpetiltak,Oslo,Siri Ås,saksbehandler,operational\n" +
				"Legesenteret Furuset,,gp,Fastlegekontor,Oslo,Dr. Nilsen,fastlege,operational\n"
			step("import", chromedp.Navigate(base+partners), chromedp.WaitVisible(css(`#csv`)), chromedp.SetValue(css(`#csv`), csv), chromedp.Click(css(`form[action$="/import"] button`)), chromedp.WaitVisible(css(`.notice`)))
			if body := mainText(); !strings.Contains(body, "Alna barnevernstjeneste") || !strings.Contains(body, "Eva Lund") {
				t.Fatalf("the actor list: %s", body)
			}
			checkAxe(t, ctx, axe, "actor list")
			ps, err := f.db.Partners(context.Background(), f.offA.ID)
			if err != nil || len(ps) != 3 {
				t.Fatalf("partners %v %v", ps, err)
			}
			id := map[string]int64{}
			for _, p := range ps {
				id[string(p.Kind)] = p.ID
			}
			// The consent: the child's situation, the school and child welfare.
			step("consents", chromedp.Navigate(base+fam+"/consents"), chromedp.WaitVisible(css(`#member`)),
				chromedp.SetValue(css(`#member`), fmt.Sprint(child.ID)), chromedp.SetValue(css(`#grantor`), fmt.Sprint(parent.ID)),
				chromedp.Click(css(fmt.Sprintf(`#recipient-%d`, id["school"]))), chromedp.Click(css(fmt.Sprintf(`#recipient-%d`, id["child_welfare"]))),
				chromedp.SendKeys(css(`#purpose`), "Samarbeid om Ayaans skolehverdag"),
				chromedp.Click(css(`#category-children`)), chromedp.Click(css(`#category-plan`)))
			checkAxe(t, ctx, axe, "consent form")
			step("record consent", chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			if body := mainText(); !strings.Contains(body, "Furuset skole") || !strings.Contains(body, "Barnas situasjon") {
				t.Fatalf("the consent: %s", body)
			}
			checkAxe(t, ctx, axe, "consent")
			consent, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
			step("print", chromedp.Navigate(base+consent+"?print=1"), chromedp.WaitVisible(css(`.consent-form`)))
			checkAxe(t, ctx, axe, "consent form for signature")
			// A collaboration meeting called from the network page: its need
			// is registered today, the meeting is in a week.
			step("network", chromedp.Navigate(base+fam+"/network"), chromedp.WaitVisible(css(`#involved`)))
			checkAxe(t, ctx, axe, "network page")
			step("call meeting", chromedp.Click(css(`a[href$="/meetings/new?kind=collaboration"]`)), chromedp.WaitVisible(css(`#need_on`)),
				chromedp.SetValue(css(`#date`), "2026-11-30"), chromedp.SetValue(css(`#time`), "09:00"),
				chromedp.Click(css(fmt.Sprintf(`#px%d`, id["school"]))), chromedp.Click(css(fmt.Sprintf(`#px%d`, id["child_welfare"]))),
				chromedp.SendKeys(css(fmt.Sprintf(`#name_x%d`, id["school"])), "Eva Lund"))
			checkAxe(t, ctx, axe, "collaboration meeting form")
			step("save meeting", chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`ol.task-list`)))
			meeting, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
			if body := mainText(); !strings.Contains(body, "Furuset skole (Eva Lund)") || !strings.Contains(body, "Alna barnevernstjeneste") {
				t.Fatalf("the meeting page: %s", body)
			}
			// The GP is not covered: refused, saying exactly what is missing.
			step("add the GP", chromedp.Navigate(base+meeting+"/details"), chromedp.WaitVisible(css(fmt.Sprintf(`#px%d`, id["gp"]))),
				chromedp.Click(css(fmt.Sprintf(`#px%d`, id["gp"]))), chromedp.Click(css(`form[action$="/details"] button.primary`)), chromedp.WaitVisible(css(`.error-summary`)))
			if s, _ := text(ctx, ".error-summary"); !strings.Contains(s, "Legesenteret Furuset") || !strings.Contains(s, "mottakeren er ikke med i samtykket") {
				t.Fatalf("the refusal: %s", s)
			}
			checkAxe(t, ctx, axe, "the GP refused")
			// Two partner tasks in the plan, for the child's goal.
			step("goal", chromedp.Navigate(base+fam+"/plan"), chromedp.WaitVisible(css(`#title`)),
				chromedp.SendKeys(css(`#title`), "Ayaan trives på skolen"), chromedp.SetValue(css(`#member`), fmt.Sprint(child.ID)), chromedp.SetValue(css(`#area`), "children"),
				chromedp.Click(css(`form[action$="/plan/goals"] button`)), chromedp.WaitVisible(css(`.notice`)))
			for _, task := range []struct{ kind, title string }{{"school", "Skolen melder fravær samme dag"}, {"child_welfare", "Barnevernet vurderer hjelpetiltak"}} {
				step("task "+task.kind, chromedp.Navigate(base+fam+"/plan/activities/new"), chromedp.WaitVisible(css(`#responsible_partner`)),
					chromedp.SendKeys(css(`#title`), task.title), chromedp.Click(css(`#resp-partner`)),
					chromedp.SetValue(css(`#responsible_partner`), fmt.Sprint(id[task.kind])), chromedp.SetValue(css(`#due`), "2026-11-20"),
					chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			}
			if body := mainText(); !strings.Contains(body, "Skolen melder fravær samme dag") || !strings.Contains(body, "Alna barnevernstjeneste") {
				t.Fatalf("the plan: %s", body)
			}
			// The school's task has stalled: lift it to the leader.
			step("stalled", chromedp.Navigate(base+fam+"/network"), chromedp.WaitVisible(css(`#tasks`)),
				chromedp.Click(css(`section[aria-labelledby="tasks"] a[href*="?activity="]`)), chromedp.WaitVisible(css(`#asked`)),
				chromedp.SendKeys(css(`#asked`), "Skolen har ikke meldt fravær, og svarer ikke."))
			checkAxe(t, ctx, axe, "escalation form")
			step("escalate", chromedp.Click(css(`#raise button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			if body := mainText(); !strings.Contains(body, "Skolen har ikke meldt fravær") || !strings.Contains(body, "forsinket") {
				t.Fatalf("the network page after the escalation: %s", body)
			}
			// The extract for the school holds the child's goal.
			step("extract", chromedp.SetValue(css(`#extract-partner`), fmt.Sprint(id["school"])), chromedp.Click(css(`section[aria-labelledby="extract"] button`)),
				chromedp.WaitVisible(css(`.family-plan`)))
			if body := mainText(); !strings.Contains(body, "Ayaan trives på skolen") {
				t.Fatalf("the extract: %s", body)
			}
			checkAxe(t, ctx, axe, "sharing extract")
			// Withdrawn: both partners took part in the meeting and are to be told.
			step("withdraw", chromedp.Navigate(base+consent), chromedp.WaitVisible(css(`#withdrawn_on`)),
				chromedp.SendKeys(css(`#withdrawn_how`), "Mor ringte"), chromedp.Click(css(`button.danger`)), chromedp.WaitVisible(css(`.notice`)))
			if s, _ := text(ctx, ".warning"); !strings.Contains(s, "Furuset skole") || !strings.Contains(s, "Alna barnevernstjeneste") || strings.Contains(s, "Legesenteret") {
				t.Fatalf("partners to inform: %s", s)
			}
			checkAxe(t, ctx, axe, "withdrawn consent")
			// The leader sees the matter on the start page, and the override-free record.
			browserLogout(t, ctx)
			browserLogin(t, ctx, base, "leder.a")
			step("leader", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(`#escalations`)))
			if s, _ := text(ctx, "main"); !strings.Contains(s, "1 sak løftet til deg") || !strings.Contains(s, "Skolen har ikke meldt fravær") {
				t.Fatalf("the leader's start page: %s", s)
			}
			checkAxe(t, ctx, axe, "leader's start page")
			step("leader answers", chromedp.Click(css(`section[aria-labelledby="escalations"] a`)), chromedp.WaitVisible(css(`textarea[name="outcome"]`)))
			checkAxe(t, ctx, axe, "leader's escalation")
			// On a phone, the network page fits the screen.
			step("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(3)), chromedp.Reload(), chromedp.WaitVisible(css(`#involved`)))
			if w, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)); w > 390 {
				t.Fatalf("the network page is %v px wide on a 390 px screen", w)
			}
			checkAxe(t, ctx, axe, "network page on a phone")
			step("desktop", chromedp.EmulateViewport(1280, 900))
			// In English too.
			step("english", chromedp.Click(css(`form.lang button[value="en"]`)), chromedp.WaitVisible(css(`html[lang="en"] #escalations`)))
			if s := mainText(); !strings.Contains(s, "Lifted to the leader") || !strings.Contains(s, "Who is involved") {
				t.Fatalf("the network page in English: %s", s)
			}
			checkAxe(t, ctx, axe, "network page in English")
		})
	}
}

// TestBrowserCaseloadOnAPhone: on a 390 px screen the caseload is cards with
// nothing off-screen, and the header leaves the page most of the screen.
func TestBrowserCaseloadOnAPhone(t *testing.T) {
	ctx, axe := browser(t)
	f := newFixture(t, testdb.Dialects[0])
	browserLogin(t, ctx, f.ts.URL, "fk.a")
	stepper(t, ctx)("caseload on a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(3)),
		chromedp.Navigate(f.ts.URL+"/families?status=all"), chromedp.WaitVisible(css(`table.caseload`)))
	if w, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)); w > 390 {
		t.Fatalf("the caseload is %v px wide on a 390 px screen", w)
	}
	if h, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('header.top').getBoundingClientRect().height`)); h > 160 {
		t.Fatalf("the header takes %v of 844 px", h)
	}
	// The overdue count is on screen, with its heading beside it.
	if right, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('table.caseload td.num').getBoundingClientRect().right`)); right > 390 {
		t.Fatalf("the overdue column ends at %v px", right)
	}
	checkAxe(t, ctx, axe, "caseload on a phone")
}

package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/testdb"
)

// TestBrowserLearningStructure is the learning-structure issue's round in a
// real browser: a coordinator prepares a supervision form from an FGE "take
// to supervision" topic; training support runs the session through all
// five rounds for two cases, while a coordinator from another office in
// the group sees only the case alias; training support reviews an FGE form
// with comments and the coordinator sees them; a leader records a monthly
// follow-up and sees the per-coordinator overview; project management sees
// the action logs. axe-core checks every new page.
func TestBrowserLearningStructure(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx, axe := browser(t)
			f := newFixture(t, d)
			base := f.ts.URL
			group, session := makeGroup(t, f)
			// A held meeting whose after-reflection takes a topic to supervision.
			fk := f.client().login("fk.a")
			mid := planMeeting(t, fk, f.famA.ID, "2026-11-20", "10:00", f.famA.Members[0].ID)
			mbase := fmt.Sprintf("/families/%d/meetings/%d", f.famA.ID, mid)
			if r := fk.post(mbase+"/reflection", url.Values{"version": {meetingVersion(t, f, f.famA.ID, mid)}, "refl_open": {"Mor satte selv dagsorden."},
				"refl_supervision": {"1"}, "refl_supervision_topic": {"Hvordan holde fokus på arbeid når mye annet haster"}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("reflect: %d %s", r.StatusCode, r.body)
			}
			step := stepper(t, ctx)
			mainText := func() string { s, _ := text(ctx, "main"); return s }

			browserLogin(t, ctx, base, "fk.a")
			step("start page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(`a[href*="/supervision/new?meeting="]`)),
				chromedp.Click(css(`a[href*="/supervision/new?meeting="]`)), chromedp.WaitVisible(css(`#topic`)))
			if body := mainText(); !strings.Contains(body, "Gruppe Øst") {
				t.Fatalf("form: %s", body)
			}
			topic, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#topic').value`))
			if !strings.Contains(topic, "holde fokus på arbeid") {
				t.Fatalf("topic %q", topic)
			}
			checkAxe(t, ctx, axe, "supervision form")
			step("areas", chromedp.SetValue(css(`#session`), fmt.Sprint(session)), chromedp.Click(css(`#area-work`)),
				chromedp.SendKeys(css(`#description`), "Hodan har to barn."))
			step("send with a name", chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`.error-summary`)))
			if body := mainText(); !strings.Contains(body, "«Hodan»") {
				t.Fatalf("no identifier warning: %s", body)
			}
			checkAxe(t, ctx, axe, "supervision form with a warning")
			step("remove the name", chromedp.SetValue(css(`#description`), "En mor med to barn."), chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			browserLogout(t, ctx)
			// The second case, from office B, is sent over HTTP.
			if r := f.client().login("fk.b").post(fmt.Sprintf("/families/%d/supervision", f.famB.ID), caseForm(group, session, "Far har vært lenge i tiltak")); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("second case: %d", r.StatusCode)
			}

			// Office B's member sees office A's case under its alias only.
			browserLogin(t, ctx, base, "fk.b")
			step("group as fk.b", chromedp.Navigate(fmt.Sprintf("%s/supervision/groups/%d", base, group)), chromedp.WaitVisible(css(`#sessions`)))
			if body := mainText(); strings.Contains(body, "Alnes") || !strings.Contains(body, fmt.Sprintf("G%d-01", group)) || !strings.Contains(body, "Familien Bjerkesen") {
				t.Fatalf("fk.b's group page: %s", body)
			}
			checkAxe(t, ctx, axe, "group page")
			browserLogout(t, ctx)

			// Training support runs both cases through the five rounds.
			browserLogin(t, ctx, base, "ts.a")
			step("group", chromedp.Navigate(fmt.Sprintf("%s/supervision/groups/%d", base, group)), chromedp.WaitVisible(css(`#sessions`)))
			checkAxe(t, ctx, axe, "group page for its leader")
			cs, err := f.db.Cases(t.Context(), casesOfGroup(group))
			if err != nil || len(cs) != 2 {
				t.Fatalf("cases %v %v", cs, err)
			}
			second := max(cs[0].ID, cs[1].ID) // Run orders the cases by id
			step("run", chromedp.Click(css(`a[href$="/run"]`)), chromedp.WaitVisible(css(`#note`)))
			checkAxe(t, ctx, axe, "shared screen")
			for c := 0; c < 2; c++ {
				for r := 0; r < 5; r++ {
					if strings.Contains(mainText(), "Alnes") || strings.Contains(mainText(), "Bjerkesen") {
						t.Fatal("the shared screen names a family")
					}
					acts := []chromedp.Action[chromedp.Void]{chromedp.SendKeys(css(`#note`), fmt.Sprintf("Sak %d, runde %d", c+1, r+1))}
					if r == 4 {
						acts = append(acts, chromedp.SendKeys(css(`#next_steps`), "Kalle inn til samarbeidsmøte"))
					}
					acts = append(acts, chromedp.Click(css(`button.primary`)))
					// Wait for the next page's own element: the notice of the
					// page being left would match at once.
					if r < 4 {
						acts = append(acts, chromedp.WaitReady(css(fmt.Sprintf(`input[name="round"][value="%s"]`, holf.Rounds[r+1]))))
					} else {
						acts = append(acts, chromedp.WaitVisible(css(`#sessions`)))
					}
					step(fmt.Sprintf("case %d round %d", c+1, r+1), acts...)
					if body := mainText(); r == 4 && !strings.Contains(body, "Samlinger") {
						t.Fatalf("after the summary of case %d: %s", c+1, body)
					}
				}
				if c == 0 {
					step("second case", chromedp.Click(css(`a[href$="/run"]`)), chromedp.WaitVisible(css(`#note`)),
						chromedp.Click(css(`nav ol.steps li:nth-child(2) a`)), chromedp.WaitReady(css(fmt.Sprintf(`input[name="case"][value="%d"]`, second))))
				}
			}
			cs, err = f.db.Cases(t.Context(), casesOfGroup(group))
			if err != nil || len(cs) != 2 || cs[0].Status != "done" || cs[1].Status != "done" {
				t.Fatalf("cases after the session: %+v %v", cs, err)
			}
			// The review of an FGE form.
			if r := fk.post(fmt.Sprintf("/families/%d/reviews", f.famA.ID), url.Values{"kind": {"meeting"}, "record": {fmt.Sprint(mid)}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("request review: %d", r.StatusCode)
			}
			step("queue", chromedp.Navigate(base+"/reviews"), chromedp.WaitVisible(css(`table`)))
			checkAxe(t, ctx, axe, "review queue")
			step("review", chromedp.Click(css(`tbody a`)), chromedp.WaitVisible(css(`#comment_preparation`)),
				chromedp.SendKeys(css(`#comment_preparation`), "Godt formål; skriv hovedtema også."), chromedp.Click(css(`#status-meets`)))
			checkAxe(t, ctx, axe, "review form")
			step("save review", chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			step("log", chromedp.Navigate(base+"/logs"), chromedp.WaitVisible(css(`details summary`)), chromedp.Click(css(`details summary`)),
				chromedp.SetValue(css(`#office`), fmt.Sprint(f.offA.ID)), chromedp.SetValue(css(`#subject`), fmt.Sprint(f.id("fk.a"))),
				chromedp.SendKeys(css(`#topic`), "Forberedelse til veiledningsgruppen"), chromedp.Click(css(`details button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			checkAxe(t, ctx, axe, "action log")
			browserLogout(t, ctx)

			// The coordinator sees the comments where the form is, and the
			// session's summary on the family's record.
			browserLogin(t, ctx, base, "fk.a")
			step("meeting", chromedp.Navigate(base+mbase), chromedp.WaitVisible(css(`#review`)))
			if body := mainText(); !strings.Contains(body, "Godt formål; skriv hovedtema også.") || !strings.Contains(body, "I tråd med modellen") {
				t.Fatalf("meeting page: %s", body)
			}
			step("family", chromedp.Navigate(fmt.Sprintf("%s/families/%d", base, f.famA.ID)), chromedp.WaitVisible(css(`#supervision`)))
			if body := mainText(); !strings.Contains(body, "Kalle inn til samarbeidsmøte") {
				t.Fatalf("family page: %s", body)
			}
			browserLogout(t, ctx)

			// The leader's monthly follow-up and overview.
			browserLogin(t, ctx, base, "leder.a")
			step("overview", chromedp.Navigate(base+"/follow-ups"), chromedp.WaitVisible(css(`#coordinator`)))
			checkAxe(t, ctx, axe, "follow-up overview")
			step("follow-up", chromedp.SetValue(css(`#coordinator`), fmt.Sprint(f.id("fk.a"))), chromedp.Click(css(`#rc-clear`)),
				chromedp.SendKeys(css(`#actions`), "Sette av tid til etterrefleksjon"), chromedp.Click(css(`form button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			if body := mainText(); !strings.Contains(body, "Sette av tid til etterrefleksjon") {
				t.Fatalf("overview after: %s", body)
			}
			browserLogout(t, ctx)

			// Project management sees the action logs and the topic counts.
			browserLogin(t, ctx, base, "pm")
			step("pm logs", chromedp.Navigate(base+"/logs"), chromedp.WaitVisible(css(`table`)))
			if body := mainText(); !strings.Contains(body, "Forberedelse til veiledningsgruppen") {
				t.Fatalf("pm's logs: %s", body)
			}
			checkAxe(t, ctx, axe, "action logs for project management")
			step("topics", chromedp.Navigate(base+"/supervision/topics"), chromedp.WaitVisible(css(`svg`)))
			checkAxe(t, ctx, axe, "topics")
			step("groups", chromedp.Navigate(base+"/supervision"), chromedp.WaitVisible(css(`h2`)))
			checkAxe(t, ctx, axe, "supervision groups")
			step("seminar", chromedp.Navigate(base+"/seminars"), chromedp.WaitVisible(css(`#title`)), chromedp.SendKeys(css(`#title`), "Fellessamling vår"),
				chromedp.SetValue(css(`#on`), "2027-02-01"), chromedp.SendKeys(css(`#agenda`), "Meny-agenda"), chromedp.Click(css(`form[action="/seminars"] button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			checkAxe(t, ctx, axe, "seminars")
			step("new group", chromedp.Navigate(base+"/supervision/groups/new"), chromedp.WaitVisible(css(`#name`)))
			checkAxe(t, ctx, axe, "group form")
			step("english", chromedp.Click(css(`button[value="en"]`)), chromedp.WaitReady(css(`html[lang="en"] #name`)))
			if body := mainText(); !strings.Contains(body, "New supervision group") {
				t.Fatalf("English: %s", body)
			}
		})
	}
}

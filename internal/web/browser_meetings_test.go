package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/holf-project/holf/internal/testdb"
)

// TestBrowserMeetingDay is the meeting issue's round in a real browser: a
// coordinator plans and prepares a meeting with the FGE form, prints the
// Menu agenda sheet, records the meeting with two members attending and an
// interpreter, writes the after-reflection with a topic for supervision,
// logs a missed call and an SMS on a phone-sized screen, sees it all on the
// start page and the timeline, and copies the journal text. axe-core checks
// every page on the way.
func TestBrowserMeetingDay(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx, axe := browser(t)
			f := newFixture(t, d)
			base := f.ts.URL
			fam := fmt.Sprintf("/families/%d", f.famA.ID)
			parent, child := f.famA.Members[0], f.famA.Members[1]
			browserLogin(t, ctx, base, "fk.a")
			step := stepper(t, ctx)
			// Plan: this morning at eight, over by now (10:00 in Norway).
			step("new meeting", chromedp.Navigate(base+fam+"/meetings/new"), chromedp.WaitVisible(css(`#date`)))
			checkAxe(t, ctx, axe, "new meeting")
			step("plan", chromedp.SetValue(css(`#date`), "2026-11-23"), chromedp.SetValue(css(`#time`), "08:00"),
				chromedp.Click(css(fmt.Sprintf(`#pm%d`, child.ID))), chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`ol.task-list`)))
			checkAxe(t, ctx, axe, "meeting page")
			meeting, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
			if err != nil {
				t.Fatal(err)
			}
			// Prepare with the FGE form.
			step("prepare", chromedp.Navigate(base+meeting+"/prep"), chromedp.WaitVisible(css(`#prep_purpose`)),
				chromedp.SendKeys(css(`#prep_purpose`), "Bli enige om neste steg mot jobb"),
				chromedp.Click(css(`#prep_tools-menu_agenda`)), chromedp.Click(css(`#prep_principles-acknowledge`)),
				chromedp.Click(css(`#prep_principles-goals`)))
			checkAxe(t, ctx, axe, "FGE preparation")
			step("save preparation", chromedp.Click(css(`form[action$="/prep"] button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			if body, _ := text(ctx, "main"); !strings.Contains(body, "Anerkjenne brukerens situasjon og behov") {
				t.Fatal("the principles are not shown in full wording")
			}
			// The Menu agenda and its sheet.
			step("agenda", chromedp.Navigate(base+meeting+"/agenda"), chromedp.WaitVisible(css(`#agenda_0_title`)),
				chromedp.SendKeys(css(`#agenda_0_title`), "Praksisplass"), chromedp.SetValue(css(`#agenda_0_priority`), "1"),
				chromedp.SendKeys(css(`#agenda_1_title`), "Ny bolig"), chromedp.SetValue(css(`#agenda_1_proposer`), "coordinator"),
				chromedp.SetValue(css(`#agenda_1_outcome`), "not_reached"))
			checkAxe(t, ctx, axe, "Menu agenda form")
			step("save agenda", chromedp.Click(css(`form[action$="/agenda"] button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			step("sheet", chromedp.Navigate(base+meeting+"/menu"), chromedp.WaitVisible(css(`svg.sheet`)))
			if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg.sheet circle').length`)); n != 8 {
				t.Fatalf("the sheet has %d circles", n)
			}
			checkAxe(t, ctx, axe, "Menu agenda sheet")
			// Held, with both members and an interpreter.
			step("record", chromedp.Navigate(base+meeting+"/details"), chromedp.WaitVisible(css(`#status-held`)),
				chromedp.Click(css(`#status-held`)), chromedp.SetValue(css(fmt.Sprintf(`#am%d`, parent.ID)), "attended"),
				chromedp.SetValue(css(fmt.Sprintf(`#am%d`, child.ID)), "attended"), chromedp.Click(css(fmt.Sprintf(`#hm%d`, child.ID))),
				// The parent needs an interpreter: the form has it ticked, in somali.
				chromedp.WaitVisible(css(`#interpreter-yes:checked`)))
			if lang, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#interpreter_language').value`)); lang != "somali" {
				t.Fatalf("interpreter language %q", lang)
			}
			checkAxe(t, ctx, axe, "meeting details")
			step("save record", chromedp.Click(css(`form[action$="/details"] button.primary`)), chromedp.WaitVisible(css(`.prompt`)))
			// The after-reflection, prompted now that the meeting is over.
			step("reflect", chromedp.Click(css(`.prompt a.button`)), chromedp.WaitVisible(css(`#refl_open`)),
				chromedp.SendKeys(css(`#refl_open`), "Mor satte selv dagsorden med Meny-agenda."),
				chromedp.Click(css(`#refl_supervision`)), chromedp.SendKeys(css(`#refl_supervision_topic`), "Holde fokus i lange møter"))
			checkAxe(t, ctx, axe, "after-reflection")
			step("save reflection", chromedp.Click(css(`form[action$="/reflection"] button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			// The journal text, copied with one click.
			step("journal", chromedp.Navigate(base+meeting+"/journal"), chromedp.WaitVisible(css(`button.copy`)))
			checkAxe(t, ctx, axe, "journal text")
			step("copy", chromedp.Click(css(`button.copy`)), chromedp.WaitVisible(css(`.copy-status`)))
			ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => setTimeout(() => r(document.querySelector('.copy-status').textContent === 'Kopiert'), 500))`, chromedp.EvalAwaitPromise))
			journal, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#journal').value`))
			if !ok || !strings.Contains(journal, "somali") || strings.Contains(journal, "dagsorden med") {
				t.Fatalf("copy confirmed %v; journal text %q", ok, journal)
			}
			// On a phone: a missed call and an SMS.
			step("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(3)))
			step("contact form", chromedp.Navigate(base+fam+"/contacts/new"), chromedp.WaitVisible(css(`#kind`)))
			checkAxe(t, ctx, axe, "contact form on a phone")
			if w, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)); w > 390 {
				t.Fatalf("the contact form is %v px wide on a 390 px screen", w)
			}
			step("missed call", chromedp.SetValue(css(`#kind`), "call_missed"), chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			// A fresh form: the notice of the last save would satisfy the wait
			// below before the browser has left the page.
			step("sms", chromedp.Navigate(base+fam+"/contacts/new"), chromedp.WaitVisible(css(`#kind`)), chromedp.SetValue(css(`#kind`), "sms"), chromedp.SendKeys(css(`#note`), "Minnet om møtet"),
				chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			checkAxe(t, ctx, axe, "contact logged on a phone")
			step("family page on a phone", chromedp.Navigate(base+fam), chromedp.WaitVisible(css(`ol.timeline`)))
			checkAxe(t, ctx, axe, "family page on a phone")
			step("desktop", chromedp.EmulateViewport(1280, 900))
			// The timeline has the meeting and both contacts.
			step("timeline", chromedp.Navigate(base+fam+"?kind=meeting&kind=contact"), chromedp.WaitVisible(css(`ol.timeline`)))
			tl, _ := text(ctx, "ol.timeline")
			for _, want := range []string{"Oppfølgingsmøte (Holdt)", "Ringte, fikk ikke svar", "SMS", "Minnet om møtet"} {
				if !strings.Contains(tl, want) {
					t.Errorf("the timeline lacks %q: %s", want, tl)
				}
			}
			checkAxe(t, ctx, axe, "filtered timeline")
			// The start page: the supervision topic, today's meeting.
			step("start page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(`.day`)))
			day, _ := text(ctx, ".day")
			if !strings.Contains(day, "Holde fokus i lange møter") || !strings.Contains(day, "Oppfølgingsmøte, Familien Alnes") {
				t.Fatalf("the start page: %s", day)
			}
			checkAxe(t, ctx, axe, "coordinator's day")
			step("calendar", chromedp.Navigate(base+"/calendar"), chromedp.WaitVisible(css(`h1`)),
				chromedp.Click(css(`form[action="/calendar/renew"] button`)), chromedp.WaitVisible(css(`#feed-url`)))
			checkAxe(t, ctx, axe, "calendar link")
			// In English too.
			step("english", chromedp.Navigate(base+meeting), chromedp.WaitVisible(css(`ol.task-list`)),
				chromedp.Click(css(`form.lang button[value="en"]`)), chromedp.WaitVisible(css(`html[lang="en"] ol.task-list`)))
			if h, _ := text(ctx, "main"); !strings.Contains(h, "After-reflection") || !strings.Contains(h, "Follow-up meeting") {
				t.Fatalf("the meeting in English: %s", h)
			}
			checkAxe(t, ctx, axe, "meeting page in English")
		})
	}
}

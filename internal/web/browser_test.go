package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/testdb"
)

// browser starts headless Chromium (HOLF_CHROMIUM) or skips; with
// HOLF_TEST_REQUIRE=browser a missing browser or axe-core fails instead.
func browser(t *testing.T) (context.Context, string) {
	t.Helper()
	return browserWithin(t, 3*time.Minute)
}

// browserWithin is browser with a budget of its own: the demo's trial
// pages read every questionnaire of a trial-sized demo, which under the
// race detector on a two-core machine takes minutes.
func browserWithin(t *testing.T, budget time.Duration) (context.Context, string) {
	t.Helper()
	exe, axePath := os.Getenv("HOLF_CHROMIUM"), os.Getenv("HOLF_AXE")
	if exe == "" || axePath == "" {
		if testdb.Required("browser") {
			t.Fatal("HOLF_CHROMIUM and HOLF_AXE must be set (scripts/test sets them)")
		}
		t.Skip("no browser: set HOLF_CHROMIUM and HOLF_AXE (scripts/test does)")
	}
	axe, err := os.ReadFile(axePath) // #nosec G304 -- path from the test environment
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first call starts the browser and must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel3 := context.WithTimeout(ctx, budget)
	t.Cleanup(cancel3)
	return ctx, string(axe)
}

type axeResult struct {
	Violations []struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target []any  `json:"target"`
			HTML   string `json:"html"`
		} `json:"nodes"`
	} `json:"violations"`
	Passes []json.RawMessage `json:"passes"`
}

// checkAxe runs axe-core (every rule, WCAG 2.1 A/AA and best practice) on the
// current page and fails the test for any violation.
func checkAxe(t *testing.T, ctx context.Context, axe, label string) {
	t.Helper()
	saveScreenshot(t, ctx, label)
	run := `(async () => { const r = await axe.run(document, {resultTypes: ['violations']}); return JSON.stringify(r); })()`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
		t.Fatalf("%s: load axe: %v", label, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe: %v", label, err)
	}
	var res axeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("%s: axe result: %v", label, err)
	}
	for _, v := range res.Violations {
		for _, n := range v.Nodes {
			t.Errorf("%s: axe %s (%s) at %v: %s", label, v.ID, v.Help, n.Target, n.HTML)
		}
	}
}

func text(ctx context.Context, sel string) (string, error) {
	return chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
}

// stepper runs a named step of chromedp actions in ctx, each within 20
// seconds, failing t with the step's name.
func stepper(t *testing.T, ctx context.Context) func(name string, actions ...chromedp.Action[chromedp.Void]) {
	return stepperWithin(t, ctx, 20*time.Second)
}

// stepperWithin is stepper with d for each step.
func stepperWithin(t *testing.T, ctx context.Context, d time.Duration) func(name string, actions ...chromedp.Action[chromedp.Void]) {
	return func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// css selects by CSS selector.
func css(s string) chromedp.CSS { return chromedp.CSS(s) }

func browserLogin(t *testing.T, ctx context.Context, base, username string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), username),
		chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
		chromedp.Click(chromedp.CSS(`button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`form.logout`)),
	)
	if err != nil {
		t.Fatalf("log in %s in the browser: %v", username, err)
	}
}

func browserLogout(t *testing.T, ctx context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.logout button`)), chromedp.WaitVisible(chromedp.CSS(`#username`))); err != nil {
		t.Fatalf("log out: %v", err)
	}
}

func TestBrowserPagesAreAccessible(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx, axe := browser(t)
			f := newFixture(t, d)
			base := f.ts.URL
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(`#username`))); err != nil {
				t.Fatal(err)
			}
			checkAxe(t, ctx, axe, "login")
			// A failed login shows its message accessibly.
			if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#username`), "fk.a"), chromedp.SendKeys(chromedp.CSS(`#password`), "feil passord"),
				chromedp.Click(chromedp.CSS(`button.primary`)), chromedp.WaitVisible(chromedp.CSS(`.error-summary`))); err != nil {
				t.Fatal(err)
			}
			checkAxe(t, ctx, axe, "login failed")

			for _, username := range []string{"fk.a", "leder.a", "ts.a", "pm", "forsker", "admin"} {
				browserLogin(t, ctx, base, username)
				h1, err := text(ctx, "h1")
				if err != nil || !strings.Contains(h1, f.people[username].Name) {
					t.Fatalf("%s start page heading %q: %v", username, h1, err)
				}
				checkAxe(t, ctx, axe, username+" start page")
				browserLogout(t, ctx)
			}

			// The coordinator's family pages.
			browserLogin(t, ctx, base, "fk.a")
			for _, p := range []string{"/families", "/families?scope=office&status=all", "/families/new",
				fmt.Sprintf("/families/%d", f.famA.ID), fmt.Sprintf("/families/%d/edit", f.famA.ID)} {
				if err := chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				checkAxe(t, ctx, axe, "fk.a "+p)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/families/new"), chromedp.WaitVisible(chromedp.CSS(`#name`)),
				chromedp.SendKeys(chromedp.CSS(`#member_0_name`), "Amina"), chromedp.SendKeys(chromedp.CSS(`#member_0_birth_year`), "19x4"),
				chromedp.Click(chromedp.CSS(`button.primary`)), chromedp.WaitVisible(chromedp.CSS(`.error-summary`))); err != nil {
				t.Fatal(err)
			}
			checkAxe(t, ctx, axe, "family form with errors")
			// The mapping: fill in, save, see the history.
			mapping := fmt.Sprintf("%s/families/%d/mapping", base, f.famA.ID)
			work := "#" + fieldID(holf.AreaKey(holf.AreaWork, "resources"))
			// Each section is saved on its own, and the page returns to it
			// with a confirmation that names it.
			if err := chromedp.Do(ctx, chromedp.Navigate(mapping), chromedp.WaitVisible(chromedp.CSS(work)),
				chromedp.SendKeys(chromedp.CSS(work), "Mor har fagbrev."), chromedp.Click(chromedp.CSS(`#s-f-area-work button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice`))); err != nil {
				t.Fatalf("save the mapping: %v", err)
			}
			if got, _ := text(ctx, ".notice"); !strings.Contains(got, "«Arbeid» er lagret") {
				t.Fatalf("the confirmation: %q", got)
			}
			if at, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash`)); err != nil || at != "#s-f-area-work" {
				t.Fatalf("the page did not return to the section: %q %v", at, err)
			}
			checkAxe(t, ctx, axe, "mapping saved")
			// What is typed and not saved is kept as a draft: it comes back
			// after a reload, and can be thrown away.
			economy := "#" + fieldID(holf.AreaKey(holf.AreaEconomy, "wishes"))
			if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(economy), "Bli kvitt inkassosaken"),
				chromedp.WaitVisible(chromedp.CSS(`#s-f-area-economy .autosave-status:not(:empty)`)), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#s-f-area-economy .notice`))); err != nil {
				t.Fatalf("the draft of a section: %v", err)
			}
			if kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('`+economy+`').value`)); err != nil || kept != "Bli kvitt inkassosaken" {
				t.Fatalf("the draft restored: %q %v", kept, err)
			}
			checkAxe(t, ctx, axe, "mapping with a draft")
			if err := chromedp.Do(ctx, chromedp.Navigate(mapping+"/history"), chromedp.WaitVisible(chromedp.CSS(`table.diff`))); err != nil {
				t.Fatalf("mapping history: %v", err)
			}
			checkAxe(t, ctx, axe, "mapping history")
			// The plan in all its views, its forms and the family's printout.
			sys := holf.AuditEvent{Actor: "test", Role: "system", Action: "plan.seed", RecordType: "family", Purpose: "test"}
			g := holf.Goal{FamilyID: f.famA.ID, MemberID: f.famA.Members[0].ID, Area: holf.AreaWork, Title: "Mor i jobb", Status: holf.GoalOpen}
			if err := f.db.AddGoal(context.Background(), sys, &g); err != nil {
				t.Fatal(err)
			}
			sg := holf.Goal{FamilyID: f.famA.ID, ParentID: g.ID, Area: holf.AreaWork, Title: "Norskkurs", Status: holf.GoalOpen}
			if err := f.db.AddGoal(context.Background(), sys, &sg); err != nil {
				t.Fatal(err)
			}
			for i, title := range []string{"Melde seg på kurs", "Avtale praksis"} {
				a := holf.Activity{FamilyID: f.famA.ID, GoalID: []int64{sg.ID, g.ID}[i], Title: title, Responsible: holf.ResponsibleMember,
					ResponsibleMemberID: f.famA.Members[0].ID, DueOn: f.clock.Now().AddDate(0, 0, 5-10*i), Status: holf.ActivityOpen}
				if err := f.db.AddActivity(context.Background(), sys, &a); err != nil {
					t.Fatal(err)
				}
			}
			plan := fmt.Sprintf("/families/%d/plan", f.famA.ID)
			for _, p := range []string{plan, plan + "?view=member", plan + "?view=due", fmt.Sprintf("%s/goals/%d", plan, g.ID), plan + "/activities/new?goal=" + fmt.Sprint(g.ID), plan + "/print", plan + "/print?lang=en"} {
				if err := chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				checkAxe(t, ctx, axe, "fk.a "+p)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(base+plan), chromedp.WaitVisible(chromedp.CSS(`button.check`)),
				chromedp.Click(chromedp.CSS(`button.check`)), chromedp.WaitVisible(chromedp.CSS(`li.activity.done`))); err != nil {
				t.Fatalf("check an activity off in the browser: %v", err)
			}
			checkAxe(t, ctx, axe, "plan after check-off")
			browserLogout(t, ctx)
			browserLogin(t, ctx, base, "leder.a")
			if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/families/%d", base, f.famA.ID)), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
				t.Fatal(err)
			}
			checkAxe(t, ctx, axe, "leader's family page with access log")
			browserLogout(t, ctx)

			browserLogin(t, ctx, base, "admin")
			pages := []string{"/offices", fmt.Sprintf("/offices/%d", f.offA.ID), "/offices/new", fmt.Sprintf("/offices/%d/edit", f.offA.ID),
				"/people", "/people?role=coordinator", fmt.Sprintf("/people/%d", f.id("fk.a")), "/people/new",
				fmt.Sprintf("/people/%d/edit", f.id("fk.a")), "/audit", "/no/such/page"}
			for _, p := range pages {
				if err := chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				checkAxe(t, ctx, axe, p)
			}
			// A form with errors.
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/offices/new"), chromedp.WaitVisible(chromedp.CSS(`#name`)),
				chromedp.Click(chromedp.CSS(`button.primary`)), chromedp.WaitVisible(chromedp.CSS(`.error-summary`))); err != nil {
				t.Fatal(err)
			}
			checkAxe(t, ctx, axe, "office form with errors")
			// English, chosen with the language switch.
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.lang button[value="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`))); err != nil {
				t.Fatalf("switch to English: %v", err)
			}
			checkAxe(t, ctx, axe, "office form in English")
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
				t.Fatal(err)
			}
			if h1, _ := text(ctx, "h1"); !strings.HasPrefix(h1, "Welcome") {
				t.Fatalf("English start page heading %q", h1)
			}
			checkAxe(t, ctx, axe, "start page in English")
		})
	}
}

func TestBrowserWorksWithoutJavaScript(t *testing.T) {
	ctx, _ := browser(t)
	f := newFixture(t, store.SQLite)
	disableJS := func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return chromedp.Void{}, err
	}
	if err := chromedp.Do(ctx, disableJS); err != nil {
		t.Fatal(err)
	}
	browserLogin(t, ctx, f.ts.URL, "admin")
	err := chromedp.Do(ctx,
		chromedp.Navigate(f.ts.URL+"/offices/new"),
		chromedp.WaitVisible(chromedp.CSS(`#name`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), "NAV Uten Skript"),
		chromedp.SendKeys(chromedp.CSS(`#municipality`), "Oslo"),
		chromedp.Click(chromedp.CSS(`button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
	)
	if err != nil {
		t.Fatalf("create an office without JavaScript: %v", err)
	}
	if h1, _ := text(ctx, "h1"); h1 != "NAV Uten Skript" {
		t.Fatalf("after saving: heading %q", h1)
	}
}

// saveScreenshot writes a PNG of the page to HOLF_SCREENSHOTS, when set, so
// that a person can look at what the tests saw.
func saveScreenshot(t *testing.T, ctx context.Context, label string) {
	dir := os.Getenv("HOLF_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", label, err)
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_", "?", "_", "=", "_").Replace(t.Name() + "_" + label)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o600); err != nil {
		t.Logf("screenshot %s: %v", label, err)
	}
}

// TestBrowserLocalPlainHTTP shows that the default Secure, __Host- session
// cookie works over plain HTTP on the loopback address, as browsers treat
// it as a secure context: 'holf serve --demo' needs no TLS on one machine.
func TestBrowserLocalPlainHTTP(t *testing.T) {
	ctx, _ := browser(t)
	f := newFixture(t, store.SQLite)
	plain := httptest.NewServer(f.srv.Handler())
	defer plain.Close()
	browserLogin(t, ctx, plain.URL, "admin")
	if h1, _ := text(ctx, "h1"); !strings.Contains(h1, "Ada Admin") {
		t.Fatalf("start page over plain HTTP: %q", h1)
	}
}

// TestBrowserCoordinatorWorkflow is the whole round in a real browser: a
// coordinator recruits a family, maps it, builds and follows its plan,
// prints the family's plan and discharges the family.
func TestBrowserCoordinatorWorkflow(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx, axe := browser(t)
			f := newFixture(t, d)
			base := f.ts.URL
			browserLogin(t, ctx, base, "fk.a")
			step := stepper(t, ctx)
			step("recruit", chromedp.Navigate(base+"/families/new"), chromedp.WaitVisible(css(`#name`)),
				chromedp.SendKeys(css(`#name`), "Familien Warsame"),
				chromedp.SendKeys(css(`#member_0_name`), "Sahra Warsame"), chromedp.SendKeys(css(`#member_0_birth_year`), "1988"),
				chromedp.SendKeys(css(`#member_2_name`), "Idris Warsame"), chromedp.SendKeys(css(`#member_2_birth_year`), "2016"),
				chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			if h1, _ := text(ctx, "h1"); h1 != "Familien Warsame" {
				t.Fatalf("after recruiting: %q", h1)
			}
			checkAxe(t, ctx, axe, "new family")
			famURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
			if err != nil {
				t.Fatal(err)
			}
			// Changing the status is a secondary action, folded away.
			step("consent", chromedp.Click(css(`#status-change summary`)), chromedp.Click(css(`#to-recruited`)), chromedp.Click(css(`#status-change button`)),
				chromedp.WaitVisible(css(`.status-recruited`)))
			step("start", chromedp.Click(css(`#status-change summary`)), chromedp.Click(css(`#to-active`)), chromedp.Click(css(`#status-change button`)),
				chromedp.WaitVisible(css(`.status-active`)))
			// Map the family.
			step("open mapping", chromedp.Click(css(`a[href$="/mapping"]`)), chromedp.WaitVisible(css(`textarea`)))
			key := "#" + fieldID(holf.AreaKey(holf.AreaWork, "wishes"))
			step("map", chromedp.SendKeys(css(key), "Sahra vil bli barnehageassistent."), chromedp.Click(css(`#s-f-area-work button[type=submit]`)), chromedp.WaitVisible(css(`.notice`)))
			checkAxe(t, ctx, axe, "mapping of the new family")
			// Build the plan: a goal, an activity, then check it off.
			step("open plan", chromedp.Navigate(base+famURL+"/plan"), chromedp.WaitVisible(css(`#title`)))
			step("add goal", chromedp.SendKeys(css(`#title`), "Sahra i arbeid i barnehage"), chromedp.Click(css(`form[action$="/plan/goals"] button.primary`)),
				chromedp.WaitVisible(css(`.goal-title`)))
			step("add activity", chromedp.Click(css(`a[href*="/plan/activities/new"]`)), chromedp.WaitVisible(css(`#title`)),
				chromedp.SendKeys(css(`#title`), "Søke praksisplass"), chromedp.Click(css(`button.primary`)), chromedp.WaitVisible(css(`button.check`)))
			checkAxe(t, ctx, axe, "plan of the new family")
			step("check off", chromedp.Click(css(`button.check`)), chromedp.WaitVisible(css(`li.activity.done .inline-notice`)))
			// The page comes back to the activity, confirmed beside it by name.
			if hash, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash`)); !strings.HasPrefix(hash, "#activity-") {
				t.Fatalf("after the check-off the page is at %q, not the activity", hash)
			}
			if s, _ := text(ctx, "li.activity.done .inline-notice"); !strings.Contains(s, "«Søke praksisplass» er markert som utført") {
				t.Fatalf("the check-off confirmation: %q", s)
			}
			checkAxe(t, ctx, axe, "plan after a check-off")
			// The family's own printout.
			step("print", chromedp.Click(css(`a[href$="/plan/print"]`)), chromedp.WaitVisible(css(`.family-plan`)))
			if body, _ := text(ctx, ".family-plan"); !strings.Contains(body, "Søke praksisplass") || !strings.Contains(body, "Sahra i arbeid i barnehage") {
				t.Fatalf("the printout lacks the plan: %q", body)
			}
			checkAxe(t, ctx, axe, "printout of the new family")
			// In Arabic: right to left, the structure kept, the family's words labelled Norwegian.
			step("print in Arabic", chromedp.Navigate(base+famURL+"/plan/print?lang=ar"), chromedp.WaitVisible(css(`.family-plan[dir="rtl"]`)))
			dir, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.family-plan .tasks')).direction`))
			ar, _ := text(ctx, ".family-plan")
			if dir != "rtl" || !strings.Contains(ar, "خطتنا") || !strings.Contains(ar, "Sahra i arbeid i barnehage") || !strings.Contains(ar, "باللغة النرويجية") ||
				strings.Index(ar, "Sahra i arbeid i barnehage") > strings.Index(ar, "Søke praksisplass") {
				t.Fatalf("the Arabic printout (direction %q): %q", dir, ar)
			}
			checkAxe(t, ctx, axe, "printout in Arabic")
			// Discharge.
			step("discharge", chromedp.Navigate(base+famURL), chromedp.WaitVisible(css(`#status-change summary`)), chromedp.Click(css(`#status-change summary`)),
				chromedp.Click(css(`#to-discharged`)), chromedp.SetValue(css(`#reason`), "completed"),
				chromedp.Click(css(`#status-change button`)), chromedp.WaitVisible(css(`.status-discharged`)))
			checkAxe(t, ctx, axe, "discharged family")
		})
	}
}

// TestBrowserParentAnswersOnAPhone: a parent opens their link on a
// phone-sized screen, answers page by page (a bad year is refused and kept),
// reviews and submits; the staff's questionnaire pages pass axe too.
func TestBrowserParentAnswersOnAPhone(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx, axe := browser(t)
			f := newFixture(t, d)
			surveyFixture(t, f)
			link := issueLink(t, f, f.client().login("fk.a"))
			base := f.ts.URL
			step := stepper(t, ctx)
			step("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(3)))
			step("open link", chromedp.Navigate(base+link), chromedp.WaitVisible(css(`progress`)))
			checkAxe(t, ctx, axe, "first page on a phone")
			// Large targets: every answer is at least 44 px high and fits the screen.
			sizes, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[...document.querySelectorAll('.option')].map(e => { const r = e.getBoundingClientRect(); return r.right <= innerWidth ? r.height : -1 })`))
			if err != nil || len(sizes) == 0 {
				t.Fatalf("answer targets: %v %v", sizes, err)
			}
			for _, h := range sizes {
				if h < 44 {
					t.Fatalf("an answer target is %v px high (or wider than the screen)", h)
				}
			}
			step("answer", chromedp.Click(css(`#parents_background\.gender-1`)), chromedp.SendKeys(css(`#parents_background\.birth_year`), "1850"),
				chromedp.Click(css(`button[value="next"]`)), chromedp.WaitVisible(css(`.error-summary`)))
			if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#parents_background\\.birth_year').value`)); v != "1850" {
				t.Fatalf("the typed year was lost: %q", v)
			}
			checkAxe(t, ctx, axe, "page with an error on a phone")
			step("fix", chromedp.Evaluate[chromedp.Void](`document.querySelector('#parents_background\\.birth_year').value = ''`),
				chromedp.SendKeys(css(`#parents_background\.birth_year`), "1986"),
				chromedp.Click(css(`button[value="next"]`)), chromedp.WaitVisible(css(`#parents_background\.born_norway-0`)))
			if p, _ := text(ctx, ".progress-text"); !strings.Contains(p, "Side 2 av") || !strings.Contains(p, "2 av 60") {
				t.Fatalf("progress after page 1: %q", p)
			}
			step("in English", chromedp.Click(css(`form.lang button[value="en"]`)), chromedp.WaitVisible(css(`html[lang="en"] progress`)))
			if h, _ := text(ctx, ".respond"); !strings.Contains(h, "Were you born in Norway?") || !strings.Contains(h, "Page 2 of") {
				t.Fatalf("English page: %q", h)
			}
			checkAxe(t, ctx, axe, "English page on a phone")
			step("review", chromedp.Navigate(base+link+"?p=review"), chromedp.WaitVisible(css(`button[value="submit"]`)))
			checkAxe(t, ctx, axe, "review on a phone")
			step("submit", chromedp.Click(css(`button[value="submit"]`)), chromedp.WaitVisible(css(`.notice`)))
			if h1, _ := text(ctx, "h1"); h1 != "Thank you for answering" {
				t.Fatalf("after submitting: %q", h1)
			}
			checkAxe(t, ctx, axe, "thank-you page")
			// The staff side, on a desktop screen.
			step("desktop", chromedp.EmulateViewport(1280, 900))
			browserLogin(t, ctx, base, "fk.a")
			step("office questionnaires", chromedp.Navigate(base+"/offices/"+itoa(int(f.offA.ID))+"/surveys?wave=T1&group=parents"), chromedp.WaitVisible(css(`table`)))
			checkAxe(t, ctx, axe, "office questionnaires")
			step("tracking", chromedp.Navigate(base+"/surveys?wave=T1&group=parents"), chromedp.WaitVisible(css(`#attrition`)))
			checkAxe(t, ctx, axe, "tracking")
			step("paper form", chromedp.Navigate(base+"/offices/"+itoa(int(f.offA.ID))+"/surveys"), chromedp.WaitVisible(css(`table`)))
			browserLogout(t, ctx)
		})
	}
}

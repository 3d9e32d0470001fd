package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/demo"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/testdb"
)

// demoServer serves the trial-sized demo on a fresh database of dialect d,
// every account with the test password; it returns the address and the
// office id of name.
func demoServer(t *testing.T, d store.Dialect, office string) (string, int64) {
	t.Helper()
	db := testdb.Open(t, d, store.Options{})
	a, err := app.New(app.Config{DB: db, Hasher: cheapHasher})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Build(context.Background(), a, demo.Options{Seed: 1, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	offices, err := db.ListOffices(context.Background(), store.OfficeFilter{Offices: holf.AllOffices()})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, o := range offices {
		if o.Name == office {
			id = o.ID
		}
	}
	srv, err := New(Config{App: a, Hasher: cheapHasher, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL, id
}

// demoPageBudget is the time a browser has for one of the demo's trial
// pages, which compute from every score of the trial-sized demo, and
// demoStepBudget the time for loading one of them: under the race detector
// the embedded SQLite checks every pointer it touches (a page that takes
// 0.2 s takes 7 s there, more on a busy machine).
const (
	demoPageBudget = 6 * time.Minute
	demoStepBudget = 2 * time.Minute
)

// TestBrowserFidelityDrift is the fidelity issue's round in a real browser
// on the demo: project management sees the drift flag on the office whose
// after-reflections slipped, drills down to its coordinators, and notes the
// contact with the leader in its action log; the leader sees the meetings
// behind a month; a coordinator sees their own figures. axe-core checks
// every page.
func TestBrowserFidelityDrift(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			// The demo first: the browser's three minutes start with it.
			base, grorud := demoServer(t, d, "NAV Grorud")
			// The demo's trial, randomised and with its effect table computed,
			// in a browser of its own: each browser has three minutes, and
			// these pages read every questionnaire under the race detector.
			func() {
				ctx, axe := browserWithin(t, demoPageBudget)
				step := stepperWithin(t, ctx, demoStepBudget)
				mainText := func() string { s, _ := text(ctx, "main"); return s }
				browserLogin(t, ctx, base, "prosjektleder")
				step("trial", chromedp.Navigate(base+"/trial"), chromedp.WaitVisible(css(`figure.histogram`)))
				checkAxe(t, ctx, axe, "trial on the demo")
				step("results", chromedp.Click(css(`a[href="/trial/results"]`)), chromedp.WaitVisible(css(`#effects-coordinators-caption`)))
				if body := mainText(); !strings.Contains(body, "Målrettet oppfølgingsarbeid") || !strings.Contains(body, "Foreldrene") || strings.Contains(body, "Dataene har endret seg") ||
					!strings.Contains(body, "Frafall (tabell 5)") || !strings.Contains(body, "Kun T2") {
					t.Fatalf("results page: %s", body)
				}
				checkAxe(t, ctx, axe, "trial results on the demo")
			}()
			// The baseline tables (with the CR2 tests) and the report read
			// every answer again: a browser each.
			func() {
				ctx, axe := browserWithin(t, demoPageBudget)
				step := stepperWithin(t, ctx, demoStepBudget)
				mainText := func() string { s, _ := text(ctx, "main"); return s }
				browserLogin(t, ctx, base, "prosjektleder")
				// With the CR2 tests: the page the option leads to (the option
				// itself is the fixture's test).
				step("baseline", chromedp.Navigate(base+"/trial/baseline?tests=1"), chromedp.WaitVisible(css(`#tests-footnote`)))
				if body := mainText(); !strings.Contains(body, "Kvinne") || !strings.Contains(body, "klyngerobuste standardfeil (CR2") {
					t.Fatalf("baseline page: %s", body)
				}
				checkAxe(t, ctx, axe, "baseline tables on the demo")
			}()
			func() {
				ctx, axe := browserWithin(t, demoPageBudget)
				step := stepperWithin(t, ctx, demoStepBudget)
				mainText := func() string { s, _ := text(ctx, "main"); return s }
				browserLogin(t, ctx, base, "prosjektleder")
				step("report", chromedp.Navigate(base+"/trial/report"), chromedp.WaitVisible(css(`#record`)))
				if body := mainText(); !strings.Contains(body, "Protokoll for trekningen") || !strings.Contains(body, "Familiekoordinatorene ved T1") || !strings.Contains(body, "Målrettet oppfølgingsarbeid") {
					t.Fatalf("report: %s", body)
				}
				checkAxe(t, ctx, axe, "the trial report on the demo")
			}()

			ctx, axe := browser(t)
			step := stepper(t, ctx)
			mainText := func() string { s, _ := text(ctx, "main"); return s }
			browserLogin(t, ctx, base, "prosjektleder")
			step("overview", chromedp.Navigate(base+"/fidelity"), chromedp.WaitVisible(css(`#offices-caption`)))
			row, _ := text(ctx, fmt.Sprintf(`tr:has(a[href^="/fidelity/offices/%d?"])`, grorud))
			if !strings.Contains(row, "Etterrefleksjon i tide") {
				t.Fatalf("no drift flag for NAV Grorud: %q\n%s", row, mainText())
			}
			checkAxe(t, ctx, axe, "fidelity overview")
			step("office", chromedp.Click(css(fmt.Sprintf(`a[href^="/fidelity/offices/%d?"]`, grorud))), chromedp.WaitVisible(css(`#note-heading`)))
			if body := mainText(); !strings.Contains(body, "avdrift") || !strings.Contains(body, "Forløpsdiagrammer") {
				t.Fatalf("office page: %s", body)
			}
			checkAxe(t, ctx, axe, "fidelity office")
			step("indicator", chromedp.Click(css(`a[href*="/reflection_on_time?"]`)), chromedp.WaitVisible(css(`#coord-caption`)))
			coords, _ := text(ctx, `table[aria-labelledby="coord-caption"], #coord-caption + thead + tbody, .scroll:has(#coord-caption)`)
			if !strings.Contains(coords, "avdrift") {
				t.Fatalf("no coordinator with drift: %s", coords)
			}
			if strings.Contains(mainText(), "Vis familier og møter") {
				t.Fatal("project management is offered the families behind a figure")
			}
			checkAxe(t, ctx, axe, "fidelity indicator")
			step("back to the office", chromedp.Navigate(fmt.Sprintf("%s/fidelity/offices/%d", base, grorud)), chromedp.WaitVisible(css(`#note-heading`)))
			topic, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#topic').value`))
			if !strings.Contains(topic, "Etterrefleksjon i tide") {
				t.Fatalf("note topic %q", topic)
			}
			step("note", chromedp.SendKeys(css(`#follow_up`), "Ny gjennomgang om en måned"), chromedp.Click(css(`form[action="/logs"] button.primary`)),
				chromedp.WaitVisible(css(`.notice`)))
			step("log", chromedp.Navigate(base+"/logs"), chromedp.WaitVisible(css(`#log-caption`)))
			if body := mainText(); !strings.Contains(body, "Kontaktet lederen om avdrift") || !strings.Contains(body, "Ny gjennomgang om en måned") {
				t.Fatalf("action log: %s", body)
			}
			browserLogout(t, ctx)

			browserLogin(t, ctx, base, "leder.grorud")
			step("leader's indicator", chromedp.Navigate(fmt.Sprintf("%s/fidelity/offices/%d/reflection_on_time", base, grorud)), chromedp.WaitVisible(css(`#months-caption`)),
				chromedp.Click(css(`a[href*="month="]`)), chromedp.WaitVisible(css(`#records`)))
			if body := mainText(); !strings.Contains(body, "Familien") {
				t.Fatalf("records: %s", body)
			}
			checkAxe(t, ctx, axe, "fidelity records")
			browserLogout(t, ctx)

			browserLogin(t, ctx, base, "fk1.grorud")
			step("own figures", chromedp.Navigate(base+"/fidelity/mine"), chromedp.WaitVisible(css(`#mine-caption`)))
			checkAxe(t, ctx, axe, "own fidelity figures")
			step("english", chromedp.Click(css(`button[value="en"]`)), chromedp.WaitReady(css(`html[lang="en"] #mine-caption`)))
			if body := mainText(); !strings.Contains(body, "After-reflection on time") {
				t.Fatalf("English: %s", body)
			}
		})
	}
}

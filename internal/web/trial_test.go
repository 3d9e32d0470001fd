package web

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/testdb"
	"github.com/holf-project/holf/internal/trial"
)

// trialFixture adds a study to the fixture with offices A, B and four more
// drawn into it, with covariates, and a second person of project
// management.
func trialFixture(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	sys, im := app.System("test"), f.app.Imports()
	offices := []holf.Office{f.offA, f.offB}
	for i := 0; i < 4; i++ {
		o := holf.Office{Name: fmt.Sprintf("NAV Ekstra %d", i), Municipality: "Oslo", Arm: holf.ArmNone}
		if err := im.Office(ctx, sys, &o, "test"); err != nil {
			t.Fatal(err)
		}
		offices = append(offices, o)
	}
	hash, _ := cheapHasher.Hash(testPassword)
	p := holf.Person{Username: "pm2", Name: "Pia Prosjekt", Assignments: []holf.Assignment{{Role: holf.RoleProjectManagement}}}
	if err := im.Person(ctx, sys, &p, hash, "test"); err != nil {
		t.Fatal(err)
	}
	f.people["pm2"] = p
	res, err := f.app.ActAs(ctx, "forsker")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Trial.SaveStudy(ctx, res, trial.Study{Registration: "NCT03102775", Title: "HOLF", TargetPerOffice: 21,
		RecruitFrom: time.Date(2016, 11, 1, 0, 0, 0, 0, time.UTC), RecruitTo: time.Date(2017, 6, 30, 0, 0, 0, 0, time.UTC),
		Eligibility: []string{"Sosialhjelp 6 av 12 måneder"}, Exclusions: []string{"Barn under omsorg"}}, nil); err != nil {
		t.Fatal(err)
	}
	var sites []trial.Site
	for i, o := range offices {
		sites = append(sites, trial.Site{OfficeID: o.ID, Name: o.Name, Stage: trial.StageDrawn,
			Covariates: map[string]string{"families": fmt.Sprint(40 + 13*i*i), "region": []string{"Øst", "Vest"}[i%2]}})
	}
	sites = append(sites, trial.Site{Name: "NAV Borte", Stage: trial.StageWithdrew, Reason: "Omorganisering"})
	if err := f.app.Trial.SaveSites(ctx, res, sites); err != nil {
		t.Fatal(err)
	}
}

// The trial's pages over HTTP: who sees them, the form's errors on their
// fields with what was typed kept, the two-person rule, the arm no office
// form changes, and the JSON.
func TestTrialPages(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newFixture(t, d)
			trialFixture(t, f)
			for _, who := range []string{"fk.a", "leder.a", "ts.a"} {
				if r := f.client().login(who).get("/trial"); r.StatusCode != http.StatusForbidden {
					t.Fatalf("%s sees the trial: %d", who, r.StatusCode)
				}
			}
			res := f.client().login("forsker")
			page := res.get("/trial")
			if page.StatusCode != 200 || !strings.Contains(page.body, "NCT03102775") || !strings.Contains(page.body, `action="/trial/randomisations"`) {
				t.Fatalf("trial page: %d %s", page.StatusCode, page.body)
			}
			// A weight that is not a number, and too small a share: both named
			// on their fields, and the other choices kept.
			bad := res.post("/trial/randomisations", url.Values{"method": {"constrained"}, "metric": {"l1"}, "covariates": {"families", "region"},
				"weight_families": {"tung"}, "weight_region": {"2"}, "cutoff": {"200"}, "treated": {"3"}})
			if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `href="#weight_families"`) || !strings.Contains(bad.body, `href="#cutoff"`) ||
				!strings.Contains(bad.body, `value="tung"`) || !strings.Contains(bad.body, `id="metric-l1" name="metric" value="l1" checked`) {
				t.Fatalf("bad form: %d\n%s", bad.StatusCode, bad.body)
			}
			narrow := res.post("/trial/randomisations", url.Values{"method": {"constrained"}, "metric": {"l2"}, "covariates": {"families", "region"},
				"weight_families": {"1"}, "weight_region": {"1"}, "cutoff": {"5"}, "treated": {"3"}})
			if narrow.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(narrow.body, "Bare 1 av 20 fordelinger") {
				t.Fatalf("too narrow a share: %d\n%s", narrow.StatusCode, narrow.body)
			}
			ok := res.post("/trial/randomisations", url.Values{"method": {"constrained"}, "metric": {"l2"}, "covariates": {"families", "region"},
				"weight_families": {"1"}, "weight_region": {"1,5"}, "cutoff": {"30"}, "treated": {"3"}})
			if ok.StatusCode != http.StatusSeeOther {
				t.Fatalf("prepare: %d %s", ok.StatusCode, ok.body)
			}
			waiting := res.get("/trial")
			id := regexp.MustCompile(`/trial/randomisations/(\d+)/confirm`).FindStringSubmatch(waiting.body)
			if id != nil || !strings.Contains(waiting.body, "En annen person med tilgang må bekrefte den") {
				t.Fatalf("the preparer is offered the confirmation:\n%s", waiting.body)
			}
			pm := f.client().login("pm")
			pmPage := pm.get("/trial")
			id = regexp.MustCompile(`/trial/randomisations/(\d+)/confirm`).FindStringSubmatch(pmPage.body)
			version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(pmPage.body)
			if id == nil || version == nil || !strings.Contains(pmPage.body, "Frida Forsker") {
				t.Fatalf("confirmation form: %s", pmPage.body)
			}
			// The preparer posting the confirmation is refused, on the page.
			if r := res.post("/trial/randomisations/"+id[1]+"/confirm", url.Values{"version": {version[1]}}); r.StatusCode != http.StatusForbidden ||
				!strings.Contains(r.body, "du forberedte den selv") {
				t.Fatalf("self-confirmation: %d %s", r.StatusCode, r.body)
			}
			if r := pm.post("/trial/randomisations/"+id[1]+"/confirm", url.Values{"version": {version[1]}, "seed": {"ti"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, `href="#seed"`) {
				t.Fatalf("a bad seed: %d %s", r.StatusCode, r.body)
			}
			if r := pm.post("/trial/randomisations/"+id[1]+"/confirm", url.Values{"version": {version[1]}, "seed": {"2016"}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("confirm: %d %s", r.StatusCode, r.body)
			}
			drawn := res.get("/trial")
			if !strings.Contains(drawn.body, `<svg viewBox="0 0 640 200" role="img" aria-labelledby="hist-title"`) || !strings.Contains(drawn.body, "3 tiltakskontorer og 3 sammenligningskontorer") ||
				!strings.Contains(drawn.body, "<code>2016</code>") || !strings.Contains(drawn.body, "Per Prosjekt") {
				t.Fatalf("drawn page:\n%s", drawn.body)
			}
			// A second confirmation is a conflict, said on the page.
			if r := pm.post("/trial/randomisations/"+id[1]+"/confirm", url.Values{"version": {version[1]}}); r.StatusCode != http.StatusConflict {
				t.Fatalf("a second draw: %d", r.StatusCode)
			}
			// The office form shows the arm and offers no way to change it;
			// the API refuses one.
			admin := f.client().login("admin")
			form := admin.get(fmt.Sprintf("/offices/%d/edit", f.offA.ID))
			if strings.Contains(form.body, `name="arm"`) || !strings.Contains(form.body, "settes av forsøkets randomisering") {
				t.Fatalf("office form:\n%s", form.body)
			}
			api := f.api("admin")
			if r := api.do("POST", "/api/v1/offices", strings.NewReader(`{"name":"NAV Ny","municipality":"Oslo","arm":"intervention"}`), http.Header{"Content-Type": {"application/json"}}); r.StatusCode != 422 || !strings.Contains(r.body, `"field":"arm"`) {
				t.Fatalf("API arm: %d %s", r.StatusCode, r.body)
			}
			// A correction: without a reason it is refused on its field.
			if r := pm.post("/trial/corrections", url.Values{"office": {fmt.Sprint(f.offA.ID)}, "arm": {"none"}, "reason": {""}}); r.StatusCode != 422 || !strings.Contains(r.body, `href="#reason"`) {
				t.Fatalf("correction without reason: %d %s", r.StatusCode, r.body)
			}
			if r := pm.post("/trial/corrections", url.Values{"office": {fmt.Sprint(f.offA.ID)}, "arm": {"none"}, "reason": {"Kontoret trakk seg etter trekningen"}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("correction: %d %s", r.StatusCode, r.body)
			}
			if r := res.get("/trial/consort.csv"); r.StatusCode != 200 || !strings.Contains(r.body, "office,intervention,allocated,,3") || !strings.Contains(r.body, "office,,withdrew,Omorganisering,1") {
				t.Fatalf("CONSORT CSV: %d %s", r.StatusCode, r.body)
			}
			if r := res.get("/trial"); !strings.Contains(r.body, `aria-labelledby="consort-title"`) || !strings.Contains(r.body, "Randomisert: 6 kontorer") {
				t.Fatalf("CONSORT diagram: %s", r.body)
			}
			j := f.api("forsker").get("/api/v1/trial")
			if j.StatusCode != 200 || !strings.Contains(j.body, `"candidates_hash"`) || !regexp.MustCompile(`"stage":\s*"withdrew",\s*"offices":\s*1`).MatchString(j.body) {
				t.Fatalf("API: %d %s", j.StatusCode, j.body)
			}
			if r := f.api("fk.a").get("/api/v1/trial"); r.StatusCode != http.StatusForbidden {
				t.Fatalf("a coordinator's API token read the trial: %d", r.StatusCode)
			}
			// Baseline tables: the offices' covariates and the families; the
			// significance tests only when asked for.
			base := res.get("/trial/baseline")
			if base.StatusCode != 200 || !strings.Contains(base.body, `id="baseline-offices-caption"`) || !strings.Contains(base.body, "region: Vest") || strings.Contains(base.body, "<th scope=\"col\">p</th>") {
				t.Fatalf("baseline: %d %s", base.StatusCode, base.body)
			}
			if r := res.get("/trial/baseline?tests=1"); r.StatusCode != 200 || !strings.Contains(r.body, `id="tests-footnote"`) || !strings.Contains(r.body, `id="tests" name="tests" value="1" checked`) {
				t.Fatalf("baseline with tests: %d %s", r.StatusCode, r.body)
			}
			if r := res.get("/trial/baseline.csv?tests=1"); r.StatusCode != 200 || !regexp.MustCompile(`offices,families,false,3,[0-9.]+,[0-9.]+,3,[0-9.]+,[0-9.]+,[-0-9.e]+,0\.[0-9]+`).MatchString(r.body) {
				t.Fatalf("baseline CSV: %d %s", r.StatusCode, r.body)
			}
			if r := f.client().login("fk.a").get("/trial/baseline"); r.StatusCode != http.StatusForbidden {
				t.Fatalf("a coordinator sees the baseline tables: %d", r.StatusCode)
			}
			// Results: for researchers and project management only. Without
			// questionnaires there is nothing to analyse, and the page says so.
			for _, who := range []string{"fk.a", "leder.a", "admin"} {
				if r := f.client().login(who).get("/trial/results"); r.StatusCode != http.StatusForbidden {
					t.Fatalf("%s sees the results: %d", who, r.StatusCode)
				}
			}
			if r := pm.get("/trial/results"); r.StatusCode != 200 || !strings.Contains(r.body, "ikke beregnet ennå") {
				t.Fatalf("results page: %d %s", r.StatusCode, r.body)
			}
			if r := pm.post("/trial/results", nil); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("compute: %d %s", r.StatusCode, r.body)
			}
			if r := pm.get("/trial/results/effects.csv"); r.StatusCode != 200 || !strings.HasPrefix(r.body, "group,outcome,term,estimate") {
				t.Fatalf("effects CSV: %d %s", r.StatusCode, r.body)
			}
			// The bundle that reproduces the table: for the researchers,
			// who may take pseudonymised data; its data files are those the
			// table names.
			if r := pm.get("/trial/results/bundle.zip"); r.StatusCode != http.StatusForbidden {
				t.Fatalf("project management took the analysis data: %d", r.StatusCode)
			}
			bundle := res.get("/trial/results/bundle.zip")
			if bundle.StatusCode != 200 || bundle.Header.Get("Content-Type") != "application/zip" {
				t.Fatalf("bundle: %d %s", bundle.StatusCode, bundle.Header)
			}
			zr, err := zip.NewReader(strings.NewReader(bundle.body), int64(len(bundle.body)))
			if err != nil {
				t.Fatal(err)
			}
			inZip := map[string]string{}
			for _, zf := range zr.File {
				rc, err := zf.Open()
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				inZip[strings.TrimPrefix(zf.Name, "holf_trial/")] = string(b)
			}
			// Without questionnaires the table is empty: the command line's
			// test on the demo has R run the bundle's script on real rows.
			rows, err := csv.NewReader(strings.NewReader(inZip["effects.csv"])).ReadAll()
			if err != nil || len(rows) != 1 || rows[0][0] != "group" || !strings.Contains(inZip["reproduce.R"], "coef_test") || inZip["results.json"] == "" || !strings.HasPrefix(inZip["attrition.csv"], "group,arm,t1,") || len(inZip) != 4 {
				t.Fatalf("bundle holds %d files: %v", len(inZip), err)
			}
			col := slices.Index(rows[0], "data")
			for _, row := range rows[1:] {
				if data := inZip[row[col]]; !strings.HasPrefix(data, "person,family,office,arm,group,time,y\n") {
					t.Fatalf("%s: data file %q missing or malformed", row[1], row[col])
				}
			}
			// The whole report: one page that carries its own style.
			rep := pm.get("/trial/report")
			if rep.StatusCode != 200 || strings.Contains(rep.body, `rel="stylesheet"`) || !strings.Contains(rep.body, "<style>") || !strings.Contains(rep.body, "Protokoll for trekningen") {
				t.Fatalf("report: %d %.500s", rep.StatusCode, rep.body)
			}
			if r := f.client().login("fk.a").get("/trial/report"); r.StatusCode != http.StatusForbidden {
				t.Fatalf("a coordinator read the report: %d", r.StatusCode)
			}
			// Released by a researcher, the offices' staff see the table, and
			// cannot compute it; project management cannot release.
			if r := pm.post("/trial/results/release", url.Values{"version": {"1"}}); r.StatusCode != http.StatusForbidden {
				t.Fatalf("project management released: %d", r.StatusCode)
			}
			rel := res.get("/trial/results")
			v := regexp.MustCompile(`action="/trial/results/release">\s*<input type="hidden" name="csrf" value="[^"]*">\s*<input type="hidden" name="version" value="(\d+)"`).FindStringSubmatch(rel.body)
			if v == nil || !strings.Contains(rel.body, "Resultatene er ikke frigitt") {
				t.Fatalf("release form: %s", rel.body)
			}
			fk := f.client().login("fk.a")
			if r := fk.get("/"); strings.Contains(r.body, `href="/trial/results"`) {
				t.Fatalf("the start page points to results not released: %s", r.body)
			}
			if r := res.post("/trial/results/release", url.Values{"version": {v[1]}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("release: %d %s", r.StatusCode, r.body)
			}
			if r := fk.get("/"); !strings.Contains(r.body, `href="/trial/results"`) || !strings.Contains(r.body, "ble frigitt til kontorenes ansatte") {
				t.Fatalf("the start page does not point to the released results: %s", r.body)
			}
			staff := f.client().login("fk.a").get("/trial/results")
			if staff.StatusCode != 200 || !strings.Contains(staff.body, "Frigitt til kontorenes ansatte") || strings.Contains(staff.body, `action="/trial/results"`) || strings.Contains(staff.body, `href="/trial"`) {
				t.Fatalf("released results for a coordinator: %d %s", staff.StatusCode, staff.body)
			}
			if r := res.post("/trial/results/release", url.Values{"version": {v[1]}}); r.StatusCode != http.StatusConflict {
				t.Fatalf("a second release: %d", r.StatusCode)
			}
		})
	}
}

// TestBrowserTrial prepares and confirms the draw in a real browser, in
// both languages, and checks every state of the page with axe-core.
func TestBrowserTrial(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx, axe := browser(t)
			f := newFixture(t, d)
			trialFixture(t, f)
			base := f.ts.URL
			step := stepper(t, ctx)
			browserLogin(t, ctx, base, "forsker")
			step("form", chromedp.Navigate(base+"/trial"), chromedp.WaitVisible(css(`#method-constrained`)))
			checkAxe(t, ctx, axe, "trial: preparation form")
			step("bad share", chromedp.SetValue(css(`#cutoff`), "0"), chromedp.Click(css(`form[action="/trial/randomisations"] button.primary`)), chromedp.WaitVisible(css(`.error-summary`)))
			checkAxe(t, ctx, axe, "trial: form with errors")
			step("prepare", chromedp.SetValue(css(`#cutoff`), "40"), chromedp.SetValue(css(`#treated`), "3"),
				chromedp.Click(css(`form[action="/trial/randomisations"] button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			checkAxe(t, ctx, axe, "trial: waiting for the second person")
			browserLogout(t, ctx)
			browserLogin(t, ctx, base, "pm")
			step("confirm", chromedp.Navigate(base+"/trial"), chromedp.WaitVisible(css(`form[action$="/confirm"]`)),
				chromedp.Click(css(`form[action$="/confirm"] button.primary`)), chromedp.WaitVisible(css(`figure.histogram`)))
			checkAxe(t, ctx, axe, "trial: the draw")
			step("correction form", chromedp.Click(css(`#corrections + ul + details > summary, #corrections ~ details > summary`)),
				chromedp.Click(css(`form[action="/trial/corrections"] button`)), chromedp.WaitVisible(css(`.error-summary`)))
			checkAxe(t, ctx, axe, "trial: correction with errors")
			step("english", chromedp.Navigate(base+"/trial"), chromedp.WaitVisible(css(`figure.histogram`)),
				chromedp.Click(css(`button[value="en"]`)), chromedp.WaitReady(css(`html[lang="en"] #hist-title`)))
			body, _ := text(ctx, "main")
			if !strings.Contains(body, "Record of the draw") || !strings.Contains(body, "Allocations drawn from") {
				t.Fatalf("English page: %s", body)
			}
			checkAxe(t, ctx, axe, "trial: English")
		})
	}
}

// The target list's pages: the leader imports (a bad paste names its
// rows and imports nothing), the coordinator follows the draw order and
// says why when departing from it; axe-core checks each page in a browser.
func TestTargetPages(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newFixture(t, d)
			base := fmt.Sprintf("/offices/%d/targets", f.offA.ID)
			leader := f.client().login("leder.a")
			bad := leader.post(base+"/import", url.Values{"csv": {"reference,name,children,criterion\nS-1,Anne,9,assistance\n"}})
			if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "Linje 2, children") || !strings.Contains(bad.body, "1–4 barn") {
				t.Fatalf("bad import: %d %s", bad.StatusCode, bad.body)
			}
			csv := "reference,name,children,criterion,register_declined\nS-1,Anne Ås,2,assistance,nei\nS-2,Berit Bø,1,aap,nei\nS-3,Cecilie Ceder,3,regular,ja\n"
			if r := leader.post(base+"/import", url.Values{"csv": {csv}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("import: %d %s", r.StatusCode, r.body)
			}
			fk := f.client().login("fk.a")
			list := fk.get(base)
			if list.StatusCode != 200 || !strings.Contains(list.body, "Rekruttert 0 av 21") || !strings.Contains(list.body, "Reservert mot registerdata") {
				t.Fatalf("list: %d %s", list.StatusCode, list.body)
			}
			next := regexp.MustCompile(`Neste i trekkrekkefølgen: nr\. 1, [^<]*\.</p>\s*<p><a class="button primary" href="(/offices/\d+/targets/\d+)"`).FindStringSubmatch(list.body)
			if next == nil {
				t.Fatalf("no next in line: %s", list.body)
			}
			// The second in line, out of order: a reason is needed.
			rows := regexp.MustCompile(`<td>2</td>\s*<th scope="row"><a href="(/offices/\d+/targets/\d+)"`).FindStringSubmatch(list.body)
			if rows == nil {
				t.Fatalf("no second row: %s", list.body)
			}
			second := fk.get(rows[1])
			if second.StatusCode != 200 {
				t.Fatalf("record page: %d %s", second.StatusCode, second.body)
			}
			version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(second.body)
			if r := fk.post(rows[1], url.Values{"version": {version[1]}, "outcome": {"declined"}, "note": {"Takket nei på telefon"}}); r.StatusCode != http.StatusUnprocessableEntity ||
				!strings.Contains(r.body, `href="#out_of_order"`) || !strings.Contains(r.body, "Takket nei på telefon") {
				t.Fatalf("out of order without reason: %d %s", r.StatusCode, r.body)
			}
			if r := fk.post(rows[1], url.Values{"version": {version[1]}, "outcome": {"declined"}, "out_of_order": {"Familien ringte selv til kontoret"}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("out of order with reason: %d %s", r.StatusCode, r.body)
			}
			// The first in line is recruited and gets its family record,
			// created from the entry: the form comes filled with the parent
			// from the list, and a bad form keeps what was typed.
			first := fk.get(next[1])
			version = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(first.body)
			if r := fk.post(next[1], url.Values{"version": {version[1]}, "outcome": {"recruited"}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("recruited: %d %s", r.StatusCode, r.body)
			}
			first = fk.get(next[1])
			create := regexp.MustCompile(`href="(/families/new\?target=\d+&amp;target_office=\d+)"`).FindStringSubmatch(first.body)
			if create == nil {
				t.Fatalf("no way to create the recruited family: %s", first.body)
			}
			form := fk.get(strings.ReplaceAll(create[1], "&amp;", "&"))
			parent := regexp.MustCompile(`name="member_0_name"[^>]*value="([^"]+)"`).FindStringSubmatch(form.body)
			famName := regexp.MustCompile(`name="name"[^>]*value="(Familien [^"]+)"`).FindStringSubmatch(form.body)
			hidden := regexp.MustCompile(`name="target" value="(\d+)"><input type="hidden" name="target_office" value="(\d+)"><input type="hidden" name="target_version" value="(\d+)">`).FindStringSubmatch(form.body)
			if form.StatusCode != 200 || parent == nil || famName == nil || hidden == nil || !strings.Contains(form.body, "Fra mållisten: nr. 1") {
				t.Fatalf("the family form from the list: %d %s", form.StatusCode, form.body)
			}
			fam := url.Values{"target": {hidden[1]}, "target_office": {hidden[2]}, "target_version": {hidden[3]}, "office": {hidden[2]},
				"name": {famName[1]}, "primary_coordinator": {strconv.FormatInt(f.id("fk.a"), 10)},
				"member_0_role": {"parent"}, "member_0_name": {parent[1]}, "member_0_birth_year": {"1980"}, "member_0_home": {"on"},
				"member_1_role": {"child"}, "member_1_name": {"Barn"}, "member_1_birth_year": {"20x6"}, "member_1_home": {"on"}}
			if r := fk.post("/families", fam); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, `value="20x6"`) || !strings.Contains(r.body, `name="target" value="`+hidden[1]) {
				t.Fatalf("a bad family from the list: %d %s", r.StatusCode, r.body)
			}
			fam.Set("member_1_birth_year", "2016")
			created := fk.post("/families", fam)
			if created.StatusCode != http.StatusSeeOther {
				t.Fatalf("the family from the list: %d %s", created.StatusCode, created.body)
			}
			if r := fk.get(base); !strings.Contains(r.body, strings.TrimSuffix(created.Header.Get("Location"), "?notice=created")+`">Åpne familien`) {
				t.Fatalf("the list does not link the family: %s", r.body)
			}
			if r := fk.post("/families", fam); r.StatusCode != http.StatusConflict && r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("a second family for one entry: %d", r.StatusCode)
			}
			if r := f.client().login("fk.b").get(base); r.StatusCode != http.StatusNotFound {
				t.Fatalf("another office's coordinator: %d", r.StatusCode)
			}
			if r := f.client().login("pm").get(base); r.StatusCode != http.StatusNotFound {
				t.Fatalf("project management read the list: %d", r.StatusCode)
			}

			// The family's consent to the evaluation, apart from sharing.
			cpath := fmt.Sprintf("/families/%d/trial-consent", f.famA.ID)
			if r := fk.post(cpath, url.Values{"version": {"0"}, "given_on": {"2026-13-01"}}); r.StatusCode != http.StatusUnprocessableEntity ||
				!strings.Contains(r.body, `href="#member"`) || !strings.Contains(r.body, `href="#given_on"`) || !strings.Contains(r.body, `value="2026-13-01"`) {
				t.Fatalf("a bad consent: %d %s", r.StatusCode, r.body)
			}
			if r := fk.post(cpath, url.Values{"version": {"0"}, "member": {fmt.Sprint(f.famA.Members[0].ID)}, "given_on": {"2026-10-02"}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("consent: %d %s", r.StatusCode, r.body)
			}
			if r := fk.get(cpath); !strings.Contains(r.body, "Kontoret er ikke randomisert") || !strings.Contains(r.body, "02.10.2026") {
				t.Fatalf("consent page: %s", r.body)
			}

			ctx, axe := browser(t)
			step := stepper(t, ctx)
			browserLogin(t, ctx, f.ts.URL, "fk.a")
			step("consent", chromedp.Navigate(f.ts.URL+cpath), chromedp.WaitVisible(css(`#given_on`)))
			checkAxe(t, ctx, axe, "consent to the evaluation")
			step("list", chromedp.Navigate(f.ts.URL+base), chromedp.WaitVisible(css(`#targets-caption`)))
			checkAxe(t, ctx, axe, "target list")
			step("record", chromedp.Navigate(f.ts.URL+next[1]), chromedp.WaitVisible(css(`#outcome-recruited`)))
			checkAxe(t, ctx, axe, "target contact")
			step("save", chromedp.Click(css(`#outcome-recruited`)), chromedp.Click(css(`form button.primary`)), chromedp.WaitVisible(css(`.notice`)))
			step("family from the list", chromedp.Navigate(f.ts.URL+strings.ReplaceAll(create[1], "&amp;", "&")), chromedp.WaitVisible(css(`#target`)))
			checkAxe(t, ctx, axe, "the family form from the list")
			browserLogout(t, ctx)
			browserLogin(t, ctx, f.ts.URL, "leder.a")
			step("import with errors", chromedp.Navigate(f.ts.URL+base), chromedp.WaitVisible(css(`#csv`)),
				chromedp.SendKeys(css(`#csv`), "reference,name\nS-9,Ny\n"), chromedp.Click(css(`form[action$="/import"] button`)), chromedp.WaitVisible(css(`.error-summary`)))
			checkAxe(t, ctx, axe, "target import with errors")
		})
	}
}

// Setting up the study on its page: the study form names each field it
// cannot read and keeps what was typed; the offices are edited as a
// spreadsheet, a bad row saves nothing and is named by its line; only
// project management and the researchers reach it.
func TestTrialSetupPages(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := newFixture(t, d)
			for _, who := range []string{"fk.a", "leder.a", "admin"} {
				if r := f.client().login(who).get("/trial/setup"); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
					t.Fatalf("%s reached the setup: %d", who, r.StatusCode)
				}
			}
			res := f.client().login("forsker")
			if r := res.get("/trial"); !strings.Contains(r.body, `href="/trial/setup"`) {
				t.Fatalf("no way to set up the study: %s", r.body)
			}
			study := url.Values{"version": {"0"}, "registration": {"NCT03102775"}, "title": {"HOLF-forsøket"}, "recruit_from": {"2016-11-31"},
				"recruit_to": {"2016-10-01"}, "target_per_office": {"tjueen"}, "eligibility": {"Sosialhjelp 6 av 12 måneder\n\n1–4 barn under 18 år"}}
			r := res.post("/trial/study", study)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, `href="#recruit_from"`) || !strings.Contains(r.body, `href="#target_per_office"`) ||
				!strings.Contains(r.body, `value="tjueen"`) || !strings.Contains(r.body, "HOLF-forsøket") || strings.Count(r.body, `href="#recruit_from"`) != 1 {
				t.Fatalf("a bad study: %d %s", r.StatusCode, r.body)
			}
			study.Set("recruit_from", "2016-11-01")
			study.Set("recruit_to", "2017-06-30")
			study.Set("target_per_office", "21")
			if r := res.post("/trial/study", study); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("the study: %d %s", r.StatusCode, r.body)
			}
			st, err := f.db.TrialStudy(context.Background())
			if err != nil || st.Title != "HOLF-forsøket" || len(st.Eligibility) != 2 || st.TargetPerOffice != 21 {
				t.Fatalf("study saved: %+v %v", st, err)
			}
			if r := res.post("/trial/study", study); r.StatusCode != http.StatusConflict {
				t.Fatalf("a second study over the first: %d", r.StatusCode)
			}
			sheet := "name,office,stage,reason,families\nNAV Alna,NAV Alna,drawn,,120\nNAV Bjerke,Bjerke,drawn,,80\nNAV Borte,,withdrew,,\n"
			r = res.post("/trial/sites", url.Values{"csv": {sheet}})
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Linje 4, reason") || !strings.Contains(r.body, "NAV Borte,,withdrew") {
				t.Fatalf("a bad sheet: %d %s", r.StatusCode, r.body)
			}
			sheet = strings.Replace(sheet, "withdrew,,", "withdrew,Omorganisering,", 1)
			if r := res.post("/trial/sites", url.Values{"csv": {sheet}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/trial/setup?sites=3" {
				t.Fatalf("the sheet: %d %s", r.StatusCode, r.body)
			}
			page := res.get("/trial/setup?sites=3")
			if !strings.Contains(page.body, "<h1>Studien og kontorene</h1>") || !strings.Contains(page.body, "3 kontorer er lagret") || !strings.Contains(page.body, "NAV Bjerke,NAV Bjerke,drawn,,80") {
				t.Fatalf("the setup page: %s", page.body)
			}

			ctx, axe := browser(t)
			step := stepper(t, ctx)
			browserLogin(t, ctx, f.ts.URL, "forsker")
			step("setup", chromedp.Navigate(f.ts.URL+"/trial/setup"), chromedp.WaitVisible(css(`#csv`)))
			checkAxe(t, ctx, axe, "the study's setup")
			step("bad sheet", chromedp.SetValue(css(`#csv`), "name,stage\nNAV X,kanskje\n"), chromedp.Click(css(`form[action="/trial/sites"] button`)), chromedp.WaitVisible(css(`.error-summary`)))
			checkAxe(t, ctx, axe, "the setup with errors")
		})
	}
}

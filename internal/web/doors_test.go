package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/cli"
	"github.com/holf-project/holf/internal/store"
)

// TestDoorsAgree drives the same operations through the form, the API and
// the command line and checks that they give the same result: the same
// refusals with the field named, the same stored state, timeline and audit
// entry, the same answer to a change made from an old version. All three
// call one use case; this proves that no door keeps a rule of its own.
func TestDoorsAgree(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		run := func(stdin string, args ...string) (int, string, string) {
			var out, errb bytes.Buffer
			env := cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Hasher: cheapHasher,
				Getenv: func(k string) string { return map[string]string{"HOLF_DB": f.dsn, "USER": "ops"}[k] }}
			code := cli.Main(ctx, args, env)
			return code, out.String(), errb.String()
		}
		fk, err := f.app.ActAs(ctx, "fk.a")
		if err != nil {
			t.Fatal(err)
		}
		candidate := func(name string) holf.Family {
			fm := holf.Family{OfficeID: f.offA.ID, Name: name, PrimaryCoordinatorID: f.id("fk.a"), Members: []holf.Member{
				{Role: holf.MemberParent, Name: "Amina " + name, BirthYear: 1988, LivesAtHome: true},
				{Role: holf.MemberChild, Name: "Omar " + name, BirthYear: 2016, LivesAtHome: true}}}
			fm, err := f.app.Families.Create(ctx, fk, fm, nil)
			if err != nil {
				t.Fatal(err)
			}
			return fm
		}
		byForm, byAPI, byCLI := candidate("Familien Skjema"), candidate("Familien Api"), candidate("Familien Linje")
		web, api := f.client().login("fk.a"), f.api("fk.a")
		statusPath := func(fm holf.Family) string { return fmt.Sprintf("/families/%d/status", fm.ID) }
		apiPath := func(fm holf.Family) string { return fmt.Sprintf("/api/v1/families/%d", fm.ID) }
		patch := func(fm holf.Family, version int, body string) response {
			return api.do("PATCH", apiPath(fm), strings.NewReader(body), http.Header{"Content-Type": {"application/merge-patch+json"},
				"If-Match": {etag("family", fm.ID, int64(version))}})
		}
		statusCLI := func(fm holf.Family, version int, extra ...string) (int, string, string) {
			return run("", append([]string{"family", "status", "--as", "fk.a", "--family", strconv.FormatInt(fm.ID, 10),
				"--version", strconv.Itoa(version), "--to", "recruited"}, extra...)...)
		}

		// A recruitment without its consent date is refused by every door,
		// naming the date; no door substitutes today.
		if r := web.post(statusPath(byForm), url.Values{"version": {"1"}, "to": {"recruited"}, "on": {""}}); r.StatusCode != 422 || !strings.Contains(r.body, `href="#on"`) {
			t.Fatalf("form without a date: %d", r.StatusCode)
		}
		if r := patch(byAPI, 1, `{"status": "recruited"}`); r.StatusCode != 422 || !strings.Contains(r.body, `"field":"consent_date"`) {
			t.Fatalf("API without a date: %d %s", r.StatusCode, r.body)
		}
		if code, _, stderr := statusCLI(byCLI, 1); code != 1 || !strings.Contains(stderr, "on:") {
			t.Fatalf("command line without a date: %d %s", code, stderr)
		}
		// So is one in the future.
		future := f.clock.Now().AddDate(0, 1, 0).Format("2006-01-02")
		if r := web.post(statusPath(byForm), url.Values{"version": {"1"}, "to": {"recruited"}, "on": {future}}); r.StatusCode != 422 {
			t.Fatalf("form with a future date: %d", r.StatusCode)
		}
		if r := patch(byAPI, 1, `{"status": "recruited", "consent_date": "`+future+`"}`); r.StatusCode != 422 {
			t.Fatalf("API with a future date: %d", r.StatusCode)
		}

		// The same recruitment through each door.
		day := f.clock.Now().Format("2006-01-02") // the day the families were registered
		if r := web.post(statusPath(byForm), url.Values{"version": {"1"}, "to": {"recruited"}, "on": {day}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("form: %d %s", r.StatusCode, r.body)
		}
		if r := patch(byAPI, 1, `{"status": "recruited", "consent_date": "`+day+`"}`); r.StatusCode != 200 {
			t.Fatalf("API: %d %s", r.StatusCode, r.body)
		}
		if code, stdout, stderr := statusCLI(byCLI, 1, "--on", day); code != 0 || !strings.Contains(stdout, "is recruited (version 2)") {
			t.Fatalf("command line: %d %s %s", code, stdout, stderr)
		}
		type outcome struct {
			Status  holf.FamilyStatus
			Consent string
			Version int64
			Event   holf.EventKind
			On      string
			Details holf.EventDetails
			Audit   string
		}
		result := func(fm holf.Family) outcome {
			got, err := f.db.GetFamily(ctx, fm.ID)
			if err != nil {
				t.Fatal(err)
			}
			events, err := f.db.FamilyEvents(ctx, fm.ID)
			if err != nil {
				t.Fatal(err)
			}
			last := events[len(events)-1]
			entries, err := f.db.ListAudit(ctx, store.AuditFilter{RecordType: "family", RecordID: fm.ID, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			var audit string
			for _, e := range entries {
				if e.Action == "family.status" {
					audit = fmt.Sprintf("%s %s %s %s", e.Actor, e.Role, e.Action, e.Purpose)
					break
				}
			}
			return outcome{got.Status, got.ConsentDate.Format("2006-01-02"), got.Version, last.Kind, last.On.Format("2006-01-02"), last.Details, audit}
		}
		want := result(byForm)
		if want.Status != holf.StatusRecruited || want.Consent != day || want.Version != 2 || want.Event != holf.EventRecruited || want.On != day ||
			want.Audit != "fk.a coordinator family.status "+purposeCasework {
			t.Fatalf("form's outcome: %+v", want)
		}
		for door, fm := range map[string]holf.Family{"API": byAPI, "command line": byCLI} {
			if got := result(fm); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: %+v, the form gave %+v", door, got, want)
			}
		}

		// A change made from the old version loses in every door, and
		// changes nothing.
		if r := web.post(statusPath(byForm), url.Values{"version": {"1"}, "to": {"active"}, "on": {day}}); r.StatusCode != http.StatusConflict {
			t.Errorf("form from an old version: %d", r.StatusCode)
		}
		if r := patch(byAPI, 1, `{"status": "active", "started_on": "`+day+`"}`); r.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("API from an old version: %d", r.StatusCode)
		}
		if code, _, stderr := run("", "family", "status", "--as", "fk.a", "--family", strconv.FormatInt(byCLI.ID, 10), "--version", "1",
			"--to", "active", "--on", day); code != 1 || !strings.Contains(stderr, "changed by someone else") {
			t.Errorf("command line from an old version: %d %s", code, stderr)
		}
		for _, fm := range []holf.Family{byForm, byAPI, byCLI} {
			if got := result(fm); got.Version != 2 || got.Status != holf.StatusRecruited {
				t.Errorf("family %d changed by a stale write: %+v", fm.ID, got)
			}
		}
		// The command line acts only as a staff member whom policy allows.
		if code, _, stderr := run("", "family", "status", "--as", "fk.b", "--family", strconv.FormatInt(byCLI.ID, 10), "--version", "2",
			"--to", "active", "--on", day); code != 1 || !strings.Contains(stderr, "not found") {
			t.Errorf("command line as a coordinator of another office: %d %s", code, stderr)
		}

		// Creating an account: the same refusal of a weak password, the
		// same account.
		admin, adminAPI := f.client().login("admin"), f.api("admin")
		office := strconv.FormatInt(f.offA.ID, 10)
		form := func(username, password string) response {
			return admin.post("/people", url.Values{"username": {username}, "name": {"Nina Ny"}, "role_0": {"coordinator"}, "office_0": {office},
				"role_1": {""}, "office_1": {""}, "password": {password}})
		}
		post := func(username, password string) response {
			body := fmt.Sprintf(`{"username": %q, "name": "Nina Ny", "password": %q, "assignments": [{"role": "coordinator", "office_id": %s}]}`, username, password, office)
			return adminAPI.do("POST", "/api/v1/people", strings.NewReader(body), http.Header{"Content-Type": {"application/json"}})
		}
		create := func(username, password string) (int, string, string) {
			return run(password+"\n", "user", "create", "--username", username, "--name", "Nina Ny", "--role", "coordinator:"+office, "--password-stdin")
		}
		if r := form("ny.skjema", "kort"); r.StatusCode != 422 || !strings.Contains(r.body, `href="#password"`) {
			t.Errorf("form, short password: %d", r.StatusCode)
		}
		if r := post("ny.api", "kort"); r.StatusCode != 422 || !strings.Contains(r.body, `"field":"password"`) {
			t.Errorf("API, short password: %d %s", r.StatusCode, r.body)
		}
		if code, _, stderr := create("ny.linje", "kort"); code != 1 || !strings.Contains(stderr, "password:") {
			t.Errorf("command line, short password: %d %s", code, stderr)
		}
		const pw = "et langt og trygt passord"
		if r := form("ny.skjema", pw); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("form: %d %s", r.StatusCode, r.body)
		}
		if r := post("ny.api", pw); r.StatusCode != http.StatusCreated {
			t.Fatalf("API: %d %s", r.StatusCode, r.body)
		}
		if code, stdout, stderr := create("ny.linje", pw); code != 0 {
			t.Fatalf("command line: %d %s %s", code, stdout, stderr)
		}
		account := func(username string) string {
			p, err := f.db.GetPersonByUsername(ctx, username)
			if err != nil {
				t.Fatal(err)
			}
			entries, err := f.db.ListAudit(ctx, store.AuditFilter{RecordType: "person", RecordID: p.ID, Limit: 5})
			if err != nil || len(entries) == 0 {
				t.Fatalf("no audit entry for %s: %v", username, err)
			}
			first := entries[len(entries)-1]
			return fmt.Sprintf("%s %v %v %s %s", p.Name, p.Assignments, p.Disabled, first.Action, first.Purpose)
		}
		wantAccount := account("ny.skjema")
		for _, u := range []string{"ny.api", "ny.linje"} {
			if got := account(u); got != wantAccount {
				t.Errorf("%s: %s, the form gave %s", u, got, wantAccount)
			}
		}
	})
}

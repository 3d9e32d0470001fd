package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/audit"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
	"github.com/holf-project/holf/internal/testdb"
)

var cheap = auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16})

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, stdin string, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Hasher: cheap,
		Getenv: func(k string) string { return env[k] }}
	code := Main(context.Background(), args, e)
	return result{code, out.String(), errb.String()}
}

func TestHelpAndVersion(t *testing.T) {
	r := run(t, "", nil, "help")
	if r.code != 0 || !strings.Contains(r.stdout, "serve") || !strings.Contains(r.stdout, "audit") {
		t.Fatalf("help: %+v", r)
	}
	r = run(t, "", nil, "serve", "-h")
	if r.code != 0 || !strings.Contains(r.stdout, "--db") || !strings.Contains(r.stdout, "HOLF_DB") || !strings.Contains(r.stdout, "--addr") {
		t.Fatalf("serve -h: %+v", r)
	}
	if r := run(t, "", nil, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "holf ") {
		t.Fatalf("version: %+v", r)
	}
	if r := run(t, "", nil, "frobnicate"); r.code != 2 {
		t.Fatalf("unknown command: %+v", r)
	}
	if r := run(t, "", nil, "migrate"); r.code != 2 || !strings.Contains(r.stderr, "HOLF_DB") {
		t.Fatalf("migrate without db: %+v", r)
	}
}

func TestServeRefusesABadPublicURL(t *testing.T) {
	for _, u := range []string{"holf.example.no", "ftp://holf.example.no", "https://user@holf.example.no"} {
		if r := run(t, "", nil, "serve", "--public-url", u); r.code != 2 || !strings.Contains(r.stderr, "--public-url") {
			t.Errorf("--public-url %s: %+v", u, r)
		}
	}
}

func TestDemoRefusesRealData(t *testing.T) {
	env := map[string]string{"HOLF_DB": testdb.DSN(t, store.SQLite)}
	if r := run(t, "", env, "migrate"); r.code != 0 {
		t.Fatal(r)
	}
	if r := run(t, "", env, "user", "create", "--username", "ekte", "--name", "Ekte Person", "--role", "administrator"); r.code != 0 {
		t.Fatal(r)
	}
	if r := run(t, "", env, "demo"); r.code != 1 || !strings.Contains(r.stderr, "non-demo") {
		t.Fatalf("demo on a database with real data: %+v", r)
	}
}

func TestCommandLineOnBothDatabases(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			dsn := testdb.DSN(t, d)
			dir := t.TempDir()
			env := map[string]string{"HOLF_DB": dsn, "USER": "ops",
				"HOLF_AUDIT_KEY": filepath.Join(dir, "audit.key"), "HOLF_AUDIT_CHECKPOINTS": filepath.Join(dir, "audit.checkpoints")}
			if r := run(t, "", env, "migrate"); r.code != 0 || !strings.Contains(r.stdout, "applied 0001_foundation") {
				t.Fatalf("migrate: %+v", r)
			}
			if r := run(t, "", env, "migrate", "--status"); r.code != 0 || !strings.Contains(r.stdout, "schema version") {
				t.Fatalf("migrate --status: %+v", r)
			}
			r := run(t, "", env, "demo", "--seed", "7", "--password", "demo passord for test")
			if r.code != 0 || !strings.Contains(r.stdout, "29 offices") || !strings.Contains(r.stdout, "demo passord for test") {
				t.Fatalf("demo: %+v", r)
			}
			checkFidelity(t, env, dir)
			checkTrial(t, env)
			// The analysis reads the same demo from either database (the demo's
			// own build computes it on both); R checks it once, as its fits
			// take minutes under the race detector.
			if d == store.SQLite {
				checkTrialResults(t, env, dir)
			}
			r = run(t, "", env, "user", "list", "--role", "training_support", "--json")
			var users []UserJSON
			if err := json.Unmarshal([]byte(r.stdout), &users); err != nil || r.code != 0 {
				t.Fatalf("user list --json: %v %+v", err, r)
			}
			if len(users) != 5 {
				t.Fatalf("%d training-support staff, want 5", len(users))
			}
			for _, u := range users {
				if len(u.Offices) != 3 {
					t.Errorf("%s supports %d offices, want 3", u.Username, len(u.Offices))
				}
				for _, o := range u.Offices {
					if o.Arm != "intervention" {
						t.Errorf("%s supports %s, a %s office", u.Username, o.Name, o.Arm)
					}
				}
			}
			r = run(t, "", env, "user", "list", "--role", "coordinator", "--json")
			_ = json.Unmarshal([]byte(r.stdout), &users)
			if len(users) != 70 {
				t.Fatalf("%d coordinators, want 70 (two in each of 29 offices, and 12 who joined later: Table 5)", len(users))
			}
			checkSurveyExport(t, env, dsn)
			// Demo refuses a database with real data, and is idempotent on a demo one.
			if r := run(t, "", env, "demo"); r.code != 0 || !strings.Contains(r.stdout, "already holds the demo") {
				t.Fatalf("second demo: %+v", r)
			}
			r = run(t, "et langt og trygt passord\n", env, "user", "create", "--username", "kari.n", "--name", "Kari Nordmann",
				"--role", "coordinator:NAV Alna", "--role", "office_leader:Asker", "--password-stdin")
			if r.code != 0 || !strings.Contains(r.stdout, "created kari.n") {
				t.Fatalf("user create: %+v", r)
			}
			if r := run(t, "kort\n", env, "user", "create", "--username", "x.y", "--name", "X", "--password-stdin"); r.code != 1 || !strings.Contains(r.stderr, "at least 12") {
				t.Fatalf("short password: %+v", r)
			}
			if r := run(t, "", env, "user", "create", "--username", "x.y", "--name", "X", "--role", "coordinator:NAV Atlantis"); r.code != 2 || !strings.Contains(r.stderr, "no office named") {
				t.Fatalf("unknown office: %+v", r)
			}
			r = run(t, "", env, "user", "create", "--username", "gen.pw", "--name", "Generated", "--role", "researcher")
			if r.code != 0 || !strings.Contains(r.stdout, "password: ") {
				t.Fatalf("generated password: %+v", r)
			}
			if r := run(t, "", env, "user", "set-password", "--username", "kari.n"); r.code != 0 || !strings.Contains(r.stdout, "password: ") {
				t.Fatalf("set-password: %+v", r)
			}
			if r := run(t, "", env, "user", "disable", "--username", "kari.n"); r.code != 0 {
				t.Fatalf("disable: %+v", r)
			}
			if r := run(t, "", env, "user", "disable", "--username", "ingen"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
				t.Fatalf("disable unknown user: %+v", r)
			}
			r = run(t, "", env, "token", "create", "--user", "forsker", "--name", "analysis")
			if r.code != 0 || !strings.HasPrefix(r.stdout, "holf_") {
				t.Fatalf("token create: %+v", r)
			}
			db, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if a, err := db.TokenActor(context.Background(), auth.HashSecret(strings.TrimSpace(r.stdout))); err != nil || a.Username != "forsker" {
				t.Fatalf("printed token does not authenticate: %v", err)
			}
			if r := run(t, "", env, "token", "list"); r.code != 0 || !strings.Contains(r.stdout, "analysis") {
				t.Fatalf("token list: %+v", r)
			}
			if r := run(t, "", env, "token", "revoke", "--id", "1"); r.code != 0 {
				t.Fatalf("token revoke: %+v", r)
			}
			r = run(t, "", env, "audit", "list", "--person", "cli:ops", "--json")
			var entries []map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil || len(entries) < 5 {
				t.Fatalf("audit list: %v %+v", err, r)
			}
			if r := run(t, "", env, "audit", "list", "--record", "person:abc"); r.code != 1 {
				t.Fatalf("bad record filter: %+v", r)
			}
			if r := run(t, "", env, "audit", "verify"); r.code != 0 || !strings.Contains(r.stdout, "intact") {
				t.Fatalf("audit verify: %+v", r)
			}
			// Alter a past entry directly in the database.
			raw := testdb.Raw(t, dsn)
			guards := []string{`DROP TRIGGER audit_log_no_update`}
			if d == store.Postgres {
				guards = []string{`DROP TRIGGER audit_log_no_change ON audit_log`}
			}
			for _, g := range append(guards, `UPDATE audit_log SET actor = 'someone-else' WHERE seq = 40`) {
				if _, err := raw.Exec(g); err != nil {
					t.Fatal(err)
				}
			}
			r = run(t, "", env, "audit", "verify")
			if r.code == 0 || !strings.Contains(r.stderr, "entry 40") {
				t.Fatalf("audit verify after tampering: %+v, want non-zero naming entry 40", r)
			}
		})
	}
}

func TestStatsCommands(t *testing.T) {
	r := run(t, "", nil, "stats", "robust", "--data", "../stats/testdata/robust_trial.csv", "--formula", "y ~ time*arm", "--cluster", "office", "--json")
	var out RobustJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("robust --json: %v %+v", err, r)
	}
	if len(out.Fixed) != 4 || out.Fixed[3].Term != "time:armintervention" || out.Groups["office"] != 24 || out.N == 0 || out.Fixed[3].DF <= 0 {
		t.Fatalf("robust output %+v", out)
	}
	r = run(t, "", nil, "stats", "robust", "--data", "../stats/testdata/robust_trial.csv", "--formula", "y ~ time*arm", "--cluster", "office", "--wald", "arm,time:arm", "--json")
	out = RobustJSON{}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 || out.Wald == nil || out.Wald.DFNum != 2 || out.Wald.Test != "HTZ" {
		t.Fatalf("robust --wald: %v %+v", err, r)
	}
	if r := run(t, "", nil, "stats", "robust", "--data", "../stats/testdata/robust_trial.csv", "--formula", "y ~ time*nosuch", "--cluster", "office"); r.code == 0 || !strings.Contains(r.stderr, `"nosuch"`) {
		t.Fatalf("unknown column: %+v", r)
	}
	if r := run(t, "", nil, "stats", "robust", "--data", "../stats/testdata/robust_trial.csv", "--formula", "y ~ time", "--cluster", "office", "--type", "CR9"); r.code == 0 || !strings.Contains(r.stderr, "CR9") {
		t.Fatalf("unknown type: %+v", r)
	}
	r = run(t, "", nil, "stats", "alpha", "--data", "../stats/testdata/alpha_complete.csv", "--items", "q1,q2,q3,q4,q5,q6", "--json")
	var a map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &a); err != nil || r.code != 0 || a["total"] == nil {
		t.Fatalf("alpha --json: %v %+v", err, r)
	}
}

// Degenerate results are said out loud: undefined numbers are null in JSON,
// a z-test has no df column, a negative effect is refused, and bad data
// names the file, column and row.
func TestStatsSayDegenerateResults(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	two := write("two.csv", "a,b\n1,2\n2,2\n3,4\n4,3\n5,5\n")
	r := run(t, "", nil, "stats", "alpha", "--data", two, "--items", "a,b", "--json")
	var a struct {
		Total  map[string]*float64 `json:"total"`
		ByItem []struct {
			Dropped map[string]*float64 `json:"alpha_if_dropped"`
		} `json:"by_item"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &a); err != nil || r.code != 0 {
		t.Fatalf("two-item alpha --json: %v %+v", err, r)
	}
	if a.Total["raw_alpha"] == nil || len(a.ByItem) != 2 || a.ByItem[0].Dropped["raw_alpha"] != nil {
		t.Fatalf("two-item alpha: total %v, dropped %+v; want a total and null alpha if dropped", a.Total, a.ByItem)
	}
	if _, ok := a.ByItem[0].Dropped["raw_alpha"]; !ok {
		t.Fatal("alpha if dropped: raw_alpha is absent, want null")
	}
	if r := run(t, "", nil, "stats", "alpha", "--data", two, "--items", "a,b"); r.code != 0 || !strings.Contains(r.stdout, "undefined") {
		t.Fatalf("two-item alpha text: %+v", r)
	}

	r = run(t, "", nil, "stats", "glmm", "--data", "../stats/testdata/glmm_trial.csv", "--formula", "work ~ time*arm + (1|office)")
	if header, _, _ := strings.Cut(r.stdout[strings.Index(r.stdout, "term"):], "\n"); r.code != 0 || strings.Contains(header, "df") || !strings.Contains(header, " z ") {
		t.Fatalf("glmm table header %q (%+v), want z and no df", header, r)
	}
	r = run(t, "", nil, "stats", "glmm", "--data", "../stats/testdata/glmm_trial.csv", "--formula", "work ~ time*arm + (1|office)", "--json")
	if r.code != 0 || strings.Contains(r.stdout, `"df"`) {
		t.Fatalf("glmm --json carries df for z-tests: %+v", r)
	}

	for _, effect := range []string{"-0.2", "0"} {
		if r := run(t, "", nil, "stats", "power", "--clusters", "20", "--icc", "0.05", "--effect", effect); r.code == 0 || !strings.Contains(r.stderr, "--effect must be a positive") {
			t.Fatalf("power --effect %s: %+v", effect, r)
		}
	}

	bad := write("bad.csv", "y,x,office\n1,2,a\n2,\"2,5\",b\n3,1,a\n4,5,b\n")
	if r := run(t, "", nil, "stats", "robust", "--data", bad, "--formula", "y ~ x", "--cluster", "office"); r.code == 0 ||
		!strings.Contains(r.stderr, "bad.csv") || !strings.Contains(r.stderr, `"x"`) || !strings.Contains(r.stderr, "row 2") || !strings.Contains(r.stderr, "--decimal ,") {
		t.Fatalf("decimal comma: %+v", r)
	}
	semi := write("semi.csv", "y;x;office\n1,5;2;a\n2;2,5;b\n3,25;1;a\n4;5;b\n5;4;c\n6,5;3;c\n")
	if r := run(t, "", nil, "stats", "robust", "--data", semi, "--decimal", ",", "--formula", "y ~ x", "--cluster", "office", "--type", "CR0", "--json"); r.code != 0 {
		t.Fatalf("--decimal ,: %+v", r)
	}
	if r := run(t, "", nil, "stats", "robust", "--data", semi, "--decimal", ";", "--formula", "y ~ x", "--cluster", "office"); r.code == 0 || !strings.Contains(r.stderr, "--decimal") {
		t.Fatalf("--decimal ;: %+v", r)
	}
	flat := write("flat.csv", "y,x,office\n3,1,a\n3,2,a\n3,1,b\n3,2,b\n3,1,c\n")
	if r := run(t, "", nil, "stats", "robust", "--data", flat, "--formula", "y ~ x", "--cluster", "office"); r.code == 0 || !strings.Contains(r.stderr, "nothing to estimate") {
		t.Fatalf("constant outcome: %+v", r)
	}
	if r := run(t, "", nil, "stats", "lmm", "--data", flat, "--formula", "scale(y) ~ x + (1 | office)"); r.code == 0 || !strings.Contains(r.stderr, "scale() is not supported") {
		t.Fatalf("scale(): %+v", r)
	}
}

func TestInstrumentsCommands(t *testing.T) {
	r := run(t, "", nil, "instruments", "list", "--json")
	var list []InstrumentJSON
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || r.code != 0 || len(list) < 6 {
		t.Fatalf("instruments list: %v %+v", err, r)
	}
	for _, in := range list {
		if in.ID == "" || in.Name == "" || len(in.Items) == 0 || len(in.Scales) == 0 || in.Items[0].Text == "" || in.Items[0].ID == "" {
			t.Errorf("instrument %+v lacks id, name, items or scales", in.ID)
		}
	}
	r = run(t, "", nil, "instruments", "score", "--instrument", "hscl10", "--json",
		"--answers", "hscl10_1=1,hscl10_2=1,hscl10_3=2,hscl10_4=2,hscl10_5=2,hscl10_6=2,hscl10_7=3,hscl10_8=2,hscl10_9=2,hscl10_10=2")
	var out struct {
		Scores []struct {
			ID      string   `json:"id"`
			Value   *float64 `json:"value"`
			Cutoffs []struct {
				ID  string `json:"id"`
				Met bool   `json:"met"`
			} `json:"cutoffs"`
		} `json:"scores"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("score: %v %+v", err, r)
	}
	if s := out.Scores[0]; s.Value == nil || *s.Value != 1.9 || !s.Cutoffs[0].Met || s.Cutoffs[0].ID != "mental_distress" {
		t.Fatalf("HSCL-10 score %+v", out.Scores)
	}
	if r := run(t, "", nil, "instruments", "score", "--instrument", "hscl10", "--answers", "hscl10_1=7"); r.code == 0 || !strings.Contains(r.stderr, "hscl10_1") {
		t.Fatalf("out-of-range value: %+v", r)
	}
	if r := run(t, "", nil, "instruments", "score", "--instrument", "nope", "--answers", "a=1"); r.code == 0 {
		t.Fatalf("unknown instrument: %+v", r)
	}
}

func TestStatsLMM(t *testing.T) {
	r := run(t, "", nil, "stats", "lmm", "--data", "../stats/testdata/lmm_sleepstudy.csv", "--formula", "Reaction ~ Days + (1 | Subject)", "--json")
	var out LMMJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("lmm --json: %v %+v", err, r)
	}
	if len(out.Fixed) != 2 || out.Fixed[1].Term != "Days" || out.Groups["Subject"] != 18 || !out.Converged || out.REML == nil || len(out.Random) != 2 || out.Fixed[1].DF < 100 || out.Fixed[1].P <= 0 {
		t.Fatalf("lmm output %+v", out)
	}
	// lme4: fixef(lmer(Reaction ~ Days + (1|Subject), sleepstudy))["Days"] = 10.4673
	if d := out.Fixed[1].Estimate - 10.467285714285715; d > 1e-6 || d < -1e-6 {
		t.Fatalf("Days = %v", out.Fixed[1].Estimate)
	}
	if r := run(t, "", nil, "stats", "lmm", "--data", "../stats/testdata/lmm_sleepstudy.csv", "--formula", "Reaction ~ Days"); r.code == 0 || !strings.Contains(r.stderr, "no random term") {
		t.Fatalf("no random term: %+v", r)
	}
	r = run(t, "", nil, "stats", "lmm", "--data", "../stats/testdata/lmm_sleepstudy.csv", "--formula", "Reaction ~ Days + (1 | Subject)", "--ddf", "kenward-roger", "--json")
	var kr LMMJSON
	if err := json.Unmarshal([]byte(r.stdout), &kr); err != nil || r.code != 0 || !strings.Contains(kr.Method, "Kenward-Roger") || kr.Fixed[1].DF <= 0 {
		t.Fatalf("kenward-roger: %v %+v", err, r)
	}
	if r := run(t, "", nil, "stats", "lmm", "--data", "../stats/testdata/lmm_sleepstudy.csv", "--formula", "Reaction ~ Days + (1 | Subject)", "--ddf", "kenward-roger", "--ml"); r.code == 0 || !strings.Contains(r.stderr, "REML") {
		t.Fatalf("kenward-roger with ML: %+v", r)
	}
}

func TestStatsPermuteAndPower(t *testing.T) {
	r := run(t, "", nil, "stats", "permute", "--data", "../stats/testdata/robust_trial.csv", "--formula", "y ~ time*arm", "--cluster", "office",
		"--assign", "arm", "--term", "time:arm", "--n", "200", "--seed", "3", "--json")
	var res map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("permute: %v %+v", err, r)
	}
	if res["term"] != "time:armintervention" || res["exact"] != false || res["p"].(float64) <= 0 || res["mc_error"].(float64) <= 0 {
		t.Fatalf("permute output %v", res)
	}
	r = run(t, "", nil, "stats", "smd", "--data", "../stats/testdata/robust_trial.csv", "--outcome", "y", "--assign", "arm", "--treated", "intervention", "--cluster", "office", "--json")
	var smd map[string]float64
	if err := json.Unmarshal([]byte(r.stdout), &smd); err != nil || r.code != 0 || smd["icc"] <= 0 || smd["d_t_adj"] <= 0 || smd["ci_lower"] >= smd["ci_upper"] {
		t.Fatalf("smd: %v %+v", err, r)
	}
	r = run(t, "", nil, "stats", "glmm", "--data", "../stats/testdata/glmm_trial.csv", "--formula", "work ~ time*arm + (1|office)", "--nagq", "7", "--json")
	var gl map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &gl); err != nil || r.code != 0 || len(gl["odds_ratios"].([]any)) != 4 || gl["nagq"].(float64) != 7 {
		t.Fatalf("glmm: %v %+v", err, r)
	}
	if r := run(t, "", nil, "stats", "glmm", "--data", "../stats/testdata/robust_trial.csv", "--formula", "y ~ time + (1|office)"); r.code == 0 || !strings.Contains(r.stderr, "0 or 1") {
		t.Fatalf("non-binary outcome: %+v", r)
	}
	r = run(t, "", nil, "stats", "power", "--clusters", "30", "--icc", "0.04", "--effect", "0.3", "--json")
	var pw PowerJSON
	if err := json.Unmarshal([]byte(r.stdout), &pw); err != nil || r.code != 0 || pw.SizeNeeded != 24 || pw.Distribution != "noncentral t" {
		t.Fatalf("power: %v %+v %+v", err, r, pw)
	}
	r = run(t, "", nil, "stats", "power", "--clusters", "30", "--icc", "0.04", "--effect", "0.3", "--normal", "--json")
	pw = PowerJSON{}
	if err := json.Unmarshal([]byte(r.stdout), &pw); err != nil || r.code != 0 || pw.SizeNeeded != 21 || pw.Distribution != "normal" {
		t.Fatalf("power --normal: %v %+v %+v", err, r, pw)
	}
}

// checkSurveyExport exports the demo's T1 parents, has R read it with the
// generated script and recompute every score, and re-scores after a new
// version of an instrument's definition.
func checkSurveyExport(t *testing.T, env map[string]string, dsn string) {
	t.Helper()
	out := t.TempDir()
	r := run(t, "", env, "export", "survey", "--wave", "T1", "--group", "parents", "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "holf_t1_parents.csv") {
		t.Fatalf("export survey: %+v", r)
	}
	// The default export is k-anonymous over the quasi-identifiers, and
	// says what it generalised.
	m := regexp.MustCompile(`k-anonymity over office, member_birth_year, birth_year, gender, children: (\d+)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("the export reports no k: %s", r.stdout)
	}
	if k, _ := strconv.Atoi(m[1]); k < 5 {
		t.Fatalf("the default export is %d-anonymous, want at least 5", k)
	}
	if note, err := os.ReadFile(filepath.Join(out, "disclosure.txt")); err != nil || !strings.Contains(string(note), "5-year bands") {
		t.Fatalf("disclosure note: %v %s", err, note)
	}
	exact := t.TempDir()
	if r := run(t, "", env, "export", "survey", "--wave", "T1", "--group", "parents", "--out", exact, "--exact"); r.code != 1 || !strings.Contains(r.stderr, "reason") {
		t.Fatalf("exact export without a reason: %+v", r)
	}
	r = run(t, "", env, "export", "survey", "--wave", "T1", "--group", "parents", "--out", exact, "--exact", "--reason", "matching with register data on exact birth year")
	if r.code != 0 || !strings.Contains(r.stdout, "k-anonymity") {
		t.Fatalf("exact export: %+v", r)
	}
	if r := run(t, "", env, "audit", "list", "--person", "cli:ops", "--json"); !strings.Contains(r.stdout, "survey.export_exact") || !strings.Contains(r.stdout, "matching with register data") {
		t.Fatal("the exact export's reason is not on the audit log")
	}
	data, err := os.ReadFile(filepath.Join(out, "holf_t1_parents.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Pseudonymised: no demo family's name appears, only study codes.
	if strings.Contains(string(data), "Familien") || !regexp.MustCompile(`\nP[2-9A-Z]{6},F[2-9A-Z]{6},`).Match(data) {
		t.Fatalf("export rows: %.300s", data)
	}
	if r := run(t, "", env, "export", "survey", "--wave", "T9", "--group", "parents", "--out", out); r.code == 0 {
		t.Fatal("an unknown wave exported")
	}
	rscript, err := exec.LookPath("Rscript")
	switch {
	case err != nil && testdb.Required("r"):
		t.Fatal("Rscript is required (HOLF_TEST_REQUIRE=r) but not found")
	case err != nil:
		t.Log("Rscript not found: the export is not checked in R")
	default:
		cmd := exec.Command(rscript, "../survey/testdata/check_export.R", out, "holf_t1_parents") // #nosec G204 -- test tool
		b, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(b), "R reproduced 36 scores and 1 cut-offs") {
			t.Fatalf("R check: %v\n%s", err, b)
		}
	}
	// A new version of HSCL-10's definition: re-scoring adds its scores
	// beside the old ones; an export under the old library is refused.
	ctx := context.Background()
	key, err := audit.LoadKey(env["HOLF_AUDIT_KEY"]) // the operator's key, as the command line uses it
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, dsn, store.Options{AuditKey: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lib, _ := survey.Load()
	h, _ := lib.Instrument("hscl10")
	h.Version = 2
	a, err := app.New(app.Config{DB: db, Hasher: cheap, Surveys: lib})
	if err != nil {
		t.Fatal(err)
	}
	n, err := a.Surveys.Rescore(ctx, app.System("ops"), "holf")
	if err != nil || n < 700 {
		t.Fatalf("rescore: %d, %v", n, err)
	}
	if n, _ := a.Surveys.Rescore(ctx, app.System("ops"), "holf"); n != 0 {
		t.Fatalf("a second rescore did %d", n)
	}
	if r := run(t, "", env, "export", "survey", "--wave", "T1", "--group", "parents", "--out", out); r.code == 0 || !strings.Contains(r.stderr, "rescore") {
		t.Fatalf("export with scores newer than the library: %+v", r)
	}
}

// checkFidelity runs holf fidelity on the demo: every office, month and
// indicator with its numerator and denominator, null where there is no
// data, and the export with its codebook.
func checkFidelity(t *testing.T, env map[string]string, dir string) {
	t.Helper()
	r := run(t, "", env, "fidelity", "--json")
	var out struct {
		From, To string
		Figures  []struct {
			Office      int64
			OfficeName  string   `json:"office_name"`
			Indicator   string   `json:"indicator"`
			Month       string   `json:"month"`
			Numerator   float64  `json:"numerator"`
			Denominator float64  `json:"denominator"`
			Value       *float64 `json:"value"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("fidelity --json: %v %+v", err, r.stderr)
	}
	nulls, grorud := 0, 0
	for _, f := range out.Figures {
		if f.Value == nil {
			nulls++
			if f.Denominator != 0 {
				t.Errorf("null value with a denominator: %+v", f)
			}
		} else if *f.Value != f.Numerator/f.Denominator {
			t.Errorf("value is not numerator/denominator: %+v", f)
		}
		if f.OfficeName == "NAV Grorud" && f.Indicator == "reflection_on_time" && f.Value != nil {
			grorud++
		}
	}
	if nulls == 0 || grorud < 6 || len(out.Figures) < 29*21*6 {
		t.Errorf("fidelity figures: %d, %d without data, %d months of Grorud's reflections", len(out.Figures), nulls, grorud)
	}
	exp := filepath.Join(dir, "fidelity")
	if r := run(t, "", env, "fidelity", "--export", exp, "--from", "2026-01-15", "--to", "2026-06"); r.code != 0 || !strings.Contains(r.stdout, "2026-01 to 2026-06") {
		t.Fatalf("fidelity --export: %+v", r)
	}
	for name, head := range map[string]string{"fidelity.csv": "office,arm,month,indicator,version,model_only,numerator,denominator,value\n",
		"codebook.csv": "indicator,version,category,unit,better,target,warn,model_only,level,title_en,definition_en,title_nb,definition_nb\n",
		"families.csv": "family,office,arm,month,meetings_held,contacts\n"} {
		b, err := os.ReadFile(filepath.Join(exp, name))
		if err != nil || !strings.HasPrefix(string(b), head) || strings.Contains(string(b), "Familien") || strings.Count(string(b), "\n") < 20 {
			t.Errorf("%s: %v %.200s", name, err, b)
		}
	}
	if r := run(t, "", env, "fidelity", "--json", "--from", "2026-06", "--to", "2026-01"); r.code != 1 || !strings.Contains(r.stderr, "to: The period cannot end before it starts.") {
		t.Errorf("period ending before it starts: %+v", r)
	}
	if r := run(t, "", env, "fidelity", "--json", "--export", exp); r.code != 2 {
		t.Errorf("--json with --export: %+v", r)
	}
}

// checkTrial reads the demo's randomisation and dry-runs another through the
// command line's contract; a second randomisation is refused.
func checkTrial(t *testing.T, env map[string]string) {
	t.Helper()
	r := run(t, "", env, "trial", "show", "--json")
	var show struct {
		Registration  string `json:"registration"`
		RecruitFrom   string `json:"recruit_from"`
		Randomisation struct {
			Status     string    `json:"status"`
			PreparedAt time.Time `json:"prepared_at"`
			DrawnAt    time.Time `json:"drawn_at"`
			Result     struct {
				Allocation []struct {
					Intervention bool `json:"intervention"`
				} `json:"allocation"`
				Seed uint64 `json:"seed"`
			} `json:"result"`
		} `json:"randomisation"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil || r.code != 0 {
		t.Fatalf("trial show: %v %+v", err, r)
	}
	n := 0
	for _, a := range show.Randomisation.Result.Allocation {
		if a.Intervention {
			n++
		}
	}
	if show.Registration != "NCT03102775" || show.Randomisation.Status != "drawn" || n != 15 || len(show.Randomisation.Result.Allocation) != 29 {
		t.Fatalf("trial show: %+v", show)
	}
	// The demo's trial keeps the trial's timeline: prepared, then drawn,
	// then recruitment begins.
	if from, err := time.Parse(time.DateOnly, show.RecruitFrom); err != nil || !show.Randomisation.PreparedAt.Before(show.Randomisation.DrawnAt) ||
		!show.Randomisation.DrawnAt.Before(from) {
		t.Fatalf("the demo's timeline: prepared %v, drawn %v, recruitment from %q", show.Randomisation.PreparedAt, show.Randomisation.DrawnAt, show.RecruitFrom)
	}
	dry := func() result {
		return run(t, "", env, "trial", "randomise", "--method", "constrained", "--covariates", "eligible_families,region", "--seed", "11", "--dry-run", "--json")
	}
	r = dry()
	var out struct {
		DryRun bool `json:"dry_run"`
		Result struct {
			Allocation []struct {
				Office       int64 `json:"office"`
				Intervention bool  `json:"intervention"`
			} `json:"allocation"`
			Score       float64 `json:"score"`
			CutoffScore float64 `json:"cutoff_score"`
			Accepted    int     `json:"accepted"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("trial randomise --dry-run: %v %+v", err, r)
	}
	if !out.DryRun || len(out.Result.Allocation) != 29 || out.Result.Score > out.Result.CutoffScore || out.Result.Accepted < 4000 {
		t.Fatalf("dry run: %+v", out)
	}
	if again := dry(); again.stdout != r.stdout {
		t.Fatal("the same dry run gave another allocation")
	}
	if r := run(t, "", env, "trial", "randomise", "--method", "simple", "--as", "forsker"); r.code == 0 || !strings.Contains(r.stderr, "randomised already") {
		t.Fatalf("a second randomisation: %+v", r)
	}
	if r := run(t, "", env, "trial", "randomise", "--method", "constrained", "--covariates", "nosuch", "--seed", "1", "--dry-run"); r.code == 0 || !strings.Contains(r.stderr, "nosuch") {
		t.Fatalf("an unknown covariate: %+v", r)
	}
	// A target list: a bad row names its line and imports nothing; a good
	// file is added to the office's draw order.
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "bad.csv"), filepath.Join(dir, "good.csv")
	if err := os.WriteFile(bad, []byte("reference,name,children,criterion\nX-1,Anne Ny,7,assistance\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte("reference,name,children,criterion,register_declined\nX-1,Anne Ny,2,assistance,no\nX-2,Bo Ny,1,aap,yes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run(t, "", env, "trial", "targets", "--office", "NAV Alna", "--file", bad); r.code == 0 || !strings.Contains(r.stderr, "line.2.children") {
		t.Fatalf("a bad target list: %+v", r)
	}
	if r := run(t, "", env, "trial", "targets", "--office", "NAV Alna", "--file", good); r.code != 0 || !strings.Contains(r.stdout, "1 families added") || !strings.Contains(r.stdout, "1 excluded") {
		t.Fatalf("a target list: %+v", r)
	}
}

// checkTrialResults runs the effect table's contract on the demo and has R
// refit every model from the exported data.
func checkTrialResults(t *testing.T, env map[string]string, dir string) {
	t.Helper()
	out := filepath.Join(dir, "results")
	r := run(t, "", env, "trial", "results", "--json", "--export", out, "--permutations", "500")
	var res struct {
		Snapshot string `json:"snapshot"`
		Outcomes []struct {
			Group, Outcome, Term, Formula, Data string
			Estimate, SE, DF, P                 float64
			PCR2                                float64 `json:"p_cr2"`
			PRandomisation                      float64 `json:"p_randomisation"`
			PHolm                               float64 `json:"p_holm"`
		} `json:"outcomes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("trial results: %v %+v", err, r.stderr)
	}
	groups := map[string]int{}
	for _, o := range res.Outcomes {
		groups[o.Group]++
		if o.Term != "time:arm" || !strings.Contains(o.Formula, "(1 | office:time)") || o.Data == "" || o.P <= 0 || o.P > 1 || o.PHolm < o.P || o.PRandomisation <= 0 {
			t.Errorf("effect: %+v", o)
		}
		if _, err := os.Stat(filepath.Join(out, o.Data)); err != nil {
			t.Errorf("%s: %v", o.Data, err)
		}
	}
	if groups["coordinators"] < 8 || groups["parents"] < 3 || len(res.Snapshot) != 64 {
		t.Fatalf("outcomes per group: %v", groups)
	}
	data, err := os.ReadFile(filepath.Join(out, res.Outcomes[0].Data)) // #nosec G304 -- the test's own export
	if err != nil || strings.Contains(string(data), "Familien") || !strings.HasPrefix(string(data), "person,family,office,arm,group,time,y\n") {
		t.Fatalf("analysis data: %v %.200s", err, data)
	}
	rscript, err := exec.LookPath("Rscript")
	switch {
	case err != nil && testdb.Required("r"):
		t.Fatal("Rscript is required (HOLF_TEST_REQUIRE=r) but not found")
	case err != nil:
		t.Log("Rscript not found: the effect table is not checked in R")
	default:
		b, err := exec.Command(rscript, "../trial/testdata/check_results.R", out).CombinedOutput() // #nosec G204 -- test tool
		if err != nil || !strings.Contains(string(b), fmt.Sprintf("R reproduced %d effects", len(res.Outcomes))) {
			t.Fatalf("R check: %v\n%s", err, b)
		}
		if i := strings.Index(string(b), "largest gaps"); i >= 0 {
			t.Log("R check, " + strings.SplitN(string(b[i:]), "\n", 2)[0])
		}
		// The script the export ships for its readers runs as it says, and
		// its figures are HOLF's.
		cmd := exec.Command(rscript, "reproduce.R") // #nosec G204 -- test tool
		cmd.Dir = out
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("reproduce.R: %v\n%s", err, b)
		}
		rows, err := readCSVFile(filepath.Join(out, "reproduced.csv"))
		if err != nil || len(rows) != len(res.Outcomes)+1 {
			t.Fatalf("reproduced.csv: %v, %d rows", err, len(rows))
		}
		at := map[string]int{}
		for i, h := range rows[0] {
			at[h] = i
		}
		// The tolerances of check_results.R, which says why.
		num := func(row []string, col string) float64 { v, _ := strconv.ParseFloat(row[at[col]], 64); return v }
		for _, row := range rows[1:] {
			se := num(row, "se")
			for _, c := range []struct {
				col      string
				rel, abs float64
			}{{"estimate", 1e-6, 1e-5 * se}, {"se", 1e-5, 0}, {"p", 0, 1e-3}, {"p_cr2", 1e-6, 1e-9}} {
				r, h := num(row, c.col), num(row, "holf_"+c.col)
				if math.IsNaN(r) || math.Abs(r-h) > math.Max(c.abs, c.rel*math.Abs(r)) {
					t.Errorf("reproduce.R, %s %s: R %v, HOLF %v", row[at["outcome"]], c.col, r, h)
				}
			}
		}
	}
}

func readCSVFile(name string) ([][]string, error) {
	f, err := os.Open(name) // #nosec G304 -- the test's own export
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return csv.NewReader(f).ReadAll()
}

// TestStatsPool pools mice's analyses of nhanes2 from their CSV of
// estimates, and HOLF's own analyses of two data sets from their --json.
func TestStatsPool(t *testing.T) {
	r := run(t, "", nil, "stats", "pool", "--data", "../stats/testdata/pool_inputs.csv", "--dfcom", "21", "--json")
	if r.code != 0 {
		t.Fatalf("pool: %+v", r)
	}
	var out PoolJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	// mice: summary(pool(with(imp, lm(chl ~ age + bmi))))["bmi", ] (testdata/pool_ref.csv).
	if len(out.Pooled) != 4 || out.DFCom == nil || *out.DFCom != 21 || math.Abs(out.Pooled[3].DF-10.779291845684703) > 1e-9 || math.Abs(out.Pooled[3].SE-2.0858825332038045) > 1e-12 {
		t.Fatalf("pooled: %+v", out)
	}
	dir := t.TempDir()
	var fits []string
	for k, data := range []string{"robust_trial", "robust_covariates"} {
		r := run(t, "", nil, "stats", "robust", "--data", "../stats/testdata/"+data+".csv", "--formula", "y ~ time*arm", "--cluster", "office", "--json")
		if r.code != 0 {
			t.Fatalf("robust: %+v", r)
		}
		path := filepath.Join(dir, fmt.Sprintf("fit%d.json", k))
		if err := os.WriteFile(path, []byte(r.stdout), 0o600); err != nil {
			t.Fatal(err)
		}
		fits = append(fits, path)
	}
	r = run(t, "", nil, append([]string{"stats", "pool"}, fits...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "Rubin's rules over 2 imputations") || !strings.Contains(r.stdout, "large sample") || !strings.Contains(r.stdout, "time:armintervention") {
		t.Fatalf("pool of JSON fits: %+v", r)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{fits[0]}, "at least two"},
		{[]string{"--dfcom", "0", fits[0], fits[1]}, "--dfcom must be a positive number"},
		{[]string{"--data", "../stats/testdata/pool_inputs.csv", fits[0]}, "not both"},
		{[]string{"--data", "../stats/testdata/robust_trial.csv"}, `no column "imputation"`},
		{[]string{"../stats/testdata/robust_trial.csv", fits[0]}, "not the JSON output"},
		{nil, "give the analyses"},
	} {
		if r := run(t, "", nil, append([]string{"stats", "pool"}, c.args...)...); r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("pool %v: %+v, want %q", c.args, r, c.want)
		}
	}
}

func TestStatsLRT(t *testing.T) {
	r := run(t, "", nil, "stats", "lrt", "--data", "../stats/testdata/glmm_trial.csv", "--family", "binomial",
		"--formula", "work ~ time * arm + (1 | office)", "--formula", "work ~ time + arm + (1 | office)", "--json")
	if r.code != 0 {
		t.Fatalf("lrt: %+v", r)
	}
	var out LRTJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	// anova(glmer(work ~ time + arm + …), glmer(work ~ time * arm + …)) (testdata/lrt_ref.csv).
	if len(out.Models) != 2 || out.Models[0].NPar != 4 || out.Models[1].Chisq == nil || math.Abs(*out.Models[1].Chisq-4.7006790324388703) > 1e-4 || out.Models[1].DF != 1 {
		t.Fatalf("lrt: %+v", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--formula", "y ~ time + (1 | office)"}, "two or more --formula"},
		{[]string{"--family", "gamma", "--formula", "y ~ time + (1 | office)", "--formula", "y ~ time * arm + (1 | office)"}, "--family must be"},
		{[]string{"--formula", "y ~ time + (1 | office)", "--formula", "y ~ arm + (1 | office)"}, "not nested"},
	} {
		args := append([]string{"stats", "lrt", "--data", "../stats/testdata/lmm_trial.csv"}, c.args...)
		if r := run(t, "", nil, args...); r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("lrt %v: %+v, want %q", c.args, r, c.want)
		}
	}
}

func TestStatsContrasts(t *testing.T) {
	r := run(t, "", nil, "stats", "lmm", "--data", "../stats/testdata/lmm_trial.csv", "--formula", "y ~ time * arm + (1 | office) + (1 | person)",
		"--ddf", "kenward-roger", "--contrast", "arm at T2 = armintervention + time:armintervention", "--json")
	if r.code != 0 {
		t.Fatalf("lmm --contrast: %+v", r)
	}
	var out LMMJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	// lmerTest's contest(fit, c(0, 0, 1, 1), ddf = "Kenward-Roger") (testdata/contrast_ref.csv).
	if len(out.Contrasts) != 1 || out.Contrasts[0].Term != "arm at T2" || math.Abs(out.Contrasts[0].DF-25.194053238893499) > 1e-3 {
		t.Fatalf("contrasts: %+v", out.Contrasts)
	}
	// lmer(…, weights = w) (testdata/lmm_weighted_reml_ref.csv).
	r = run(t, "", nil, "stats", "lmm", "--data", "../stats/testdata/lmm_trial.csv", "--formula", "y ~ time * arm + (1 | office) + (1 | person)", "--weights", "w", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &out); r.code != 0 || err != nil || len(out.Fixed) != 4 || math.Abs(out.Fixed[3].Estimate-0.52959754022790451) > 1e-6 {
		t.Fatalf("lmm --weights: %+v %v", r, err)
	}
	if r := run(t, "", nil, "stats", "lmm", "--data", "../stats/testdata/lmm_trial.csv", "--formula", "y ~ time + (1 | office)", "--weights", "time"); r.code == 0 || !strings.Contains(r.stderr, "weights must be positive") {
		t.Fatalf("a zero weight: %+v", r)
	}
	r = run(t, "", nil, "stats", "robust", "--data", "../stats/testdata/robust_trial.csv", "--formula", "y ~ time*arm", "--cluster", "office",
		"--contrast", "arm at T2 = armintervention + time:arm")
	if r.code != 2 || !strings.Contains(r.stderr, `"time:arm" is not a coefficient`) || !strings.Contains(r.stderr, "time:armintervention") {
		t.Fatalf("a contrast of an unknown coefficient: %+v", r)
	}
	// Wald_test(constrain_equal(...), test = "HTZ") (testdata/robust_covariates_wald_ref.csv, equal3).
	r = run(t, "", nil, "stats", "robust", "--data", "../stats/testdata/robust_covariates.csv", "--formula", "y ~ x + region + time*arm", "--cluster", "office",
		"--wald-equal", "time,arm,time:arm", "--json")
	var rob RobustJSON
	if err := json.Unmarshal([]byte(r.stdout), &rob); r.code != 0 || err != nil || rob.Wald == nil || math.Abs(rob.Wald.F-0.78242164281795479) > 1e-8 || rob.Wald.DFNum != 2 {
		t.Fatalf("--wald-equal: %+v %v", r, err)
	}
}

func TestStatsPoisson(t *testing.T) {
	r := run(t, "", nil, "stats", "glmm", "--family", "poisson", "--data", "../stats/testdata/glmm_contacts.csv",
		"--formula", "contacts ~ time * arm + offset(log(months)) + (1 | office)")
	// glmer(contacts ~ time * arm + offset(log(months)) + (1 | office), family = poisson) (testdata/glmm_contacts_ref.csv).
	if r.code != 0 || !strings.Contains(r.stdout, "Poisson mixed model") || !strings.Contains(r.stdout, "rate ratio") || !strings.Contains(r.stdout, "0.418") {
		t.Fatalf("poisson: %+v", r)
	}
	if r := run(t, "", nil, "stats", "glmm", "--family", "poisson", "--data", "../stats/testdata/lmm_trial.csv", "--formula", "y ~ time + (1 | office)"); r.code == 0 || !strings.Contains(r.stderr, "must be a count") {
		t.Fatalf("a Poisson model of a continuous outcome: %+v", r)
	}
}

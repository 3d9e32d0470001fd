package web

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/i18n"
	"github.com/holf-project/holf/internal/survey"
)

// goKey finds the catalog keys Go code passes as literals: field errors
// (v.Add(field, "err.x")), error keys (Key: "err.x") and translations
// (s.t(rq, "x.y"), p.T("x.y"), .N(lang, "x.y", n)).
var goKey = regexp.MustCompile(`(?:\.Add\([^,()]+, |Key: +|\.t\(rq, |\.T\(|\.N\([^,()]+, )"([a-z_]+(?:\.[a-z0-9_]+)+)"`)

// TestKeysBuiltInGoExist checks the keys that Go code uses, as
// TestCatalogsHaveTheSameKeys checks the templates': the literal ones in
// every package that produces text for people, and the ones built from an
// enum's values, for every value.
func TestKeysBuiltInGoExist(t *testing.T) {
	c := i18n.MustLoad()
	missing := func(key string) bool { return c.T("nb", key) == key }
	var files []string
	for _, dir := range []string{"../..", "../app", ".", "../auth", "../survey", "../store"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		files = append(files, m...)
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			found++
			key := m[1]
			if strings.Contains(m[0], ".N(") {
				key += ".other"
			}
			if missing(key) {
				t.Errorf("%s: key %q missing from the catalogs", f, key)
			}
		}
	}
	if found < 100 {
		t.Fatalf("found only %d keys in Go code: the pattern no longer matches how keys are written", found)
	}
	check := func(prefix string, values ...string) {
		for _, v := range values {
			if missing(prefix + v) {
				t.Errorf("key %q missing from the catalogs", prefix+v)
			}
		}
	}
	str := func(n int, f func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	check("status.", str(len(holf.FamilyStatuses), func(i int) string { return string(holf.FamilyStatuses[i]) })...)
	check("reason.", str(len(holf.DischargeReasons), func(i int) string { return string(holf.DischargeReasons[i]) })...)
	check("role.", str(len(holf.Roles), func(i int) string { return string(holf.Roles[i]) })...)
	check("arm.", str(len(holf.Arms), func(i int) string { return string(holf.Arms[i]) })...)
	check("area.", str(len(holf.TargetAreas), func(i int) string { return string(holf.TargetAreas[i]) })...)
	check("area_help.", str(len(holf.TargetAreas), func(i int) string { return string(holf.TargetAreas[i]) })...)
	check("goal.", str(len(holf.GoalStatuses), func(i int) string { return string(holf.GoalStatuses[i]) })...)
	check("activity.", str(len(holf.ActivityStatuses), func(i int) string { return string(holf.ActivityStatuses[i]) })...)
	for _, k := range holf.ResponsibleKinds {
		if k != holf.ResponsibleCoordinator { // shown with the coordinator's name: plan.who_coordinator
			check("responsible.", string(k))
		}
	}
	check("member.", string(holf.MemberParent), string(holf.MemberChild))
	for _, k := range holf.EventKinds {
		if k != holf.EventPlan { // a plan event reads as its change: plan.change.*
			check("event.", string(k))
		}
	}
	check("change.", "name", "coordinators", "notes", "member_added", "member_changed", "member_removed")
	check("plan.change.", holf.PlanChangeKinds()...)
	check("mapping.", holf.AreaFields...)
	check("mapping.child.", holf.ChildFields...)
	check("mapping.parent.", holf.ParentFields...)
	check("survey.status.", "none", "invited", "started", "submitted")
	check("survey.group.", survey.GroupParents, survey.GroupCoordinators)
	check("month.", str(12, func(i int) string { return strconv.Itoa(i + 1) })...)
	for n := range notices {
		check("notice.", n)
	}
	// Counted keys have the categories of every language's plural rule.
	for _, lang := range c.Languages() {
		for _, key := range c.Keys(lang) {
			base, ok := strings.CutSuffix(key, ".other")
			if !ok || missing(base+".one") { // "reason.other" is a reason, not a plural
				continue
			}
			for _, n := range []int{0, 1, 2, 5, 21} {
				if k := base + "." + i18n.Plural(lang, n); c.T(lang, k) == k {
					t.Errorf("%s: %q has no %s form", lang, base, i18n.Plural(lang, n))
				}
			}
		}
	}
}

func TestPlurals(t *testing.T) {
	c := i18n.MustLoad()
	cases := []struct {
		lang string
		n    int
		want string
	}{
		{"nb", 0, "0 kontorer"}, {"nb", 1, "1 kontor"}, {"nb", 2, "2 kontorer"},
		{"en", 1, "1 office"}, {"en", 29, "29 offices"},
	}
	for _, tc := range cases {
		if got := c.N(tc.lang, "offices.caption", tc.n); got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	if got := c.N("nb", "login.throttled", 1); !strings.Contains(got, "1 minutt ") {
		t.Errorf("one minute: %q", got)
	}
}

// TestPrintCatalogsCoverTheFrame: every print catalog (the plan's frame in
// the families' languages) has every key the printed plan asks its frame
// for, and no key the full catalogs lack.
func TestPrintCatalogsCoverTheFrame(t *testing.T) {
	cat := i18n.MustLoad()
	var used []string
	for _, file := range []string{"templates/plan/plan_print.html", "plan_print.go"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`F\(?\s*"([a-z_]+(?:\.[a-z0-9_]+)+)"`).FindAllStringSubmatch(string(b), -1) {
			used = append(used, m[1])
		}
	}
	used = append(used, "lang.name", "print.date")
	for m := 1; m <= 12; m++ {
		used = append(used, "month."+strconv.Itoa(m))
	}
	if len(used) < 15 {
		t.Fatalf("found only %v", used)
	}
	frames := 0
	for _, lang := range cat.FrameLanguages() {
		keys := cat.FrameKeys(lang)
		if len(keys) == 0 {
			continue // a full catalog
		}
		frames++
		for _, k := range used {
			if !slices.Contains(keys, k) {
				t.Errorf("print catalog %s lacks %q", lang, k)
			}
		}
		for _, k := range keys {
			if !strings.HasPrefix(k, "_") && !cat.HasKey("nb", k) {
				t.Errorf("print catalog %s has %q, which the full catalogs lack", lang, k)
			}
		}
	}
	if frames < 4 || cat.Dir("ar") != "rtl" || cat.Dir("prs") != "rtl" || cat.Dir("so") != "ltr" {
		t.Fatalf("%d print catalogs; directions ar %s, prs %s, so %s", frames, cat.Dir("ar"), cat.Dir("prs"), cat.Dir("so"))
	}
}

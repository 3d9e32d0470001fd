package stats

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Term is a fixed-effect term: one variable or an interaction of several.
type Term []string

// Name is R's label for the term ("time:arm").
func (t Term) Name() string { return strings.Join(t, ":") }

// RandomTerm is a random intercept for a grouping factor, which may itself
// be an interaction ("office:time").
type RandomTerm struct {
	Group []string
}

// Name is the group's label as lme4 prints it.
func (r RandomTerm) Name() string { return strings.Join(r.Group, ":") }

// Formula is a parsed model formula: response ~ fixed terms + (1 | group)...
type Formula struct {
	Response string
	// Failures names the second column of a cbind(successes, failures)
	// response (binomial counts); empty for an ordinary response.
	Failures  string
	Intercept bool
	Terms     []Term
	Random    []RandomTerm
}

// ParseFormula reads an R formula with +, * and : between variable names,
// 0 or -1 to drop the intercept, and random intercepts (1 | g) or (1 | g:h).
// Terms are ordered as R orders them: by their number of variables, then by
// first appearance.
func ParseFormula(s string) (*Formula, error) {
	lhs, rhs, ok := strings.Cut(s, "~")
	if !ok {
		return nil, fmt.Errorf("formula %q has no ~", s)
	}
	if fn := call(s); fn != "" {
		return nil, fmt.Errorf("formula %q: the function %s() is not supported; compute the transformed variable as a column of the data and use its name", s, fn)
	}
	f := &Formula{Response: strings.TrimSpace(lhs), Intercept: true}
	if inner, ok := strings.CutPrefix(f.Response, "cbind("); ok && strings.HasSuffix(inner, ")") {
		a, b, ok := strings.Cut(strings.TrimSuffix(inner, ")"), ",")
		if !ok || !validName(strings.TrimSpace(a)) || !validName(strings.TrimSpace(b)) {
			return nil, fmt.Errorf("formula %q: write binomial counts as cbind(successes, failures) with two column names", s)
		}
		f.Response, f.Failures = strings.TrimSpace(a), strings.TrimSpace(b)
	}
	if !validName(f.Response) {
		return nil, fmt.Errorf("formula %q: the response must be one column name", s)
	}
	// Pull out the random parts first.
	for {
		i := strings.Index(rhs, "(")
		if i < 0 {
			break
		}
		j := strings.Index(rhs[i:], ")")
		if j < 0 {
			return nil, fmt.Errorf("formula %q: unbalanced parenthesis", s)
		}
		inner := rhs[i+1 : i+j]
		left, group, ok := strings.Cut(inner, "|")
		if !ok || strings.TrimSpace(left) != "1" {
			return nil, fmt.Errorf("formula %q: only random intercepts (1 | group) are supported, not (%s)", s, inner)
		}
		var g []string
		for _, p := range strings.Split(group, ":") {
			p = strings.TrimSpace(p)
			if !validName(p) {
				return nil, fmt.Errorf("formula %q: bad grouping factor %q", s, group)
			}
			g = append(g, p)
		}
		f.Random = append(f.Random, RandomTerm{Group: g})
		rhs = rhs[:i] + rhs[i+j+1:]
	}
	var terms []Term
	add := func(t Term) {
		for _, x := range terms {
			if sameTerm(x, t) {
				return
			}
		}
		terms = append(terms, t)
	}
	for _, part := range strings.Split(rhs, "+") {
		part = strings.TrimSpace(part)
		switch part {
		case "":
			continue
		case "1":
			continue
		case "0", "-1":
			f.Intercept = false
			continue
		}
		if strings.HasPrefix(part, "-") {
			return nil, fmt.Errorf("formula %q: removing terms is not supported", s)
		}
		// a*b*c expands to every sub-interaction.
		var factors [][]string
		for _, star := range strings.Split(part, "*") {
			var vars []string
			for _, v := range strings.Split(star, ":") {
				v = strings.TrimSpace(v)
				if !validName(v) {
					return nil, fmt.Errorf("formula %q: bad term %q", s, part)
				}
				vars = append(vars, v)
			}
			factors = append(factors, vars)
		}
		n := len(factors)
		for mask := 1; mask < 1<<n; mask++ {
			var t Term
			for k := 0; k < n; k++ {
				if mask&(1<<k) != 0 {
					for _, v := range factors[k] {
						if !slices.Contains(t, v) {
							t = append(t, v)
						}
					}
				}
			}
			add(t)
		}
	}
	// R keeps the variables of each term in the order the variables first
	// appear in the formula ("arm + x:arm" has the term arm:x), which fixes
	// the columns' names and order; it orders terms by degree, stably.
	rank := map[string]int{}
	for _, t := range terms {
		for _, v := range t {
			if _, ok := rank[v]; !ok {
				rank[v] = len(rank)
			}
		}
	}
	for _, t := range terms {
		slices.SortFunc(t, func(a, b string) int { return rank[a] - rank[b] })
	}
	slices.SortStableFunc(terms, func(a, b Term) int { return len(a) - len(b) })
	f.Terms = terms
	return f, nil
}

func sameTerm(a, b Term) bool {
	if len(a) != len(b) {
		return false
	}
	for _, v := range a {
		if !slices.Contains(b, v) {
			return false
		}
	}
	return true
}

// call returns the first function the formula calls, such as log in
// "log(y) ~ x" or I in "y ~ I(x^2)", or "" if it calls none. A parenthesis
// after a name is a call; one after an operator groups a random term.
func call(s string) string {
	for i := strings.IndexByte(s, '('); i >= 0; {
		name := strings.TrimRightFunc(s[:i], unicode.IsSpace)
		j := len(name)
		for j > 0 && (validName(name[j-1:]) || name[j-1] >= '0' && name[j-1] <= '9') {
			j--
		}
		if fn := name[j:]; fn != "" && validName(fn) {
			if fn != "cbind" {
				return fn
			}
		}
		k := strings.IndexByte(s[i+1:], '(')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return ""
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Variables lists every column the formula uses (response, fixed, random).
func (f *Formula) Variables() []string {
	out := []string{f.Response}
	if f.Failures != "" {
		out = append(out, f.Failures)
	}
	add := func(v string) {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	for _, t := range f.Terms {
		for _, v := range t {
			add(v)
		}
	}
	for _, r := range f.Random {
		for _, v := range r.Group {
			add(v)
		}
	}
	return out
}

package stats

import (
	"fmt"
	"slices"
	"strings"
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
	// Offsets are offset() terms by their R names ("offset(log(n))"):
	// added to the linear predictor with a fixed coefficient of one.
	Offsets []string
}

// ParseFormula reads an R formula with +, * and : between variables, 0 or
// -1 to drop the intercept, random intercepts (1 | g) or (1 | g:h), and
// the functions R users reach for (see supportedFunctions).
// Terms are ordered as R orders them: by their number of variables, then by
// first appearance.
func ParseFormula(s string) (*Formula, error) {
	lhs, rhs, ok := strings.Cut(s, "~")
	if !ok {
		return nil, fmt.Errorf("formula %q has no ~", s)
	}
	f := &Formula{Response: strings.TrimSpace(lhs), Intercept: true}
	if inner, ok := strings.CutPrefix(f.Response, "cbind("); ok && strings.HasSuffix(inner, ")") {
		a, b, ok := strings.Cut(strings.TrimSuffix(inner, ")"), ",")
		if !ok || !validName(strings.TrimSpace(a)) || !validName(strings.TrimSpace(b)) {
			return nil, fmt.Errorf("formula %q: write binomial counts as cbind(successes, failures) with two column names", s)
		}
		f.Response, f.Failures = strings.TrimSpace(a), strings.TrimSpace(b)
	} else {
		v, err := parseVariable(f.Response)
		if err != nil {
			return nil, fmt.Errorf("formula %q: %w", s, err)
		}
		if v.kind == "factor" || v.kind == "poly" || strings.HasPrefix(v.label, "offset(") {
			return nil, fmt.Errorf("formula %q: the response must be one column or a numeric function of columns such as log(y)", s)
		}
		f.Response = v.label
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
	if depth := strings.Count(rhs, "(") - strings.Count(rhs, ")"); depth != 0 {
		return nil, fmt.Errorf("formula %q: unbalanced parenthesis", s)
	}
	for _, part := range splitTop(rhs, '+') {
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
		// "x - 1" drops the intercept, as "x + 0" does; removing other
		// terms is not supported.
		if pieces := splitTop(part, '-'); len(pieces) > 1 {
			for _, r := range pieces[1:] {
				if strings.TrimSpace(r) != "1" {
					return nil, fmt.Errorf("formula %q: removing terms is not supported", s)
				}
			}
			f.Intercept = false
			if part = strings.TrimSpace(pieces[0]); part == "" {
				continue
			}
		}
		// A random intercept: (1 | g) or (1 | g:h).
		if strings.HasPrefix(part, "(") && strings.HasSuffix(part, ")") {
			inner := part[1 : len(part)-1]
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
			continue
		}
		if strings.HasPrefix(part, "offset(") {
			v, err := parseVariable(part)
			if err != nil {
				return nil, fmt.Errorf("formula %q: %w", s, err)
			}
			f.Offsets = append(f.Offsets, v.label)
			continue
		}
		// a*b*c expands to every sub-interaction.
		var factors [][]string
		for _, star := range splitTop(part, '*') {
			var vars []string
			for _, atom := range splitTop(star, ':') {
				v, err := parseVariable(atom)
				if err != nil {
					return nil, fmt.Errorf("formula %q: %w", s, err)
				}
				if strings.HasPrefix(v.label, "offset(") {
					return nil, fmt.Errorf("formula %q: an offset is a term of its own, not part of %q", s, part)
				}
				vars = append(vars, v.label)
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
	for _, v := range f.Offsets {
		add(v)
	}
	return out
}

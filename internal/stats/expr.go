package stats

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The functions a formula may apply to its variables, as R evaluates them
// in model.frame: factor(x), I(arithmetic), log(), exp() and sqrt() of an
// arithmetic expression, and poly(x, degree) (orthogonal polynomials).
// offset(expression) is an additive term with a fixed coefficient of one.
// A derived variable is named as R deparses it ("I(x - 10)", "poly(x, 2)"),
// so that columns carry R's names, and is computed from the frame the first
// time it is asked for (Frame.Col).
const supportedFunctions = "factor(), I(), log(), exp(), sqrt(), poly() and offset()"

// node is an arithmetic expression: a number, a column, a unary minus, a
// binary operation, a parenthesised expression or a call of log, exp or
// sqrt.
type node struct {
	op   string // "num", "col", "neg", "+", "-", "*", "/", "^", "()", or a function name
	num  float64
	name string
	a, b *node
}

// deparse writes n as R's deparse does: spaces around +, - and *, none
// around / and ^, parentheses where the source had them.
func (n *node) deparse() string {
	switch n.op {
	case "num":
		return rNumber(n.num)
	case "col":
		return n.name
	case "neg":
		return "-" + n.a.deparse()
	case "()":
		return "(" + n.a.deparse() + ")"
	case "+", "-", "*":
		return n.a.deparse() + " " + n.op + " " + n.b.deparse()
	case "/", "^":
		return n.a.deparse() + n.op + n.b.deparse()
	}
	return n.op + "(" + n.a.deparse() + ")"
}

// columns lists the columns n reads.
func (n *node) columns(out []string) []string {
	if n == nil {
		return out
	}
	if n.op == "col" && !slices.Contains(out, n.name) {
		out = append(out, n.name)
	}
	return n.b.columns(n.a.columns(out))
}

func (n *node) eval(f *Frame, i int) float64 {
	switch n.op {
	case "num":
		return n.num
	case "col":
		return f.Columns[n.name].Numeric[i]
	case "neg":
		return -n.a.eval(f, i)
	case "()":
		return n.a.eval(f, i)
	case "+":
		return n.a.eval(f, i) + n.b.eval(f, i)
	case "-":
		return n.a.eval(f, i) - n.b.eval(f, i)
	case "*":
		return n.a.eval(f, i) * n.b.eval(f, i)
	case "/":
		return n.a.eval(f, i) / n.b.eval(f, i)
	case "^":
		return math.Pow(n.a.eval(f, i), n.b.eval(f, i))
	case "log":
		return math.Log(n.a.eval(f, i))
	case "exp":
		return math.Exp(n.a.eval(f, i))
	}
	return math.Sqrt(n.a.eval(f, i)) // sqrt
}

// arith parses an arithmetic expression with R's precedence: ^ (right
// associative) above unary minus above * and / above + and -.
type arith struct {
	s   string
	pos int
}

func parseArith(s string) (*node, error) {
	p := &arith{s: s}
	n, err := p.sum()
	if err != nil {
		return nil, err
	}
	if p.skip(); p.pos < len(p.s) {
		return nil, fmt.Errorf("unexpected %q in %q", p.s[p.pos:], s)
	}
	return n, nil
}

func (p *arith) skip() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *arith) peek() byte {
	if p.skip(); p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *arith) sum() (*node, error) {
	a, err := p.product()
	for err == nil {
		op := p.peek()
		if op != '+' && op != '-' {
			return a, nil
		}
		p.pos++
		var b *node
		if b, err = p.product(); err == nil {
			a = &node{op: string(op), a: a, b: b}
		}
	}
	return nil, err
}

func (p *arith) product() (*node, error) {
	a, err := p.unary()
	for err == nil {
		op := p.peek()
		if op != '*' && op != '/' {
			return a, nil
		}
		p.pos++
		var b *node
		if b, err = p.unary(); err == nil {
			a = &node{op: string(op), a: a, b: b}
		}
	}
	return nil, err
}

func (p *arith) unary() (*node, error) {
	if p.peek() == '-' {
		p.pos++
		a, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &node{op: "neg", a: a}, nil
	}
	return p.power()
}

func (p *arith) power() (*node, error) {
	a, err := p.primary()
	if err != nil {
		return nil, err
	}
	if p.peek() == '^' {
		p.pos++
		b, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &node{op: "^", a: a, b: b}, nil
	}
	return a, nil
}

func (p *arith) primary() (*node, error) {
	c := p.peek()
	switch {
	case c == '(':
		p.pos++
		a, err := p.sum()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, fmt.Errorf("unbalanced parenthesis in %q", p.s)
		}
		p.pos++
		return &node{op: "()", a: a}, nil
	case c >= '0' && c <= '9' || c == '.' && p.pos+1 < len(p.s) && p.s[p.pos+1] >= '0' && p.s[p.pos+1] <= '9':
		start := p.pos
		for p.pos < len(p.s) && (p.s[p.pos] >= '0' && p.s[p.pos] <= '9' || p.s[p.pos] == '.' ||
			(p.s[p.pos] == 'e' || p.s[p.pos] == 'E') ||
			(p.s[p.pos] == '+' || p.s[p.pos] == '-') && (p.s[p.pos-1] == 'e' || p.s[p.pos-1] == 'E')) {
			p.pos++
		}
		v, err := strconv.ParseFloat(p.s[start:p.pos], 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q in %q", p.s[start:p.pos], p.s)
		}
		return &node{op: "num", num: v}, nil
	}
	start := p.pos
	for p.pos < len(p.s) && validName(p.s[start:p.pos+1]) {
		p.pos++
	}
	name := p.s[start:p.pos]
	if name == "" {
		return nil, fmt.Errorf("expected a number, a column or a parenthesis at %q in %q", p.s[start:], p.s)
	}
	if p.peek() != '(' {
		return &node{op: "col", name: name}, nil
	}
	switch name {
	case "log", "exp", "sqrt":
	default:
		return nil, fmt.Errorf("the function %s() is not supported inside an expression (log(), exp() and sqrt() are)", name)
	}
	p.pos++
	a, err := p.sum()
	if err != nil {
		return nil, err
	}
	if p.peek() != ')' {
		return nil, fmt.Errorf("%s() takes one argument, in %q", name, p.s)
	}
	p.pos++
	return &node{op: name, a: a}, nil
}

// rNumber writes v as R's as.character and deparse do: the shorter of the
// fixed and the scientific form, fixed when they are as long.
func rNumber(v float64) string {
	fixed := strconv.FormatFloat(v, 'f', -1, 64)
	sci := strconv.FormatFloat(v, 'e', -1, 64)
	if len(fixed) <= len(sci) {
		return fixed
	}
	return sci
}

// variable is one variable of a formula: a column, or a function of
// columns.
type variable struct {
	label  string // as R names it
	kind   string // "col", "expr", "factor", "poly"
	expr   *node
	col    string // factor and poly: the column
	degree int
}

// parseVariable reads a formula atom: a column name or a supported call.
func parseVariable(s string) (*variable, error) {
	s = strings.TrimSpace(s)
	if validName(s) {
		return &variable{label: s, kind: "col", col: s}, nil
	}
	open := strings.IndexByte(s, '(')
	if open <= 0 || !strings.HasSuffix(s, ")") || !validName(strings.TrimSpace(s[:open])) {
		return nil, fmt.Errorf("bad term %q", s)
	}
	fn := strings.TrimSpace(s[:open])
	args := splitTop(s[open+1:len(s)-1], ',')
	switch fn {
	case "factor":
		if len(args) != 1 || !validName(strings.TrimSpace(args[0])) {
			return nil, fmt.Errorf("factor() takes one column name, in %q", s)
		}
		c := strings.TrimSpace(args[0])
		return &variable{label: "factor(" + c + ")", kind: "factor", col: c}, nil
	case "poly":
		if len(args) != 2 || !validName(strings.TrimSpace(args[0])) {
			return nil, fmt.Errorf("write orthogonal polynomials as poly(column, degree), not %q", s)
		}
		deg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(args[1]), "degree ="))
		k, err := strconv.Atoi(strings.TrimSpace(deg))
		if err != nil || k < 1 || k > 10 {
			return nil, fmt.Errorf("the degree of %q must be a whole number from 1 to 10", s)
		}
		c := strings.TrimSpace(args[0])
		return &variable{label: fmt.Sprintf("poly(%s, %d)", c, k), kind: "poly", col: c, degree: k}, nil
	case "I", "log", "exp", "sqrt", "offset":
		if len(args) != 1 {
			return nil, fmt.Errorf("%s() takes one argument, in %q", fn, s)
		}
		n, err := parseArith(args[0])
		if err != nil {
			return nil, err
		}
		if fn == "I" || fn == "offset" {
			return &variable{label: fn + "(" + n.deparse() + ")", kind: "expr", expr: n}, nil
		}
		call := &node{op: fn, a: n}
		return &variable{label: call.deparse(), kind: "expr", expr: call}, nil
	}
	return nil, fmt.Errorf("the function %s() is not supported (%s are); compute the variable as a column of the data and use its name", fn, supportedFunctions)
}

// columns lists the data columns v reads.
func (v *variable) columns() []string {
	if v.kind == "expr" {
		return v.expr.columns(nil)
	}
	return []string{v.col}
}

// compute evaluates v on every row of f: a numeric column for an
// expression, a factor for factor(), one basis column per degree for poly().
func (v *variable) compute(f *Frame) (*Column, error) {
	for _, name := range v.columns() {
		c, ok := f.Columns[name]
		if !ok {
			return nil, fmt.Errorf("unknown column %q in %s (columns: %s)", name, v.label, strings.Join(f.Order, ", "))
		}
		if c.IsFactor() && v.kind != "factor" {
			return nil, fmt.Errorf("%s needs a numeric column, and %q holds text", v.label, name)
		}
	}
	out := &Column{Name: v.label}
	switch v.kind {
	case "expr":
		out.Numeric = make([]float64, f.N)
		cols := v.columns()
		for i := range out.Numeric {
			x := v.expr.eval(f, i) // NaN where a column is missing, as R's NA
			if math.IsNaN(x) && !slices.ContainsFunc(cols, func(c string) bool { return f.Columns[c].Missing(i) }) {
				// R would drop the row with a warning: say it instead.
				return nil, fmt.Errorf("%s is not defined at row %d (line %d of the file), where %s: give the rows it cannot be computed for NA, or transform the column first",
					v.label, i+1, i+2, v.describeRow(f, i))
			}
			out.Numeric[i] = x
		}
	case "factor":
		src := f.Columns[v.col]
		if src.IsFactor() {
			out.Factor, out.Levels = src.Factor, src.Levels
			break
		}
		// Levels in numeric order, labelled as as.character labels them.
		var vals []float64
		for _, x := range src.Numeric {
			if !math.IsNaN(x) && !slices.Contains(vals, x) {
				vals = append(vals, x)
			}
		}
		sort.Float64s(vals)
		out.Factor = make([]int, f.N)
		for i, x := range src.Numeric {
			out.Factor[i] = -1
			if !math.IsNaN(x) {
				out.Factor[i] = sort.SearchFloat64s(vals, x)
			}
		}
		for _, x := range vals {
			out.Levels = append(out.Levels, rNumber(x))
		}
	case "poly":
		basis, err := orthogonalPoly(f.Columns[v.col].Numeric, v.degree)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.label, err)
		}
		out.Basis = basis
	}
	return out, nil
}

// orthogonalPoly is R's poly(x, degree): the powers of the centred x, each
// made orthogonal to the lower ones and scaled to unit length (Gram-Schmidt,
// twice, which gives the columns R's QR gives: each is unique up to a sign
// that Q R_jj fixes as the power's own direction).
func orthogonalPoly(x []float64, degree int) ([][]float64, error) {
	n := len(x)
	mean := 0.0
	distinct := map[float64]bool{}
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("missing or infinite values are not allowed in poly() (as in R): give the polynomial's column without them")
		}
		mean += v / float64(n)
		distinct[v] = true
	}
	if degree >= len(distinct) {
		return nil, fmt.Errorf("the degree must be less than the number of distinct values (%d)", len(distinct))
	}
	cols := make([][]float64, degree+1)
	for j := range cols {
		cols[j] = make([]float64, n)
		for i, v := range x {
			cols[j][i] = math.Pow(v-mean, float64(j))
		}
		for pass := 0; pass < 2; pass++ {
			for k := 0; k < j; k++ {
				dot := 0.0
				for i := range n {
					dot += cols[j][i] * cols[k][i]
				}
				for i := range n {
					cols[j][i] -= dot * cols[k][i]
				}
			}
		}
		norm := 0.0
		for _, v := range cols[j] {
			norm += v * v
		}
		norm = math.Sqrt(norm)
		for i := range cols[j] {
			cols[j][i] /= norm
		}
	}
	return cols[1:], nil
}

// splitTop splits s at each sep outside parentheses.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// describeRow names the values v reads at row i ("y = -0.5").
func (v *variable) describeRow(f *Frame, i int) string {
	var parts []string
	for _, c := range v.columns() {
		parts = append(parts, fmt.Sprintf("%s = %v", c, f.Columns[c].Numeric[i]))
	}
	return strings.Join(parts, ", ")
}

package web

import (
	"strings"
	"unicode/utf8"

	"github.com/holf-project/holf"
)

// The Menu agenda sheet (seed 003, §6.2): an A4 page of circles where the
// family and the coordinator each write their topics, then agree on the
// order and the time for each. HOLF draws it as SVG in millimetres, with
// the topics already on the agenda written into the first circles in large
// type and the rest left empty to fill in by hand; the numbers (priority,
// minutes) are in a table beside it on the page.

type sheetCircle struct {
	CX, CY, R  float64
	Lines      []sheetLine
	Number     int // the topic's priority, 0 when none
	Family     bool
	HasTopic   bool
	NumX, NumY float64
}

type sheetLine struct {
	X, Y float64
	Text string
}

type menuSheet struct {
	Circles []sheetCircle
	Topics  []holf.AgendaTopic
	Foot    []sheetLine // the instructions, at the foot of the page
}

// sheet layout: two columns of four circles on A4 (210 × 297 mm).
const (
	sheetCols   = 2
	sheetRows   = 4
	sheetRadius = 28.0
	sheetLineMM = 7.0 // line height of the 6 mm type
	sheetChars  = 13  // characters per line inside a circle
)

func drawMenuSheet(topics []holf.AgendaTopic, foot string) menuSheet {
	out := menuSheet{Topics: topics}
	for i, l := range wrapWords(foot, 90, 3) {
		out.Foot = append(out.Foot, sheetLine{X: 105, Y: 276 + float64(i)*6, Text: l})
	}
	for i := 0; i < sheetCols*sheetRows; i++ {
		col, row := i%sheetCols, i/sheetCols
		c := sheetCircle{CX: 55 + float64(col)*100, CY: 52 + float64(row)*62, R: sheetRadius}
		c.NumX, c.NumY = c.CX-c.R+4, c.CY-c.R+8
		if i < len(topics) {
			t := topics[i]
			c.HasTopic, c.Number, c.Family = true, t.Priority, t.Proposer == holf.ProposerFamily
			lines := wrapWords(t.Title, sheetChars, 4)
			y := c.CY - float64(len(lines)-1)*sheetLineMM/2 + 2
			for k, l := range lines {
				c.Lines = append(c.Lines, sheetLine{X: c.CX, Y: y + float64(k)*sheetLineMM, Text: l})
			}
		}
		out.Circles = append(out.Circles, c)
	}
	return out
}

// wrapWords breaks s into at most max lines of about width characters,
// ending with … when it does not fit.
func wrapWords(s string, width, max int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = w
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) <= width:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > max {
		lines = lines[:max]
		lines[max-1] += "…"
	}
	return lines
}

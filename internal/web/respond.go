package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
)

// Respondents answer through a personal link, /s/{token}, without an
// account. The token is the only credential: 32 random bytes, stored as a
// SHA-256 hash, so a copy of the database opens no questionnaire. Failed
// look-ups are counted per address and stop guessing early.

// question is one item on a respondent's or a coordinator's form.
type question struct {
	Field   string // form field: instrument.item
	Number  int    // running number in the questionnaire
	Text    string
	Choices []choice
	Numeric bool
	Min     int
	Max     int
	Value   string // what is saved or what was typed
	Error   string
	// ShowIf is the field of the earlier question this one depends on,
	// ShowValues the answers that show it (space-separated, for the
	// page's script), and Hidden whether the saved answers hide it.
	ShowIf, ShowValues string
	Hidden             bool
}

type choice struct {
	Value   string
	Label   string
	Checked bool
}

type respondPage struct {
	Page
	Token      string
	Instrument string
	Intro      string
	PageNo     int
	Pages      int
	Answered   int
	Total      int
	Questions  []question
	formState
	Review    bool
	Missing   []missingQuestion // the unanswered questions, on the review page
	State     string
	StateDate string
}

func (s *Server) respondentPage(r *http.Request, rq *req) Page {
	p := s.page(r, rq, "respond.title")
	p.Plain = true
	return p
}

// linkThrottled answers 429 when the address has tried too many bad links.
func (s *Server) linkThrottled(w http.ResponseWriter, r *http.Request) (bool, error) {
	wait, err := s.db.Blocked(r.Context(), store.LinkThrottle, s.linkRules(s.clientAddress(r)))
	if err != nil || wait == 0 {
		return false, err
	}
	retryAfter(w, wait)
	return true, &holf.Error{Code: holf.ETooMany, Message: "too many invalid links from this address; wait and try again", Key: "respond.throttled"}
}

// openResponse resolves a link. Unknown links count towards the throttle
// and answer like any missing page. A submitted or expired link gets its
// plain page here, and ok is false: the caller has nothing more to do.
func (s *Server) openResponse(w http.ResponseWriter, r *http.Request, rq *req) (l app.Link, ok bool, err error) {
	if limited, err := s.linkThrottled(w, r); limited || err != nil {
		return l, false, err
	}
	l, err = s.app.Surveys.OpenLink(r.Context(), r.PathValue("token"))
	if holf.ErrorCode(err) == holf.ENotFound {
		if ferr := s.db.Fail(r.Context(), store.LinkThrottle, s.linkRules(s.clientAddress(r))); ferr != nil {
			return l, false, ferr
		}
		return l, false, err
	}
	if err != nil {
		return l, false, err
	}
	p := respondPage{Page: s.respondentPage(r, rq)}
	switch {
	case l.Submitted:
		p.State, p.StateDate = "submitted", formatDateTime(l.Response.SubmittedAt)
		return l, false, s.render(w, http.StatusOK, "respond", &p)
	case l.Expired:
		p.State, p.StateDate = "expired", formatDateTime(l.Response.ExpiresAt)
		return l, false, s.render(w, http.StatusGone, "respond", &p)
	}
	return l, true, nil
}

// buildQuestions turns survey questions into form questions in lang, with
// the saved answers filled in. first is the running number of qs[0].
func (s *Server) buildQuestions(lang string, qs []survey.Question, first int, a survey.Answers) []question {
	out := make([]question, 0, len(qs))
	for i, q := range qs {
		fq := question{Field: q.Instrument.ID + "." + q.Item.ID, Number: first + i, Text: q.Text(lang),
			Numeric: q.Scale.Number, Min: q.Scale.Min, Max: q.Scale.Max}
		if v, ok := a[q.Instrument.ID][q.Item.ID]; ok {
			fq.Value = strconv.Itoa(int(v))
		}
		if c := q.Item.ShowIf; c != nil {
			vals := make([]string, len(c.Values))
			for k, v := range c.Values {
				vals[k] = strconv.Itoa(v)
			}
			fq.ShowIf, fq.ShowValues, fq.Hidden = q.Instrument.ID+"."+c.Item, strings.Join(vals, " "), !q.Applies(a)
		}
		for _, l := range q.Labels() {
			label := l.NB
			if lang == "en" && l.EN != "" {
				label = l.EN
			}
			fq.Choices = append(fq.Choices, choice{Value: strconv.Itoa(l.Value), Label: label})
		}
		out = append(out, fq)
	}
	markChecked(out)
	return out
}

func markChecked(qs []question) {
	for i := range qs {
		for j := range qs[i].Choices {
			qs[i].Choices[j].Checked = qs[i].Choices[j].Value == qs[i].Value
		}
	}
}

// readAnswers takes the questions' fields from the form: what was typed goes
// back into qs (so nothing is lost when the page is shown again), valid
// answers become changes, and every bad one gets a message naming it.
func (s *Server) readAnswers(r *http.Request, rq *req, qs []question) ([]survey.AnswerChange, bool) {
	var changes []survey.AnswerChange
	ok := true
	for i := range qs {
		q := &qs[i]
		raw, present := r.PostForm[q.Field]
		if !present {
			continue // an unchecked radio group: nothing said, nothing changed
		}
		v := strings.TrimSpace(raw[0])
		q.Value = v
		instrument, item, _ := strings.Cut(q.Field, ".")
		if v == "" {
			changes = append(changes, survey.AnswerChange{Instrument: instrument, Item: item, Clear: true})
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < q.Min || n > q.Max {
			q.Error = s.t(rq, "respond.out_of_range", q.Number, q.Min, q.Max)
			ok = false
			continue
		}
		changes = append(changes, survey.AnswerChange{Instrument: instrument, Item: item, Value: n})
	}
	markChecked(qs)
	return changes, ok
}

func (s *Server) respondShow(w http.ResponseWriter, r *http.Request, rq *req) error {
	l, ok, err := s.openResponse(w, r, rq)
	if !ok || err != nil {
		return err
	}
	rs, q, pages := l.Response, l.Q, l.Pages
	want := r.URL.Query().Get("p")
	n := 0
	if want != "review" {
		n, _ = strconv.Atoi(want)
		if n < 1 || n > len(pages) {
			n = firstOpenPage(pages, rs.Answers)
		}
	}
	p := s.respondForm(r, rq, q, pages, n, rs.Answers)
	return s.render(w, http.StatusOK, "respond", &p)
}

// firstOpenPage is where a returning respondent continues: the first page
// with an unanswered question, or the review (0) when all are answered.
func firstOpenPage(pages []survey.Page, a survey.Answers) int {
	for _, pg := range pages {
		for _, q := range pg.Questions {
			if _, ok := a[q.Instrument.ID][q.Item.ID]; !ok && q.Applies(a) {
				return pg.Number
			}
		}
	}
	return 0
}

// missingQuestion is an unanswered question on the review page, with the
// page to answer it on.
type missingQuestion struct {
	Number, Page int
	Text, Field  string
}

// respondForm builds page n of the questionnaire, or the review page when
// n is 0.
func (s *Server) respondForm(r *http.Request, rq *req, q survey.InstalledQuestionnaire, pages []survey.Page, n int, a survey.Answers) respondPage {
	p := respondPage{Page: s.respondentPage(r, rq), Token: r.PathValue("token"), Pages: len(pages), Answered: a.Count(), PageNo: n}
	number := 1
	for _, pg := range pages {
		if pg.Number == n {
			p.Instrument = localText(rq.lang, pg.Instrument.Name)
			p.Intro = localText(rq.lang, pg.Instrument.Instruction)
			p.Questions = s.buildQuestions(rq.lang, pg.Questions, number, a)
		}
		for _, qu := range pg.Questions {
			// A question the answers skip is neither missing nor counted.
			if !qu.Applies(a) {
				number++
				continue
			}
			if _, ok := a[qu.Instrument.ID][qu.Item.ID]; !ok {
				p.Missing = append(p.Missing, missingQuestion{Number: number, Page: pg.Number, Text: qu.Text(rq.lang),
					Field: qu.Instrument.ID + "." + qu.Item.ID})
			}
			number++
			p.Total++
		}
	}
	p.Review = n == 0
	return p
}

func localText(lang string, t survey.Text) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.NB
}

func (s *Server) respondSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	l, ok, err := s.openResponse(w, r, rq)
	if !ok || err != nil {
		return err
	}
	rs, q, pages := l.Response, l.Q, l.Pages
	if err := r.ParseForm(); err != nil {
		return tooLarge(err)
	}
	n, _ := strconv.Atoi(r.PostForm.Get("page"))
	if n < 0 || n > len(pages) {
		n = 0
	}
	// The link's own address, rebuilt from the token: a redirect can only
	// stay on this questionnaire.
	base := "/s/" + url.PathEscape(r.PathValue("token"))
	if n == 0 {
		// The review page has nothing to save; its one action is to submit.
		if r.PostForm.Get("go") != "submit" {
			http.Redirect(w, r, base+"?p="+itoa(len(pages)), http.StatusSeeOther) // #nosec G710 -- base is /s/ and the escaped token
			return nil
		}
		if err := s.app.Surveys.Submit(r.Context(), l, rq.lang); err != nil {
			return err
		}
		http.Redirect(w, r, base, http.StatusSeeOther) // #nosec G710 -- base is /s/ and the escaped token
		return nil
	}
	p := s.respondForm(r, rq, q, pages, n, rs.Answers)
	changes, ok := s.readAnswers(r, rq, p.Questions)
	if !ok {
		p.fail(s.t(rq, "respond.fix"), questionErrors(p.Questions))
		return s.render(w, http.StatusUnprocessableEntity, "respond", &p)
	}
	if err := s.app.Surveys.Answer(r.Context(), l, changes); err != nil {
		return err
	}
	next := n + 1
	switch r.PostForm.Get("go") {
	case "prev":
		next = max(n-1, 1)
	case "pause":
		http.Redirect(w, r, base+"?p="+itoa(n)+"&notice=saved_later", http.StatusSeeOther) // #nosec G710 -- base is /s/ and the escaped token
		return nil
	}
	target := base + "?p=" + itoa(next)
	if next > len(pages) {
		target = base + "?p=review"
	}
	http.Redirect(w, r, target, http.StatusSeeOther) // #nosec G710 -- base is /s/ and the escaped token
	return nil
}

// questionErrors lists the questions' errors in their order.
func questionErrors(qs []question) []fieldMessage {
	var out []fieldMessage
	for _, q := range qs {
		if q.Error != "" {
			out = append(out, fieldMessage{Field: q.Field, Message: q.Error})
		}
	}
	return out
}

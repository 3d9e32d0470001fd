package app

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
)

// Surveys is the evaluation's questionnaires: the installed study, who is
// asked at each office, personal links and reminders, paper entry, the
// respondents' own answers, scoring, tracking and the researchers' export.
type Surveys struct {
	*core
	// installed caches the installed study of the default code: an
	// installed study never changes (a new design is a new study), so it is
	// loaded once, not on every respondent's page.
	installed atomic.Pointer[survey.InstalledStudy]
}

// DefaultStudy is the code of the study the server and commands serve.
const DefaultStudy = "holf"

// ReminderAfter is how long after a link (or the last reminder) went out,
// with nothing submitted, a respondent is due a reminder.
const ReminderAfter = 7 * 24 * time.Hour

// Study returns installed study code ("holf" when empty).
func (s *Surveys) Study(ctx context.Context, code string) (*survey.InstalledStudy, error) {
	if code == "" || code == DefaultStudy {
		if st := s.installed.Load(); st != nil {
			return st, nil
		}
	}
	if code == "" {
		code = DefaultStudy
	}
	st, err := s.db.Study(ctx, s.lib, code)
	if err != nil {
		return nil, err
	}
	if code == DefaultStudy {
		s.installed.Store(st)
	}
	return st, nil
}

// Choice is the questionnaire a page or command is about: a wave and a
// group of the installed study.
type Choice struct {
	Study  *survey.InstalledStudy
	Waves  []string
	Groups []string
	Wave   string
	Group  string
	Q      survey.InstalledQuestionnaire
}

// Choose picks the questionnaire of wave and group, the study's first wave
// and the parents when they are empty.
func (s *Surveys) Choose(ctx context.Context, code, wave, group string) (Choice, error) {
	c := Choice{Groups: []string{survey.GroupParents, survey.GroupCoordinators}}
	st, err := s.Study(ctx, code)
	if err != nil {
		return c, err
	}
	c.Study = st
	for _, w := range st.Study.Waves {
		c.Waves = append(c.Waves, w.Code)
	}
	if wave == "" {
		wave = c.Waves[0]
	}
	if group == "" {
		group = survey.GroupParents
	}
	q, err := st.Questionnaire(wave, group)
	if err != nil {
		return c, &holf.Error{Code: holf.EInvalid, Message: fmt.Sprintf("the study has no questionnaire for %s at %s", group, wave), Key: "survey.no_questionnaire"}
	}
	c.Wave, c.Group, c.Q = wave, group, q
	return c, nil
}

// Install installs study st (the built-in HOLF evaluation when nil).
func (s *Surveys) Install(ctx context.Context, a *holf.Actor, st *survey.Study) (*survey.Study, error) {
	role, err := decideGlobal(a, policy.SurveySetup)
	if err != nil {
		return nil, err
	}
	if st == nil {
		if st, err = survey.DefaultStudy(s.lib); err != nil {
			return nil, err
		}
	}
	_, err = s.db.InstallStudy(ctx, event(a, role, "study.install", "study", 0, PurposeSurvey), st)
	return st, err
}

// TrackingLine is one office's response counts for one questionnaire.
type TrackingLine struct {
	Office    holf.Office
	Manage    bool // the caller hands out this office's links
	Counts    survey.TrackingRow
	Remaining int
}

// Tracking is the response counts of every office the caller follows, with
// attrition between the study's first two waves for the chosen group.
type Tracking struct {
	Choice
	Lines                 []TrackingLine
	Total                 survey.TrackingRow
	Attrition             *survey.Attrition
	FirstWave, SecondWave string
}

// Track counts responses per visible office (counts are not personal data:
// names are only on the office's own page).
func (s *Surveys) Track(ctx context.Context, a *holf.Actor, c Choice) (Tracking, error) {
	t := Tracking{Choice: c}
	offices, err := s.db.ListOffices(ctx, store.OfficeFilter{Offices: policy.Visible(a, policy.SurveyTrack)})
	if err != nil {
		return t, err
	}
	ids := make([]int64, len(offices))
	for i, o := range offices {
		ids[i] = o.ID
	}
	rows, err := s.db.Tracking(ctx, c.Study.ID, c.Q, ids)
	if err != nil {
		return t, err
	}
	byOffice := map[int64]survey.TrackingRow{}
	for _, r := range rows {
		byOffice[r.OfficeID] = r
	}
	for _, o := range offices {
		n := byOffice[o.ID]
		if o.Arm == holf.ArmNone && n.Respondents == 0 {
			continue
		}
		t.Lines = append(t.Lines, TrackingLine{Office: o, Counts: n, Remaining: n.Respondents - n.Submitted,
			Manage: policy.Decide(a, manages(c.Group), policy.OfficeResource("office", o.ID)).Allowed})
		t.Total.Respondents += n.Respondents
		t.Total.Invited += n.Invited
		t.Total.Started += n.Started
		t.Total.Submitted += n.Submitted
		t.Total.Paper += n.Paper
		t.Total.Reminded += n.Reminded
	}
	if waves := c.Study.Study.Waves; len(waves) >= 2 {
		q1, err1 := c.Study.Questionnaire(waves[0].Code, c.Group)
		q2, err2 := c.Study.Questionnaire(waves[1].Code, c.Group)
		if err1 == nil && err2 == nil {
			at, err := s.db.Attrition(ctx, q1.ID, q2.ID, ids)
			if err != nil {
				return t, err
			}
			t.Attrition, t.FirstWave, t.SecondWave = &at, waves[0].Code, waves[1].Code
		}
	}
	return t, nil
}

// OfficeSurvey is what an office's questionnaire page acts on: the office
// (decided for survey.manage) and the chosen questionnaire.
type OfficeSurvey struct {
	Choice
	Office holf.Office
	role   holf.Role
}

// manages is the action that opens an office's page of a group's
// questionnaire: parents are followed by the office's coordinators and
// leaders, coordinators by their leader alone.
func manages(group string) policy.Action {
	if group == survey.GroupCoordinators {
		return policy.SurveyStaff
	}
	return policy.SurveyManage
}

// Office opens office id's page of questionnaire c for one who follows that
// group's questionnaires there.
func (s *Surveys) Office(ctx context.Context, a *holf.Actor, id int64, c Choice) (OfficeSurvey, error) {
	role, err := decide(a, manages(c.Group), policy.OfficeResource("office", id), "office", id)
	if err != nil {
		return OfficeSurvey{}, err
	}
	o, err := s.db.GetOffice(ctx, id)
	return OfficeSurvey{Choice: c, Office: o, role: role}, err
}

// RespondentLine is one respondent of an office's questionnaire page.
type RespondentLine struct {
	survey.ResponseLine
	Status       string
	NeedReminder bool
}

// Respondents lists the office's respondents with where each is and who
// needs a reminder (those first). The list names people: it is audited.
func (s *Surveys) Respondents(ctx context.Context, a *holf.Actor, sv OfficeSurvey) ([]RespondentLine, error) {
	lines, err := s.db.OfficeResponses(ctx, sv.Study.ID, sv.Q, sv.Office.ID)
	if err != nil {
		return nil, err
	}
	if err := s.recordView(ctx, a, sv.role, "survey.respondents", "office", sv.Office.ID, PurposeSurvey); err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]RespondentLine, 0, len(lines))
	for _, l := range lines {
		rl := RespondentLine{ResponseLine: l, Status: l.Status()}
		last := l.InvitedAt
		if l.RemindedAt.After(last) {
			last = l.RemindedAt
		}
		rl.NeedReminder = l.ResponseID != 0 && l.Mode == "web" && rl.Status != "submitted" &&
			(now.Sub(last) >= ReminderAfter || !now.Before(l.ExpiresAt))
		out = append(out, rl)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].NeedReminder && !out[j].NeedReminder })
	return out, nil
}

// Enrol gives every eligible person of the office a respondent code.
func (s *Surveys) Enrol(ctx context.Context, a *holf.Actor, sv OfficeSurvey) (int, error) {
	return s.db.EnrolRespondents(ctx, event(a, sv.role, "survey.enrol", "office", sv.Office.ID, PurposeSurvey), sv.Study.ID, sv.Office.ID, sv.Group)
}

// respondent checks that respondent id belongs to the office and to the
// questionnaire's group: another office's respondent, or a coordinator
// asked for the parents' questionnaire, is not found.
func (s *Surveys) respondent(ctx context.Context, sv OfficeSurvey, id int64) error {
	office, group, err := s.db.RespondentOffice(ctx, sv.Study.ID, id)
	if err != nil {
		return err
	}
	if office != sv.Office.ID || group != sv.Q.Def.Group {
		return holf.NotFound("respondent", id)
	}
	return nil
}

// errOnlyTheirOwn refuses staff a link or a paper form of a coordinator's
// questionnaire: only the coordinator answers it, through their own link.
func errOnlyTheirOwn() error {
	return &holf.Error{Code: holf.EForbidden, Key: "err.survey_only_own",
		Message: "a coordinator answers their questionnaire themselves: nobody else gets their link or types in their answers"}
}

// IssueLink makes respondent id's personal link (a new one as a reminder)
// and returns its token, which is shown once: only its hash is kept. Only
// parents' links are handed out by staff.
func (s *Surveys) IssueLink(ctx context.Context, a *holf.Actor, sv OfficeSurvey, id int64) (string, error) {
	if sv.Q.Def.Group != survey.GroupParents {
		return "", errOnlyTheirOwn()
	}
	if err := s.respondent(ctx, sv, id); err != nil {
		return "", err
	}
	return s.issue(ctx, event(a, sv.role, "survey.link", "respondent", id, PurposeSurvey), sv.Q, id, true)
}

func (s *Surveys) issue(ctx context.Context, ev holf.AuditEvent, q survey.InstalledQuestionnaire, respondent int64, reminds bool) (string, error) {
	token := auth.NewSecret(32)
	expires := s.now().AddDate(0, 0, q.Def.ValidDays)
	_, err := s.db.IssueLink(ctx, ev, q.ID, respondent, auth.HashSecret(token), expires, reminds)
	return token, err
}

// Paper opens respondent id's questionnaire for entry from paper, audited:
// the answers typed from paper so far, or none. Paper entry is only for
// parents answering on paper: a response begun through a link is the
// respondent's to continue, and submitted answers are final.
func (s *Surveys) Paper(ctx context.Context, a *holf.Actor, sv OfficeSurvey, id int64) (survey.Response, error) {
	if sv.Q.Def.Group != survey.GroupParents {
		return survey.Response{}, errOnlyTheirOwn()
	}
	if err := s.respondent(ctx, sv, id); err != nil {
		return survey.Response{}, err
	}
	rs, err := s.db.FindResponse(ctx, sv.Q.ID, id)
	switch {
	case holf.ErrorCode(err) == holf.ENotFound:
		rs = survey.Response{RespondentID: id, Answers: survey.Answers{}}
		if rs.RespondentCode, err = s.db.RespondentCode(ctx, id); err != nil {
			return rs, err
		}
	case err != nil:
		return rs, err
	}
	if err := s.recordView(ctx, a, sv.role, "survey.paper_view", "respondent", id, PurposeSurvey); err != nil {
		return rs, err
	}
	switch {
	case !rs.SubmittedAt.IsZero():
		return survey.Response{}, errSubmitted()
	case rs.Mode == "web" && !rs.StartedAt.IsZero():
		return survey.Response{}, &holf.Error{Code: holf.EConflict, Key: "err.survey_begun_online",
			Message: "the respondent has begun answering through their link: only they can continue, through the link"}
	case rs.Mode == "web":
		rs.Answers = survey.Answers{} // invited, nothing answered: paper takes over on the first save
	}
	return rs, nil
}

func errSubmitted() error {
	return &holf.Error{Code: holf.EConflict, Message: "this questionnaire has been submitted and cannot be changed", Key: "err.survey_submitted"}
}

// SavePaper stores the answers typed from paper for respondent rs (from
// version) and, when submit is set, submits them as a paper response
// entered by the caller, in language lang.
func (s *Surveys) SavePaper(ctx context.Context, a *holf.Actor, sv OfficeSurvey, rs survey.Response, version int64, changes []survey.AnswerChange, submit bool, lang string) error {
	if sv.Q.Def.Group != survey.GroupParents {
		return errOnlyTheirOwn()
	}
	var err error
	if rs.ID == 0 || rs.Mode != "paper" {
		// A new paper response, or a link nothing was answered through
		// turned into one (the store refuses it if answering has begun).
		if rs.ID, err = s.db.PaperResponse(ctx, event(a, sv.role, "survey.paper_open", "respondent", rs.RespondentID, PurposeSurvey), sv.Q.ID, rs.RespondentID); err != nil {
			return err
		}
	}
	changes = survey.WithSkips(sv.Q.Def.Pages(s.lib), rs.Answers, changes)
	if err := s.db.SaveAnswers(ctx, event(a, sv.role, "survey.paper_answer", "survey_response", rs.ID, PurposeSurvey), rs.ID, version, changes); err != nil {
		return err
	}
	if !submit {
		return nil
	}
	sub := survey.Submission{ResponseID: rs.ID, Mode: "paper", Lang: lang, EnteredBy: a.PersonID}
	return s.submit(ctx, event(a, sv.role, "survey.paper_submit", "survey_response", rs.ID, PurposeSurvey), sv.Q, sub)
}

// submit scores a response's saved answers and submits it: the one place a
// response becomes final, whoever entered it.
func (s *Surveys) submit(ctx context.Context, ev holf.AuditEvent, q survey.InstalledQuestionnaire, sub survey.Submission) error {
	saved, err := s.db.GetResponse(ctx, sub.ResponseID)
	if err != nil {
		return err
	}
	if !saved.SubmittedAt.IsZero() {
		return errSubmitted()
	}
	sub.Version = saved.Version
	if sub.Scores, err = q.Def.Score(s.lib, saved.Answers); err != nil {
		return fmt.Errorf("score response %d: %w", sub.ResponseID, err)
	}
	return s.db.SubmitResponse(ctx, ev, sub)
}

// Link is a respondent's questionnaire opened through their personal link.
type Link struct {
	Response survey.Response
	Q        survey.InstalledQuestionnaire
	Pages    []survey.Page
	// Submitted and Expired say the link can no longer take answers.
	Submitted, Expired bool
}

// respondentEvent is the audit entry of a respondent's own action: they
// have no account and are named by their study code only.
func respondentEvent(rs survey.Response, action string) holf.AuditEvent {
	return holf.AuditEvent{Actor: "respondent:" + rs.RespondentCode, Role: "respondent", Action: action,
		RecordType: "survey_response", RecordID: rs.ID, Purpose: PurposeRespond}
}

// OpenLink resolves a respondent's link by its token. An unknown token is
// not found (the door counts it towards its throttle).
func (s *Surveys) OpenLink(ctx context.Context, token string) (Link, error) {
	var l Link
	if len(token) > 100 {
		return l, &holf.Error{Code: holf.ENotFound, Message: "this link is not valid", Key: "respond.unknown"}
	}
	rs, err := s.db.ResponseByToken(ctx, auth.HashSecret(token))
	if holf.ErrorCode(err) == holf.ENotFound {
		return l, &holf.Error{Code: holf.ENotFound, Message: "this link is not valid", Key: "respond.unknown", Err: err}
	}
	if err != nil {
		return l, err
	}
	l.Response = rs
	l.Submitted, l.Expired = !rs.SubmittedAt.IsZero(), !s.now().Before(rs.ExpiresAt)
	if l.Submitted || l.Expired {
		return l, nil
	}
	st, err := s.Study(ctx, "")
	if err != nil {
		return l, err
	}
	if l.Q, err = st.ByID(rs.QuestionnaireID); err != nil {
		return l, err
	}
	l.Pages = l.Q.Def.Pages(s.lib)
	return l, nil
}

// Answer saves answers given through link l.
func (s *Surveys) Answer(ctx context.Context, l Link, changes []survey.AnswerChange) error {
	if l.Submitted || l.Expired {
		return errSubmitted()
	}
	if len(changes) == 0 {
		return nil
	}
	changes = survey.WithSkips(l.Pages, l.Response.Answers, changes)
	return s.db.SaveAnswers(ctx, respondentEvent(l.Response, "survey.answer"), l.Response.ID, store.AnyVersion, changes)
}

// Submit submits the answers given through link l, in language lang.
func (s *Surveys) Submit(ctx context.Context, l Link, lang string) error {
	if l.Submitted || l.Expired {
		return errSubmitted()
	}
	sub := survey.Submission{ResponseID: l.Response.ID, Mode: "web", Lang: lang}
	return s.submit(ctx, respondentEvent(l.Response, "survey.submit"), l.Q, sub)
}

// Export is one questionnaire's pseudonymised data for researchers.
type Export struct {
	Choice
	Rows       int
	Files      []survey.File
	Disclosure survey.Disclosure
}

// ExportOptions ask for exact quasi-identifiers (birth years, numbers of
// children, gender and office as stored) instead of the generalised,
// k-anonymous ones: only with a reason, which the audit entry keeps.
type ExportOptions struct {
	Exact  bool
	Reason string
}

// MinReason is how long a reason for exact values must be, in characters.
const MinReason = 20

// Export hands a researcher questionnaire c's submitted answers and scores
// with codebook and scripts (audited), generalised to k-anonymity unless
// opt asks otherwise with a reason. It is refused while any stored score
// is older than the library's instrument.
func (s *Surveys) Export(ctx context.Context, a *holf.Actor, c Choice, opt ExportOptions) (Export, error) {
	out := Export{Choice: c}
	role, err := decideGlobal(a, policy.SurveyExport)
	if err != nil {
		return out, err
	}
	action, purpose := "survey.export", PurposeResearch
	if opt.Exact {
		var v holf.Validation
		opt.Reason = strings.TrimSpace(opt.Reason)
		if n := utf8.RuneCountInString(opt.Reason); n < MinReason || n > 500 {
			v.Add("reason", "err.export_reason", MinReason)
			return out, v.Err()
		}
		action, purpose = "survey.export_exact", PurposeResearch+"; exact quasi-identifiers because: "+opt.Reason
	}
	rows, err := s.db.ExportResponses(ctx, c.Q.ID)
	if err != nil {
		return out, err
	}
	if out.Files, out.Disclosure, err = s.lib.Export(c.Study.Study, c.Q.Def, rows, opt.Exact); err != nil {
		return out, holf.Errorf(holf.EConflict, "%v", err)
	}
	out.Rows = len(rows)
	return out, s.recordView(ctx, a, role, action, "questionnaire", c.Q.ID, purpose)
}

// Rescore brings every stored score of study code up to the library's
// instrument versions: new scores are added beside the old, marked as
// re-scored, and raw answers never change. It returns how many instrument
// scores were recomputed.
func (s *Surveys) Rescore(ctx context.Context, a *holf.Actor, code string) (int, error) {
	role, err := decideGlobal(a, policy.SurveySetup)
	if err != nil {
		return 0, err
	}
	st, err := s.Study(ctx, code)
	if err != nil {
		return 0, err
	}
	current := map[string]int{}
	for _, in := range s.lib.Instruments {
		current[in.ID] = in.Version
	}
	stale, err := s.db.StaleScores(ctx, st.ID, current)
	if err != nil {
		return 0, err
	}
	for _, sc := range stale {
		in, _ := s.lib.Instrument(sc.Instrument)
		scores, err := s.lib.ScoreAnswers(in, sc.Answers[in.ID])
		if err != nil {
			return 0, fmt.Errorf("re-score response %d, %s: %w", sc.ResponseID, in.ID, err)
		}
		ev := event(a, role, "survey.rescore", "survey_response", sc.ResponseID, PurposeSurvey)
		if err := s.db.Rescore(ctx, ev, sc.ResponseID, survey.InstrumentScores{Instrument: in.ID, Version: in.Version, Scores: scores}); err != nil {
			return 0, err
		}
	}
	return len(stale), nil
}

// OwnQuestionnaire is one questionnaire a coordinator answers themselves.
type OwnQuestionnaire struct {
	Q           survey.InstalledQuestionnaire
	Started     time.Time
	Submitted   time.Time
	Invited     bool
	Respondent  int64
	OfficeID    int64
	NotEnrolled bool
}

// Own lists the caller's own questionnaires (a coordinator's), with where
// each stands. Nobody else gets a coordinator's link: they fetch it here.
func (s *Surveys) Own(ctx context.Context, a *holf.Actor) ([]OwnQuestionnaire, error) {
	if !policy.Allows(a, policy.SurveyOwn) {
		return nil, Forbidden()
	}
	st, err := s.Study(ctx, "")
	if err != nil {
		return nil, err
	}
	rid, office, err := s.db.OwnRespondent(ctx, st.ID, a.PersonID)
	notEnrolled := holf.ErrorCode(err) == holf.ENotFound
	if err != nil && !notEnrolled {
		return nil, err
	}
	var out []OwnQuestionnaire
	for _, q := range st.Questionnaires {
		if q.Def.Group != survey.GroupCoordinators {
			continue
		}
		oq := OwnQuestionnaire{Q: q, Respondent: rid, OfficeID: office, NotEnrolled: notEnrolled}
		if !notEnrolled {
			rs, err := s.db.FindResponse(ctx, q.ID, rid)
			switch {
			case err == nil:
				oq.Invited, oq.Started, oq.Submitted = true, rs.StartedAt, rs.SubmittedAt
			case holf.ErrorCode(err) != holf.ENotFound:
				return nil, err
			}
		}
		out = append(out, oq)
	}
	return out, nil
}

// OpenOwn gives the caller a fresh link to their own questionnaire
// questionnaireID and returns its token, for their browser alone: a
// coordinator at the office the respondent record belongs to, and the
// respondent is themselves.
func (s *Surveys) OpenOwn(ctx context.Context, a *holf.Actor, questionnaireID int64) (string, error) {
	st, err := s.Study(ctx, "")
	if err != nil {
		return "", err
	}
	q, err := st.ByID(questionnaireID)
	if err != nil || q.Def.Group != survey.GroupCoordinators {
		return "", holf.NotFound("questionnaire", questionnaireID)
	}
	rid, office, err := s.db.OwnRespondent(ctx, st.ID, a.PersonID)
	if err != nil {
		return "", err
	}
	role, err := decide(a, policy.SurveyOwn, policy.OfficeResource("respondent", office), "questionnaire", questionnaireID)
	if err != nil {
		return "", err
	}
	return s.issue(ctx, event(a, role, "survey.own_link", "respondent", rid, PurposeRespond), q, rid, false)
}

package holf

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// The learning structure of the HOLF model (seed 003, §5, §7, §8.5):
// supervision groups with tight structure, training support's review of
// forms, the action logs of training support and project management, and
// the office leaders' monthly follow-up of their coordinators.

// Roles held through a supervision group rather than at an office. They are
// not in Roles: nobody is given them on the account form; they follow from
// leading or belonging to a group, and the policy grants them group scope.
const (
	RoleGroupLeader Role = "group_leader" // leads a supervision group (training support, later a coordinator)
	RoleGroupMember Role = "group_member" // a coordinator in a supervision group
)

// GroupRoles lists the roles a supervision group gives.
var GroupRoles = []Role{RoleGroupLeader, RoleGroupMember}

// SupervisionGroup is about six coordinators from three offices, led by a
// training-support person or, later in the project, by a coordinator.
type SupervisionGroup struct {
	ID         int64
	Name       string
	LeaderID   int64
	LeaderName string
	Members    []GroupMember
	Version    int64
	CreatedAt  time.Time
}

// GroupMember is a coordinator in a group, with the office they take part
// for (their cases come from it).
type GroupMember struct {
	PersonID int64
	OfficeID int64
	Name     string
}

// MaxGroupMembers bounds a group: the model's groups have six.
const MaxGroupMembers = 12

// Offices lists the distinct offices of the group's members.
func (g *SupervisionGroup) Offices() []int64 {
	var out []int64
	for _, m := range g.Members {
		if !slices.Contains(out, m.OfficeID) {
			out = append(out, m.OfficeID)
		}
	}
	return out
}

// Member finds person among the group's members.
func (g *SupervisionGroup) Member(person int64) (GroupMember, bool) {
	i := slices.IndexFunc(g.Members, func(m GroupMember) bool { return m.PersonID == person })
	if i < 0 {
		return GroupMember{}, false
	}
	return g.Members[i], true
}

// Validate checks the group. coordinators maps each person who may be a
// member to the offices where they are a coordinator.
func (g *SupervisionGroup) Validate(coordinators map[int64][]int64) error {
	var v Validation
	g.Name = strings.TrimSpace(g.Name)
	checkText(&v, "name", g.Name, 1, 120)
	if g.LeaderID == 0 {
		v.Add("leader", "err.required")
	}
	if len(g.Members) == 0 {
		v.Add("members", "err.group_members")
	}
	if len(g.Members) > MaxGroupMembers {
		v.Add("members", "err.group_too_many", MaxGroupMembers)
	}
	seen := map[int64]bool{}
	for _, m := range g.Members {
		if seen[m.PersonID] || m.PersonID == g.LeaderID {
			v.Add("members", "err.group_twice")
			break
		}
		seen[m.PersonID] = true
		if !slices.Contains(coordinators[m.PersonID], m.OfficeID) {
			v.Add("members", "err.group_not_coordinator")
			break
		}
	}
	return v.Err()
}

// SessionStatus is where a supervision session stands.
type SessionStatus string

const (
	SessionPlanned   SessionStatus = "planned"
	SessionHeld      SessionStatus = "held"
	SessionCancelled SessionStatus = "cancelled"
)

// SessionStatuses lists the statuses.
var SessionStatuses = []SessionStatus{SessionPlanned, SessionHeld, SessionCancelled}

// SupervisionSession is one meeting of a group: three a half-year, two
// cases each.
type SupervisionSession struct {
	ID         int64
	GroupID    int64
	StartsAt   time.Time
	Minutes    int
	Place      string
	Status     SessionStatus
	Attendance []SessionAttendance
	Version    int64
}

// SessionAttendance is whether a member came.
type SessionAttendance struct {
	PersonID int64
	Attended bool
}

// CasesPerSession is the model's two cases a session.
const CasesPerSession = 2

// SessionsPerHalfYear is the model's rhythm.
const SessionsPerHalfYear = 3

// Attended reports whether person came to the session.
func (s *SupervisionSession) Attended(person int64) bool {
	return slices.ContainsFunc(s.Attendance, func(a SessionAttendance) bool { return a.PersonID == person && a.Attended })
}

// Validate checks the session.
func (s *SupervisionSession) Validate() error {
	var v Validation
	if s.StartsAt.IsZero() {
		v.Add("date", "err.required")
	}
	if s.Minutes < 30 || s.Minutes > 480 {
		v.Add("minutes", "err.session_minutes")
	}
	s.Place = strings.TrimSpace(s.Place)
	checkText(&v, "place", s.Place, 0, 200)
	if !slices.Contains(SessionStatuses, s.Status) {
		v.Add("status", "err.status")
	}
	return v.Err()
}

// Round is one of the fixed rounds a case is taken through (§7).
type Round string

const (
	RoundSuccess      Round = "success"      // success story
	RoundPresentation Round = "presentation" // case presentation
	RoundExperience   Round = "experience"   // experience round
	RoundPossibility  Round = "possibility"  // possibility round: "if this were my case…"
	RoundSummary      Round = "summary"      // the supervisee's summary
)

// Rounds lists the rounds in the order they are run.
var Rounds = []Round{RoundSuccess, RoundPresentation, RoundExperience, RoundPossibility, RoundSummary}

// TimeBox is the minutes a round is given: two cases fill a three-hour
// session with a break.
func (r Round) TimeBox() int {
	switch r {
	case RoundSuccess, RoundSummary:
		return 10
	case RoundPresentation:
		return 20
	}
	return 15
}

// Next is the round after r, "" after the summary.
func (r Round) Next() Round {
	i := slices.Index(Rounds, r)
	if i < 0 || i+1 == len(Rounds) {
		return ""
	}
	return Rounds[i+1]
}

// Valid reports whether r is a round.
func (r Round) Valid() bool { return slices.Contains(Rounds, r) }

// CaseStatus is where a supervision form stands.
type CaseStatus string

const (
	CaseDraft CaseStatus = "draft" // being prepared by the supervisee
	CaseSent  CaseStatus = "sent"  // sent to the group's leader
	CaseDone  CaseStatus = "done"  // taken through the rounds
)

// Concern is who a supervision topic is mainly about (§7.3).
type Concern string

const (
	ConcernParent Concern = "parent"
	ConcernChild  Concern = "child"
	ConcernFamily Concern = "family" // the family as a whole
)

// Concerns lists them.
var Concerns = []Concern{ConcernParent, ConcernChild, ConcernFamily}

// MainProcess is one of the model's three main processes a next step
// emphasises.
type MainProcess string

const (
	ProcessMapping  MainProcess = "mapping"   // mapping the family's situation
	ProcessPlanning MainProcess = "planning"  // goals and the family plan
	ProcessFollowUp MainProcess = "follow_up" // follow-up and coordination
)

// maxSupervisionTx bounds each text of the learning structure's forms.
const maxSupervisionTx = 3000

// MainProcesses lists them.
var MainProcesses = []MainProcess{ProcessMapping, ProcessPlanning, ProcessFollowUp}

// SupervisionCase is a supervision form and what the session made of it.
// Group members from other offices see it under its alias only: the
// family's id and names never leave the supervisee's office.
type SupervisionCase struct {
	ID        int64
	GroupID   int64
	SessionID int64 // 0 until it is put on a session
	FamilyID  int64
	OfficeID  int64
	AuthorID  int64
	MeetingID int64 // the meeting whose after-reflection raised the topic
	MemberID  int64 // the member it is mainly about, 0 for the family
	Concern   Concern
	Alias     string
	Areas     []TargetArea
	// The form, prepared before the session.
	Description string
	Topic       string
	Problem     string
	Process     string
	Tools       []string // FGE catalog keys
	Principles  []string
	FGEVersion  int
	Status      CaseStatus
	SentAt      time.Time
	// The session.
	Notes       map[Round]string
	Emphasis    MainProcess
	NextSteps   string
	ToFGE       bool // the next FGE preparation of the family shows the next steps
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	AuthorName  string
	FamilyName  string // only for readers at the family's office
	SessionDate time.Time
}

// Validate checks the form against the family (for the member concerned)
// and the FGE catalog.
func (c *SupervisionCase) Validate(f *Family) error {
	var v Validation
	for field, p := range map[string]*string{"description": &c.Description, "topic": &c.Topic, "problem": &c.Problem,
		"process": &c.Process, "next_steps": &c.NextSteps} {
		*p = strings.TrimSpace(*p)
		minLen := 0
		if field == "topic" {
			minLen = 1
		}
		checkMultiline(&v, field, *p, minLen, maxSupervisionTx)
	}
	if len(c.Areas) == 0 {
		v.Add("areas", "err.case_areas")
	}
	for _, a := range c.Areas {
		if !a.Valid() {
			v.Add("areas", "err.target_areas")
			break
		}
	}
	c.Concern = ConcernFamily
	if c.MemberID != 0 {
		m, ok := memberOf(f, c.MemberID)
		if !ok {
			v.Add("member", "err.member_unknown")
		} else {
			c.Concern = Concern(m.Role)
		}
	}
	cat := FGE(c.FGEVersion)
	c.FGEVersion = cat.Version
	for list, keys := range map[string][]string{"tools": c.Tools, "principles": c.Principles} {
		for _, k := range keys {
			if !cat.Has(list, k) {
				v.Add(list, "err.choice")
				break
			}
		}
	}
	if c.Emphasis != "" && !slices.Contains(MainProcesses, c.Emphasis) {
		v.Add("emphasis", "err.choice")
	}
	for r, n := range c.Notes {
		if !r.Valid() {
			v.Add("round", "err.choice")
			continue
		}
		n = strings.TrimSpace(n)
		c.Notes[r] = n
		checkMultiline(&v, "note", n, 0, maxSupervisionTx)
	}
	return v.Err()
}

// Identifier is a word in a supervision form that could tell who the
// family is.
type Identifier struct {
	Field string
	Text  string
}

// notLetter splits words, compounds too: "haddad-familien" holds the name.
func notLetter(r rune) bool { return !unicode.IsLetter(r) }

var idLike = regexp.MustCompile(`\b\d{6}[ .-]?\d{5}\b`)

// Identifiers finds the family's names and numbers like a national
// identity number in the form's texts, so that the supervisee is warned
// before the form reaches coordinators of other offices.
func (c *SupervisionCase) Identifiers(f *Family) []Identifier {
	names := map[string]bool{}
	add := func(s string) {
		for _, w := range strings.FieldsFunc(s, notLetter) {
			if l := strings.ToLower(w); len([]rune(l)) >= 3 && l != "familien" {
				names[l] = true
			}
		}
	}
	add(f.Name)
	for _, m := range f.Members {
		add(m.Name)
	}
	var out []Identifier
	for _, t := range []struct{ field, text string }{{"description", c.Description}, {"topic", c.Topic}, {"problem", c.Problem},
		{"process", c.Process}} {
		seen := map[string]bool{}
		for _, w := range strings.FieldsFunc(t.text, notLetter) {
			if l := strings.ToLower(w); names[l] && !seen[l] {
				seen[l] = true
				out = append(out, Identifier{Field: t.field, Text: w})
			}
		}
		for _, n := range idLike.FindAllString(t.text, -1) {
			out = append(out, Identifier{Field: t.field, Text: n})
		}
	}
	return out
}

// ReviewKind is the form a coordinator submits for review.
type ReviewKind string

const (
	ReviewMapping ReviewKind = "mapping"
	ReviewPlan    ReviewKind = "plan"
	ReviewFGE     ReviewKind = "meeting" // a meeting's FGE form
)

// ReviewKinds lists them.
var ReviewKinds = []ReviewKind{ReviewMapping, ReviewPlan, ReviewFGE}

// Sections are the parts of a form a reviewer comments on.
func (k ReviewKind) Sections() []string {
	switch k {
	case ReviewMapping:
		out := make([]string, 0, len(TargetAreas)+1)
		for _, a := range TargetAreas {
			out = append(out, string(a))
		}
		return append(out, "whole")
	case ReviewPlan:
		return []string{"goals", "activities", "roles", "whole"}
	case ReviewFGE:
		return []string{"preparation", "execution", "reflection", "whole"}
	}
	return nil
}

// ReviewStatus follows a review from the request to the verdict.
type ReviewStatus string

const (
	ReviewRequested ReviewStatus = "requested"
	ReviewMeets     ReviewStatus = "meets"      // meets the model
	ReviewNeedsWork ReviewStatus = "needs_work" // needs work, with a reason
)

// Review is training support's review of one form (§5.3).
type Review struct {
	ID          int64
	OfficeID    int64
	FamilyID    int64
	Kind        ReviewKind
	RecordID    int64 // the meeting for an FGE form; the family for mapping and plan
	Status      ReviewStatus
	Note        string // the coordinator's question
	RequestedBy int64
	RequestedAt time.Time
	ReviewerID  int64
	ReviewedAt  time.Time
	Reason      string
	Comments    []ReviewComment
	Version     int64
	FamilyName  string
	Requester   string
	Reviewer    string
}

// ReviewComment is a reviewer's comment on one section.
type ReviewComment struct {
	Section string
	Body    string
}

// Comment is the comment on section, "" when none.
func (r *Review) Comment(section string) string {
	for _, c := range r.Comments {
		if c.Section == section {
			return c.Body
		}
	}
	return ""
}

// Validate checks the verdict: a form that needs work says why.
func (r *Review) Validate() error {
	var v Validation
	if !slices.Contains(ReviewKinds, r.Kind) {
		v.Add("kind", "err.choice")
	}
	r.Note, r.Reason = strings.TrimSpace(r.Note), strings.TrimSpace(r.Reason)
	checkMultiline(&v, "note", r.Note, 0, 1000)
	checkMultiline(&v, "reason", r.Reason, 0, maxSupervisionTx)
	switch r.Status {
	case ReviewRequested, ReviewMeets:
	case ReviewNeedsWork:
		if r.Reason == "" {
			v.Add("reason", "err.review_reason")
		}
	default:
		v.Add("status", "err.choice")
	}
	sections := r.Kind.Sections()
	kept := r.Comments[:0]
	for _, c := range r.Comments {
		c.Body = strings.TrimSpace(c.Body)
		if !slices.Contains(sections, c.Section) {
			v.Add("comment_"+c.Section, "err.choice")
			continue
		}
		checkMultiline(&v, "comment_"+c.Section, c.Body, 0, maxSupervisionTx)
		if c.Body != "" {
			kept = append(kept, c)
		}
	}
	r.Comments = kept
	return v.Err()
}

// LogKind says whose action log an entry is in.
type LogKind string

const (
	LogSupport    LogKind = "support"    // training support's contact with coordinators
	LogManagement LogKind = "management" // project management's contact with office leaders
)

// LogKinds lists them.
var LogKinds = []LogKind{LogSupport, LogManagement}

// LogEntry is one contact in an action log (aksjonslogg).
type LogEntry struct {
	ID          int64
	Kind        LogKind
	AuthorID    int64
	OfficeID    int64
	SubjectID   int64 // the coordinator or leader contacted
	On          time.Time
	Channel     Channel
	Topic       string
	Minutes     int
	FollowUp    string
	Version     int64
	AuthorName  string
	SubjectName string
	OfficeName  string
}

// Validate checks the entry. subjects are the people of the office the
// entry may be about (coordinators for training support, leaders for
// project management).
func (e *LogEntry) Validate(subjects []int64, today time.Time) error {
	var v Validation
	if !slices.Contains(LogKinds, e.Kind) {
		v.Add("kind", "err.choice")
	}
	if e.OfficeID == 0 {
		v.Add("office", "err.required")
	}
	if e.SubjectID == 0 {
		v.Add("subject", "err.required")
	} else if !slices.Contains(subjects, e.SubjectID) {
		v.Add("subject", "err.log_subject")
	}
	if e.On.IsZero() {
		v.Add("on", "err.required")
	} else if e.On.After(today) {
		v.Add("on", "err.future")
	}
	if !e.Channel.Valid() {
		v.Add("channel", "err.choice")
	}
	e.Topic, e.FollowUp = strings.TrimSpace(e.Topic), strings.TrimSpace(e.FollowUp)
	checkMultiline(&v, "topic", e.Topic, 1, 1000)
	checkMultiline(&v, "follow_up", e.FollowUp, 0, 1000)
	if e.Minutes < 0 || e.Minutes > 600 {
		v.Add("minutes", "err.log_minutes")
	}
	return v.Err()
}

// RoleClarity is the leader's reading of whether a coordinator keeps to
// coordinating (§4.5, §8.1).
type RoleClarity string

const (
	RoleClear     RoleClarity = "clear"      // coordinates, others do their part
	RoleSome      RoleClarity = "some"       // takes over some tasks of other roles
	RoleTakesOver RoleClarity = "takes_over" // takes over casework or decisions of others
)

// RoleClarities lists them.
var RoleClarities = []RoleClarity{RoleClear, RoleSome, RoleTakesOver}

// FollowUp is an office leader's monthly follow-up of one coordinator.
type FollowUp struct {
	ID            int64
	OfficeID      int64
	CoordinatorID int64
	LeaderID      int64
	Month         time.Time // the first of the month
	Caseload      string
	Challenges    string
	RoleClarity   RoleClarity
	RoleNote      string
	Collaboration string
	Support       string
	Actions       string
	Version       int64
	CreatedAt     time.Time
	LeaderName    string
}

// FollowUpDays is how long after the last follow-up a reminder appears.
const FollowUpDays = 31

// Validate checks the follow-up.
func (f *FollowUp) Validate(today time.Time) error {
	var v Validation
	if f.CoordinatorID == 0 {
		v.Add("coordinator", "err.required")
	}
	if f.Month.IsZero() {
		v.Add("month", "err.required")
	} else {
		f.Month = time.Date(f.Month.Year(), f.Month.Month(), 1, 0, 0, 0, 0, time.UTC)
		if f.Month.After(today) {
			v.Add("month", "err.future")
		}
	}
	if !slices.Contains(RoleClarities, f.RoleClarity) {
		v.Add("role_clarity", "err.required")
	}
	for field, p := range map[string]*string{"caseload": &f.Caseload, "challenges": &f.Challenges, "role_note": &f.RoleNote,
		"collaboration": &f.Collaboration, "support": &f.Support, "actions": &f.Actions} {
		*p = strings.TrimSpace(*p)
		checkMultiline(&v, field, *p, 0, 2000)
	}
	if f.RoleClarity != RoleClear && f.RoleClarity != "" && f.RoleNote == "" {
		v.Add("role_note", "err.role_note")
	}
	return v.Err()
}

// FollowUpTarget is the model's number of families per office (§2).
const FollowUpTarget = 21

// Summary is the supervisee's summary from the session, "" before it.
func (c SupervisionCase) Summary() string { return c.Notes[RoundSummary] }

// Seminar is a national gathering (fellessamling) of the project's
// coordinators, leaders and training support, with its agenda and who came.
type Seminar struct {
	ID         int64
	Title      string
	On         time.Time
	Place      string
	Agenda     []string // topics, one a line
	Attendance []SessionAttendance
	Version    int64
}

// Attended reports whether person came.
func (s *Seminar) Attended(person int64) bool {
	return slices.ContainsFunc(s.Attendance, func(a SessionAttendance) bool { return a.PersonID == person && a.Attended })
}

// Validate checks the seminar.
func (s *Seminar) Validate() error {
	var v Validation
	s.Title, s.Place = strings.TrimSpace(s.Title), strings.TrimSpace(s.Place)
	checkText(&v, "title", s.Title, 1, 200)
	checkText(&v, "place", s.Place, 0, 200)
	if s.On.IsZero() {
		v.Add("on", "err.required")
	}
	var agenda []string
	for _, t := range s.Agenda {
		if t = strings.TrimSpace(t); t != "" {
			agenda = append(agenda, t)
		}
	}
	s.Agenda = agenda
	if len(agenda) > 40 {
		v.Add("agenda", "err.seminar_agenda")
	}
	for _, t := range agenda {
		checkText(&v, "agenda", t, 1, 300)
	}
	return v.Err()
}

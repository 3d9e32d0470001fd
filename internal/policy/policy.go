// Package policy is the one place that decides who may do what in HOLF.
// Every handler and command asks Decide (or Allows) before it reads or
// writes; anything not granted by the table below is denied.
package policy

import (
	"slices"

	"github.com/holf-project/holf"
)

// Action is something a caller wants to do.
type Action string

const (
	ViewStart    Action = "start.view"    // one's own start page and account
	OfficeList   Action = "office.list"   // offices in lists
	OfficeView   Action = "office.view"   // one office's page
	OfficeManage Action = "office.manage" // create and edit offices
	PersonList   Action = "person.list"   // staff in lists
	PersonView   Action = "person.view"   // one staff member's record
	PersonManage Action = "person.manage" // create, edit, disable, set password
	AuditView    Action = "audit.view"    // read the audit log
	TrialView    Action = "trial.view"    // arms and allocation overview
	// The trial's design and its randomisation of offices.
	TrialManage    Action = "trial.manage"    // the study, its sites and their covariates
	TrialRandomise Action = "trial.randomise" // prepare, confirm (the second person) or cancel the draw
	TrialCorrect   Action = "trial.correct"   // correct an office's arm after the draw, with a reason
	TrialResults   Action = "trial.results"   // the effect and baseline tables (aggregates of pseudonymised data)
	TrialReleased  Action = "trial.released"  // the effect table once the study has released it
	TrialRelease   Action = "trial.release"   // release the effect results to the offices' staff
	TargetView     Action = "target.view"     // an office's target list in its draw order
	TargetImport   Action = "target.import"   // import an office's target list
	TargetRecord   Action = "target.record"   // record the outcome of contacting a family on it
	FamilyList     Action = "family.list"     // families in caseload lists
	FamilyView     Action = "family.view"     // one family's record
	FamilyManage   Action = "family.manage"   // recruit, edit, change status
	FamilyAccess   Action = "family.access"   // see who has accessed a family's record
	SurveyTrack    Action = "survey.track"    // response counts and attrition per office
	SurveyManage   Action = "survey.manage"   // parents' questionnaires at an office: names, links, reminders, paper entry
	SurveyStaff    Action = "survey.staff"    // coordinators' questionnaires at an office: who is asked, and their status only
	SurveyOwn      Action = "survey.own"      // one's own questionnaire (a coordinator's): fetch one's link
	SurveySetup    Action = "survey.setup"    // install the study design
	SurveyExport   Action = "survey.export"   // pseudonymised answers and scores
	DataImport     Action = "data.import"     // bring in whole records with their history (the demo, migrations)
	// ReflectionRead is reading the text of a meeting's after-reflection;
	// ReflectionShared reading one its coordinator has shared for
	// supervision or review. Without either, a reader sees only whether
	// one exists.
	ReflectionRead   Action = "reflection.read"
	ReflectionShared Action = "reflection.shared"
	DayView          Action = "day.view"          // a coordinator's own start page: their meetings and families
	CalendarOwn      Action = "calendar.own"      // one's own calendar feed of meetings
	PartnerView      Action = "partner.view"      // the office's actor list
	PartnerManage    Action = "partner.manage"    // add, change, import the actor list
	OverrideView     Action = "override.view"     // uses of information without consent, made in an emergency
	EscalationRaise  Action = "escalation.raise"  // lift a disagreement or a stalled task to the leader
	EscalationHandle Action = "escalation.handle" // answer and resolve it, at leader level
	ShareExtract     Action = "share.extract"     // the printable extract for a partner, within the consent
	// The learning structure.
	GroupView     Action = "group.view"     // a supervision group: members, sessions, attendance, cases by alias
	GroupManage   Action = "group.manage"   // set up groups: leader and members
	SessionManage Action = "session.manage" // plan a group's sessions, record attendance
	SessionRun    Action = "session.run"    // take the cases through the rounds, on the group's screen
	CaseRead      Action = "case.read"      // a supervision form's text, under its alias
	CasePrepare   Action = "case.prepare"   // prepare a supervision form about a family of one's office
	CaseSubmit    Action = "case.submit"    // send a form to a group one belongs to
	ReviewRequest Action = "review.request" // submit a mapping, plan or FGE form for review
	ReviewGive    Action = "review.give"    // comment on a form and say whether it meets the model
	ReviewView    Action = "review.view"    // reviews of an office's forms
	LogSupport    Action = "log.support"    // training support's action log of contact with coordinators
	LogManagement Action = "log.management" // project management's log of contact with office leaders
	LogView       Action = "log.view"       // read and export the action logs
	FollowUpWrite Action = "followup.write" // the leader's monthly follow-up of a coordinator
	FollowUpView  Action = "followup.view"  // an office's follow-ups and the per-coordinator overview
	FollowUpOwn   Action = "followup.own"   // what was recorded about oneself
	SeminarView   Action = "seminar.view"   // national seminars and their agenda
	SeminarManage Action = "seminar.manage" // plan seminars, record attendance
	TopicStats    Action = "topic.stats"    // counts of supervision topics by area and member, no family
	// Implementation quality.
	FidelityView    Action = "fidelity.view"    // offices' fidelity figures and drift, per coordinator, no family
	FidelityOwn     Action = "fidelity.own"     // one's own fidelity figures
	FidelityExport  Action = "fidelity.export"  // the figures as process measures, pseudonymised
	FidelityRefresh Action = "fidelity.refresh" // recompute the maintained figures
)

// Scope says how far a role's grant reaches. Scopes are ordered from the
// narrowest to the broadest; when several grants allow an action, the
// broadest is the one recorded.
type Scope int

const (
	None      Scope = iota
	OwnFamily       // the one family the assignment names (the family portal)
	OwnGroup        // resources of the group the assignment names (supervision groups span offices)
	OwnOffice       // resources of offices where the actor holds the role
	All             // every resource
)

// Resource is what an action is about: the offices it belongs to, and for
// resources that have them, its family and the groups it belongs to. A
// resource of no office, group or family is reachable only with All. Kind is
// informative (audit, messages).
type Resource struct {
	Kind    string
	Offices []int64
	Family  int64   // the family the resource belongs to, 0 when none
	Groups  []int64 // the groups the resource belongs to
}

// FamilyResource is a resource of family id at office.
func FamilyResource(kind string, office, family int64) Resource {
	return Resource{Kind: kind, Offices: []int64{office}, Family: family}
}

// GroupResource is a resource of group id, which spans offices.
func GroupResource(kind string, group int64, offices ...int64) Resource {
	return Resource{Kind: kind, Offices: offices, Groups: []int64{group}}
}

// Global is a resource that belongs to no office (lists, admin pages).
var Global = Resource{Kind: "global"}

// OfficeResource is a resource of office id.
func OfficeResource(kind string, id int64) Resource {
	return Resource{Kind: kind, Offices: []int64{id}}
}

// rules: action → role → scope. Reading the table answers "who may do X".
//
// The system role (the command line and jobs on their own account) is
// granted administration only: offices, accounts, the audit log, the study
// design and its pseudonymised export, and imports. It sees no family: a
// command about a family runs as the staff member it is done for (--as).
var rules = map[Action]map[holf.Role]Scope{
	ViewStart: {
		holf.RoleCoordinator: All, holf.RoleOfficeLeader: All, holf.RoleTrainingSupport: All, holf.RoleCountyGovernor: All,
		holf.RoleProjectManagement: All, holf.RoleResearcher: All, holf.RoleAdministrator: All,
	},
	OfficeList: {
		holf.RoleCoordinator: OwnOffice, holf.RoleOfficeLeader: OwnOffice, holf.RoleTrainingSupport: OwnOffice,
		holf.RoleCountyGovernor: OwnOffice, holf.RoleProjectManagement: All, holf.RoleResearcher: All, holf.RoleAdministrator: All,
		holf.RoleSystem: All,
	},
	OfficeView: {
		holf.RoleCoordinator: OwnOffice, holf.RoleOfficeLeader: OwnOffice, holf.RoleTrainingSupport: OwnOffice,
		holf.RoleCountyGovernor: OwnOffice, holf.RoleProjectManagement: All, holf.RoleResearcher: All, holf.RoleAdministrator: All,
		holf.RoleSystem: All,
	},
	OfficeManage: {holf.RoleAdministrator: All, holf.RoleSystem: All},
	// Staff records: leaders and training support see the people of their
	// offices (whom they follow up); coordinators see their colleagues.
	PersonList: {
		holf.RoleCoordinator: OwnOffice, holf.RoleOfficeLeader: OwnOffice, holf.RoleTrainingSupport: OwnOffice,
		holf.RoleProjectManagement: All, holf.RoleAdministrator: All, holf.RoleSystem: All,
	},
	PersonView: {
		holf.RoleOfficeLeader: OwnOffice, holf.RoleTrainingSupport: OwnOffice,
		holf.RoleProjectManagement: All, holf.RoleAdministrator: All, holf.RoleSystem: All,
	},
	PersonManage: {holf.RoleAdministrator: All, holf.RoleSystem: All},
	AuditView:    {holf.RoleAdministrator: All, holf.RoleSystem: All},
	TrialView:    {holf.RoleProjectManagement: All, holf.RoleResearcher: All, holf.RoleAdministrator: All, holf.RoleSystem: All},
	// The trial's design belongs to the researchers and project management.
	// A draw needs two named people, so the system account never makes one.
	TrialManage:    {holf.RoleProjectManagement: All, holf.RoleResearcher: All, holf.RoleSystem: All},
	TrialRandomise: {holf.RoleProjectManagement: All, holf.RoleResearcher: All},
	TrialCorrect:   {holf.RoleProjectManagement: All, holf.RoleResearcher: All},
	// Results are for the evaluation: coordinators and leaders see none
	// before the study releases them.
	TrialResults: {holf.RoleProjectManagement: All, holf.RoleResearcher: All, holf.RoleSystem: All},
	// Once released (the use case checks the study), the offices' staff
	// and the county governor see the effect table too: aggregates only.
	TrialReleased: {holf.RoleCoordinator: All, holf.RoleOfficeLeader: All, holf.RoleTrainingSupport: All, holf.RoleCountyGovernor: All,
		holf.RoleProjectManagement: All, holf.RoleResearcher: All, holf.RoleSystem: All},
	TrialRelease: {holf.RoleResearcher: All},
	// The target list names families not yet recruited: the office's own
	// coordinators and leader only. Project management and the system
	// import lists they receive from NAV's registers without reading them.
	TargetView:   {holf.RoleCoordinator: OwnOffice, holf.RoleOfficeLeader: OwnOffice},
	TargetImport: {holf.RoleOfficeLeader: OwnOffice, holf.RoleProjectManagement: All, holf.RoleSystem: All},
	TargetRecord: {holf.RoleCoordinator: OwnOffice},
	// Families are seen only at their own office: coordinators work with
	// them, leaders follow the office's caseload, training support reviews
	// the forms. Administrators, project management and researchers see no
	// family records (researchers get pseudonymised exports instead).
	FamilyList:   {holf.RoleCoordinator: OwnOffice, holf.RoleOfficeLeader: OwnOffice, holf.RoleTrainingSupport: OwnOffice},
	FamilyView:   {holf.RoleCoordinator: OwnOffice, holf.RoleOfficeLeader: OwnOffice, holf.RoleTrainingSupport: OwnOffice},
	FamilyManage: {holf.RoleCoordinator: OwnOffice},
	// Leaders answer families' access requests and watch for misuse.
	FamilyAccess: {holf.RoleOfficeLeader: OwnOffice},
	// Questionnaires: counts are not personal data and are followed
	// nationally; who has not answered is known only at the office, where
	// coordinators hand out links to parents and leaders to coordinators.
	// Researchers get the answers pseudonymised, and nobody else gets them.
	SurveyTrack: {
		holf.RoleCoordinator: OwnOffice, holf.RoleOfficeLeader: OwnOffice, holf.RoleTrainingSupport: OwnOffice,
		holf.RoleProjectManagement: All, holf.RoleResearcher: All,
	},
	SurveyManage: {holf.RoleCoordinator: OwnOffice, holf.RoleOfficeLeader: OwnOffice},
	// The coordinators' questionnaire rates their leader and their
	// colleagues' work: the leader sees who has answered, nobody sees
	// answers, and nobody but the coordinator gets the link (so that no
	// one can answer as them).
	SurveyStaff:  {holf.RoleOfficeLeader: OwnOffice},
	SurveyOwn:    {holf.RoleCoordinator: OwnOffice},
	SurveySetup:  {holf.RoleProjectManagement: All, holf.RoleResearcher: All, holf.RoleSystem: All},
	SurveyExport: {holf.RoleResearcher: All, holf.RoleSystem: All},
	DataImport:   {holf.RoleSystem: All},
	// After-reflections are the coordinators' own learning notes (seed
	// 003, §6.4): their colleagues at the office read them (two often
	// follow a family together); the leader and training support see
	// one's text only when its coordinator shares it.
	ReflectionRead:   {holf.RoleCoordinator: OwnOffice},
	ReflectionShared: {holf.RoleOfficeLeader: OwnOffice, holf.RoleTrainingSupport: OwnOffice},
	DayView:          {holf.RoleCoordinator: OwnOffice},
	CalendarOwn:      {holf.RoleCoordinator: OwnOffice},
	// The actor list is the office's: its coordinators and leader keep it,
	// training support reads it.
	PartnerView:   {holf.RoleCoordinator: OwnOffice, holf.RoleOfficeLeader: OwnOffice, holf.RoleTrainingSupport: OwnOffice},
	PartnerManage: {holf.RoleCoordinator: OwnOffice, holf.RoleOfficeLeader: OwnOffice},
	// Emergency overrides of consent are the leader's to watch.
	OverrideView: {holf.RoleOfficeLeader: OwnOffice},
	// A coordinator lifts a matter to the office's leader, who answers it.
	EscalationRaise:  {holf.RoleCoordinator: OwnOffice},
	EscalationHandle: {holf.RoleOfficeLeader: OwnOffice},
	ShareExtract:     {holf.RoleCoordinator: OwnOffice},
	// Supervision groups span offices (seed 003, §7): their leader and
	// members reach what the group shares, and a case only under its
	// alias; the family behind it is reached through FamilyView at its own
	// office. Project management sets groups up and follows attendance,
	// never the cases' text.
	GroupView:     {holf.RoleGroupLeader: OwnGroup, holf.RoleGroupMember: OwnGroup, holf.RoleProjectManagement: All},
	GroupManage:   {holf.RoleProjectManagement: All, holf.RoleAdministrator: All, holf.RoleSystem: All},
	SessionManage: {holf.RoleGroupLeader: OwnGroup, holf.RoleProjectManagement: All},
	SessionRun:    {holf.RoleGroupLeader: OwnGroup},
	CaseRead:      {holf.RoleGroupLeader: OwnGroup, holf.RoleGroupMember: OwnGroup},
	CasePrepare:   {holf.RoleCoordinator: OwnOffice},
	CaseSubmit:    {holf.RoleGroupMember: OwnGroup},
	// Training support reviews the forms of the offices it supports
	// (§5.3); the office sees the verdicts where the forms are.
	ReviewRequest: {holf.RoleCoordinator: OwnOffice},
	ReviewGive:    {holf.RoleTrainingSupport: OwnOffice},
	ReviewView:    {holf.RoleCoordinator: OwnOffice, holf.RoleOfficeLeader: OwnOffice, holf.RoleTrainingSupport: OwnOffice},
	// The action logs feed implementation quality (§5.4): each keeps its
	// own, project management reads both.
	LogSupport:    {holf.RoleTrainingSupport: OwnOffice},
	LogManagement: {holf.RoleProjectManagement: All},
	LogView:       {holf.RoleTrainingSupport: OwnOffice, holf.RoleProjectManagement: All},
	// The leader follows up the office's coordinators monthly (§8.5); a
	// coordinator reads what was recorded about them.
	FollowUpWrite: {holf.RoleOfficeLeader: OwnOffice},
	FollowUpView:  {holf.RoleOfficeLeader: OwnOffice},
	FollowUpOwn:   {holf.RoleCoordinator: OwnOffice},
	SeminarView: {holf.RoleCoordinator: All, holf.RoleOfficeLeader: All, holf.RoleTrainingSupport: All,
		holf.RoleProjectManagement: All},
	SeminarManage: {holf.RoleProjectManagement: All},
	TopicStats:    {holf.RoleTrainingSupport: OwnOffice, holf.RoleProjectManagement: All},
	// Fidelity figures are counts of work, per office and coordinator:
	// project management and researchers follow every office, training
	// support and leaders their own; a coordinator sees their own figures.
	// The families behind a figure are reached through FamilyList only.
	FidelityView: {holf.RoleOfficeLeader: OwnOffice, holf.RoleTrainingSupport: OwnOffice, holf.RoleProjectManagement: All,
		holf.RoleResearcher: All},
	FidelityOwn:     {holf.RoleCoordinator: OwnOffice},
	FidelityExport:  {holf.RoleResearcher: All, holf.RoleSystem: All},
	FidelityRefresh: {holf.RoleSystem: All},
}

// Decision is the answer to one question: allowed or not, and under which
// role (recorded in the audit log).
type Decision struct {
	Allowed bool
	Role    holf.Role
}

// Decide answers whether a may do act on res. A nil actor is denied.
// When several roles allow it, the broadest scope wins and, among equals,
// the first role in holf.Roles, so that the audit log names a stable role.
func Decide(a *holf.Actor, act Action, res Resource) Decision {
	return decide(rules, a, act, res)
}

func decide(table map[Action]map[holf.Role]Scope, a *holf.Actor, act Action, res Resource) Decision {
	if a == nil {
		return Decision{}
	}
	grants := table[act]
	best := Decision{}
	bestScope := None
	for _, as := range a.Assignments {
		sc := grants[as.Role]
		if !reaches(sc, as, res) {
			continue
		}
		if sc > bestScope || sc == bestScope && roleRank(as.Role) < roleRank(best.Role) {
			best, bestScope = Decision{Allowed: true, Role: as.Role}, sc
		}
	}
	return best
}

// reaches reports whether a grant of scope sc through assignment as covers res.
func reaches(sc Scope, as holf.Assignment, res Resource) bool {
	switch sc {
	case All:
		return true
	case OwnOffice:
		return as.OfficeID != 0 && slices.Contains(res.Offices, as.OfficeID)
	case OwnGroup:
		return as.GroupID != 0 && slices.Contains(res.Groups, as.GroupID)
	case OwnFamily:
		return as.FamilyID != 0 && res.Family == as.FamilyID
	}
	return false
}

func roleRank(r holf.Role) int {
	if i := slices.Index(holf.Roles, r); i >= 0 {
		return i
	}
	return len(holf.Roles)
}

// Allows reports whether a may do act on at least some resource: the coarse
// check a route makes before it loads anything.
func Allows(a *holf.Actor, act Action) bool {
	if a == nil {
		return false
	}
	for _, as := range a.Assignments {
		if rules[act][as.Role] != None {
			return true
		}
	}
	return false
}

// Visible tells which offices' resources a may see for act through an office
// or global grant: every office, the listed ones, or none. Lists and
// searches filter with it so that nothing of another office leaks through
// them; its zero value (nil actor, no grant) matches nothing. Group and
// family grants are not office-wide and never widen it.
func Visible(a *holf.Actor, act Action) holf.OfficeSet {
	return visible(rules, a, act)
}

func visible(table map[Action]map[holf.Role]Scope, a *holf.Actor, act Action) holf.OfficeSet {
	if a == nil {
		return holf.OfficeSet{}
	}
	var ids []int64
	for _, as := range a.Assignments {
		switch table[act][as.Role] {
		case All:
			return holf.AllOffices()
		case OwnOffice:
			ids = append(ids, as.OfficeID)
		}
	}
	return holf.Offices(ids...)
}

// Groups lists the groups whose resources a may reach for act through a
// group grant (leading or belonging to them), in assignment order.
func Groups(a *holf.Actor, act Action) []int64 {
	if a == nil {
		return nil
	}
	var ids []int64
	for _, as := range a.Assignments {
		if rules[act][as.Role] == OwnGroup && as.GroupID != 0 && !slices.Contains(ids, as.GroupID) {
			ids = append(ids, as.GroupID)
		}
	}
	return ids
}

// Actions lists every action in the table, for tests and documentation.
func Actions() []Action {
	out := make([]Action, 0, len(rules))
	for a := range rules {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Grants returns the scope role r has for act.
func Grants(r holf.Role, act Action) Scope { return rules[act][r] }

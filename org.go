package holf

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Arm is an office's arm in the cluster-randomised trial.
type Arm string

const (
	ArmIntervention Arm = "intervention"
	ArmComparison   Arm = "comparison"
	ArmNone         Arm = "none"
)

// Arms lists the valid arms in display order.
var Arms = []Arm{ArmIntervention, ArmComparison, ArmNone}

// Valid reports whether a is a known arm.
func (a Arm) Valid() bool { return slices.Contains(Arms, a) }

// ModelTools reports whether offices in arm a use the HOLF model's own
// tools: the FGE form, the Menu agenda, supervision groups and training
// support's review. Comparison offices do not, so that the model does not
// reach them while the trial runs (contamination); families, the mapping,
// the plan and the contact log serve both arms.
func (a Arm) ModelTools() bool { return a != ArmComparison }

// ModelOnly is the refusal of a model tool at a comparison office.
func ModelOnly() *Error {
	return &Error{Code: EForbidden, Key: "err.model_only",
		Message: "this is one of the HOLF model's own tools, which comparison offices do not use while the trial runs"}
}

// Office is a NAV office taking part in HOLF.
type Office struct {
	ID           int64
	Name         string
	Municipality string
	Arm          Arm
	TargetAreas  []TargetArea // the areas its mapping and plan use
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Validate checks the office's fields.
func (o *Office) Validate() error {
	var v Validation
	o.Name = strings.TrimSpace(o.Name)
	o.Municipality = strings.TrimSpace(o.Municipality)
	checkText(&v, "name", o.Name, 1, 120)
	checkText(&v, "municipality", o.Municipality, 1, 120)
	if !o.Arm.Valid() {
		v.Add("arm", "err.arm")
	}
	if o.TargetAreas == nil {
		o.TargetAreas = slices.Clone(TargetAreas) // never the shared list itself
	}
	if len(o.TargetAreas) == 0 {
		v.Add("target_areas", "err.target_areas")
	}
	return v.Err()
}

// Role is what a person does in HOLF. Roles are scoped: office roles hold for
// one office per assignment, global roles for all.
type Role string

const (
	RoleCoordinator       Role = "coordinator"
	RoleOfficeLeader      Role = "office_leader"
	RoleTrainingSupport   Role = "training_support"
	RoleCountyGovernor    Role = "county_governor"
	RoleProjectManagement Role = "project_management"
	RoleResearcher        Role = "researcher"
	RoleAdministrator     Role = "administrator"
)

// RoleSystem is the role of the command line and background jobs acting on
// their own account. No person can hold it (it is not in Roles); the policy
// table grants it only administration.
const RoleSystem Role = "system"

// Roles lists every role a person can hold, in display order.
var Roles = []Role{RoleCoordinator, RoleOfficeLeader, RoleTrainingSupport, RoleCountyGovernor,
	RoleProjectManagement, RoleResearcher, RoleAdministrator}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// OfficeScoped reports whether an assignment of r names an office.
func (r Role) OfficeScoped() bool {
	switch r {
	case RoleCoordinator, RoleOfficeLeader, RoleTrainingSupport, RoleCountyGovernor:
		return true
	}
	return false
}

// Assignment gives a person a role, at one office for office-scoped roles.
// GroupID and FamilyID narrow an assignment to one group (a supervision
// group spanning offices) or one family (the family portal); they are 0 for
// staff roles held at an office or globally.
type Assignment struct {
	Role     Role
	OfficeID int64 // 0 for global roles
	GroupID  int64
	FamilyID int64
}

// Person is a member of staff with an account. Families and their members are
// separate records: they never log in to the staff interface.
type Person struct {
	ID          int64
	Username    string
	Name        string
	Email       string
	Disabled    bool
	Assignments []Assignment
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// OfficeIDs returns the distinct offices where p holds any role, in the
// order of p's assignments.
func (p *Person) OfficeIDs() []int64 {
	var ids []int64
	for _, a := range p.Assignments {
		if a.OfficeID != 0 && !slices.Contains(ids, a.OfficeID) {
			ids = append(ids, a.OfficeID)
		}
	}
	return ids
}

// HasRole reports whether p holds r at any office.
func (p *Person) HasRole(r Role) bool {
	for _, a := range p.Assignments {
		if a.Role == r {
			return true
		}
	}
	return false
}

// Validate checks the person's fields and assignments.
func (p *Person) Validate() error {
	var v Validation
	p.Username = strings.ToLower(strings.TrimSpace(p.Username))
	p.Name = strings.TrimSpace(p.Name)
	p.Email = strings.TrimSpace(p.Email)
	if !ValidUsername(p.Username) {
		v.Add("username", "err.username")
	}
	checkText(&v, "name", p.Name, 1, 120)
	if p.Email != "" && (len(p.Email) > 200 || !strings.Contains(p.Email, "@") || strings.ContainsAny(p.Email, " \t\r\n<>")) {
		v.Add("email", "err.email")
	}
	seen := map[Assignment]bool{}
	for _, a := range p.Assignments {
		switch {
		case !a.Role.Valid():
			v.Add("roles", "err.role")
		case a.Role.OfficeScoped() && a.OfficeID == 0:
			v.Add("roles", "err.role_needs_office", string(a.Role))
		case !a.Role.OfficeScoped() && a.OfficeID != 0:
			v.Add("roles", "err.role_is_global", string(a.Role))
		case seen[a]:
			v.Add("roles", "err.role_duplicate", string(a.Role))
		}
		seen[a] = true
	}
	return v.Err()
}

// ValidUsername reports whether s is 2-40 characters of a-z, 0-9, '.', '-' or '_'.
func ValidUsername(s string) bool {
	if len(s) < 2 || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkText checks a one-line text: its length in characters, and no
// control characters.
func checkText(v *Validation, field, s string, minLen, maxLen int) {
	checkChars(v, field, s, minLen, maxLen, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// checkMultiline checks a text of several lines: line breaks and tabs are
// allowed, other control characters are not.
func checkMultiline(v *Validation, field, s string, minLen, maxLen int) {
	checkChars(v, field, s, minLen, maxLen, func(r rune) bool {
		return (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f
	})
}

func checkChars(v *Validation, field, s string, minLen, maxLen int, bad func(rune) bool) {
	if !utf8.ValidString(s) {
		v.Add(field, "err.control_chars")
		return
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n < minLen:
		v.Add(field, "err.required")
	case n > maxLen:
		v.Add(field, "err.too_long", maxLen, n)
	case strings.ContainsFunc(s, bad):
		v.Add(field, "err.control_chars")
	}
}

// Actor is the authenticated caller of one request or command.
type Actor struct {
	PersonID    int64
	Username    string
	Name        string
	Assignments []Assignment
	Via         string // "session", "token" or "cli"
	SessionID   string // hash of the session id, when Via is "session"
	CSRFToken   string // the session's form token, when Via is "session"
}

// OfficeIDs returns the offices where a holds r.
func (a *Actor) OfficeIDs(r Role) []int64 {
	var ids []int64
	for _, as := range a.Assignments {
		if as.Role == r && as.OfficeID != 0 {
			ids = append(ids, as.OfficeID)
		}
	}
	return ids
}

// HasRole reports whether a holds r anywhere.
func (a *Actor) HasRole(r Role) bool {
	for _, as := range a.Assignments {
		if as.Role == r {
			return true
		}
	}
	return false
}

// Roles returns the distinct roles a holds, in the order of Roles.
func (a *Actor) Roles() []Role {
	var out []Role
	for _, r := range Roles {
		if a.HasRole(r) {
			out = append(out, r)
		}
	}
	return out
}

// AuditEvent describes one audited read or write. Storage fills in the time,
// sequence number and hash chain when it appends the event. Its JSON form
// is what the API and the command line print.
type AuditEvent struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`    // 0 for the system or command line without a person
	Actor      string    `json:"actor"`       // username, or "cli:<name>"
	Role       Role      `json:"role"`        // the role under which the action was permitted
	Action     string    `json:"action"`      // e.g. "person.view", "office.update"
	RecordType string    `json:"record_type"` // e.g. "person", "office"
	RecordID   int64     `json:"record_id"`
	Purpose    string    `json:"purpose"`
	// RecordIDs lists the records a list view showed (one entry for the
	// whole list); DataRef names the data a write stored and DataDigest is
	// its SHA-256, so that changed data is detectable.
	RecordIDs  []int64 `json:"record_ids,omitempty"`
	DataRef    string  `json:"data_ref,omitempty"`
	DataDigest string  `json:"data_digest,omitempty"`
	PrevHash   string  `json:"-"`
	Hash       string  `json:"hash"`
}

// Token is an API token. The secret is shown once at creation and stored hashed.
type Token struct {
	ID        int64
	PersonID  int64
	Name      string
	CreatedAt time.Time
	LastUsed  time.Time
	RevokedAt time.Time
}

package holf

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ConsentCategory is a kind of information a consent lets be shared.
type ConsentCategory string

const (
	CategoryWork     ConsentCategory = "work"
	CategoryEconomy  ConsentCategory = "economy"
	CategoryHousing  ConsentCategory = "housing"
	CategoryChildren ConsentCategory = "children" // the children's situation
	CategoryHealth   ConsentCategory = "health"
	CategoryPlan     ConsentCategory = "plan" // the family plan
)

// ConsentCategories lists the categories.
var ConsentCategories = []ConsentCategory{CategoryChildren, CategoryPlan, CategoryWork, CategoryEconomy, CategoryHousing, CategoryHealth}

// Valid reports whether c is a known category.
func (c ConsentCategory) Valid() bool { return slices.Contains(ConsentCategories, c) }

// AreaCategory is the category of information a target area's content is.
func AreaCategory(a TargetArea) ConsentCategory {
	switch a {
	case AreaWork:
		return CategoryWork
	case AreaEconomy:
		return CategoryEconomy
	case AreaHousing:
		return CategoryHousing
	case AreaChildren:
		return CategoryChildren
	case AreaHealth:
		return CategoryHealth
	}
	return CategoryPlan
}

// ConsentAction is what a consent lets be done with the information.
type ConsentAction string

const (
	ActionDisclose ConsentAction = "disclose" // NAV tells the partner
	ActionReceive  ConsentAction = "receive"  // the partner tells NAV
	ActionDiscuss  ConsentAction = "discuss"  // in a collaboration meeting
)

// ConsentActions lists the actions.
var ConsentActions = []ConsentAction{ActionDisclose, ActionReceive, ActionDiscuss}

// Valid reports whether a is a known action.
func (a ConsentAction) Valid() bool { return slices.Contains(ConsentActions, a) }

// ConsentMethod is how a consent was collected.
type ConsentMethod string

const (
	MethodPaper   ConsentMethod = "paper"   // signed on paper
	MethodMeeting ConsentMethod = "meeting" // given orally in a meeting, recorded there
	MethodDigital ConsentMethod = "digital"
)

// ConsentMethods lists the methods.
var ConsentMethods = []ConsentMethod{MethodPaper, MethodMeeting, MethodDigital}

// ConsentStatus is where a consent stands on a day.
type ConsentStatus string

const (
	ConsentActive      ConsentStatus = "active"
	ConsentPending     ConsentStatus = "pending" // given for a later start
	ConsentExpired     ConsentStatus = "expired"
	ConsentWithdrawn   ConsentStatus = "withdrawn"
	ConsentInvalidated ConsentStatus = "invalidated" // replaced by a corrected record
)

// Consent is a family member's consent to share information with named
// partners, lifting the duty of confidentiality (forvaltningsloven § 13 a
// nr. 1). Shaped after ISO/IEC TS 27560 and FHIR Consent. It is never
// edited once given: a correction invalidates it and makes a new record,
// and a withdrawal is an event on it. It is separate from the consent to
// take part in the evaluation, which is recorded with recruitment.
type Consent struct {
	ID         int64
	FamilyID   int64
	MemberID   int64 // whose information is shared
	GrantorID  int64 // who consented: the member, or a parent for a child
	Recipients []int64
	Purpose    string
	Categories []ConsentCategory
	Actions    []ConsentAction
	GivenOn    time.Time
	ExpiresOn  time.Time
	Method     ConsentMethod
	// Withdrawal: when, noted by whom, and how the member said it.
	WithdrawnOn  time.Time
	WithdrawnBy  string
	WithdrawnHow string
	// InvalidatedOn is set when a corrected record replaces this one (ReplacedBy).
	InvalidatedOn time.Time
	ReplacedBy    int64
	RecordedBy    string
	CreatedAt     time.Time
	Version       int64
}

// MaxConsentMonths bounds a consent's length: it must expire.
const MaxConsentMonths = 24

// StatusOn is where c stands on day d.
func (c *Consent) StatusOn(d time.Time) ConsentStatus {
	switch {
	case !c.InvalidatedOn.IsZero():
		return ConsentInvalidated
	case !c.WithdrawnOn.IsZero() && !d.Before(c.WithdrawnOn):
		return ConsentWithdrawn
	case d.Before(c.GivenOn):
		return ConsentPending
	case d.After(c.ExpiresOn):
		return ConsentExpired
	}
	return ConsentActive
}

// Validate checks a new consent against its family, the office's partners
// (by id) and today. A consent needs a recipient, a purpose, what may be
// shared and how, and an expiry after its start and at most
// MaxConsentMonths ahead; a child's consent is given by a parent.
func (c *Consent) Validate(f *Family, partners []int64, today time.Time) error {
	var v Validation
	member, ok := memberOf(f, c.MemberID)
	if !ok {
		v.Add("member", "err.member_unknown")
	}
	grantor, gok := memberOf(f, c.GrantorID)
	switch {
	case c.GrantorID == 0:
		v.Add("grantor", "err.required")
	case !gok:
		v.Add("grantor", "err.member_unknown")
	case ok && c.GrantorID != c.MemberID && grantor.Role != MemberParent:
		v.Add("grantor", "err.grantor_parent")
	case ok && member.Role == MemberChild && grantor.Role != MemberParent && member.Age(today) < 16:
		v.Add("grantor", "err.grantor_parent")
	}
	if len(c.Recipients) == 0 {
		v.Add("recipients", "err.consent_no_recipient")
	}
	for _, r := range c.Recipients {
		if !slices.Contains(partners, r) {
			v.Add("recipients", "err.partner_unknown")
			break
		}
	}
	c.Recipients = uniqueSorted(c.Recipients)
	c.Purpose = strings.TrimSpace(c.Purpose)
	checkMultiline(&v, "purpose", c.Purpose, 1, 1000)
	if len(c.Categories) == 0 {
		v.Add("categories", "err.consent_no_category")
	}
	for _, k := range c.Categories {
		if !k.Valid() {
			v.Add("categories", "err.status")
		}
	}
	if len(c.Actions) == 0 {
		v.Add("actions", "err.consent_no_action")
	}
	for _, a := range c.Actions {
		if !a.Valid() {
			v.Add("actions", "err.status")
		}
	}
	if !slices.Contains(ConsentMethods, c.Method) {
		v.Add("method", "err.required")
	}
	switch {
	case c.GivenOn.IsZero():
		v.Add("given_on", "err.required")
	case c.GivenOn.After(day(today)):
		v.Add("given_on", "err.date_future")
	}
	switch {
	case c.ExpiresOn.IsZero():
		v.Add("expires_on", "err.consent_expiry_required")
	case !c.GivenOn.IsZero() && !c.ExpiresOn.After(c.GivenOn):
		v.Add("expires_on", "err.consent_expiry_before_start")
	case !c.GivenOn.IsZero() && c.ExpiresOn.After(c.GivenOn.AddDate(0, MaxConsentMonths, 0)):
		v.Add("expires_on", "err.consent_too_long", MaxConsentMonths)
	}
	return v.Err()
}

func uniqueSorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Covers reports whether c lets information of category cat about its
// member be used for action act with partner on day d.
func (c *Consent) Covers(partner int64, cat ConsentCategory, act ConsentAction, d time.Time) bool {
	return c.StatusOn(d) == ConsentActive && slices.Contains(c.Recipients, partner) && slices.Contains(c.Categories, cat) && slices.Contains(c.Actions, act)
}

// Need is a use of information a consent must cover: what (Category) about
// whom (Member; 0 for any member of the family), to do what (Action) with
// which partner, on which day.
type Need struct {
	Member   int64
	Partner  int64
	Category ConsentCategory
	Action   ConsentAction
	On       time.Time
}

// Gap is why no consent covers a need: the nearest consent's missing
// parts, for a message that says exactly what is missing.
type Gap struct {
	Need    Need
	Nearest *Consent // nil when the family has no consent for the member at all
	// Missing names what the nearest consent lacks: "recipient",
	// "category", "action", "expired", "withdrawn", "not_yet".
	Missing []string
}

func (g Gap) Error() string {
	return fmt.Sprintf("no consent covers %s of %s with partner %d on %s: missing %s", g.Need.Action, g.Need.Category, g.Need.Partner,
		g.Need.On.Format("2006-01-02"), strings.Join(g.Missing, ", "))
}

// Check finds the consent among cs that covers n, or the gap: the consent
// that comes nearest, with what it lacks.
func Check(cs []Consent, n Need) (*Consent, *Gap) {
	var best *Consent
	var bestMissing []string
	for i := range cs {
		c := &cs[i]
		if n.Member != 0 && c.MemberID != n.Member {
			continue
		}
		var missing []string
		if !slices.Contains(c.Recipients, n.Partner) {
			missing = append(missing, "recipient")
		}
		if !slices.Contains(c.Categories, n.Category) {
			missing = append(missing, "category")
		}
		if !slices.Contains(c.Actions, n.Action) {
			missing = append(missing, "action")
		}
		switch c.StatusOn(n.On) {
		case ConsentExpired:
			missing = append(missing, "expired")
		case ConsentWithdrawn:
			missing = append(missing, "withdrawn")
		case ConsentPending:
			missing = append(missing, "not_yet")
		case ConsentInvalidated:
			continue
		}
		if len(missing) == 0 {
			return c, nil
		}
		if best == nil || len(missing) < len(bestMissing) {
			best, bestMissing = c, missing
		}
	}
	if best == nil {
		return nil, &Gap{Need: n, Missing: []string{"consent"}}
	}
	return nil, &Gap{Need: n, Nearest: best, Missing: bestMissing}
}

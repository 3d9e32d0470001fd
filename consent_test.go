package holf

import (
	"slices"
	"testing"
	"time"
)

func TestValidOrgNumber(t *testing.T) {
	for _, s := range []string{"889640782", "974760673"} { // NAV, Brønnøysundregistrene
		if !ValidOrgNumber(s) {
			t.Errorf("%s is a real organisation number", s)
		}
	}
	for _, s := range []string{"889640781", "88964078", "8896407820", "88964078x", "", "000000001"} {
		if ValidOrgNumber(s) {
			t.Errorf("%q is no organisation number", s)
		}
	}
}

func TestPartnerValidate(t *testing.T) {
	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	p := Partner{Name: " Furuset skole ", OrgNumber: "974 760 673", Kind: PartnerSchool, Phone: "+47 22 00 00 00", Email: "post@furuset.example",
		Contacts: []PartnerContact{{Name: "Rektor Eva Lund", Level: LevelLeader}, {Name: "Kontaktlærer Ola Dahl"}}}
	if err := p.Validate(today); err != nil {
		t.Fatalf("a valid partner: %v", err)
	}
	if p.Name != "Furuset skole" || p.OrgNumber != "974760673" || p.Contacts[1].Level != LevelOperational {
		t.Fatalf("not normalised: %+v", p)
	}
	bad := Partner{Name: "", OrgNumber: "123456789", Kind: "bank", Phone: "22", Email: "ikke e-post", CheckedOn: today.AddDate(0, 0, 2),
		Contacts: []PartnerContact{{Name: "", Level: "boss", Email: "x@"}}}
	got := fieldsOf(bad.Validate(today))
	for field, key := range map[string]string{"name": "err.required", "org_number": "err.org_number", "kind": "err.required", "phone": "err.phone",
		"email": "err.email", "checked_on": "err.date_future", "contacts.0.name": "err.required", "contacts.0.level": "err.status", "contacts.0.email": "err.email"} {
		if got[field] != key {
			t.Errorf("%s: got %q, want %q (all: %v)", field, got[field], key, got)
		}
	}
	p.CheckedOn = today.AddDate(-1, 0, 1)
	if p.NeedsCheck(today) {
		t.Error("checked less than a year ago")
	}
	p.CheckedOn = today.AddDate(-1, 0, -1)
	if !p.NeedsCheck(today) {
		t.Error("checked more than a year ago asks to be checked")
	}
}

func consentFamily() *Family {
	return &Family{ID: 1, Members: []Member{{ID: 10, Role: MemberParent, Name: "Hodan", BirthYear: 1985}, {ID: 11, Role: MemberChild, Name: "Ayaan", BirthYear: 2015},
		{ID: 12, Role: MemberParent, Name: "Abdi", BirthYear: 1980}}}
}

func TestConsentValidate(t *testing.T) {
	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ok := Consent{FamilyID: 1, MemberID: 11, GrantorID: 10, Recipients: []int64{3, 2, 3}, Purpose: "Samarbeid om Ayaans skolehverdag",
		Categories: []ConsentCategory{CategoryChildren}, Actions: []ConsentAction{ActionDiscuss}, GivenOn: today, ExpiresOn: today.AddDate(1, 0, 0), Method: MethodPaper}
	if err := ok.Validate(consentFamily(), []int64{2, 3}, today); err != nil {
		t.Fatalf("a parent consents for a child: %v", err)
	}
	if !slices.Equal(ok.Recipients, []int64{2, 3}) {
		t.Fatalf("recipients not made unique: %v", ok.Recipients)
	}
	cases := []struct {
		name, field, key string
		change           func(*Consent)
	}{
		{"no recipient", "recipients", "err.consent_no_recipient", func(c *Consent) { c.Recipients = nil }},
		{"another office's partner", "recipients", "err.partner_unknown", func(c *Consent) { c.Recipients = []int64{99} }},
		{"no purpose", "purpose", "err.required", func(c *Consent) { c.Purpose = "  " }},
		{"nothing to share", "categories", "err.consent_no_category", func(c *Consent) { c.Categories = nil }},
		{"no action", "actions", "err.consent_no_action", func(c *Consent) { c.Actions = nil }},
		{"no expiry", "expires_on", "err.consent_expiry_required", func(c *Consent) { c.ExpiresOn = time.Time{} }},
		{"expiry before start", "expires_on", "err.consent_expiry_before_start", func(c *Consent) { c.ExpiresOn = today.AddDate(0, 0, -1) }},
		{"too long", "expires_on", "err.consent_too_long", func(c *Consent) { c.ExpiresOn = today.AddDate(2, 0, 1) }},
		{"given in the future", "given_on", "err.date_future", func(c *Consent) { c.GivenOn = today.AddDate(0, 0, 1) }},
		{"a child consents for a parent", "grantor", "err.grantor_parent", func(c *Consent) { c.MemberID, c.GrantorID = 10, 11 }},
		{"a young child for itself", "grantor", "err.grantor_parent", func(c *Consent) { c.GrantorID = 11 }},
		{"no method", "method", "err.required", func(c *Consent) { c.Method = "" }},
		{"another family's member", "member", "err.member_unknown", func(c *Consent) { c.MemberID = 77 }},
	}
	for _, tc := range cases {
		c := ok
		c.Recipients = slices.Clone(ok.Recipients)
		tc.change(&c)
		if got := fieldsOf(c.Validate(consentFamily(), []int64{2, 3}, today)); got[tc.field] != tc.key {
			t.Errorf("%s: %s got %q, want %q (%v)", tc.name, tc.field, got[tc.field], tc.key, got)
		}
	}
}

func TestConsentStatusAndCheck(t *testing.T) {
	given := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	c := Consent{ID: 1, MemberID: 11, Recipients: []int64{2, 3}, Categories: []ConsentCategory{CategoryChildren, CategoryPlan},
		Actions: []ConsentAction{ActionDiscuss, ActionDisclose}, GivenOn: given, ExpiresOn: given.AddDate(1, 0, 0)}
	for d, want := range map[time.Time]ConsentStatus{given.AddDate(0, 0, -1): ConsentPending, given: ConsentActive, given.AddDate(1, 0, 0): ConsentActive,
		given.AddDate(1, 0, 1): ConsentExpired} {
		if got := c.StatusOn(d); got != want {
			t.Errorf("on %s: %s, want %s", d.Format("2006-01-02"), got, want)
		}
	}
	on := given.AddDate(0, 1, 0)
	need := Need{Member: 11, Partner: 2, Category: CategoryChildren, Action: ActionDiscuss, On: on}
	if got, gap := Check([]Consent{c}, need); gap != nil || got.ID != 1 {
		t.Fatalf("covered: %v %v", got, gap)
	}
	// The GP is not a recipient: the gap names the recipient only.
	gp := need
	gp.Partner = 9
	if _, gap := Check([]Consent{c}, gp); gap == nil || !slices.Equal(gap.Missing, []string{"recipient"}) || gap.Nearest.ID != 1 {
		t.Fatalf("the GP: %+v", gap)
	}
	health := need
	health.Category = CategoryHealth
	if _, gap := Check([]Consent{c}, health); gap == nil || !slices.Equal(gap.Missing, []string{"category"}) {
		t.Fatalf("health: %+v", gap)
	}
	// Another member's information is not covered by this consent at all.
	parent := need
	parent.Member = 10
	if _, gap := Check([]Consent{c}, parent); gap == nil || gap.Nearest != nil || gap.Missing[0] != "consent" {
		t.Fatalf("the parent: %+v", gap)
	}
	// Withdrawn: from that day on it covers nothing; before it, it did.
	w := c
	w.WithdrawnOn = on
	if _, gap := Check([]Consent{w}, need); gap == nil || !slices.Equal(gap.Missing, []string{"withdrawn"}) {
		t.Fatalf("withdrawn: %+v", gap)
	}
	before := need
	before.On = on.AddDate(0, 0, -1)
	if _, gap := Check([]Consent{w}, before); gap != nil {
		t.Fatalf("before the withdrawal: %+v", gap)
	}
	// An invalidated record never counts; the corrected one does.
	inv := c
	inv.InvalidatedOn = on
	if _, gap := Check([]Consent{inv}, need); gap == nil || gap.Nearest != nil {
		t.Fatalf("invalidated: %+v", gap)
	}
	fixed := c
	fixed.ID = 2
	if got, gap := Check([]Consent{inv, fixed}, need); gap != nil || got.ID != 2 {
		t.Fatalf("corrected: %v %+v", got, gap)
	}
	// A need for any member is covered by any member's consent.
	anyone := need
	anyone.Member = 0
	if _, gap := Check([]Consent{c}, anyone); gap != nil {
		t.Fatalf("any member: %+v", gap)
	}
	// Expired: the gap says so.
	late := need
	late.On = given.AddDate(2, 0, 0)
	if _, gap := Check([]Consent{c}, late); gap == nil || !slices.Equal(gap.Missing, []string{"expired"}) {
		t.Fatalf("expired: %+v", gap)
	}
}

func TestMeetingPartnersAndCategories(t *testing.T) {
	m := Meeting{Participants: []Participant{{Kind: ParticipantMember, MemberID: 10}, {Kind: ParticipantPartner, PartnerID: 4}, {Kind: ParticipantPartner, PartnerID: 2}},
		Agenda: []AgendaTopic{{Title: "Skole", Area: AreaChildren}, {Title: "Skolen igjen", Area: AreaChildren}, {Title: "Annet"}}}
	if got := m.Partners(); !slices.Equal(got, []int64{4, 2}) {
		t.Fatalf("partners %v", got)
	}
	if got := m.Categories(); !slices.Equal(got, []ConsentCategory{CategoryPlan, CategoryChildren}) {
		t.Fatalf("categories %v", got)
	}
}

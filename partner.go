package holf

import (
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PartnerKind is what kind of service a partner is (seed 003, §8.3: the
// services the coordinators worked with most).
type PartnerKind string

const (
	PartnerChildWelfare  PartnerKind = "child_welfare"  // barnevernstjenesten
	PartnerPPT           PartnerKind = "ppt"            // pedagogisk-psykologisk tjeneste
	PartnerGP            PartnerKind = "gp"             // fastlege
	PartnerSchool        PartnerKind = "school"         // skole
	PartnerKindergarten  PartnerKind = "kindergarten"   // barnehage
	PartnerHousing       PartnerKind = "housing"        // boligkontor
	PartnerRefugee       PartnerKind = "refugee"        // flyktningtjeneste
	PartnerDPS           PartnerKind = "dps"            // distriktspsykiatrisk senter
	PartnerHealthStation PartnerKind = "health_station" // helsestasjon
	PartnerVoluntary     PartnerKind = "voluntary"      // frivillige organisasjoner
	PartnerEmployer      PartnerKind = "employer"
	PartnerNAVUnit       PartnerKind = "nav_unit" // andre NAV-enheter
	PartnerOther         PartnerKind = "other"
)

// PartnerKinds lists the kinds in the order forms show them.
var PartnerKinds = []PartnerKind{PartnerChildWelfare, PartnerSchool, PartnerKindergarten, PartnerPPT, PartnerHealthStation, PartnerGP,
	PartnerDPS, PartnerHousing, PartnerRefugee, PartnerVoluntary, PartnerEmployer, PartnerNAVUnit, PartnerOther}

// Valid reports whether k is a known kind.
func (k PartnerKind) Valid() bool { return slices.Contains(PartnerKinds, k) }

// ContactLevel is a partner contact's level: the model lifts what the
// operational contacts cannot solve to leader level (seed 003, §8.4).
type ContactLevel string

const (
	LevelOperational ContactLevel = "operational"
	LevelLeader      ContactLevel = "leader"
)

// PartnerContact is one person at a partner service.
type PartnerContact struct {
	ID    int64
	Name  string
	Role  string
	Level ContactLevel
	Phone string
	Email string
}

// Partner is one entry of an office's actor list (aktørliste), shaped after
// Open Referral HSDS 3.0: an organisation (with its organisation number)
// offering a service in a municipality, with contact people.
type Partner struct {
	ID           int64
	OfficeID     int64
	Name         string // the organisation
	OrgNumber    string // organisasjonsnummer, 9 digits; "" when none (a voluntary group)
	Kind         PartnerKind
	Service      string // the service, e.g. "Skolehelsetjenesten"
	Municipality string
	Phone        string
	Email        string
	Active       bool
	CheckedOn    time.Time // when the entry was last checked
	Contacts     []PartnerContact
	Version      int64
	UpdatedAt    time.Time
}

// CheckInterval is how long an entry stays current before it asks to be
// checked again.
const CheckInterval = 365 * 24 * time.Hour

// NeedsCheck reports whether the entry was last checked a year or more
// before today.
func (p *Partner) NeedsCheck(today time.Time) bool {
	return p.CheckedOn.IsZero() || !today.Before(p.CheckedOn.Add(CheckInterval))
}

// ValidOrgNumber reports whether s is a Norwegian organisation number: nine
// digits whose last is the modulus-11 check digit of the first eight
// (weights 3 2 7 6 5 4 3 2), as Enhetsregisteret assigns them.
func ValidOrgNumber(s string) bool {
	if len(s) != 9 {
		return false
	}
	weights := []int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, r := range s {
		if r < '0' || r > '9' {
			return false
		}
		if i < 8 {
			sum += int(r-'0') * weights[i]
		}
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(s[8]-'0')
}

// Validate checks the entry and its contacts.
func (p *Partner) Validate(today time.Time) error {
	var v Validation
	p.Name, p.Service, p.Municipality = strings.TrimSpace(p.Name), strings.TrimSpace(p.Service), strings.TrimSpace(p.Municipality)
	p.OrgNumber = strings.ReplaceAll(strings.TrimSpace(p.OrgNumber), " ", "")
	p.Phone, p.Email = strings.TrimSpace(p.Phone), strings.TrimSpace(p.Email)
	checkText(&v, "name", p.Name, 1, 200)
	checkText(&v, "service", p.Service, 0, 200)
	checkText(&v, "municipality", p.Municipality, 0, 100)
	if p.OrgNumber != "" && !ValidOrgNumber(p.OrgNumber) {
		v.Add("org_number", "err.org_number")
	}
	if !p.Kind.Valid() {
		v.Add("kind", "err.required")
	}
	checkPhone(&v, "phone", p.Phone)
	checkEmail(&v, "email", p.Email)
	if p.CheckedOn.After(day(today)) {
		v.Add("checked_on", "err.date_future")
	}
	for i := range p.Contacts {
		c := &p.Contacts[i]
		field := func(n string) string { return "contacts." + strconv.Itoa(i) + "." + n }
		c.Name, c.Role, c.Phone, c.Email = strings.TrimSpace(c.Name), strings.TrimSpace(c.Role), strings.TrimSpace(c.Phone), strings.TrimSpace(c.Email)
		checkText(&v, field("name"), c.Name, 1, 120)
		checkText(&v, field("role"), c.Role, 0, 120)
		if c.Level == "" {
			c.Level = LevelOperational
		}
		if c.Level != LevelOperational && c.Level != LevelLeader {
			v.Add(field("level"), "err.status")
		}
		checkPhone(&v, field("phone"), c.Phone)
		checkEmail(&v, field("email"), c.Email)
	}
	return v.Err()
}

func checkPhone(v *Validation, field, s string) {
	if s == "" {
		return
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '+' || r == '-' || r == '(' || r == ')':
		default:
			v.Add(field, "err.phone")
			return
		}
	}
	if digits < 8 || digits > 15 {
		v.Add(field, "err.phone")
	}
}

func checkEmail(v *Validation, field, s string) {
	if s == "" {
		return
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s || len(s) > 200 {
		v.Add(field, "err.email")
	}
}

package app

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

// Partners is the office's actor list (aktørliste) of partner services.
type Partners struct{ *core }

// Directory is an office's actor list with what its page needs.
type Directory struct {
	Office   holf.Office
	Partners []holf.Partner
	CanEdit  bool
	Today    time.Time
}

// List shows office's actor list (audited: it names contact people).
func (p *Partners) List(ctx context.Context, a *holf.Actor, office int64) (Directory, error) {
	role, err := decide(a, policy.PartnerView, policy.OfficeResource("office", office), "office", office)
	if err != nil {
		return Directory{}, err
	}
	d := Directory{Today: p.today(), CanEdit: policy.Decide(a, policy.PartnerManage, policy.OfficeResource("office", office)).Allowed}
	if d.Office, err = p.db.GetOffice(ctx, office); err != nil {
		return d, err
	}
	if d.Partners, err = p.db.Partners(ctx, office); err != nil {
		return d, err
	}
	return d, p.recordView(ctx, a, role, "partner.list", "office", office, PurposeCasework)
}

// Office is the office whose actor list a partner form belongs to, for
// those who may change it; it names no partner, so it is not a view.
func (p *Partners) Office(ctx context.Context, a *holf.Actor, office int64) (holf.Office, error) {
	if err := p.Writable(a, office); err != nil {
		return holf.Office{}, err
	}
	return p.db.GetOffice(ctx, office)
}

// Get loads partner id of office for its form (audited).
func (p *Partners) Get(ctx context.Context, a *holf.Actor, office, id int64) (holf.Partner, error) {
	role, err := decide(a, policy.PartnerManage, policy.OfficeResource("office", office), "office", office)
	if err != nil {
		return holf.Partner{}, err
	}
	pa, err := p.db.Partner(ctx, office, id)
	if err != nil {
		return pa, err
	}
	return pa, p.recordView(ctx, a, role, "partner.view", "partner", id, PurposeCasework)
}

// Create adds partner pa to its office's list.
func (p *Partners) Create(ctx context.Context, a *holf.Actor, pa holf.Partner) (holf.Partner, error) {
	role, err := decide(a, policy.PartnerManage, policy.OfficeResource("office", pa.OfficeID), "office", pa.OfficeID)
	if err != nil {
		return pa, err
	}
	pa.ID = 0
	if err := pa.Validate(p.today()); err != nil {
		return pa, err
	}
	err = p.db.CreatePartner(ctx, event(a, role, "partner.create", "partner", 0, PurposeCasework), &pa)
	return pa, err
}

// Update saves partner pa from pa.Version.
func (p *Partners) Update(ctx context.Context, a *holf.Actor, pa holf.Partner) (holf.Partner, error) {
	role, err := decide(a, policy.PartnerManage, policy.OfficeResource("office", pa.OfficeID), "office", pa.OfficeID)
	if err != nil {
		return pa, err
	}
	if _, err := p.db.Partner(ctx, pa.OfficeID, pa.ID); err != nil {
		return pa, err
	}
	if err := fromVersion(pa.Version); err != nil {
		return pa, err
	}
	if err := pa.Validate(p.today()); err != nil {
		return pa, err
	}
	err = p.db.UpdatePartner(ctx, event(a, role, "partner.update", "partner", pa.ID, PurposeCasework), &pa)
	return pa, err
}

// Import adds rows to office's list: every row is checked first, and one
// bad row imports nothing. rows' Fields name the line ("line.12.org_number").
func (p *Partners) Import(ctx context.Context, a *holf.Actor, office int64, ps []holf.Partner, parsed holf.Validation) (int, error) {
	role, err := decide(a, policy.PartnerManage, policy.OfficeResource("office", office), "office", office)
	if err != nil {
		return 0, err
	}
	v := parsed
	today := p.today()
	for i := range ps {
		ps[i].OfficeID, ps[i].ID = office, 0
		if fe, ok := asInvalid(ps[i].Validate(today)); ok {
			for _, f := range fe.Fields {
				v = append(v, holf.FieldError{Field: "line." + itoa64(int64(i+2)) + "." + f.Field, Key: f.Key, Args: f.Args})
			}
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	return len(ps), p.db.ImportPartners(ctx, event(a, role, "partner.import", "office", office, PurposeCasework), ps)
}

// Consents is the family's consents to share information with partners.
type Consents struct{ *core }

func (c *Consents) families() *Families { return &Families{c.core} }

// ConsentBook is a family's consents with what their pages need.
type ConsentBook struct {
	Family   holf.Family
	Consents []holf.Consent
	Partners []holf.Partner // the office's, for names and the form
	Names    map[int64]string
	// Shared are the partners that have been told something about the
	// family (activities they own, meetings they took part in).
	Shared  []int64
	CanEdit bool
	Today   time.Time
}

// Consent finds consent id in the book.
func (b *ConsentBook) Consent(id int64) (holf.Consent, error) {
	for _, c := range b.Consents {
		if c.ID == id {
			return c, nil
		}
	}
	return holf.Consent{}, holf.NotFound("consent", id)
}

// ToInform lists the partners a withdrawn or expired consent c was shared
// with: its recipients that have been told something about the family.
func (b *ConsentBook) ToInform(c holf.Consent) []int64 {
	var out []int64
	for _, r := range c.Recipients {
		if slices.Contains(b.Shared, r) {
			out = append(out, r)
		}
	}
	return out
}

// ExpiringDays is how long before expiry a consent asks to be renewed.
const ExpiringDays = 30

// Expiring reports whether c is active and expires within ExpiringDays.
func (b *ConsentBook) Expiring(c holf.Consent) bool {
	return c.StatusOn(b.Today) == holf.ConsentActive && !c.ExpiresOn.After(b.Today.AddDate(0, 0, ExpiringDays))
}

func (c *Consents) book(ctx context.Context, a *holf.Actor, act policy.Action, id int64) (ConsentBook, holf.Role, error) {
	fam, role, err := c.families().load(ctx, a, act, id)
	if err != nil {
		return ConsentBook{}, "", err
	}
	b := ConsentBook{Family: fam, Today: c.today(), Names: map[int64]string{},
		CanEdit: policy.Decide(a, policy.FamilyManage, policy.FamilyResource("family", fam.OfficeID, fam.ID)).Allowed}
	if b.Consents, err = c.db.Consents(ctx, id); err != nil {
		return b, role, err
	}
	if b.Partners, err = c.db.PartnerEntries(ctx, fam.OfficeID); err != nil {
		return b, role, err
	}
	for _, p := range b.Partners {
		b.Names[p.ID] = p.Name
	}
	b.Shared, err = c.db.Shared(ctx, id)
	return b, role, err
}

// View shows family id's consents (audited: every view of a consent is).
func (c *Consents) View(ctx context.Context, a *holf.Actor, id int64) (ConsentBook, error) {
	b, role, err := c.book(ctx, a, policy.FamilyView, id)
	if err != nil {
		return b, err
	}
	return b, c.recordView(ctx, a, role, "consent.view", "family", id, PurposeCasework)
}

// partnerIDs lists the ids of ps, only the active ones with activeOnly:
// what a record may name.
func partnerIDs(ps []holf.Partner, activeOnly bool) []int64 {
	ids := make([]int64, 0, len(ps))
	for _, p := range ps {
		if p.Active || !activeOnly {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// officePartnerIDs lists the ids of every partner of office, from one
// (id, name) query.
func (c *core) officePartnerIDs(ctx context.Context, office int64) ([]int64, error) {
	names, err := c.db.PartnerNames(ctx, office)
	return slices.Collect(maps.Keys(names)), err
}

// Add records consent cs. With replaces set it is a correction of that
// record, made from its version: the old record is invalidated, never
// edited.
func (c *Consents) Add(ctx context.Context, a *holf.Actor, cs holf.Consent, replaces, version int64, parsed holf.Validation) (holf.Consent, error) {
	b, role, err := c.book(ctx, a, policy.FamilyManage, cs.FamilyID)
	if err != nil {
		return cs, err
	}
	if replaces != 0 {
		old, err := b.Consent(replaces)
		if err != nil {
			return cs, err
		}
		if st := old.StatusOn(b.Today); st == holf.ConsentWithdrawn || st == holf.ConsentInvalidated {
			var v holf.Validation
			v.Add("consent", "err.consent_closed")
			return cs, v.Err()
		}
		if err := fromVersion(version); err != nil {
			return cs, err
		}
	}
	cs.ID, cs.RecordedBy = 0, a.Name
	cs.WithdrawnOn, cs.InvalidatedOn, cs.ReplacedBy = time.Time{}, time.Time{}, 0
	if err := mergeValidation(parsed, cs.Validate(&b.Family, partnerIDs(b.Partners, true), b.Today)); err != nil {
		return cs, err
	}
	action := "consent.add"
	if replaces != 0 {
		action = "consent.correct"
	}
	err = c.db.AddConsent(ctx, event(a, role, action, "family", cs.FamilyID, PurposeCasework), &cs, replaces, version)
	return cs, err
}

// Withdraw records that consent id of family fam was withdrawn on day on,
// how; it returns the partners that were told something and must now be
// informed.
func (c *Consents) Withdraw(ctx context.Context, a *holf.Actor, fam, id, version int64, on time.Time, how string) ([]int64, error) {
	b, role, err := c.book(ctx, a, policy.FamilyManage, fam)
	if err != nil {
		return nil, err
	}
	cs, err := b.Consent(id)
	if err != nil {
		return nil, err
	}
	if err := fromVersion(version); err != nil {
		return nil, err
	}
	var v holf.Validation
	how = strings.TrimSpace(how)
	switch {
	case on.IsZero():
		v.Add("withdrawn_on", "err.required")
	case on.After(b.Today):
		v.Add("withdrawn_on", "err.date_future")
	case on.Before(cs.GivenOn):
		v.Add("withdrawn_on", "err.date_before_registered", cs.GivenOn.Format("02.01.2006"))
	}
	if len([]rune(how)) > 300 {
		v.Add("withdrawn_how", "err.too_long", 300, len([]rune(how)))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	cs.Version, cs.WithdrawnOn, cs.WithdrawnBy, cs.WithdrawnHow = version, on, a.Name, how
	if err := c.db.WithdrawConsent(ctx, event(a, role, "consent.withdraw", "family", fam, PurposeCasework), cs); err != nil {
		return nil, err
	}
	return b.ToInform(cs), nil
}

// requireConsent is the one place consent is enforced: every use of
// information about family fam with a partner (needs) must be covered by a
// valid consent. Without one it is refused on field, naming what is
// missing, unless an emergency override gives its reason: then the context
// returned carries each gap to the write it allows, which records it for
// the leader to see in the same transaction.
func (c *core) requireConsent(ctx context.Context, a *holf.Actor, role holf.Role, fam holf.Family, needs []holf.Need, field, override string) (context.Context, error) {
	if len(needs) == 0 {
		return ctx, nil
	}
	cs, err := c.db.Consents(ctx, fam.ID)
	if err != nil {
		return ctx, err
	}
	names, err := c.db.PartnerNames(ctx, fam.OfficeID)
	if err != nil {
		return ctx, err
	}
	var v holf.Validation
	var gaps []*holf.Gap
	for _, n := range needs {
		if _, ok := names[n.Partner]; !ok {
			v.Add(field, "err.partner_unknown")
			continue
		}
		if _, gap := holf.Check(cs, n); gap != nil {
			gaps = append(gaps, gap)
		}
	}
	if err := v.Err(); err != nil {
		return ctx, err
	}
	if len(gaps) == 0 {
		return ctx, nil
	}
	override = strings.TrimSpace(override)
	if override == "" {
		for _, g := range gaps {
			v.Add(field, "err.consent_missing", names[g.Need.Partner], holf.Term("consent.category."+string(g.Need.Category)),
				holf.Term("consent.action."+string(g.Need.Action)), holf.Term("consent.missing."+g.Missing[0]))
		}
		return ctx, v.Err()
	}
	if len([]rune(override)) > 500 {
		v.Add("consent_override", "err.too_long", 500, len([]rune(override)))
		return ctx, v.Err()
	}
	os := make([]store.ConsentOverride, len(gaps))
	for i, g := range gaps {
		os[i] = store.ConsentOverride{FamilyID: fam.ID, PartnerID: g.Need.Partner, Action: g.Need.Action, Category: g.Need.Category, Reason: override, Actor: a.Name}
	}
	return store.WithOverrides(ctx, event(a, role, "consent.override", "family", fam.ID, PurposeCasework), a.PersonID, os), nil
}

// Overrides lists the emergency overrides of consent at the leader's
// offices in the last 90 days (audited as a list of the families).
func (c *Consents) Overrides(ctx context.Context, a *holf.Actor) ([]store.ConsentOverride, error) {
	if !policy.Allows(a, policy.OverrideView) {
		return nil, nil
	}
	os, err := c.db.Overrides(ctx, policy.Visible(a, policy.OverrideView), c.now().AddDate(0, 0, -90).UTC().Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, o := range os {
		ids = append(ids, o.FamilyID)
	}
	slices.Sort(ids)
	return os, c.recordList(ctx, a, policy.OverrideView, "consent.overrides", "family", slices.Compact(ids), PurposeFollow)
}

// Writable checks that a may change office's actor list, before a door
// reads a body.
func (p *Partners) Writable(a *holf.Actor, office int64) error {
	_, err := decide(a, policy.PartnerManage, policy.OfficeResource("office", office), "office", office)
	return err
}

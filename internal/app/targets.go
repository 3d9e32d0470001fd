package app

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/trial"
)

// Targets is the offices' target lists: imported from NAV's registers,
// drawn into a random order that coordinators follow when recruiting, and
// the outcome of each contact.
type Targets struct{ *core }

// TargetImport is the result of an import: how many were added and
// excluded, or the rejected rows (and then nothing was imported, and the
// error names each row's problem).
type TargetImport struct {
	Added, Excluded int
	Rejected        []trial.RowError
	Seed            uint64
}

// Import reads office's target list from r and adds it in a random order
// drawn with a fresh seed (recorded), after the families already listed.
// Every row is checked first; one bad row imports nothing.
func (t *Targets) Import(ctx context.Context, a *holf.Actor, office int64, r io.Reader) (TargetImport, error) {
	role, err := decide(a, policy.TargetImport, policy.OfficeResource("office", office), "office", office)
	if err != nil {
		return TargetImport{}, err
	}
	of, err := t.db.GetOffice(ctx, office)
	if err != nil {
		return TargetImport{}, err
	}
	old, err := t.db.Targets(ctx, office)
	if err != nil {
		return TargetImport{}, err
	}
	known := map[string]bool{}
	for _, x := range old {
		known[x.Reference] = true
	}
	ts, bad, err := trial.ParseTargets(r, known)
	if err != nil {
		return TargetImport{}, holf.Validation{{Field: "file", Key: "target.err.not_csv"}}.Err()
	}
	if len(bad) > 0 {
		return TargetImport{Rejected: bad}, rowErrors(bad, "target.err.").Err()
	}
	// Identified after the office's allocation: the concealment risk of a
	// cluster trial (CONSORT 10b), recorded per family.
	after := false
	if st, err := t.db.TrialStudy(ctx); err == nil {
		if d, err := (&Trial{t.core}).drawn(ctx, st.ID); err == nil && d != nil && of.Arm != holf.ArmNone {
			after = true
		}
	}
	out := TargetImport{}
	for i := range ts {
		ts[i].AfterAllocation = after
		if ts[i].Outcome == trial.RecruitExcluded {
			out.Excluded++
		} else {
			out.Added++
		}
	}
	if out.Seed, err = randomSeed(); err != nil {
		return out, err
	}
	ev := event(a, role, "target.import", "office", office, PurposeCasework)
	err = t.db.ImportTargets(ctx, ev, office, out.Seed, a.Username, ts, func(ts []trial.Target, from int) { trial.DrawOrder(ts, from, out.Seed) })
	return out, err
}

// TargetList is an office's target list in draw order, with where
// recruiting stands against the study's target.
type TargetList struct {
	Office  holf.Office
	Entries []trial.Target
	// Next is the first family in the order still waiting (nil when none).
	Next                          *trial.Target
	Recruited, Waiting, Contacted int
	Replacements                  int // entries drawn beyond the target and contacted
	Target                        int
	CanRecord, CanImport          bool
}

// List shows office's target list (audited as a list of the families on it).
func (t *Targets) List(ctx context.Context, a *holf.Actor, office int64) (TargetList, error) {
	role, err := decide(a, policy.TargetView, policy.OfficeResource("office", office), "office", office)
	if err != nil {
		return TargetList{}, err
	}
	out := TargetList{Target: 21, CanRecord: policy.Decide(a, policy.TargetRecord, policy.OfficeResource("office", office)).Allowed,
		CanImport: policy.Decide(a, policy.TargetImport, policy.OfficeResource("office", office)).Allowed}
	if out.Office, err = t.db.GetOffice(ctx, office); err != nil {
		return out, err
	}
	if st, err := t.db.TrialStudy(ctx); err == nil {
		out.Target = st.TargetPerOffice
	}
	if out.Entries, err = t.db.Targets(ctx, office); err != nil {
		return out, err
	}
	trial.Replacements(out.Entries, out.Target)
	for i := range out.Entries {
		e := &out.Entries[i]
		if e.Replacement {
			out.Replacements++
		}
		switch e.Outcome {
		case trial.RecruitWaiting:
			out.Waiting++
			if out.Next == nil {
				out.Next = e
			}
		case trial.RecruitRecruited:
			out.Recruited++
			out.Contacted++
		case trial.RecruitExcluded:
		default:
			out.Contacted++
		}
	}
	if len(out.Entries) > 0 {
		ev := event(a, role, "target.list", "office", office, PurposeCasework)
		if err := t.db.RecordView(ctx, ev); err != nil {
			return out, err
		}
	}
	return out, nil
}

// TargetRecord is what a coordinator records about contacting a family on
// the target list: the outcome, a note, the reason for going out of order,
// and the family record a recruited family became (0 for none yet).
type TargetRecord struct {
	ID, Version int64
	Outcome     trial.Recruitment
	Note        string
	OutOfOrder  string
	FamilyID    int64
}

// TargetEntry is one entry of a target list with what its form needs.
type TargetEntry struct {
	List  TargetList
	Entry trial.Target
	// Earlier counts the families before it in the order still waiting.
	Earlier int
	// Families are the office's families the entry may be linked to: those
	// no other entry names.
	Families []holf.Family
}

// Entry shows target id at office for recording its outcome.
func (t *Targets) Entry(ctx context.Context, a *holf.Actor, office, id int64) (TargetEntry, error) {
	if _, err := decide(a, policy.TargetRecord, policy.OfficeResource("office", office), "office", office); err != nil {
		return TargetEntry{}, err
	}
	l, err := t.List(ctx, a, office)
	if err != nil {
		return TargetEntry{}, err
	}
	out := TargetEntry{List: l}
	found := false
	linked := map[int64]bool{}
	for _, e := range l.Entries {
		if e.ID == id {
			out.Entry, found = e, true
		} else if e.FamilyID != 0 {
			linked[e.FamilyID] = true
		}
	}
	if !found {
		return out, holf.NotFound("target", id)
	}
	out.Earlier = earlierWaiting(l.Entries, out.Entry)
	fams, err := (&Families{t.core}).List(ctx, a, FamilyQuery{Office: office})
	if err != nil {
		return out, err
	}
	for _, f := range fams {
		if !linked[f.ID] {
			out.Families = append(out.Families, f)
		}
	}
	return out, nil
}

// earlierWaiting counts the entries before e in the order still waiting.
func earlierWaiting(all []trial.Target, e trial.Target) int {
	n := 0
	for _, x := range all {
		if x.Outcome == trial.RecruitWaiting && x.Position > 0 && x.Position < e.Position {
			n++
		}
	}
	return n
}

// Record saves the outcome of contacting target rec.ID at office, from
// rec.Version. Contacting a family before those earlier in the order needs
// a reason, so that the draw order is followed or its departures
// explained. A recruited family may be linked to its family record at the
// same office, one record per entry.
func (t *Targets) Record(ctx context.Context, a *holf.Actor, office int64, rec TargetRecord) (trial.Target, error) {
	role, err := decide(a, policy.TargetRecord, policy.OfficeResource("office", office), "office", office)
	if err != nil {
		return trial.Target{}, err
	}
	next, err := t.next(ctx, office, rec)
	if err != nil {
		return next, err
	}
	err = t.db.SaveTargetOutcome(ctx, event(a, role, "target.record", "office", office, PurposeCasework), &next)
	return next, err
}

// next is target rec.ID as rec would leave it, checked.
func (t *Targets) next(ctx context.Context, office int64, rec TargetRecord) (trial.Target, error) {
	if err := fromVersion(rec.Version); err != nil {
		return trial.Target{}, err
	}
	cur, err := t.db.GetTarget(ctx, office, rec.ID)
	if err != nil {
		return cur, err
	}
	next := cur
	next.Outcome, next.OutcomeNote, next.OutOfOrder, next.Version = rec.Outcome, strings.TrimSpace(rec.Note), strings.TrimSpace(rec.OutOfOrder), rec.Version
	next.FamilyID = rec.FamilyID
	var v holf.Validation
	if !rec.Outcome.Valid() {
		v.Add("outcome", "target.err.outcome")
	}
	if len(next.OutcomeNote) > 500 {
		v.Add("note", "err.too_long", 500, len(next.OutcomeNote))
	}
	if cur.Outcome == trial.RecruitExcluded {
		v.Add("outcome", "target.err.excluded")
	}
	all, err := t.db.Targets(ctx, office)
	if err != nil {
		return cur, err
	}
	if rec.Outcome != trial.RecruitWaiting && cur.Outcome == trial.RecruitWaiting {
		earlier := earlierWaiting(all, cur)
		if earlier > 0 && len([]rune(next.OutOfOrder)) < 10 {
			v.Add("out_of_order", "target.err.out_of_order", earlier)
		}
		if earlier == 0 {
			next.OutOfOrder = ""
		}
	}
	if rec.FamilyID != 0 {
		switch fo, err := t.db.FamilyOffice(ctx, rec.FamilyID); {
		case holf.ErrorCode(err) == holf.ENotFound || err == nil && fo != office:
			v.Add("family", "target.err.family_office")
		case err != nil:
			return cur, err
		case rec.Outcome != trial.RecruitRecruited:
			v.Add("family", "target.err.family_not_recruited")
		}
		for _, x := range all {
			if x.FamilyID == rec.FamilyID && x.ID != rec.ID {
				v.Add("family", "target.err.family_linked", x.Position)
			}
		}
	}
	return next, v.Err()
}

// CreateFamily creates the family record of target id at office, which
// must be recorded as recruited and not linked yet, and links the two in
// one transaction. fam is checked as any new family is.
func (t *Targets) CreateFamily(ctx context.Context, a *holf.Actor, office, id, version int64, fam holf.Family, parsed holf.Validation) (holf.Family, error) {
	role, err := decide(a, policy.TargetRecord, policy.OfficeResource("office", office), "office", office)
	if err != nil {
		return fam, err
	}
	if err := fromVersion(version); err != nil {
		return fam, err
	}
	cur, err := t.db.GetTarget(ctx, office, id)
	if err != nil {
		return fam, err
	}
	if cur.Version != version {
		return fam, holf.Stale("target", id)
	}
	if cur.Outcome != trial.RecruitRecruited || cur.FamilyID != 0 {
		parsed.Add("target", "target.err.family_not_recruited")
	}
	fam.OfficeID = office
	frole, err := (&Families{t.core}).checkNew(a, &fam, parsed)
	if err != nil {
		return fam, err
	}
	err = t.db.CreateFamilyForTarget(ctx, event(a, frole, "family.create", "family", 0, PurposeCasework),
		event(a, role, "target.record", "office", office, PurposeCasework), &fam, &cur)
	return fam, err
}

// ConsentPage is a family's consent to the evaluation with what its form
// needs.
type ConsentPage struct {
	Family  holf.Family
	Consent trial.Consent
	Has     bool
	CanEdit bool
}

// Consent shows family's consent to the evaluation (audited as a view of
// the family).
func (t *Targets) Consent(ctx context.Context, a *holf.Actor, family int64) (ConsentPage, error) {
	fam, role, err := (&Families{t.core}).load(ctx, a, policy.FamilyView, family)
	if err != nil {
		return ConsentPage{}, err
	}
	out := ConsentPage{Family: fam, CanEdit: policy.Decide(a, policy.FamilyManage, policy.FamilyResource("family", fam.OfficeID, fam.ID)).Allowed}
	if out.Consent, out.Has, err = t.db.TrialConsent(ctx, family); err != nil {
		return out, err
	}
	if out.Has {
		t.placeConsent(ctx, fam.OfficeID, &out.Consent)
	}
	return out, t.recordView(ctx, a, role, "trial.consent.view", "family", family, PurposeResearch)
}

// placeConsent says whether c was given before its office's allocation.
func (t *Targets) placeConsent(ctx context.Context, office int64, c *trial.Consent) {
	at, ok := t.allocatedOn(ctx, office)
	c.Allocated = ok
	c.BeforeAllocation = ok && c.GivenOn.Before(at)
}

// allocatedOn is the date in Norway of office's allocation, when it has one.
func (t *Targets) allocatedOn(ctx context.Context, office int64) (time.Time, bool) {
	st, err := t.db.TrialStudy(ctx)
	if err != nil {
		return time.Time{}, false
	}
	d, err := (&Trial{t.core}).drawn(ctx, st.ID)
	if err != nil || d == nil || d.Result == nil {
		return time.Time{}, false
	}
	for _, x := range d.Result.Allocation {
		if x.ClusterID == office {
			return dateIn(d.DrawnAt), true
		}
	}
	return time.Time{}, false
}

// SaveConsent records or changes family's consent to the evaluation, from
// c.Version (0 for the first record): the member who gave it must be one
// of the family's parents, and the dates must make sense.
func (t *Targets) SaveConsent(ctx context.Context, a *holf.Actor, c trial.Consent, parsed holf.Validation) (trial.Consent, error) {
	fam, role, err := (&Families{t.core}).load(ctx, a, policy.FamilyManage, c.FamilyID)
	if err != nil {
		return c, err
	}
	cur, has, err := t.db.TrialConsent(ctx, c.FamilyID)
	if err != nil {
		return c, err
	}
	if has != (c.Version != 0) || has && cur.Version != c.Version {
		return c, holf.Stale("trial consent", c.FamilyID)
	}
	v := parsed
	parent := false
	for _, m := range fam.Members {
		if m.ID == c.MemberID && m.Role == holf.MemberParent {
			parent = true
		}
	}
	if !parent {
		v.Add("member", "trial.err.consent_member")
	}
	today := t.today()
	if c.GivenOn.IsZero() {
		v.Add("given_on", "err.date")
	} else if c.GivenOn.After(today) {
		v.Add("given_on", "trial.err.consent_future")
	}
	if !c.WithdrawnOn.IsZero() && (c.WithdrawnOn.Before(c.GivenOn) || c.WithdrawnOn.After(today)) {
		v.Add("withdrawn_on", "trial.err.consent_withdrawn")
	}
	if err := v.Err(); err != nil {
		return c, err
	}
	c.RecordedBy = a.PersonID
	err = t.db.SaveTrialConsent(ctx, event(a, role, "trial.consent.save", "family", c.FamilyID, PurposeResearch), &c)
	t.placeConsent(ctx, fam.OfficeID, &c)
	return c, err
}

// rowErrors names each rejected row of an import by its line and column, as
// the partner import names them, with the catalog key under prefix.
func rowErrors(bad []trial.RowError, prefix string) holf.Validation {
	var v holf.Validation
	for _, b := range bad {
		v = append(v, holf.FieldError{Field: "line." + itoa64(int64(b.Row)) + "." + b.Column, Key: prefix + b.Reason, Args: []any{b.Value}})
	}
	return v
}

package app

import (
	"context"
	"fmt"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
	"github.com/holf-project/holf/internal/trial"
)

// Imports brings in whole records with their history, as the demo dataset
// or a migration from another system does: the same domain rules as every
// other door, written in large transactions. Only the system actor may.
type Imports struct{ *core }

// Imports is the import use case.
func (a *App) Imports() *Imports { return &Imports{a.core} }

func (im *Imports) allow(a *holf.Actor) (holf.Role, error) { return decideGlobal(a, policy.DataImport) }

// Office creates office o.
func (im *Imports) Office(ctx context.Context, a *holf.Actor, o *holf.Office, purpose string) error {
	role, err := im.allow(a)
	if err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("office %q: %w", o.Name, err)
	}
	return im.db.CreateOffice(ctx, event(a, role, "office.create", "office", 0, purpose), o)
}

// Person creates account p with a password hash made beforehand (the demo
// gives every account one password, so one hash serves them all).
func (im *Imports) Person(ctx context.Context, a *holf.Actor, p *holf.Person, hash, purpose string) error {
	role, err := im.allow(a)
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("person %q: %w", p.Username, err)
	}
	return im.db.CreatePerson(ctx, event(a, role, "person.create", "person", 0, purpose), p, hash)
}

// Families stores families with their final state and timeline, each
// checked as a recruited family is.
func (im *Imports) Families(ctx context.Context, a *holf.Actor, fams []store.ImportedFamily, purpose string) error {
	role, err := im.allow(a)
	if err != nil {
		return err
	}
	now := im.now()
	for i := range fams {
		f := &fams[i].Family
		if err := f.Validate(now); err != nil {
			return fmt.Errorf("family %q: %w", f.Name, err)
		}
		for _, e := range fams[i].Events {
			if !e.Kind.Valid() {
				return fmt.Errorf("family %q: unknown event kind %q", f.Name, e.Kind)
			}
		}
	}
	return im.db.ImportFamilies(ctx, event(a, role, "family.import", "family", 0, purpose), fams)
}

// CaseContent stores the mapping versions and plans of families of one
// office, each mapping, goal and activity checked against its family (fams,
// by id) and the office's target areas.
func (im *Imports) CaseContent(ctx context.Context, a *holf.Actor, office holf.Office, fams map[int64]*holf.Family, cs []store.CaseContent, purpose string) error {
	role, err := im.allow(a)
	if err != nil {
		return err
	}
	for _, c := range cs {
		f := fams[c.FamilyID]
		if f == nil || f.OfficeID != office.ID {
			return fmt.Errorf("case content of family %d: not a family of %s", c.FamilyID, office.Name)
		}
		for _, m := range c.Mappings {
			if err := holf.ValidateMapping(m, f, office.TargetAreas); err != nil {
				return fmt.Errorf("mapping of family %d: %w", f.ID, err)
			}
		}
		var check func(ig store.ImportedGoal, parent *holf.Goal) error
		check = func(ig store.ImportedGoal, parent *holf.Goal) error {
			g := ig.Goal
			if parent != nil && (len(ig.Subgoals) > 0 || g.Area != parent.Area) {
				return fmt.Errorf("goal %q of family %d: a sub-goal has no sub-goals and keeps its goal's area", g.Title, f.ID)
			}
			if err := g.Validate(f, office.TargetAreas); err != nil {
				return fmt.Errorf("goal %q of family %d: %w", g.Title, f.ID, err)
			}
			for _, x := range ig.Activities {
				if err := x.Validate(f); err != nil {
					return fmt.Errorf("activity %q of family %d: %w", x.Title, f.ID, err)
				}
			}
			for _, sub := range ig.Subgoals {
				if err := check(sub, &g); err != nil {
					return err
				}
			}
			return nil
		}
		for _, ig := range c.Goals {
			if err := check(ig, nil); err != nil {
				return err
			}
		}
	}
	return im.db.ImportCaseContent(ctx, event(a, role, "case.import", "family", 0, purpose), cs)
}

// Hash hashes password with the server's hasher, for imports that give
// many accounts one password.
func (im *Imports) Hash(password string) (string, error) { return im.hasher.Hash(password) }

// Empty reports whether the database holds no office and no account: the
// demo is only ever added to an empty database.
func (im *Imports) Empty(ctx context.Context, a *holf.Actor) (bool, error) {
	if _, err := im.allow(a); err != nil {
		return false, err
	}
	n, err := im.db.CountPeople(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	offices, err := im.db.ListOffices(ctx, store.OfficeFilter{Offices: holf.AllOffices()})
	return len(offices) == 0, err
}

// Meta reads a database-wide setting (the demo's marker).
func (im *Imports) Meta(ctx context.Context, key string) (string, error) { return im.db.Meta(ctx, key) }

// SetMeta writes a database-wide setting.
func (im *Imports) SetMeta(ctx context.Context, a *holf.Actor, key, value string) error {
	if _, err := im.allow(a); err != nil {
		return err
	}
	return im.db.SetMeta(ctx, key, value)
}

// Enrol gives every eligible person of office a respondent code in study's
// group, as the office's page does.
func (im *Imports) Enrol(ctx context.Context, a *holf.Actor, studyID, office int64, group, purpose string) error {
	role, err := im.allow(a)
	if err != nil {
		return err
	}
	_, err = im.db.EnrolRespondents(ctx, event(a, role, "survey.enrol", "office", office, purpose), studyID, office, group)
	return err
}

// Respondents lists every respondent of study studyID.
func (im *Imports) Respondents(ctx context.Context, a *holf.Actor, studyID int64) ([]store.RespondentRef, error) {
	if _, err := im.allow(a); err != nil {
		return nil, err
	}
	return im.db.ListRespondents(ctx, studyID)
}

// Responses stores questionnaire responses with their answers; submitted
// ones are scored here, with the library, as a submission is.
func (im *Imports) Responses(ctx context.Context, a *holf.Actor, st *survey.InstalledStudy, rs []store.ImportedResponse, purpose string) error {
	role, err := im.allow(a)
	if err != nil {
		return err
	}
	for i := range rs {
		if rs[i].SubmittedAt.IsZero() {
			continue
		}
		q, err := st.ByID(rs[i].QuestionnaireID)
		if err != nil {
			return err
		}
		if rs[i].Scores, err = q.Def.Score(im.lib, rs[i].Answers); err != nil {
			return fmt.Errorf("score imported response of respondent %d: %w", rs[i].RespondentID, err)
		}
	}
	return im.db.ImportResponses(ctx, event(a, role, "survey.import", "study", st.ID, purpose), rs)
}

// Meetings stores the meetings and contacts of families of one office,
// each checked against its family (fams, by id), the office's target areas
// and its coordinators, at the instant it concerns.
func (im *Imports) Meetings(ctx context.Context, a *holf.Actor, office holf.Office, coordinators []int64, fams map[int64]*holf.Family, fm []store.FamilyMeetings, purpose string) error {
	role, err := im.allow(a)
	if err != nil {
		return err
	}
	now := im.now()
	for i := range fm {
		f := fams[fm[i].FamilyID]
		if f == nil || f.OfficeID != office.ID {
			return fmt.Errorf("meetings of family %d: not a family of %s", fm[i].FamilyID, office.Name)
		}
		for k := range fm[i].Meetings {
			m := &fm[i].Meetings[k].Meeting
			if err := m.Validate(f, office.TargetAreas, holf.Plan{}, coordinators, now); err != nil {
				return fmt.Errorf("meeting %d of family %d: %w", k, f.ID, err)
			}
		}
		for k := range fm[i].Contacts {
			if err := fm[i].Contacts[k].Validate(f, now); err != nil {
				return fmt.Errorf("contact %d of family %d: %w", k, f.ID, err)
			}
		}
	}
	return im.db.ImportMeetings(ctx, event(a, role, "meeting.import", "family", 0, purpose), fm)
}

// Partners adds an office's actor list (the demo's; an office's own CSV
// goes through Partners.Import), each entry checked as a form would be.
func (im *Imports) Partners(ctx context.Context, a *holf.Actor, office int64, ps []holf.Partner, purpose string) error {
	role, err := im.allow(a)
	if err != nil {
		return err
	}
	today := im.today()
	for i := range ps {
		ps[i].OfficeID = office
		if err := ps[i].Validate(today); err != nil {
			return fmt.Errorf("partner %s: %w", ps[i].Name, err)
		}
	}
	return im.db.ImportPartners(ctx, event(a, role, "partner.import", "office", office, purpose), ps)
}

// Network adds an office's consents and involvements (the demo's), each
// checked as its form would check it: against its family and the office's
// partners.
func (im *Imports) Network(ctx context.Context, a *holf.Actor, office int64, fams map[int64]*holf.Family, cs []*holf.Consent, is []holf.Involvement, purpose string) error {
	role, err := im.allow(a)
	if err != nil {
		return err
	}
	partners, err := im.officePartnerIDs(ctx, office)
	if err != nil {
		return err
	}
	today := im.today()
	family := func(id int64) (*holf.Family, error) {
		f := fams[id]
		if f == nil || f.OfficeID != office {
			return nil, fmt.Errorf("family %d: not a family of office %d", id, office)
		}
		return f, nil
	}
	for _, c := range cs {
		f, err := family(c.FamilyID)
		if err != nil {
			return err
		}
		if c.RecordedBy == "" {
			return fmt.Errorf("consent of family %d: who recorded it is required", f.ID)
		}
		if err := c.Validate(f, partners, today); err != nil {
			return fmt.Errorf("consent of family %d: %w", f.ID, err)
		}
	}
	for k := range is {
		f, err := family(is[k].FamilyID)
		if err != nil {
			return err
		}
		if err := is[k].Validate(f, partners, today); err != nil {
			return fmt.Errorf("involvement of family %d: %w", f.ID, err)
		}
	}
	return im.db.ImportNetwork(ctx, event(a, role, "network.import", "office", office, purpose), cs, is)
}

// TargetOutcomes records the outcomes of contacting the families on an
// office's target list, all in one transaction, with the same rule as a
// coordinator's record: a contact before families waiting earlier in the
// order carries its reason.
func (im *Imports) TargetOutcomes(ctx context.Context, a *holf.Actor, office int64, ts []trial.Target, purpose string) error {
	role, err := im.allow(a)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if !t.Outcome.Valid() || t.Outcome == trial.RecruitWaiting {
			return fmt.Errorf("target %s: outcome %q", t.Reference, t.Outcome)
		}
		if t.FamilyID != 0 {
			if fo, err := im.db.FamilyOffice(ctx, t.FamilyID); err != nil || fo != office || t.Outcome != trial.RecruitRecruited {
				return fmt.Errorf("target %s: family %d is not a recruited family of office %d (%v)", t.Reference, t.FamilyID, office, err)
			}
		}
	}
	return im.db.SaveTargetOutcomes(ctx, event(a, role, "target.import_outcomes", "office", office, purpose), office, ts)
}

// TrialHistory dates the trial's drawn randomisation (prepared, then
// drawn) and its target lists (imported at lists), for a trial run before
// HOLF recorded it. The times must follow one another and be past.
func (im *Imports) TrialHistory(ctx context.Context, a *holf.Actor, prepared, drawn, lists time.Time, purpose string) error {
	role, err := im.allow(a)
	if err != nil {
		return err
	}
	if !prepared.Before(drawn) || lists.Before(drawn) || lists.After(im.now()) {
		return fmt.Errorf("trial history: prepared %v, drawn %v, lists %v must follow one another before now", prepared, drawn, lists)
	}
	return im.db.DateTrialHistory(ctx, event(a, role, "trial.import_history", "study", 0, purpose), prepared, drawn, lists)
}

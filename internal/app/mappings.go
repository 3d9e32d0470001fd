package app

import (
	"context"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
)

// Mappings is the family mapping: a living document per target area, with a
// section per child and per parent, every save a version.
type Mappings struct{ *core }

// MappingRecord is a family's mapping with its whole history.
type MappingRecord struct {
	Family   holf.Family
	Areas    []holf.TargetArea // the office's areas, in form order
	Versions []holf.Mapping    // oldest first
	Current  holf.Mapping      // the latest version (Version 0 when none)
	CanEdit  bool
}

func (m *Mappings) record(ctx context.Context, a *holf.Actor, fam holf.Family) (MappingRecord, error) {
	rec := MappingRecord{Family: fam, Current: holf.Mapping{FamilyID: fam.ID, Fields: map[string]string{}},
		CanEdit: policy.Decide(a, policy.FamilyManage, policy.FamilyResource("family", fam.OfficeID, fam.ID)).Allowed}
	o, err := m.db.GetOffice(ctx, fam.OfficeID)
	if err != nil {
		return rec, err
	}
	rec.Areas = o.TargetAreas
	if rec.Versions, err = m.db.MappingVersions(ctx, fam.ID); err != nil {
		return rec, err
	}
	if n := len(rec.Versions); n > 0 {
		rec.Current = rec.Versions[n-1]
	}
	return rec, nil
}

// View shows family id's mapping and its history (audited).
func (m *Mappings) View(ctx context.Context, a *holf.Actor, id int64) (MappingRecord, error) {
	fam, role, err := (&Families{m.core}).load(ctx, a, policy.FamilyView, id)
	if err != nil {
		return MappingRecord{}, err
	}
	if err := m.recordView(ctx, a, role, "mapping.view", "family", id, PurposeCasework); err != nil {
		return MappingRecord{}, err
	}
	return m.record(ctx, a, fam)
}

// Save stores typed as the next version of its family's mapping, if
// typed.Version is still the latest. On any refusal the record returned is
// what is saved now (audited as a view, since the form shows it again
// beside what was typed).
func (m *Mappings) Save(ctx context.Context, a *holf.Actor, typed holf.Mapping) (holf.Mapping, MappingRecord, error) {
	return m.save(ctx, a, typed, false)
}

// SaveForm is Save for the mapping form, which sends every field it showed.
func (m *Mappings) SaveForm(ctx context.Context, a *holf.Actor, typed holf.Mapping) (holf.Mapping, MappingRecord, error) {
	return m.save(ctx, a, typed, true)
}

func (m *Mappings) save(ctx context.Context, a *holf.Actor, typed holf.Mapping, onForm bool) (holf.Mapping, MappingRecord, error) {
	fam, role, err := (&Families{m.core}).load(ctx, a, policy.FamilyManage, typed.FamilyID)
	if err != nil {
		return typed, MappingRecord{}, err
	}
	rec, err := m.record(ctx, a, fam)
	if err != nil {
		return typed, rec, err
	}
	if typed.Version < 0 {
		return typed, rec, ErrFormVersion()
	}
	if onForm {
		// A form sends the fields it showed: those no longer on the
		// family's form (an area the office dropped, a member removed
		// meanwhile) are dropped, not refused.
		keys := holf.MappingKeys(&fam, rec.Areas)
		for k := range typed.Fields {
			if !keys[k] {
				delete(typed.Fields, k)
			}
		}
	}
	err = holf.ValidateMapping(typed, &fam, rec.Areas)
	if err == nil {
		err = m.db.SaveMapping(ctx, event(a, role, "mapping.save", "family", fam.ID, PurposeCasework), &typed)
		if err == nil {
			return typed, rec, nil
		}
	}
	if verr := m.recordView(ctx, a, role, "mapping.view", "family", fam.ID, PurposeCasework); verr != nil {
		return typed, rec, verr
	}
	if holf.ErrorCode(err) == holf.EConflict {
		// Someone saved in between: show what is saved now.
		if rec, verr := m.record(ctx, a, fam); verr == nil {
			return typed, rec, err
		}
	}
	return typed, rec, err
}

// Version is the latest version of family id's mapping (0 when none), for
// a save to be based on.
func (m *Mappings) Version(ctx context.Context, a *holf.Actor, id int64) (int, error) {
	if _, err := (&Families{m.core}).authorize(ctx, a, policy.FamilyManage, id); err != nil {
		return 0, err
	}
	cur, err := m.db.Mapping(ctx, id, 0)
	return cur.Version, err
}

// At returns version v of the record's mapping (the latest when v is 0).
func (rec MappingRecord) At(v int) (holf.Mapping, error) {
	switch {
	case v == 0:
		return rec.Current, nil
	case v < 0 || v > len(rec.Versions):
		return holf.Mapping{}, holf.NotFound("mapping version", v)
	}
	return rec.Versions[v-1], nil
}

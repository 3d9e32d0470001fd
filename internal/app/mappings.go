package app

import (
	"context"
	"strings"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
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

// SectionChanged reports whether section of the mapping differs between
// versions a and b.
func SectionChanged(a, b holf.Mapping, section string) bool {
	for _, c := range holf.DiffMappings(a, b) {
		if holf.Section(c.Key) == section {
			return true
		}
	}
	return false
}

// SaveSection stores one section of family id's mapping (a target area, a
// child or a parent), typed from version base: the new version holds the
// section as typed and every other section as it is saved now, so that two
// coordinators working on different sections never hold each other up. It
// is refused as a conflict only when someone changed this section since
// base; the record returned then shows what they saved. The caller's draft
// of the section is cleared once it is saved.
func (m *Mappings) SaveSection(ctx context.Context, a *holf.Actor, id int64, section string, base int, typed map[string]string) (holf.Mapping, MappingRecord, error) {
	fam, role, err := (&Families{m.core}).load(ctx, a, policy.FamilyManage, id)
	if err != nil {
		return holf.Mapping{}, MappingRecord{}, err
	}
	for attempt := 0; ; attempt++ {
		rec, err := m.record(ctx, a, fam)
		if err != nil {
			return holf.Mapping{}, rec, err
		}
		keys := holf.MappingKeys(&fam, rec.Areas)
		inSection := false
		for k := range keys {
			inSection = inSection || holf.Section(k) == section
		}
		if !inSection {
			return holf.Mapping{}, rec, holf.NotFound("mapping section", section)
		}
		was, err := rec.opened(base)
		if err != nil {
			return holf.Mapping{}, rec, err
		}
		next := holf.Mapping{FamilyID: id, Version: rec.Current.Version, Fields: map[string]string{}}
		for k, v := range rec.Current.Fields {
			if holf.Section(k) != section {
				next.Fields[k] = v
			}
		}
		for k, v := range typed {
			// As the store keeps it, so that a section saved unchanged is
			// seen to be unchanged.
			if v = strings.TrimRight(v, " \t\r\n"); v != "" && holf.Section(k) == section && keys[k] {
				next.Fields[k] = v
			}
		}
		if !SectionChanged(rec.Current, next, section) {
			// Saved as it stands: nothing to add to the history.
			return rec.Current, rec, m.db.DeleteDraft(ctx, mappingDraftKey(a, id, section))
		}
		if !SectionChanged(was, rec.Current, section) {
			err = holf.ValidateMapping(next, &fam, rec.Areas)
			if err == nil {
				err = m.db.SaveMapping(ctx, event(a, role, "mapping.save", "family", id, PurposeCasework), &next)
			}
			if err == nil {
				return next, rec, m.db.DeleteDraft(ctx, mappingDraftKey(a, id, section))
			}
			// Another save landed between the read and the write: try
			// once more against it, unless it touched this section.
			if holf.ErrorCode(err) == holf.EConflict && attempt == 0 {
				continue
			}
		} else {
			err = holf.Stale("mapping section", id)
		}
		if verr := m.recordView(ctx, a, role, "mapping.view", "family", id, PurposeCasework); verr != nil {
			return next, rec, verr
		}
		if holf.ErrorCode(err) == holf.EConflict {
			if fresh, verr := m.record(ctx, a, fam); verr == nil {
				rec = fresh
			}
		}
		return next, rec, err
	}
}

func mappingDraftKey(a *holf.Actor, id int64, section string) store.DraftKey {
	return store.DraftKey{PersonID: a.PersonID, Form: "mapping:" + itoa64(id) + ":" + section}
}

// SaveDraft keeps what the caller has typed in section of family id's
// mapping so far (content as the browser would post it), opened at
// version base.
func (m *Mappings) SaveDraft(ctx context.Context, a *holf.Actor, id int64, section string, base int64, content string) error {
	if _, err := (&Families{m.core}).authorize(ctx, a, policy.FamilyManage, id); err != nil {
		return err
	}
	if len(content) > MaxDraft {
		var v holf.Validation
		v.Add("draft", "err.too_long", MaxDraft, len(content))
		return v.Err()
	}
	return m.db.SaveDraft(ctx, store.Draft{DraftKey: mappingDraftKey(a, id, section), FamilyID: id, BaseVersion: base, Content: content})
}

// DiscardDraft throws the caller's draft of section away.
func (m *Mappings) DiscardDraft(ctx context.Context, a *holf.Actor, id int64, section string) error {
	if _, err := (&Families{m.core}).authorize(ctx, a, policy.FamilyManage, id); err != nil {
		return err
	}
	return m.db.DeleteDraft(ctx, mappingDraftKey(a, id, section))
}

// Drafts are the caller's drafts of rec's sections that still apply: the
// section has not changed since the draft's form was opened. Others are
// left to be replaced by the next draft.
func (m *Mappings) Drafts(ctx context.Context, a *holf.Actor, rec MappingRecord) (map[string]store.Draft, error) {
	if !rec.CanEdit {
		return nil, nil
	}
	ds, err := m.db.Drafts(ctx, a.PersonID, "mapping:"+itoa64(rec.Family.ID)+":")
	if err != nil {
		return nil, err
	}
	out := map[string]store.Draft{}
	for _, d := range ds {
		section := strings.TrimPrefix(d.Form, "mapping:"+itoa64(rec.Family.ID)+":")
		was, err := rec.opened(int(d.BaseVersion))
		if err != nil || d.FamilyID != rec.Family.ID || SectionChanged(was, rec.Current, section) {
			continue
		}
		out[section] = d
	}
	return out, nil
}

// opened is the mapping as a form opened at version v saw it: empty for
// version 0, when nothing was saved yet.
func (rec MappingRecord) opened(v int) (holf.Mapping, error) {
	if v == 0 {
		return holf.Mapping{FamilyID: rec.Family.ID, Fields: map[string]string{}}, nil
	}
	if v < 0 || v > len(rec.Versions) {
		return holf.Mapping{}, ErrFormVersion()
	}
	return rec.Versions[v-1], nil
}

package app

import (
	"context"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/policy"
)

// Contacts is the quick contact log: the calls, messages and visits
// between meetings, one line each.
type Contacts struct{ *core }

func (c *Contacts) families() *Families { return &Families{c.core} }

// NewContact is the log's form, filled with its defaults: a call made now,
// about the family's first parent, five minutes.
func (c *Contacts) NewContact(ctx context.Context, a *holf.Actor, id int64) (holf.Family, holf.Contact, error) {
	fam, _, err := c.families().view(ctx, a, policy.FamilyManage, id)
	if err != nil {
		return fam, holf.Contact{}, err
	}
	ct := holf.Contact{FamilyID: id, Kind: holf.ContactCall, At: c.now(), Minutes: 5}
	if ps := fam.Parents(); len(ps) > 0 {
		ct.MemberID = ps[0].ID
	}
	return fam, ct, nil
}

// Add writes contact ct to its family's log, by the caller.
func (c *Contacts) Add(ctx context.Context, a *holf.Actor, ct holf.Contact, parsed holf.Validation) (holf.Contact, error) {
	fam, role, err := c.families().load(ctx, a, policy.FamilyManage, ct.FamilyID)
	if err != nil {
		return ct, err
	}
	ct.ID, ct.ByID, ct.By = 0, a.PersonID, a.Name
	if err := mergeValidation(parsed, ct.Validate(&fam, c.now())); err != nil {
		return ct, err
	}
	err = c.db.AddContact(ctx, event(a, role, "contact.add", "family", ct.FamilyID, PurposeCasework), &ct)
	return ct, err
}

// Get loads contact cid of family id for a change (audited as a view).
func (c *Contacts) Get(ctx context.Context, a *holf.Actor, id, cid int64) (holf.Family, holf.Contact, error) {
	fam, _, err := c.families().view(ctx, a, policy.FamilyManage, id)
	if err != nil {
		return fam, holf.Contact{}, err
	}
	ct, err := c.db.Contact(ctx, id, cid)
	return fam, ct, err
}

// Update saves contact ct from ct.Version; its writer stays who wrote it.
func (c *Contacts) Update(ctx context.Context, a *holf.Actor, ct holf.Contact, parsed holf.Validation) (holf.Contact, error) {
	fam, role, err := c.families().load(ctx, a, policy.FamilyManage, ct.FamilyID)
	if err != nil {
		return ct, err
	}
	cur, err := c.db.Contact(ctx, ct.FamilyID, ct.ID)
	if err != nil {
		return ct, err
	}
	if err := fromVersion(ct.Version); err != nil {
		return ct, err
	}
	ct.ByID, ct.By = cur.ByID, cur.By
	if err := mergeValidation(parsed, ct.Validate(&fam, c.now())); err != nil {
		return ct, err
	}
	err = c.db.UpdateContact(ctx, event(a, role, "contact.update", "family", ct.FamilyID, PurposeCasework), &ct)
	return ct, err
}

// Delete removes contact cid of family id, made from version.
func (c *Contacts) Delete(ctx context.Context, a *holf.Actor, id, cid, version int64) error {
	role, err := c.families().authorize(ctx, a, policy.FamilyManage, id)
	if err != nil {
		return err
	}
	if err := fromVersion(version); err != nil {
		return err
	}
	return c.db.DeleteContact(ctx, event(a, role, "contact.delete", "family", id, PurposeCasework), id, cid, version)
}

package app

import (
	"context"
	"slices"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/policy"
	"github.com/holf-project/holf/internal/store"
)

// People is staff accounts: who works where in which role, their
// passwords and whether they may sign in.
type People struct{ *core }

func personResource(p holf.Person) policy.Resource {
	return policy.Resource{Kind: "person", Offices: p.OfficeIDs()}
}

// PeopleQuery selects staff from those the caller may list.
type PeopleQuery struct {
	Role   holf.Role // only this role, when set
	Office int64     // only staff of this office, when set (and visible)
	// Disabled includes disabled accounts; only callers who see every
	// office get them.
	Disabled bool
}

// List returns the staff the caller may list that q selects, each with the
// assignments the caller may see.
func (p *People) List(ctx context.Context, a *holf.Actor, q PeopleQuery) ([]holf.Person, error) {
	visible := policy.Visible(a, policy.PersonList)
	f := store.PeopleFilter{Role: q.Role, Offices: visible, IncludeDisabled: q.Disabled && visible.All()}
	if q.Role != "" && !q.Role.Valid() {
		var v holf.Validation
		v.Add("role", "err.role")
		return nil, v.Err()
	}
	if q.Office != 0 {
		f.Offices = visible.Intersect(holf.Offices(q.Office))
	}
	people, err := p.db.ListPeople(ctx, f)
	if err != nil {
		return nil, err
	}
	for i := range people {
		people[i].Assignments = visibleAssignments(people[i].Assignments, visible)
	}
	return people, nil
}

// visibleAssignments leaves out assignments at offices the viewer cannot
// see: a colleague's role elsewhere is not theirs to know.
func visibleAssignments(as []holf.Assignment, visible holf.OfficeSet) []holf.Assignment {
	return slices.DeleteFunc(slices.Clone(as), func(x holf.Assignment) bool { return x.OfficeID != 0 && !visible.Contains(x.OfficeID) })
}

// CanView reports whether the caller may open person pe's record.
func (p *People) CanView(a *holf.Actor, pe holf.Person) bool {
	return policy.Decide(a, policy.PersonView, personResource(pe)).Allowed
}

// CanManage reports whether the caller may change person pe's account.
func (p *People) CanManage(a *holf.Actor, pe holf.Person) bool {
	return policy.Decide(a, policy.PersonManage, personResource(pe)).Allowed
}

// load decides act on person id (by the offices they work at).
func (p *People) load(ctx context.Context, a *holf.Actor, act policy.Action, id int64) (holf.Person, holf.Role, error) {
	pe, err := p.db.GetPerson(ctx, id)
	if err != nil {
		return pe, "", err
	}
	role, err := decide(a, act, personResource(pe), "person", id)
	return pe, role, err
}

// Get shows staff member id's record (audited), with the assignments the
// caller may see.
func (p *People) Get(ctx context.Context, a *holf.Actor, id int64) (holf.Person, error) {
	pe, role, err := p.load(ctx, a, policy.PersonView, id)
	if err != nil {
		return pe, err
	}
	purpose := PurposeFollow
	if role == holf.RoleAdministrator || role == holf.RoleSystem {
		purpose = PurposeAdmin
	}
	if err := p.recordView(ctx, a, role, "person.view", "person", id, purpose); err != nil {
		return pe, err
	}
	pe.Assignments = visibleAssignments(pe.Assignments, policy.Visible(a, policy.PersonView))
	return pe, nil
}

// Edit loads staff member id for the account form (audited as a view).
func (p *People) Edit(ctx context.Context, a *holf.Actor, id int64) (holf.Person, error) {
	pe, role, err := p.load(ctx, a, policy.PersonManage, id)
	if err != nil {
		return pe, err
	}
	return pe, p.recordView(ctx, a, role, "person.view", "person", id, PurposeAdmin)
}

// ByUsername finds a staff member by username, for someone who manages accounts.
func (p *People) ByUsername(ctx context.Context, a *holf.Actor, username string) (holf.Person, error) {
	if _, err := decideGlobal(a, policy.PersonManage); err != nil {
		return holf.Person{}, err
	}
	return p.db.GetPersonByUsername(ctx, username)
}

// Create makes an account with password. parsed holds what the door could
// not read; every problem, the password's included, is reported at once.
func (p *People) Create(ctx context.Context, a *holf.Actor, pe holf.Person, password string, parsed holf.Validation) (holf.Person, error) {
	role, err := decideGlobal(a, policy.PersonManage)
	if err != nil {
		return pe, err
	}
	pe.ID = 0
	v := parsed
	if fe, ok := asInvalid(pe.Validate()); ok {
		v = append(v, fe.Fields...)
	}
	if fe, ok := asInvalid(auth.CheckPassword(password, pe.Username)); ok {
		v = append(v, fe.Fields...)
	}
	if err := v.Err(); err != nil {
		return pe, err
	}
	hash, err := p.hasher.Hash(password)
	if err != nil {
		return pe, err
	}
	err = p.db.CreatePerson(ctx, event(a, role, "person.create", "person", 0, PurposeAdmin), &pe, hash)
	return pe, err
}

// Update saves staff member pe's name, e-mail and roles from pe.Version.
// The username never changes.
func (p *People) Update(ctx context.Context, a *holf.Actor, pe holf.Person, parsed holf.Validation) (holf.Person, error) {
	cur, role, err := p.load(ctx, a, policy.PersonManage, pe.ID)
	if err != nil {
		return pe, err
	}
	if err := fromVersion(pe.Version); err != nil {
		return pe, err
	}
	pe.Username, pe.Disabled = cur.Username, cur.Disabled
	if err := mergeValidation(parsed, pe.Validate()); err != nil {
		if verr := p.recordView(ctx, a, role, "person.view", "person", pe.ID, PurposeAdmin); verr != nil {
			return pe, verr
		}
		return pe, err
	}
	err = p.db.UpdatePerson(ctx, event(a, role, "person.update", "person", pe.ID, PurposeAdmin), &pe)
	return pe, err
}

// SetPassword gives staff member id a new password.
func (p *People) SetPassword(ctx context.Context, a *holf.Actor, id int64, password string) error {
	pe, role, err := p.load(ctx, a, policy.PersonManage, id)
	if err != nil {
		return err
	}
	if err := auth.CheckPassword(password, pe.Username); err != nil {
		return err
	}
	hash, err := p.hasher.Hash(password)
	if err != nil {
		return err
	}
	return p.db.SetPassword(ctx, event(a, role, "person.set_password", "person", id, PurposeAdmin), id, hash)
}

// SetDisabled disables or enables staff member id's account. Nobody
// disables their own: an administrator could lock everyone out.
func (p *People) SetDisabled(ctx context.Context, a *holf.Actor, id int64, disabled bool) error {
	_, role, err := p.load(ctx, a, policy.PersonManage, id)
	if err != nil {
		return err
	}
	if disabled && id == a.PersonID {
		return &holf.Error{Code: holf.EInvalid, Message: "you cannot disable your own account", Key: "err.disable_self"}
	}
	action := "person.enable"
	if disabled {
		action = "person.disable"
	}
	return p.db.SetDisabled(ctx, event(a, role, action, "person", id, PurposeAdmin), id, disabled)
}

// StaffLine is one staff member of an office with their roles there.
type StaffLine struct {
	ID    int64
	Name  string
	Roles []holf.Role
	Link  bool // the caller may open their record
}

// Staff lists the staff of the given offices that the caller may list,
// grouped by office, each with their roles there.
func (p *People) Staff(ctx context.Context, a *holf.Actor, offices ...int64) (map[int64][]StaffLine, error) {
	within := policy.Visible(a, policy.PersonList).Intersect(holf.Offices(offices...))
	out := map[int64][]StaffLine{}
	people, err := p.db.ListPeople(ctx, store.PeopleFilter{Offices: within})
	if err != nil {
		return out, err
	}
	for _, pe := range people {
		link := p.CanView(a, pe)
		for _, oid := range within.IDs() {
			var roles []holf.Role
			for _, as := range pe.Assignments {
				if as.OfficeID == oid {
					roles = append(roles, as.Role)
				}
			}
			if len(roles) > 0 {
				out[oid] = append(out[oid], StaffLine{ID: pe.ID, Name: pe.Name, Roles: roles, Link: link})
			}
		}
	}
	return out, nil
}

// Tokens lists the API tokens of staff member username, or everyone's
// when username is empty; never their secrets.
func (p *People) Tokens(ctx context.Context, a *holf.Actor, username string) ([]holf.Token, error) {
	if _, err := decideGlobal(a, policy.PersonManage); err != nil {
		return nil, err
	}
	var id int64
	if username != "" {
		pe, err := p.db.GetPersonByUsername(ctx, username)
		if err != nil {
			return nil, err
		}
		id = pe.ID
	}
	return p.db.ListTokens(ctx, id)
}

// CreateToken makes an API token for staff member username: the secret is
// returned once and only its hash is stored.
func (p *People) CreateToken(ctx context.Context, a *holf.Actor, username, name string) (holf.Token, string, error) {
	role, err := decideGlobal(a, policy.PersonManage)
	if err != nil {
		return holf.Token{}, "", err
	}
	pe, err := p.db.GetPersonByUsername(ctx, username)
	if err != nil {
		return holf.Token{}, "", err
	}
	secret := auth.NewAPIToken()
	t, err := p.db.CreateToken(ctx, event(a, role, "token.create", "token", 0, PurposeAdmin), pe.ID, name, auth.HashSecret(secret))
	return t, secret, err
}

// RevokeToken revokes API token id.
func (p *People) RevokeToken(ctx context.Context, a *holf.Actor, id int64) error {
	role, err := decideGlobal(a, policy.PersonManage)
	if err != nil {
		return err
	}
	return p.db.RevokeToken(ctx, event(a, role, "token.revoke", "token", id, PurposeAdmin), id)
}

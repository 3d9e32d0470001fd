package policy

import (
	"slices"
	"testing"

	"github.com/holf-project/holf"
)

func actor(as ...holf.Assignment) *holf.Actor { return &holf.Actor{PersonID: 1, Assignments: as} }

func TestDecide(t *testing.T) {
	const A, B = 1, 2
	coordA := actor(holf.Assignment{Role: holf.RoleCoordinator, OfficeID: A})
	leaderA := actor(holf.Assignment{Role: holf.RoleOfficeLeader, OfficeID: A})
	tsAB := actor(holf.Assignment{Role: holf.RoleTrainingSupport, OfficeID: A}, holf.Assignment{Role: holf.RoleTrainingSupport, OfficeID: B})
	admin := actor(holf.Assignment{Role: holf.RoleAdministrator})
	researcher := actor(holf.Assignment{Role: holf.RoleResearcher})
	pm := actor(holf.Assignment{Role: holf.RoleProjectManagement})
	nobody := actor()
	offA, offB := OfficeResource("office", A), OfficeResource("office", B)
	cases := []struct {
		name string
		a    *holf.Actor
		act  Action
		res  Resource
		want bool
		role holf.Role
	}{
		{"nil actor", nil, ViewStart, Global, false, ""},
		{"no roles", nobody, ViewStart, Global, false, ""},
		{"coordinator own office", coordA, OfficeView, offA, true, holf.RoleCoordinator},
		{"coordinator other office", coordA, OfficeView, offB, false, ""},
		{"coordinator manages office", coordA, OfficeManage, offA, false, ""},
		{"coordinator views colleague", coordA, PersonView, offA, false, ""},
		{"leader views own staff", leaderA, PersonView, offA, true, holf.RoleOfficeLeader},
		{"leader views other office's staff", leaderA, PersonView, offB, false, ""},
		{"training support both offices", tsAB, OfficeView, offB, true, holf.RoleTrainingSupport},
		{"training support global resource", tsAB, PersonView, Global, false, ""},
		{"admin anything", admin, PersonManage, offB, true, holf.RoleAdministrator},
		{"researcher sees trial", researcher, TrialView, Global, true, holf.RoleResearcher},
		{"researcher randomises", researcher, TrialRandomise, Global, true, holf.RoleResearcher},
		{"pm randomises", pm, TrialRandomise, Global, true, holf.RoleProjectManagement},
		{"admin does not randomise", admin, TrialRandomise, Global, false, ""},
		{"admin does not correct arms", admin, TrialCorrect, Global, false, ""},
		{"system does not randomise", actor(holf.Assignment{Role: holf.RoleSystem}), TrialRandomise, Global, false, ""},
		{"coordinator does not see the trial", coordA, TrialView, Global, false, ""},
		{"leader does not set up the trial", leaderA, TrialManage, Global, false, ""},
		{"researcher no staff records", researcher, PersonView, offA, false, ""},
		{"researcher no audit", researcher, AuditView, Global, false, ""},
		{"pm audit", pm, AuditView, Global, false, ""},
		{"unknown action", admin, Action("nuke"), Global, false, ""},
		{"coordinator reads reflections at own office", coordA, ReflectionRead, offA, true, holf.RoleCoordinator},
		{"coordinator no reflections elsewhere", coordA, ReflectionRead, offB, false, ""},
		{"leader does not read reflections", leaderA, ReflectionRead, offA, false, ""},
		{"leader reads shared reflections", leaderA, ReflectionShared, offA, true, holf.RoleOfficeLeader},
		{"training support reads shared reflections", tsAB, ReflectionShared, offB, true, holf.RoleTrainingSupport},
		{"researcher no reflections", researcher, ReflectionShared, offA, false, ""},
		{"admin no reflections", admin, ReflectionRead, offA, false, ""},
		{"coordinator's day", coordA, DayView, offA, true, holf.RoleCoordinator},
		{"leader has no coordinator's day", leaderA, DayView, offA, false, ""},
	}
	for _, c := range cases {
		d := Decide(c.a, c.act, c.res)
		if d.Allowed != c.want || d.Role != c.role {
			t.Errorf("%s: Decide = %+v, want allowed=%v role=%q", c.name, d, c.want, c.role)
		}
	}
}

func TestVisible(t *testing.T) {
	a := actor(holf.Assignment{Role: holf.RoleCoordinator, OfficeID: 3}, holf.Assignment{Role: holf.RoleOfficeLeader, OfficeID: 4})
	if v := Visible(a, OfficeList); v.All() || len(v.IDs()) != 2 {
		t.Fatalf("Visible = %+v", v)
	}
	if v := Visible(a, PersonView); v.All() || len(v.IDs()) != 1 || v.IDs()[0] != 4 {
		t.Fatalf("PersonView visible = %+v, want only office 4 (as leader)", v)
	}
	if v := Visible(nil, OfficeList); v.All() || !v.Empty() {
		t.Fatalf("nil actor sees %+v; want nothing", v)
	}
	if v := Visible(a, AuditView); !v.Empty() {
		t.Fatalf("no grant must see nothing, got %+v", v)
	}
	if v := Visible(actor(holf.Assignment{Role: holf.RoleAdministrator}), OfficeList); !v.All() {
		t.Fatal("administrator must see all offices")
	}
}

// TestGroupAndFamilyScopes checks the scopes that features spanning offices
// (supervision groups) and single families (the portal) decide with, on a
// table of their own so that the test does not depend on which features use
// them yet.
func TestGroupAndFamilyScopes(t *testing.T) {
	const act Action = "test.act"
	table := map[Action]map[holf.Role]Scope{act: {holf.RoleTrainingSupport: OwnGroup, holf.RoleCoordinator: OwnFamily}}
	leadsG7 := actor(holf.Assignment{Role: holf.RoleTrainingSupport, GroupID: 7})
	family9 := actor(holf.Assignment{Role: holf.RoleCoordinator, FamilyID: 9})
	officeOnly := actor(holf.Assignment{Role: holf.RoleTrainingSupport, OfficeID: 1})
	cases := []struct {
		name string
		a    *holf.Actor
		res  Resource
		want bool
	}{
		{"group member reaches its group across offices", leadsG7, GroupResource("session", 7, 1, 2, 3), true},
		{"other group", leadsG7, GroupResource("session", 8, 1), false},
		{"group grant without group", officeOnly, GroupResource("session", 7, 1), false},
		{"group grant does not reach offices", leadsG7, OfficeResource("office", 1), false},
		{"family reaches itself", family9, FamilyResource("plan", 1, 9), true},
		{"family does not reach another", family9, FamilyResource("plan", 1, 10), false},
		{"family grant does not reach its office", family9, OfficeResource("office", 1), false},
	}
	for _, c := range cases {
		if got := decide(table, c.a, act, c.res).Allowed; got != c.want {
			t.Errorf("%s: allowed = %v, want %v", c.name, got, c.want)
		}
	}
	if v := visible(table, leadsG7, act); !v.Empty() {
		t.Errorf("a group grant must not widen office lists: %+v", v)
	}
}

func TestMostSpecificRoleIsNamedInAudit(t *testing.T) {
	// Both coordinator and administrator may view office 1; the broadest
	// grant (administrator) is the one recorded.
	a := actor(holf.Assignment{Role: holf.RoleCoordinator, OfficeID: 1}, holf.Assignment{Role: holf.RoleAdministrator})
	if d := Decide(a, OfficeView, OfficeResource("office", 1)); d.Role != holf.RoleAdministrator {
		t.Fatalf("role %q", d.Role)
	}
}

func TestEveryActionIsGrantedToSomeone(t *testing.T) {
	for _, act := range Actions() {
		granted := false
		for _, r := range append(append(slices.Clone(holf.Roles), holf.GroupRoles...), holf.RoleSystem) {
			if Grants(r, act) != None {
				granted = true
			}
		}
		if !granted {
			t.Errorf("action %s is granted to no role", act)
		}
	}
}

// TestSystemRoleIsAdministrationOnly: the command line on its own account
// may administer, but never sees a family; family commands run as a staff
// member (--as), whom policy scopes to their office.
func TestSystemRoleIsAdministrationOnly(t *testing.T) {
	sys := actor(holf.Assignment{Role: holf.RoleSystem})
	for _, act := range []Action{FamilyList, FamilyView, FamilyManage, FamilyAccess, SurveyManage} {
		if Allows(sys, act) {
			t.Errorf("the system role may %s", act)
		}
		if v := Visible(sys, act); !v.Empty() {
			t.Errorf("the system role sees offices for %s: %+v", act, v)
		}
	}
	for _, act := range []Action{PersonManage, OfficeManage, AuditView, SurveySetup, DataImport} {
		if !Decide(sys, act, Global).Allowed {
			t.Errorf("the system role may not %s", act)
		}
	}
	// Nobody can be given the system role.
	p := holf.Person{Username: "x.y", Name: "X", Assignments: []holf.Assignment{{Role: holf.RoleSystem}}}
	if holf.ErrorCode(p.Validate()) != holf.EInvalid {
		t.Error("a person was given the system role")
	}
}

// TestLearningStructureScopes: a supervision group reaches across offices
// only for what the group shares; training support reaches the offices it
// supports; project management reads logs and groups, never a family.
func TestLearningStructureScopes(t *testing.T) {
	member := actor(holf.Assignment{Role: holf.RoleCoordinator, OfficeID: 1}, holf.Assignment{Role: holf.RoleGroupMember, GroupID: 5})
	leader := actor(holf.Assignment{Role: holf.RoleTrainingSupport, OfficeID: 2}, holf.Assignment{Role: holf.RoleGroupLeader, GroupID: 5})
	pm := actor(holf.Assignment{Role: holf.RoleProjectManagement})
	group5 := GroupResource("supervision case", 5, 1, 2, 3)
	cases := []struct {
		name string
		a    *holf.Actor
		act  Action
		res  Resource
		want bool
	}{
		{"member reads the group's cases", member, CaseRead, group5, true},
		{"member of another group does not", member, CaseRead, GroupResource("supervision case", 6, 1), false},
		{"member does not run the session", member, SessionRun, group5, false},
		{"leader runs it", leader, SessionRun, group5, true},
		{"member sends a form to the group", member, CaseSubmit, group5, true},
		{"a family of another office stays closed to a member", member, FamilyView, FamilyResource("family", 3, 9), false},
		{"the leader's group does not open families", leader, FamilyView, FamilyResource("family", 3, 9), false},
		{"training support reviews its own office", leader, ReviewGive, FamilyResource("family", 2, 9), true},
		{"and not another", leader, ReviewGive, FamilyResource("family", 3, 9), false},
		{"project management reads the logs", pm, LogView, OfficeResource("office", 3), true},
		{"project management sees no case text", pm, CaseRead, group5, false},
		{"project management sees no family", pm, FamilyView, FamilyResource("family", 3, 9), false},
		{"a coordinator keeps no training-support log", member, LogSupport, OfficeResource("office", 1), false},
	}
	for _, c := range cases {
		if got := Decide(c.a, c.act, c.res).Allowed; got != c.want {
			t.Errorf("%s: allowed = %v, want %v", c.name, got, c.want)
		}
	}
	if g := Groups(member, CaseRead); !slices.Equal(g, []int64{5}) {
		t.Errorf("groups %v", g)
	}
	if v := Visible(member, CaseRead); !v.Empty() {
		t.Errorf("a group grant must not widen office lists: %+v", v)
	}
}

func TestFidelityScopes(t *testing.T) {
	coordinator := actor(holf.Assignment{Role: holf.RoleCoordinator, OfficeID: 1})
	leader := actor(holf.Assignment{Role: holf.RoleOfficeLeader, OfficeID: 1})
	support := actor(holf.Assignment{Role: holf.RoleTrainingSupport, OfficeID: 2})
	pm := actor(holf.Assignment{Role: holf.RoleProjectManagement})
	researcher := actor(holf.Assignment{Role: holf.RoleResearcher})
	admin := actor(holf.Assignment{Role: holf.RoleAdministrator})
	office := func(id int64) Resource { return OfficeResource("office", id) }
	cases := []struct {
		name string
		a    *holf.Actor
		act  Action
		res  Resource
		want bool
	}{
		{"a leader sees the own office's figures", leader, FidelityView, office(1), true},
		{"and no other", leader, FidelityView, office(2), false},
		{"training support its offices", support, FidelityView, office(2), true},
		{"project management every office", pm, FidelityView, office(9), true},
		{"researchers every office", researcher, FidelityView, office(9), true},
		{"a coordinator only their own", coordinator, FidelityView, office(1), false},
		{"which they may", coordinator, FidelityOwn, office(1), true},
		{"project management never the families behind a figure", pm, FamilyList, office(9), false},
		{"researchers export", researcher, FidelityExport, Global, true},
		{"project management does not", pm, FidelityExport, Global, false},
		{"administrators see no figures", admin, FidelityView, office(1), false},
		{"only the system recounts", pm, FidelityRefresh, Global, false},
	}
	for _, c := range cases {
		if got := Decide(c.a, c.act, c.res).Allowed; got != c.want {
			t.Errorf("%s: allowed = %v, want %v", c.name, got, c.want)
		}
	}
}

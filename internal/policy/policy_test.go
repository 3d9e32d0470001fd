package policy

import (
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
		{"researcher no staff records", researcher, PersonView, offA, false, ""},
		{"researcher no audit", researcher, AuditView, Global, false, ""},
		{"pm audit", pm, AuditView, Global, false, ""},
		{"unknown action", admin, Action("nuke"), Global, false, ""},
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
	all, ids := Visible(a, OfficeList)
	if all || len(ids) != 2 {
		t.Fatalf("Visible = %v %v", all, ids)
	}
	all, ids = Visible(a, PersonView)
	if all || len(ids) != 1 || ids[0] != 4 {
		t.Fatalf("PersonView visible = %v %v, want only office 4 (as leader)", all, ids)
	}
	all, ids = Visible(nil, OfficeList)
	if all || ids == nil || len(ids) != 0 {
		t.Fatalf("nil actor sees %v %v; want none (non-nil empty)", all, ids)
	}
	if all, _ := Visible(actor(holf.Assignment{Role: holf.RoleAdministrator}), OfficeList); !all {
		t.Fatal("administrator must see all offices")
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
		for _, r := range holf.Roles {
			if Grants(r, act) != None {
				granted = true
			}
		}
		if !granted {
			t.Errorf("action %s is granted to no role", act)
		}
	}
}

package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
	"github.com/holf-project/holf/internal/auth"
	"github.com/holf-project/holf/internal/store"
	"github.com/holf-project/holf/internal/survey"
	"github.com/holf-project/holf/internal/testdb"
)

var ctx = context.Background()

var cheap = auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16})

// world is one office with a coordinator, a recruited family with a plan,
// a mapping and a questionnaire response on paper, made through the use
// cases.
type world struct {
	a        *app.App
	sys, fk  *holf.Actor
	office   holf.Office
	person   holf.Person
	family   holf.Family
	goal     holf.Goal
	activity holf.Activity
	meeting  holf.Meeting
	contact  holf.Contact
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	a, err := app.New(app.Config{DB: db, Hasher: cheap})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{a: a, sys: app.System("test")}
	im := a.Imports()
	w.office = holf.Office{Name: "NAV Samtidig", Municipality: "Oslo", Arm: holf.ArmIntervention}
	must(t, im.Office(ctx, w.sys, &w.office, "test"))
	w.person = holf.Person{Username: "fk.samtidig", Name: "Frida", Assignments: []holf.Assignment{{Role: holf.RoleCoordinator, OfficeID: w.office.ID}}}
	must(t, im.Person(ctx, w.sys, &w.person, "", "test"))
	if w.fk, err = a.ActAs(ctx, w.person.Username); err != nil {
		t.Fatal(err)
	}
	w.family, err = a.Families.Create(ctx, w.fk, holf.Family{OfficeID: w.office.ID, Name: "Familien Samtidig", PrimaryCoordinatorID: w.person.ID,
		Members: []holf.Member{{Role: holf.MemberParent, Name: "Mor", BirthYear: 1985, LivesAtHome: true},
			{Role: holf.MemberChild, Name: "Barn", BirthYear: 2016, LivesAtHome: true}}}, nil)
	must(t, err)
	w.family, err = a.Families.ChangeStatus(ctx, w.fk, holf.StatusChange{FamilyID: w.family.ID, Version: w.family.Version,
		To: holf.StatusRecruited, On: a.Today()}, nil)
	must(t, err)
	w.goal, err = a.Plans.AddGoal(ctx, w.fk, holf.Goal{FamilyID: w.family.ID, Area: holf.AreaWork, Title: "Arbeid"})
	must(t, err)
	w.activity, err = a.Plans.AddActivity(ctx, w.fk, holf.Activity{FamilyID: w.family.ID, GoalID: w.goal.ID, Title: "Søke",
		Responsible: holf.ResponsibleCoordinator}, nil)
	must(t, err)
	w.meeting, err = a.Meetings.Create(ctx, w.fk, holf.Meeting{FamilyID: w.family.ID, Kind: holf.MeetingFollowUp, Channel: holf.ChannelOffice,
		StartsAt: a.Now().Add(48 * time.Hour), Minutes: 45, Participants: []holf.Participant{{Kind: holf.ParticipantMember, MemberID: w.family.Members[0].ID}}}, nil)
	must(t, err)
	w.contact, err = a.Contacts.Add(ctx, w.fk, holf.Contact{FamilyID: w.family.ID, Kind: holf.ContactSMS, At: a.Now()}, nil)
	must(t, err)
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// race runs n writes at once, each from the same starting state, and
// returns how many succeeded; every other one must be a conflict.
func race(t *testing.T, n int, write func(i int) error) int {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = write(i)
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch holf.ErrorCode(err) {
		case "":
			won++
		case holf.EConflict:
		default:
			t.Fatalf("a racing write failed otherwise than by conflict: %v", err)
		}
	}
	return won
}

// TestEveryVersionedWriteHasOneWinner races each versioned write from one
// version, many rounds, on both databases: exactly one write wins each
// round, the others are told of the conflict, and the version moves by one.
// On PostgreSQL the writers run in parallel on separate connections, which
// is where a version compared in Go and not in the UPDATE lost updates.
func TestEveryVersionedWriteHasOneWinner(t *testing.T) {
	const rounds, writers = 12, 4
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		a, fk := w.a, w.fk
		cases := []struct {
			name  string
			write func(round, i int) error
		}{
			{"family edit", func(round, i int) error {
				f, err := a.Families.Edit(ctx, fk, w.family.ID)
				if err != nil {
					return err
				}
				f.Version = w.family.Version
				f.Notes = fmt.Sprintf("round %d writer %d", round, i)
				_, err = a.Families.Update(ctx, fk, f, nil)
				return err
			}},
			{"office edit", func(round, i int) error {
				o := w.office
				o.Municipality = fmt.Sprintf("Oslo %d-%d", round, i)
				_, err := a.Offices.Update(ctx, w.sys, o)
				return err
			}},
			{"account edit", func(round, i int) error {
				p := w.person
				p.Name = fmt.Sprintf("Frida %d-%d", round, i)
				_, err := a.People.Update(ctx, w.sys, p, nil)
				return err
			}},
			{"goal edit", func(round, i int) error {
				g := w.goal
				g.Title = fmt.Sprintf("Arbeid %d-%d", round, i)
				_, err := a.Plans.UpdateGoal(ctx, fk, g)
				return err
			}},
			{"activity edit", func(round, i int) error {
				x := w.activity
				x.Title = fmt.Sprintf("Søke %d-%d", round, i)
				_, err := a.Plans.UpdateActivity(ctx, fk, x, nil)
				return err
			}},
			{"meeting part", func(round, i int) error {
				_, err := a.Meetings.Save(ctx, fk, w.family.ID, w.meeting.ID, w.meeting.Version, app.PartPrep, func(m *holf.Meeting) {
					m.Prep.Purpose = fmt.Sprintf("round %d writer %d", round, i)
				}, nil)
				return err
			}},
			{"contact edit", func(round, i int) error {
				c := w.contact
				c.Note = fmt.Sprintf("round %d writer %d", round, i)
				_, err := a.Contacts.Update(ctx, fk, c, nil)
				return err
			}},
			{"mapping save", func(round, i int) error {
				// One version a round is saved, so every writer of round r
				// starts from version r.
				m := holf.Mapping{FamilyID: w.family.ID, Version: round, Fields: map[string]string{
					holf.AreaKey(holf.AreaWork, "situation"): fmt.Sprintf("round %d writer %d", round, i)}}
				_, _, err := a.Mappings.Save(ctx, fk, m)
				return err
			}},
		}
		for _, c := range cases {
			for round := range rounds {
				// Every writer starts from the state as it is now.
				f, err := db.GetFamily(ctx, w.family.ID)
				must(t, err)
				w.family = f
				w.office, err = db.GetOffice(ctx, w.office.ID)
				must(t, err)
				w.person, err = db.GetPerson(ctx, w.person.ID)
				must(t, err)
				w.goal, err = db.Goal(ctx, w.family.ID, w.goal.ID)
				must(t, err)
				w.activity, err = db.Activity(ctx, w.family.ID, w.activity.ID)
				must(t, err)
				w.meeting, err = db.Meeting(ctx, w.family.ID, w.meeting.ID)
				must(t, err)
				w.contact, err = db.Contact(ctx, w.family.ID, w.contact.ID)
				must(t, err)
				if won := race(t, writers, func(i int) error { return c.write(round, i) }); won != 1 {
					t.Fatalf("%s, round %d: %d writers won, want exactly 1", c.name, round, won)
				}
			}
		}
		// Status changes: of writers discharging from one version, one
		// reason is stored and the timeline has one discharge.
		f, err := db.GetFamily(ctx, w.family.ID)
		must(t, err)
		won := race(t, writers, func(i int) error {
			_, err := a.Families.ChangeStatus(ctx, fk, holf.StatusChange{FamilyID: f.ID, Version: f.Version, To: holf.StatusActive, On: a.Today(),
				Note: fmt.Sprint("writer ", i)}, nil)
			return err
		})
		events, err := db.FamilyEvents(ctx, f.ID)
		must(t, err)
		starts := 0
		for _, e := range events {
			if e.Kind == holf.EventActivated {
				starts++
			}
		}
		if won != 1 || starts != 1 {
			t.Fatalf("status change: %d won, %d start events; want 1 and 1", won, starts)
		}
		// Checking an activity off: recorded once.
		for round := range rounds {
			to := holf.ActivityDone
			if round%2 == 1 {
				to = holf.ActivityOpen
			}
			before, err := db.PlanChanges(ctx, w.family.ID, 1000)
			must(t, err)
			race(t, writers, func(int) error {
				_, err := a.Plans.SetActivityStatus(ctx, fk, w.family.ID, w.activity.ID, to)
				return err
			})
			after, err := db.PlanChanges(ctx, w.family.ID, 1000)
			must(t, err)
			if len(after) != len(before)+1 {
				t.Fatalf("check-off round %d recorded %d changes, want 1", round, len(after)-len(before))
			}
		}
		paperAnswers(t, w, rounds, writers)
	})
}

// paperAnswers races two staff saving the same paper questionnaire from one
// version, and then submitting it: one save and one submission win.
func paperAnswers(t *testing.T, w *world, rounds, writers int) {
	t.Helper()
	a := w.a
	if _, err := a.Surveys.Install(ctx, w.sys, nil); err != nil {
		t.Fatal(err)
	}
	c, err := a.Surveys.Choose(ctx, "", "T1", survey.GroupParents)
	must(t, err)
	sv, err := a.Surveys.Office(ctx, w.fk, w.office.ID, c)
	must(t, err)
	if _, err := a.Surveys.Enrol(ctx, w.fk, sv); err != nil {
		t.Fatal(err)
	}
	lines, err := a.Surveys.Respondents(ctx, w.fk, sv)
	must(t, err)
	if len(lines) != 1 {
		t.Fatalf("%d respondents, want the one parent", len(lines))
	}
	rid := lines[0].RespondentID
	item := c.Q.Def.Pages(a.Library())[0].Questions[0]
	for round := range rounds {
		rs, err := a.Surveys.Paper(ctx, w.fk, sv, rid)
		must(t, err)
		if rs.ID == 0 { // the first paper save opens the response
			must(t, a.Surveys.SavePaper(ctx, w.fk, sv, rs, 0, nil, false, "nb"))
			rs, err = a.Surveys.Paper(ctx, w.fk, sv, rid)
			must(t, err)
		}
		won := race(t, writers, func(i int) error {
			ch := []survey.AnswerChange{{Instrument: item.Instrument.ID, Item: item.Item.ID, Value: item.Scale.Min + (round+i)%2}}
			return a.Surveys.SavePaper(ctx, w.fk, sv, rs, rs.Version, ch, false, "nb")
		})
		if won != 1 {
			t.Fatalf("paper save, round %d: %d won, want 1", round, won)
		}
	}
	rs, err := a.Surveys.Paper(ctx, w.fk, sv, rid)
	must(t, err)
	won := race(t, writers, func(int) error { return a.Surveys.SavePaper(ctx, w.fk, sv, rs, rs.Version, nil, true, "nb") })
	if won != 1 {
		t.Fatalf("paper submission: %d won, want 1", won)
	}
}

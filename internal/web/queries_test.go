package web

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
)

// TestPagesCostABoundedNumberOfQueries proves there is no N+1: the caseload
// and a family's pages cost the same number of statements for a family with
// a small plan as for a large one, and for 1 or 30 families.
func TestPagesCostABoundedNumberOfQueries(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			f := newFixture(t, d)
			ctx := context.Background()
			sys := holf.AuditEvent{Actor: "test", Role: "system", Action: "seed", RecordType: "family", Purpose: "test"}
			fk := f.client().login("fk.a")
			cost := func(path string) int64 {
				fk.get(path) // warm: sessions refresh at most once a minute
				before := f.db.Statements()
				if r := fk.get(path); r.StatusCode != 200 {
					t.Fatalf("%s: %d", path, r.StatusCode)
				}
				return f.db.Statements() - before
			}
			mid := planMeeting(t, fk, f.famA.ID, "2026-11-23", "08:00", f.famA.Members[0].ID)
			// One partner to begin with: an empty actor list skips its contacts.
			first := holf.Partner{OfficeID: f.offA.ID, Name: "Partner", Kind: holf.PartnerSchool, Active: true, Contacts: []holf.PartnerContact{{Name: "A", Level: holf.LevelOperational}}}
			if err := f.db.CreatePartner(ctx, sys, &first); err != nil {
				t.Fatal(err)
			}
			pages := []string{"/", "/families", fmt.Sprintf("/families/%d", f.famA.ID), fmt.Sprintf("/families/%d/plan", f.famA.ID),
				fmt.Sprintf("/families/%d/mapping", f.famA.ID), fmt.Sprintf("/families/%d/meetings/%d", f.famA.ID, mid),
				fmt.Sprintf("/families/%d/meetings/%d/agenda", f.famA.ID, mid), fmt.Sprintf("/api/v1/families/%d/timeline", f.famA.ID),
				fmt.Sprintf("/families/%d/network", f.famA.ID), fmt.Sprintf("/families/%d/consents", f.famA.ID), fmt.Sprintf("/offices/%d/partners", f.offA.ID),
				"/fidelity/mine"}
			small := map[string]int64{}
			for _, p := range pages {
				small[p] = cost(p)
			}
			// Grow: 30 more families, and a plan of 10 goals x 10 activities.
			for i := 0; i < 30; i++ {
				fm := f.famA
				fm.ID, fm.Name = 0, fmt.Sprintf("Familien %d", i)
				for j := range fm.Members {
					fm.Members[j].ID = 0
				}
				if err := f.db.CreateFamily(ctx, sys, &fm); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 10; i++ {
				g := holf.Goal{FamilyID: f.famA.ID, Area: holf.AreaWork, Title: fmt.Sprint("Mål ", i), Status: holf.GoalOpen}
				if err := f.db.AddGoal(ctx, sys, &g); err != nil {
					t.Fatal(err)
				}
				for j := 0; j < 10; j++ {
					a := holf.Activity{FamilyID: f.famA.ID, GoalID: g.ID, Title: fmt.Sprint("Aktivitet ", j), Responsible: holf.ResponsibleCoordinator,
						Status: holf.ActivityOpen, DueOn: f.clock.Now().AddDate(0, 0, j-5)}
					if err := f.db.AddActivity(ctx, sys, &a); err != nil {
						t.Fatal(err)
					}
				}
			}
			// And 20 meetings with participants and agendas, and 40 contacts,
			// across the week, so that the start page lists them all.
			lead := f.id("fk.a")
			for i := 0; i < 20; i++ {
				m := holf.Meeting{FamilyID: f.famA.ID, Kind: holf.MeetingFollowUp, Status: holf.MeetingPlanned, Channel: holf.ChannelOffice,
					StartsAt: f.clock.Now().Add(time.Duration(i-10) * 7 * time.Hour), Minutes: 45, LeadID: lead, FGEVersion: 1,
					Participants: []holf.Participant{{Kind: holf.ParticipantMember, MemberID: f.famA.Members[0].ID, Attendance: holf.AttendanceExpected},
						{Kind: holf.ParticipantCoordinator, PersonID: lead, Attendance: holf.AttendanceExpected}},
					Agenda: []holf.AgendaTopic{{Proposer: holf.ProposerFamily, Title: "Jobb", Outcome: holf.TopicOpen}, {Proposer: holf.ProposerCoordinator, Title: "Bolig", Outcome: holf.TopicOpen}}}
				if err := f.db.CreateMeeting(ctx, sys, &m, lead); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 40; i++ {
				c := holf.Contact{FamilyID: f.famA.ID, Kind: holf.ContactSMS, At: f.clock.Now().Add(-time.Duration(i) * time.Hour), ByID: lead, By: "Anne"}
				if err := f.db.AddContact(ctx, sys, &c); err != nil {
					t.Fatal(err)
				}
			}
			// And an actor list of 10 partners with contacts, 10 consents,
			// involvements and escalations.
			kid := f.famA.Members[1].ID
			for i := 0; i < 10; i++ {
				p := holf.Partner{OfficeID: f.offA.ID, Name: fmt.Sprint("Partner ", i), Kind: holf.PartnerSchool, Active: true,
					Contacts: []holf.PartnerContact{{Name: "A", Level: holf.LevelOperational}, {Name: "B", Level: holf.LevelLeader}}}
				if err := f.db.CreatePartner(ctx, sys, &p); err != nil {
					t.Fatal(err)
				}
				c := holf.Consent{FamilyID: f.famA.ID, MemberID: kid, GrantorID: f.famA.Members[0].ID, Recipients: []int64{p.ID}, Purpose: "x",
					Categories: []holf.ConsentCategory{holf.CategoryChildren}, Actions: []holf.ConsentAction{holf.ActionDisclose},
					GivenOn: f.clock.Now(), ExpiresOn: f.clock.Now().AddDate(1, 0, 0), Method: holf.MethodPaper, RecordedBy: "test"}
				if err := f.db.AddConsent(ctx, sys, &c, 0, 0); err != nil {
					t.Fatal(err)
				}
				if err := f.db.AddInvolvement(ctx, sys, &holf.Involvement{FamilyID: f.famA.ID, MemberID: kid, PartnerID: p.ID}); err != nil {
					t.Fatal(err)
				}
				if err := f.db.AddEscalation(ctx, sys, &holf.Escalation{FamilyID: f.famA.ID, OfficeID: f.offA.ID, PartnerID: p.ID, Kind: holf.EscalationDisagreement,
					Asked: "x", Status: holf.EscalationOpen, RaisedBy: lead}); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range pages {
				if got := cost(p); got != small[p] {
					t.Errorf("%s: %d statements with more data, %d before: a query per row somewhere", p, got, small[p])
				}
				t.Logf("%s: %d statements", p, small[p])
			}
		})
	}
}

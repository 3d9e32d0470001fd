package holf

import (
	"testing"
	"time"
)

func TestSupervisionFormIdentifiers(t *testing.T) {
	f := &Family{Name: "Familien Haddad", Members: []Member{{ID: 1, Role: MemberParent, Name: "Amina Haddad"}, {ID: 2, Role: MemberChild, Name: "Ali"}}}
	c := SupervisionCase{Topic: "Mor ønsker arbeid", Description: "Amina har to barn; eldste går på skolen.", Problem: "Fnr 010185 12345 står i saken.",
		Process: "Familien møter jevnlig; haddad-familien er motivert."}
	ids := c.Identifiers(f)
	want := map[string]string{"description": "Amina", "problem": "010185 12345", "process": "haddad"}
	got := map[string]string{}
	for _, id := range ids {
		got[id.Field] = id.Text
	}
	for f, w := range want {
		if got[f] != w {
			t.Errorf("%s: found %q, want %q (all: %v)", f, got[f], w, ids)
		}
	}
	if _, ok := got["topic"]; ok {
		t.Errorf("the topic names no one: %v", ids)
	}
	clean := SupervisionCase{Topic: "Far vil i arbeid", Description: "En far med tre barn, alle på skolen."}
	if ids := clean.Identifiers(f); len(ids) != 0 {
		t.Errorf("a clean form warns: %v", ids)
	}
}

func TestSupervisionCaseValidation(t *testing.T) {
	f := &Family{Members: []Member{{ID: 1, Role: MemberParent, Name: "A"}, {ID: 2, Role: MemberChild, Name: "B"}}}
	c := SupervisionCase{Topic: " Tema ", Areas: []TargetArea{AreaWork}, MemberID: 2, Tools: []string{"utu"}, Notes: map[Round]string{}}
	if err := c.Validate(f); err != nil || c.Concern != ConcernChild || c.Topic != "Tema" {
		t.Fatalf("valid case: %v %q %q", err, c.Concern, c.Topic)
	}
	for name, mut := range map[string]func(*SupervisionCase){
		"no topic":       func(c *SupervisionCase) { c.Topic = "" },
		"no area":        func(c *SupervisionCase) { c.Areas = nil },
		"unknown member": func(c *SupervisionCase) { c.MemberID = 9 },
		"unknown tool":   func(c *SupervisionCase) { c.Tools = []string{"hammer"} },
	} {
		x := c
		x.Notes = map[Round]string{}
		mut(&x)
		if ErrorCode(x.Validate(f)) != EInvalid {
			t.Errorf("%s: accepted", name)
		}
	}
	if RoundSuccess.Next() != RoundPresentation || RoundSummary.Next() != "" {
		t.Fatal("round order")
	}
}

func TestFollowUpValidation(t *testing.T) {
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	f := FollowUp{CoordinatorID: 1, Month: time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC), RoleClarity: RoleSome}
	if err := f.Validate(today); ErrorCode(err) != EInvalid {
		t.Fatal("taking over without saying what was accepted")
	}
	f.RoleNote = "Søker stønad for familien"
	if err := f.Validate(today); err != nil || f.Month.Day() != 1 {
		t.Fatalf("valid: %v %v", err, f.Month)
	}
	f.Month = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	if ErrorCode(f.Validate(today)) != EInvalid {
		t.Fatal("a month ahead was accepted")
	}
}

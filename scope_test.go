package holf

import "testing"

func TestOfficeSetZeroValueMatchesNothing(t *testing.T) {
	var zero OfficeSet
	if zero.All() || !zero.Empty() || zero.Contains(1) || len(zero.IDs()) != 0 {
		t.Fatalf("zero OfficeSet must be empty, got %+v", zero)
	}
	if s := Offices(); !s.Empty() {
		t.Fatal("Offices() with no ids must be empty")
	}
	if s := Offices(0); !s.Empty() {
		t.Fatal("office id 0 must not count")
	}
	all := AllOffices()
	if !all.All() || all.Empty() || !all.Contains(42) || all.IDs() != nil {
		t.Fatalf("AllOffices wrong: %+v", all)
	}
	s := Offices(3, 1, 3)
	if got := s.IDs(); len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Fatalf("Offices(3,1,3).IDs() = %v", got)
	}
	if got := s.Intersect(Offices(3, 4)).IDs(); len(got) != 1 || got[0] != 3 {
		t.Fatalf("intersect = %v", got)
	}
	if got := all.Intersect(s); got.All() || len(got.IDs()) != 2 {
		t.Fatalf("all ∩ s = %+v", got)
	}
	if got := s.Intersect(zero); !got.Empty() {
		t.Fatalf("s ∩ nothing = %+v", got)
	}
}

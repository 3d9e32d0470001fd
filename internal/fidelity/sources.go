package fidelity

import (
	"slices"
	"time"
)

// emitFn receives one item's part in a figure.
type emitFn = func(off, coord int64, m Month, r Ref, num, den float64)

// sources are the computations a definition may name. Each says, per item,
// what it adds to the numerator and the denominator of which month, so that
// the figure and its drill-down are the same count.
var sources map[string]source

func init() {
	sources = map[string]source{
		"mapping_after_consent":   mappingAfterConsent,
		"plan_after_mapping":      planAfterMapping,
		"reflection_on_time":      reflectionOnTime,
		"mapping_current":         mapped(anyFamily, mappingCurrent),
		"meetings_per_family":     perFamily(func(x *index) map[int64][]time.Time { return x.held }),
		"contacts_per_family":     perFamily(func(x *index) map[int64][]time.Time { return x.contacts }),
		"no_contact":              noContact,
		"fge_prep":                heldMeetings(func(m Meeting) bool { return m.Prep }),
		"principles_tools":        heldMeetings(func(m Meeting) bool { return m.PrinciplesTools }),
		"goals_for_challenges":    mapped(anyFamily, goalsForChallenges),
		"children_considered":     mapped(func(f *Family) bool { return len(f.Children) > 0 }, childrenConsidered),
		"activities_owned":        activities(func(a Activity) bool { return a.Named }),
		"coordinator_owned":       activities(func(a Activity) bool { return a.Owner == "coordinator" }),
		"reflection_empty_copied": reflectionEmptyCopied,
		"reviews_meet":            reviewsMeet,
		"supervision_attendance":  supervisionAttendance,
		"leader_followup":         coordinatorMonths(func(x *index) map[[3]int64]bool { return followUps(x) }),
		"support_contact":         coordinatorMonths(func(x *index) map[[3]int64]bool { return supportMonths(x) }),
		"recruitment":             recruitment,
		"discharges":              discharges,
		"replacements":            replacements,
	}
}

func famRef(f *Family) Ref { return Ref{Kind: "family", ID: f.ID, Family: f.ID} }

// dueBy counts an item due on day due, done on day done (zero: not yet),
// in month m: once the deadline has passed, or earlier if it is done
// already.
func dueBy(x *index, off, coord int64, m Month, r Ref, due, done time.Time, emit emitFn) {
	ok := !done.IsZero() && !done.After(due)
	if due.After(x.AsOf) && !ok {
		return
	}
	emit(off, coord, m, r, b2f(ok), 1)
}

// familyDue counts a family's step in the month its deadline falls.
func familyDue(x *index, f *Family, due, done time.Time, emit emitFn) {
	dueBy(x, f.OfficeID, f.Coordinator, MonthOf(due), famRef(f), due, done, emit)
}

func mappingAfterConsent(d Definition, x *index, emit emitFn) {
	for i := range x.Families {
		f := &x.Families[i]
		if f.Consent.IsZero() {
			continue
		}
		var first time.Time
		if ms := x.mappings[f.ID]; len(ms) > 0 {
			first = ms[0].Saved
		}
		familyDue(x, f, f.Consent.AddDate(0, 0, d.Param("days")), first, emit)
	}
}

func planAfterMapping(d Definition, x *index, emit emitFn) {
	for i := range x.Families {
		f := &x.Families[i]
		ms := x.mappings[f.ID]
		if len(ms) == 0 {
			continue
		}
		var first time.Time
		for _, g := range x.goals[f.ID] {
			if first.IsZero() || g.Created.Before(first) {
				first = g.Created
			}
		}
		familyDue(x, f, ms[0].Saved.AddDate(0, 0, d.Param("days")), first, emit)
	}
}

// coordinatorOf is who a meeting counts for: its lead, or else the
// family's coordinator.
func coordinatorOf(m Meeting, f *Family) int64 {
	if m.Lead != 0 {
		return m.Lead
	}
	return f.Coordinator
}

func reflectionOnTime(d Definition, x *index, emit emitFn) {
	for _, m := range x.Meetings {
		f := x.family[m.FamilyID]
		if !m.Held || f == nil {
			continue
		}
		// Counted in the meeting's month, not the deadline's.
		day := x.day(m.Starts)
		dueBy(x, f.OfficeID, coordinatorOf(m, f), MonthOf(day), Ref{Kind: "meeting", ID: m.ID, Family: f.ID},
			AddWorkingDays(day, d.Param("days")), x.day(m.Reflected), emit)
	}
}

func heldMeetings(ok func(Meeting) bool) source {
	return func(_ Definition, x *index, emit emitFn) {
		for _, m := range x.Meetings {
			f := x.family[m.FamilyID]
			if !m.Held || f == nil {
				continue
			}
			if day := x.day(m.Starts); !day.After(x.AsOf) {
				emit(f.OfficeID, coordinatorOf(m, f), MonthOf(day), Ref{Kind: "meeting", ID: m.ID, Family: f.ID}, b2f(ok(m)), 1)
			}
		}
	}
}

// mapped counts, at each month's end, the families active then with a
// mapping saved by then (and that keep keeps), by what counts says of the
// latest mapping.
func mapped(keep func(*Family) bool, counts func(d Definition, x *index, f *Family, last MappingSave, ref time.Time) bool) source {
	return func(d Definition, x *index, emit emitFn) {
		x.months(func(m Month, ref time.Time) {
			for i := range x.Families {
				f := &x.Families[i]
				if !keep(f) || !activeAt(f, ref) {
					continue
				}
				if last, ok := x.latestBy(f.ID, ref); ok {
					emit(f.OfficeID, f.Coordinator, m, famRef(f), b2f(counts(d, x, f, last, ref)), 1)
				}
			}
		})
	}
}

func anyFamily(*Family) bool { return true }

// mappingCurrent: the latest mapping is at most "months" old.
func mappingCurrent(d Definition, _ *index, _ *Family, last MappingSave, ref time.Time) bool {
	return !last.Saved.Before(ref.AddDate(0, -d.Param("months"), 0))
}

// perFamily is a rate: per family active in the month, the number of its
// days (meetings held, contacts made) in the month so far.
func perFamily(days func(*index) map[int64][]time.Time) source {
	return func(_ Definition, x *index, emit emitFn) {
		byFamily := days(x)
		x.months(func(m Month, ref time.Time) {
			for i := range x.Families {
				f := &x.Families[i]
				if activeDuring(f, m.Start(), ref) {
					emit(f.OfficeID, f.Coordinator, m, famRef(f), float64(countIn(byFamily[f.ID], m.Start(), ref)), 1)
				}
			}
		})
	}
}

func noContact(d Definition, x *index, emit emitFn) {
	n := d.Param("days")
	x.months(func(m Month, ref time.Time) {
		since := ref.AddDate(0, 0, -n)
		for i := range x.Families {
			f := &x.Families[i]
			// Only families followed for the whole window can have gone
			// without contact for it.
			if !activeAt(f, ref) || f.Consent.After(since) {
				continue
			}
			emit(f.OfficeID, f.Coordinator, m, famRef(f), b2f(countIn(x.touches[f.ID], since.AddDate(0, 0, 1), ref) == 0), 1)
		}
	})
}

// goalBy reports whether family fam has a goal created by day (and not
// dropped) that matches.
func (x *index) goalBy(fam int64, day time.Time, match func(Goal) bool) bool {
	return slices.ContainsFunc(x.goals[fam], func(g Goal) bool { return !g.Dropped && !g.Created.After(day) && match(g) })
}

// goalsForChallenges: every area with a mapped challenge has a goal.
func goalsForChallenges(_ Definition, x *index, f *Family, last MappingSave, ref time.Time) bool {
	for _, a := range last.ChallengeAreas {
		if !x.goalBy(f.ID, ref, func(g Goal) bool { return g.Area == a }) {
			return false
		}
	}
	return true
}

// childrenConsidered: every child has a mapping section and a goal.
func childrenConsidered(_ Definition, x *index, f *Family, last MappingSave, ref time.Time) bool {
	for _, c := range f.Children {
		if !slices.Contains(last.Children, c) || !x.goalBy(f.ID, ref, func(g Goal) bool { return g.MemberID == c }) {
			return false
		}
	}
	return true
}

func activities(ok func(Activity) bool) source {
	return func(_ Definition, x *index, emit emitFn) {
		for _, a := range x.Activities {
			f := x.family[a.FamilyID]
			if f == nil {
				continue
			}
			if day := x.day(a.Created); !day.After(x.AsOf) {
				emit(f.OfficeID, f.Coordinator, MonthOf(day), Ref{Kind: "activity", ID: a.ID, Family: f.ID}, b2f(ok(a)), 1)
			}
		}
	}
}

func reflectionEmptyCopied(_ Definition, x *index, emit emitFn) {
	for _, m := range x.Meetings {
		f := x.family[m.FamilyID]
		if f == nil || m.Reflected.IsZero() {
			continue
		}
		if day := x.day(m.Reflected); !day.After(x.AsOf) {
			emit(f.OfficeID, coordinatorOf(m, f), MonthOf(day), Ref{Kind: "meeting", ID: m.ID, Family: f.ID}, b2f(m.Empty || m.Copied), 1)
		}
	}
}

func reviewsMeet(_ Definition, x *index, emit emitFn) {
	for _, r := range x.Reviews {
		if day := x.day(r.Decided); !day.After(x.AsOf) {
			emit(r.OfficeID, r.Coordinator, MonthOf(day), Ref{Kind: "review", ID: r.ID, Family: r.FamilyID}, b2f(r.Meets), 1)
		}
	}
}

func supervisionAttendance(_ Definition, x *index, emit emitFn) {
	for _, a := range x.Attendance {
		if day := x.day(a.Starts); !day.After(x.AsOf) {
			emit(a.OfficeID, a.PersonID, MonthOf(day), Ref{Kind: "person", ID: a.PersonID}, b2f(a.Attended), 1)
		}
	}
}

func followUps(x *index) map[[3]int64]bool {
	out := map[[3]int64]bool{}
	for _, f := range x.FollowUps {
		out[[3]int64{f.OfficeID, f.CoordinatorID, int64(f.Month)}] = true
	}
	return out
}

func supportMonths(x *index) map[[3]int64]bool {
	out := map[[3]int64]bool{}
	for _, l := range x.SupportLogs {
		out[[3]int64{l.OfficeID, l.SubjectID, int64(MonthOf(l.On))}] = true
	}
	return out
}

// coordinatorMonths counts completed months of each coordinator, from the
// month their first family gave consent, and whether done has the month.
func coordinatorMonths(done func(*index) map[[3]int64]bool) source {
	return func(_ Definition, x *index, emit emitFn) {
		has := done(x)
		x.months(func(m Month, ref time.Time) {
			if !m.End().Before(x.AsOf) {
				return // not completed yet
			}
			for _, s := range x.Coordinators {
				first, ok := x.first[s]
				if !ok || MonthOf(first) > m {
					continue
				}
				emit(s.OfficeID, s.PersonID, m, Ref{Kind: "person", ID: s.PersonID}, b2f(has[[3]int64{s.OfficeID, s.PersonID, int64(m)}]), 1)
			}
		})
	}
}

// recruitment is the office's families with consent by the month's end,
// against the target: the denominator is the target, once per office.
func recruitment(d Definition, x *index, emit emitFn) {
	x.months(func(m Month, ref time.Time) {
		for _, o := range x.Offices {
			emit(o.ID, 0, m, Ref{Kind: "office", ID: o.ID}, 0, float64(d.Param("target")))
		}
		for i := range x.Families {
			f := &x.Families[i]
			if !f.Consent.IsZero() && !f.Consent.After(ref) {
				emit(f.OfficeID, 0, m, famRef(f), 1, 0)
			}
		}
	})
}

func discharges(_ Definition, x *index, emit emitFn) {
	x.months(func(m Month, ref time.Time) {
		for i := range x.Families {
			f := &x.Families[i]
			if activeDuring(f, m.Start(), ref) {
				out := !f.Discharged.IsZero() && !f.Discharged.Before(m.Start()) && !f.Discharged.After(ref)
				emit(f.OfficeID, f.Coordinator, m, famRef(f), b2f(out), 1)
			}
		}
	})
}

func replacements(_ Definition, x *index, emit emitFn) {
	for i := range x.Families {
		f := &x.Families[i]
		if !f.Discharged.IsZero() && !f.Discharged.After(x.AsOf) {
			emit(f.OfficeID, 0, MonthOf(f.Discharged), famRef(f), b2f(x.replaced[f.ID]), 1)
		}
	}
}

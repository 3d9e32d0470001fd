package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/holf-project/holf"
)

func runFamily(ctx context.Context, env Env, args []string) error {
	return dispatch(ctx, env, "family", args, []subcommand{{"status", familyStatus}})
}

// familyStatus moves a family along candidate → recruited → active →
// discharged on behalf of the staff member named by --as, exactly as the
// family page and the API do: their role and office decide, the date is
// required, and the version guards against a change made meanwhile.
func familyStatus(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "family status --db DB --as USERNAME --family ID --version N --to STATUS --on YYYY-MM-DD [--reason R] [--note TEXT]",
		"Change a family's status as staff member USERNAME (a coordinator of the family's office).\nSTATUS is recruited, active or discharged; a discharge needs --reason (completed, withdrew, moved, other).\n--version is the family's version as last read (shown on its page and in the API), so that no one's change is overwritten.")
	dsn := dbFlag(fs)
	as := fs.String("as", "", "username of the staff member the change is made for")
	id := fs.Int64("family", 0, "the family's id")
	version := fs.Int64("version", 0, "the family's version as last read")
	to := fs.String("to", "", "recruited, active or discharged")
	on := fs.String("on", "", "the date it concerns: consent, start of follow-up or discharge (YYYY-MM-DD)")
	reason := fs.String("reason", "", "why follow-up ended (discharged only)")
	note := fs.String("note", "", "a note for the family's timeline")
	if err := parse(fs, env, args); err != nil {
		return err
	}
	if *as == "" || *id == 0 || *version == 0 {
		return usagef("--as, --family and --version are required")
	}
	a, done, err := open(ctx, env, *dsn, false)
	if err != nil {
		return err
	}
	defer done()
	actor, err := a.ActAs(ctx, strings.ToLower(*as))
	if err != nil {
		return err
	}
	c := holf.StatusChange{FamilyID: *id, Version: *version, To: holf.FamilyStatus(*to), Reason: holf.DischargeReason(*reason), Note: *note}
	var parsed holf.Validation
	if *on != "" {
		d, ok := parseDate(*on)
		if !ok {
			parsed.Add("on", "err.date")
		}
		c.On = d
	}
	f, err := a.Families.ChangeStatus(ctx, actor, c, parsed)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "family %d is %s (version %d)\n", f.ID, f.Status, f.Version)
	return nil
}

// parseDate reads YYYY-MM-DD.
func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02", s)
	return t, err == nil
}

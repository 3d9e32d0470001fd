package web

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/store"
)

// The office list says what each office's work amounts to, in counts
// only: families in follow-up and discharged, counted from the records.
func TestOfficeListFigures(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		// The office's family is recruited: in follow-up.
		if _, err := f.app.Families.ChangeStatus(context.Background(), mustActor(t, f, "fk.a"), holf.StatusChange{FamilyID: f.famA.ID, Version: f.famA.Version,
			To: holf.StatusRecruited, On: f.app.Today()}, nil); err != nil {
			t.Fatal(err)
		}
		fams, err := f.db.ListFamilies(context.Background(), store.FamilyFilter{Offices: holf.Offices(f.offA.ID)})
		if err != nil {
			t.Fatal(err)
		}
		following, discharged := 0, 0
		for _, fam := range fams {
			switch fam.Status {
			case holf.StatusRecruited, holf.StatusActive:
				following++
			case holf.StatusDischarged:
				discharged++
			}
		}
		page := f.client().login("leder.a").get("/offices")
		row := regexp.MustCompile(fmt.Sprintf(`<a href="/offices/%d">[^<]*</a></th><td>[^<]*</td><td>[^<]*</td>\s*<td>(\d+)</td><td>(\d+)</td>`, f.offA.ID)).FindStringSubmatch(page.body)
		if page.StatusCode != 200 || row == nil || row[1] != fmt.Sprint(following) || row[2] != fmt.Sprint(discharged) || following == 0 {
			t.Fatalf("office figures %v, want %d in follow-up and %d discharged: %s", row, following, discharged, page.body)
		}
		for _, fam := range fams {
			if regexp.MustCompile(regexp.QuoteMeta(fam.Name)).MatchString(page.body) {
				t.Fatalf("the office list names %s", fam.Name)
			}
		}
	})
}

package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var respondentOf = regexp.MustCompile(`name="respondent" value="(\d+)"`)

// TestAnswersStayTheRespondents: staff never see or change what a
// respondent has begun through their link; a coordinator's questionnaire
// is answered by the coordinator alone, through a link nobody else gets;
// the leader sees who has answered and nothing more; and no link or paper
// form goes to a respondent of the other group.
func TestAnswersStayTheRespondents(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		surveyFixture(t, f)
		fk := f.client().login("fk.a")
		link := issueLink(t, f, fk)
		base := "/offices/" + itoa(int(f.offA.ID)) + "/surveys"
		page := fk.get(base + "?wave=T1&group=parents")
		parent := respondentOf.FindStringSubmatch(page.body)[1]
		paper := base + "/paper/" + parent + "?wave=T1&group=parents"

		// Invited, nothing answered: paper may take over.
		if r := fk.get(paper); r.StatusCode != 200 {
			t.Fatalf("paper form for an invited parent: %d", r.StatusCode)
		}
		// The parent begins through the link.
		anon := f.client()
		if r := anon.post(link, url.Values{"page": {"1"}, "go": {"next"}, "parents_background.gender": {"1"}, "parents_background.birth_year": {"1984"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("answer: %d", r.StatusCode)
		}
		// Now the coordinator can neither see the answers nor change them.
		for _, c := range []*client{fk, f.client().login("leder.a")} {
			r := c.get(paper)
			if r.StatusCode != http.StatusConflict || strings.Contains(r.body, `value="1984"`) {
				t.Errorf("paper form of a response begun online: %d (shows the answer: %v)", r.StatusCode, strings.Contains(r.body, "1984"))
			}
			v := url.Values{"wave": {"T1"}, "group": {"parents"}, "version": {"1"}, "parents_background.birth_year": {"1950"}, "go": {"submit"}}
			if r := c.post(base+"/paper/"+parent, v); r.StatusCode != http.StatusConflict {
				t.Errorf("paper save over a response begun online: %d", r.StatusCode)
			}
		}
		if r := anon.get(link); r.StatusCode != 200 || !strings.Contains(r.body, "Side") {
			t.Fatalf("the link no longer works for the parent: %d", r.StatusCode)
		}
		if r := fk.get(base + "?wave=T1&group=parents"); strings.Contains(r.body, "/surveys/paper/"+parent+"?") {
			t.Error("the office page offers paper entry for a response begun online")
		}

		// Coordinators: the leader enrols them and sees their status only.
		leader := f.client().login("leder.a")
		if r := leader.post(base+"/enrol", url.Values{"wave": {"T1"}, "group": {"coordinators"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("leader enrols coordinators: %d", r.StatusCode)
		}
		staff := leader.get(base + "?wave=T1&group=coordinators")
		m := respondentOf.FindStringSubmatch(staff.body)
		if staff.StatusCode != 200 || !strings.Contains(staff.body, "Anne Alna") || m != nil || strings.Contains(staff.body, "/surveys/paper/") {
			t.Fatalf("leader's coordinators page: %d, must list them without links or paper entry", staff.StatusCode)
		}
		if r := fk.get(base + "?wave=T1&group=coordinators"); r.StatusCode != http.StatusNotFound {
			t.Errorf("a coordinator sees colleagues' questionnaire status: %d", r.StatusCode)
		}
		// Nobody hands out a coordinator's link or types in their answers;
		// a coordinator respondent is no parent either.
		coordinator := f.coordinatorRespondent(t)
		for _, c := range []struct {
			who  *client
			grp  string
			want int
		}{{leader, "coordinators", http.StatusForbidden}, {fk, "coordinators", http.StatusNotFound}, {fk, "parents", http.StatusNotFound}, {leader, "parents", http.StatusNotFound}} {
			if r := c.who.post(base+"/links", url.Values{"wave": {"T1"}, "group": {c.grp}, "respondent": {coordinator}}); r.StatusCode != c.want {
				t.Errorf("a link for a coordinator (as group %s): %d, want %d", c.grp, r.StatusCode, c.want)
			}
			if r := c.who.get(base + "/paper/" + coordinator + "?wave=T1&group=" + c.grp); r.StatusCode != c.want {
				t.Errorf("a paper form for a coordinator (as group %s): %d, want %d", c.grp, r.StatusCode, c.want)
			}
		}
		// The coordinator answers their own, through a link only they get.
		mine := fk.get("/surveys/mine")
		qid := regexp.MustCompile(`name="questionnaire" value="(\d+)"`).FindStringSubmatch(mine.body)
		if mine.StatusCode != 200 || qid == nil {
			t.Fatalf("my questionnaires: %d %s", mine.StatusCode, mine.body)
		}
		r := fk.post("/surveys/mine", url.Values{"questionnaire": {qid[1]}})
		own := r.Header.Get("Location")
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(own, "/s/") {
			t.Fatalf("open my questionnaire: %d %q", r.StatusCode, own)
		}
		if r := f.client().get(own); r.StatusCode != 200 || !strings.Contains(r.body, "Side 1 av") {
			t.Fatalf("my link: %d", r.StatusCode)
		}
		if r := leader.post("/surveys/mine", url.Values{"questionnaire": {qid[1]}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("a leader fetches a coordinator's link: %d", r.StatusCode)
		}
	})
}

// coordinatorRespondent is fk.a's respondent id in the installed study.
func (f *fixture) coordinatorRespondent(t *testing.T) string {
	t.Helper()
	st, err := f.db.Study(t.Context(), f.srv.lib, "holf")
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := f.db.OwnRespondent(t.Context(), st.ID, f.id("fk.a"))
	if err != nil {
		t.Fatal(err)
	}
	return itoa(int(id))
}

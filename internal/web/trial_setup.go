package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/app"
)

// The study's setup: its registration, window, target and criteria, and
// the offices invited to it with the covariates the draw may balance,
// edited as the spreadsheet researchers keep them in.

type trialSetupPage struct {
	Page
	formState
	O app.TrialOverview
	// The study form as typed.
	Registration, StudyTitle, From, To, Target, Eligibility, Exclusions string
	CSV                                                                 string // the sites as CSV
	Form                                                                string // the form an error belongs to: "study" or "sites"
}

func (s *Server) trialSetupData(r *http.Request, rq *req) (*trialSetupPage, error) {
	o, err := s.app.Trial.Overview(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	p := &trialSetupPage{Page: s.page(r, rq, "trial.setup_title"), O: o, Target: "21"}
	if o.HasStudy {
		st := o.Study
		p.Registration, p.StudyTitle, p.Target = st.Registration, st.Title, strconv.Itoa(st.TargetPerOffice)
		p.From, p.To = st.RecruitFrom.Format("2006-01-02"), st.RecruitTo.Format("2006-01-02")
		p.Eligibility, p.Exclusions = strings.Join(st.Eligibility, "\n"), strings.Join(st.Exclusions, "\n")
		if p.CSV, err = s.app.Trial.SitesCSV(r.Context(), rq.actor); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (s *Server) trialSetup(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.trialSetupData(r, rq)
	if err != nil {
		return err
	}
	countNotice(r, &p.Page, "sites", "trial.sites_saved")
	return s.render(w, http.StatusOK, "trial_setup", p)
}

// trialStudySave creates or changes the study; what cannot be read is
// named on its field, and everything typed comes back.
func (s *Server) trialStudySave(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.trialSetupData(r, rq)
	if err != nil {
		return err
	}
	p.Form = "study"
	p.Registration, p.StudyTitle, p.From, p.To = r.PostFormValue("registration"), r.PostFormValue("title"), r.PostFormValue("recruit_from"), r.PostFormValue("recruit_to")
	p.Target, p.Eligibility, p.Exclusions = strings.TrimSpace(r.PostFormValue("target_per_office")), r.PostFormValue("eligibility"), r.PostFormValue("exclusions")
	st := p.O.Study
	st.Version = formVersion(r, "version")
	if st.Version == 0 {
		st.ID = 0 // a form opened before the study was set up: a second one is refused
	}
	st.Registration, st.Title = p.Registration, p.StudyTitle
	st.Eligibility, st.Exclusions = lines(p.Eligibility), lines(p.Exclusions)
	var bad holf.Validation
	var ok bool
	if st.RecruitFrom, ok = parseDay(p.From); !ok {
		bad.Add("recruit_from", "err.date")
	}
	if st.RecruitTo, ok = parseDay(p.To); !ok {
		bad.Add("recruit_to", "err.date")
	}
	if st.TargetPerOffice, err = strconv.Atoi(p.Target); err != nil {
		bad.Add("target_per_office", "trial.err.target")
	}
	if _, err = s.app.Trial.SaveStudy(r.Context(), rq.actor, st, bad); err != nil {
		return s.formError(w, rq, "trial_setup", p, err, func() error {
			p.Summary = s.t(rq, "form.conflict")
			return nil
		})
	}
	http.Redirect(w, r, "/trial/setup?notice=saved", http.StatusSeeOther)
	return nil
}

// lines are the non-empty lines of a text area.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// trialSitesSave records the offices invited to the study from the CSV
// pasted or uploaded; one bad row saves nothing, and every problem is named
// by its line and column.
func (s *Server) trialSitesSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.trialSetupData(r, rq)
	if err != nil {
		return err
	}
	p.Form = "sites"
	p.CSV = r.PostFormValue("csv")
	var in io.Reader = strings.NewReader(p.CSV)
	if f, _, ferr := r.FormFile("file"); ferr == nil {
		defer f.Close()
		in = f
	}
	n, err := s.app.Trial.ImportSites(r.Context(), rq.actor, in)
	if err == nil {
		http.Redirect(w, r, "/trial/setup?sites="+strconv.Itoa(n), http.StatusSeeOther)
		return nil
	}
	if !formProblem(err) {
		return err
	}
	return s.formError(w, rq, "trial_setup", p, csvLineErrors(err), noConflictBox)
}

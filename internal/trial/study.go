package trial

import (
	"slices"
	"strings"
	"time"

	"github.com/holf-project/holf"
)

// Study is the trial HOLF evaluates: its registration, window and target,
// and who may take part (seed 003 §2).
type Study struct {
	ID              int64
	Registration    string // e.g. NCT03102775
	Title           string
	RecruitFrom     time.Time
	RecruitTo       time.Time
	TargetPerOffice int
	// Eligibility and Exclusions are the criteria, one per line, as the
	// protocol words them.
	Eligibility []string
	Exclusions  []string
	// ReleasedAt is when the study released its effect results to the
	// offices' staff (zero until then), and ReleasedBy who did.
	ReleasedAt time.Time
	ReleasedBy string
	Version    int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Arms are the study's arms, intervention first.
var Arms = []holf.Arm{holf.ArmIntervention, holf.ArmComparison}

// Validate checks the study's fields.
func (s *Study) Validate() error {
	var v holf.Validation
	s.Registration = strings.TrimSpace(s.Registration)
	s.Title = strings.TrimSpace(s.Title)
	if s.Registration == "" || len(s.Registration) > 40 {
		v.Add("registration", "err.required")
	}
	if s.Title == "" || len(s.Title) > 200 {
		v.Add("title", "err.required")
	}
	if s.RecruitFrom.IsZero() {
		v.Add("recruit_from", "err.date")
	}
	if s.RecruitTo.IsZero() || !s.RecruitFrom.IsZero() && s.RecruitTo.Before(s.RecruitFrom) {
		v.Add("recruit_to", "trial.err.window")
	}
	if s.TargetPerOffice < 1 || s.TargetPerOffice > 1000 {
		v.Add("target_per_office", "trial.err.target")
	}
	return v.Err()
}

// Stage is how far an invited office came towards randomisation (the
// CONSORT flow of clusters: 60 invited, 45 interested, 30 drawn, 1 withdrew,
// 29 randomised).
type Stage string

// The stages, in the order an office passes them.
const (
	StageInvited    Stage = "invited"
	StageInterested Stage = "interested"
	StageDrawn      Stage = "drawn"
	StageWithdrew   Stage = "withdrew"
	StageRandomised Stage = "randomised"
)

// Stages are the stages in order.
var Stages = []Stage{StageInvited, StageInterested, StageDrawn, StageWithdrew, StageRandomised}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { return slices.Contains(Stages, s) }

// Reached reports whether an office at s passed through stage t: a
// withdrawn office was drawn, a randomised one was drawn and did not
// withdraw.
func (s Stage) Reached(t Stage) bool {
	if t == StageWithdrew || t == StageRandomised {
		return s == t
	}
	order := map[Stage]int{StageInvited: 0, StageInterested: 1, StageDrawn: 2, StageWithdrew: 3, StageRandomised: 3}
	return order[s] >= order[t]
}

// Site is one office invited to the study. OfficeID is 0 for an office
// HOLF does not serve (one that was invited and never took part).
type Site struct {
	ID         int64
	StudyID    int64
	OfficeID   int64
	Name       string
	Stage      Stage
	Reason     string // why it stopped where it did
	Covariates map[string]string
	Version    int64
	UpdatedAt  time.Time
}

// Validate checks the site's fields: an office that stopped before
// randomisation says why.
func (s *Site) Validate() error {
	var v holf.Validation
	s.Name = strings.TrimSpace(s.Name)
	s.Reason = strings.TrimSpace(s.Reason)
	if s.Name == "" {
		v.Add("name", "err.required")
	}
	if !s.Stage.Valid() {
		v.Add("stage", "trial.err.stage")
	}
	if s.Stage == StageWithdrew && s.Reason == "" {
		v.Add("reason", "trial.err.reason")
	}
	if len(s.Reason) > 500 {
		v.Add("reason", "err.too_long", 500, len(s.Reason))
	}
	for k, val := range s.Covariates {
		if strings.TrimSpace(k) == "" || len(k) > 60 || len(val) > 120 {
			v.Add("covariates", "trial.err.covariate_value")
			break
		}
	}
	return v.Err()
}

// Status is where a randomisation stands.
type Status string

// The statuses: prepared and waiting for the second person, drawn (final),
// or cancelled before the draw.
const (
	StatusPrepared  Status = "prepared"
	StatusDrawn     Status = "drawn"
	StatusCancelled Status = "cancelled"
)

// Randomisation is the record of one randomisation of the study's offices.
type Randomisation struct {
	ID             int64
	StudyID        int64
	Status         Status
	Config         Config
	Clusters       []Cluster // the offices and values the space was made from
	ConfigHash     string
	CandidatesHash string
	Accepted       int
	PreparedBy     int64
	PreparedByName string
	PreparedAt     time.Time
	DrawnBy        int64
	DrawnByName    string
	DrawnAt        time.Time
	Result         *Result // set once drawn
	Version        int64
}

// ErrRandomised is the refusal of a second randomisation: the store's, when
// its unique index or its check finds a draw, and the use case's.
func ErrRandomised() error {
	return &holf.Error{Code: holf.EConflict, Message: "the study's offices are randomised already; a change is a correction with its reason", Key: "trial.err.randomised"}
}

// Correction changes one office's arm after the draw, with its reason: the
// draw itself is never redone.
type Correction struct {
	ID              int64
	RandomisationID int64
	OfficeID        int64
	OfficeName      string
	From, To        holf.Arm
	Reason          string
	PersonID        int64
	PersonName      string
	At              time.Time
}

// Validate checks the correction's fields.
func (c *Correction) Validate() error {
	var v holf.Validation
	c.Reason = strings.TrimSpace(c.Reason)
	if !c.To.Valid() {
		v.Add("arm", "err.arm")
	} else if c.To == c.From {
		v.Add("arm", "trial.err.same_arm")
	}
	if len(c.Reason) < 10 {
		v.Add("reason", "trial.err.correction_reason")
	}
	if len(c.Reason) > 1000 {
		v.Add("reason", "err.too_long", 1000, len(c.Reason))
	}
	return v.Err()
}

package survey

import (
	"time"

	"github.com/holf-project/holf"
)

// The runtime of a study: a design installed in a database, its
// respondents' responses, and the counts that follow them. Storage fills
// these in; the use cases and pages work with them.

// InstalledStudy is a study as the database holds it, with the ids of its
// waves and questionnaires.
type InstalledStudy struct {
	ID             int64
	Study          *Study
	Questionnaires []InstalledQuestionnaire
}

// InstalledQuestionnaire is one questionnaire of an installed study.
type InstalledQuestionnaire struct {
	ID   int64
	Wave string
	Def  *Questionnaire
}

// Questionnaire returns the installed questionnaire of wave and group.
func (st *InstalledStudy) Questionnaire(wave, group string) (InstalledQuestionnaire, error) {
	for _, q := range st.Questionnaires {
		if q.Wave == wave && q.Def.Group == group {
			return q, nil
		}
	}
	return InstalledQuestionnaire{}, holf.NotFound("questionnaire", wave+"/"+group)
}

// ByID returns the installed questionnaire with id.
func (st *InstalledStudy) ByID(id int64) (InstalledQuestionnaire, error) {
	for _, q := range st.Questionnaires {
		if q.ID == id {
			return q, nil
		}
	}
	return InstalledQuestionnaire{}, holf.NotFound("questionnaire", id)
}

// ResponseLine is one respondent of an office with the state of their
// response to one questionnaire (ResponseID 0: not invited yet).
type ResponseLine struct {
	RespondentID int64
	Code         string
	Name         string
	FamilyID     int64
	ResponseID   int64
	Mode         string
	InvitedAt    time.Time
	StartedAt    time.Time
	SubmittedAt  time.Time
	RemindedAt   time.Time
	ExpiresAt    time.Time
	Reminders    int
	Answered     int
}

// Status is invited, started, submitted or "" (not invited).
func (l ResponseLine) Status() string {
	switch {
	case !l.SubmittedAt.IsZero():
		return "submitted"
	case !l.StartedAt.IsZero():
		return "started"
	case l.ResponseID != 0:
		return "invited"
	}
	return ""
}

// Response is one respondent's answers to one questionnaire.
type Response struct {
	ID              int64
	QuestionnaireID int64
	RespondentID    int64
	RespondentCode  string
	OfficeID        int64
	Mode            string
	ExpiresAt       time.Time
	StartedAt       time.Time
	SubmittedAt     time.Time
	Version         int64
	Answers         Answers
}

// AnswerChange sets or clears (Clear) one answer.
type AnswerChange struct {
	Instrument, Item string
	Value            int
	Clear            bool
}

// Submission closes a response and stores its scores, computed from the
// answers of response version Version.
type Submission struct {
	ResponseID int64
	Version    int64
	Mode       string // web or paper
	Lang       string
	EnteredBy  int64
	Scores     []InstrumentScores
}

// TrackingRow counts one office's respondents of a questionnaire's group by
// where they are.
type TrackingRow struct {
	OfficeID                                        int64
	Respondents, Invited, Started, Submitted, Paper int
	Reminded                                        int
}

// Attrition is Table 5's shape for two waves: who answered at the first,
// at both, only at the first (left), only at the second (joined).
type Attrition struct {
	First, Both, OnlyFirst, OnlySecond int
}

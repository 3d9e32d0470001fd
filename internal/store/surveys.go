package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/holf-project/holf"
	"github.com/holf-project/holf/internal/survey"
)

// InstallStudy copies a study definition into the database. A study code is
// installed once; a changed design is a new study.
func (db *DB) InstallStudy(ctx context.Context, ev holf.AuditEvent, st *survey.Study) (int64, error) {
	def, err := json.Marshal(st)
	if err != nil {
		return 0, err
	}
	var studyID int64
	err = db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		id, err := tx.insertID(ctx, `INSERT INTO survey_studies (code, definition, created_at) VALUES (?, ?, ?)`, st.Code, string(def), formatTime(tx.now))
		if err != nil {
			return 0, fmt.Errorf("install study %s: %w", st.Code, err)
		}
		waves := map[string]int64{}
		for i, w := range st.Waves {
			wid, err := tx.insertID(ctx, `INSERT INTO survey_waves (study_id, code, position) VALUES (?, ?, ?)`, id, w.Code, i)
			if err != nil {
				return 0, fmt.Errorf("install wave %s: %w", w.Code, err)
			}
			waves[w.Code] = wid
		}
		for _, q := range st.Questionnaires {
			qdef, err := json.Marshal(q)
			if err != nil {
				return 0, err
			}
			if _, err := tx.exec(ctx, `INSERT INTO questionnaires (wave_id, grp, definition) VALUES (?, ?, ?)`, waves[q.Wave], q.Group, string(qdef)); err != nil {
				return 0, fmt.Errorf("install questionnaire %s/%s: %w", q.Wave, q.Group, err)
			}
		}
		studyID = id
		return id, nil
	})
	return studyID, err
}

// Study loads the installed study with code, checked against lib.
func (db *DB) Study(ctx context.Context, lib *survey.Library, code string) (*survey.InstalledStudy, error) {
	var out survey.InstalledStudy
	var def string
	err := db.queryRow(ctx, `SELECT id, definition FROM survey_studies WHERE code = ?`, code).Scan(&out.ID, &def)
	if err == sql.ErrNoRows {
		return nil, holf.NotFound("study", code)
	}
	if err != nil {
		return nil, fmt.Errorf("load study %s: %w", code, mapErr(err))
	}
	if out.Study, err = survey.ParseStudy(lib, []byte(def)); err != nil {
		return nil, fmt.Errorf("load study %s: %w", code, err)
	}
	rows, err := db.query(ctx, `SELECT q.id, w.code, q.definition FROM questionnaires q JOIN survey_waves w ON w.id = q.wave_id
		WHERE w.study_id = ? ORDER BY w.position, q.grp DESC`, out.ID)
	if err != nil {
		return nil, fmt.Errorf("load questionnaires of %s: %w", code, err)
	}
	defer rows.Close()
	for rows.Next() {
		var q survey.InstalledQuestionnaire
		var qdef string
		if err := rows.Scan(&q.ID, &q.Wave, &qdef); err != nil {
			return nil, mapErr(err)
		}
		q.Def = new(survey.Questionnaire)
		if err := json.Unmarshal([]byte(qdef), q.Def); err != nil {
			return nil, fmt.Errorf("questionnaire %d: %w", q.ID, err)
		}
		if err := q.Def.Check(lib); err != nil {
			return nil, fmt.Errorf("questionnaire %d: %w", q.ID, err)
		}
		out.Questionnaires = append(out.Questionnaires, q)
	}
	return &out, mapErr(rows.Err())
}

// codeAlphabet leaves out letters and digits that are easily confused when a
// code is read aloud or written down (0/O, 1/I/L).
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newCode returns prefix and six random characters: a pseudonym that says
// nothing about the person, the office or the order of enrolment. Bytes
// beyond the largest multiple of the alphabet's size are drawn again, so
// that every character is equally likely. 31^6 is about 900 million codes:
// at national scale (about 200 000 parents) collisions are expected, so
// enrolment checks each code against the study's (see claimCode).
func newCode(prefix string) string {
	const limit = 256 - 256%len(codeAlphabet)
	out := make([]byte, 0, 6)
	var b [16]byte
	for len(out) < 6 {
		_, _ = rand.Read(b[:])
		for _, c := range b {
			if int(c) < limit && len(out) < 6 {
				out = append(out, codeAlphabet[int(c)%len(codeAlphabet)])
			}
		}
	}
	return prefix + string(out)
}

// maxCodeTries bounds the draws of a free code: with a study using a
// millionth of the codes, twenty collisions in a row do not happen.
const maxCodeTries = 20

// claimCode inserts with a fresh code until one is free: insert runs the
// INSERT … ON CONFLICT DO NOTHING with the code drawn, and reports the rows
// it added. A taken code adds none and is drawn again; a transaction on
// PostgreSQL stays usable, as no statement fails.
func (tx *Tx) claimCode(prefix string, insert func(code string) (int64, error)) (string, error) {
	for try := 0; try < maxCodeTries; try++ {
		code := tx.db.codes(prefix)
		n, err := insert(code)
		if err != nil {
			return "", err
		}
		if n == 1 {
			return code, nil
		}
	}
	return "", fmt.Errorf("no free %s… study code after %d draws", prefix, maxCodeTries)
}

// familyCode is the study code of family familyID in the study, drawn on
// first use: parents of one family share it, no two families do.
func (tx *Tx) familyCode(ctx context.Context, studyID, familyID int64) (string, error) {
	var code string
	err := tx.queryRow(ctx, `SELECT code FROM study_family_codes WHERE study_id = ? AND family_id = ?`, studyID, familyID).Scan(&code)
	if err != sql.ErrNoRows {
		return code, err
	}
	return tx.claimCode("F", func(code string) (int64, error) {
		res, err := tx.exec(ctx, `INSERT INTO study_family_codes (study_id, family_id, code) VALUES (?, ?, ?) ON CONFLICT (study_id, code) DO NOTHING`,
			studyID, familyID, code)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	})
}

// EnrolRespondents gives every eligible person of an office a respondent
// code in the study: parents of recruited and active families, or the
// office's coordinators. It returns how many were added.
func (db *DB) EnrolRespondents(ctx context.Context, ev holf.AuditEvent, studyID, officeID int64, group string) (int, error) {
	added := 0
	err := db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		n, err := tx.enrol(ctx, studyID, officeID, group)
		added = n
		return officeID, err
	})
	return added, err
}

func (tx *Tx) enrol(ctx context.Context, studyID, officeID int64, group string) (int, error) {
	type cand struct{ member, family, person int64 }
	var q string
	switch group {
	case survey.GroupParents:
		q = `SELECT m.id, m.family_id, 0 FROM family_members m JOIN families f ON f.id = m.family_id
			WHERE f.office_id = ? AND m.role = 'parent' AND f.status IN ('recruited', 'active')
			AND NOT EXISTS (SELECT 1 FROM respondents r WHERE r.study_id = ? AND r.member_id = m.id) ORDER BY m.id`
	case survey.GroupCoordinators:
		q = `SELECT DISTINCT 0, 0, a.person_id FROM role_assignments a JOIN people p ON p.id = a.person_id
			WHERE a.office_id = ? AND a.role = 'coordinator' AND p.disabled_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM respondents r WHERE r.study_id = ? AND r.person_id = a.person_id) ORDER BY 3`
	default:
		return 0, holf.Errorf(holf.EInvalid, "unknown respondent group %q", group)
	}
	rows, err := tx.query(ctx, q, officeID, studyID)
	if err != nil {
		return 0, fmt.Errorf("find respondents: %w", err)
	}
	var cs []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.member, &c.family, &c.person); err != nil {
			_ = rows.Close()
			return 0, err
		}
		cs = append(cs, c)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	prefix := map[string]string{survey.GroupParents: "P", survey.GroupCoordinators: "K"}[group]
	for _, c := range cs {
		famCode := ""
		if c.family != 0 {
			// Parents of one family share a family code, so that analyses
			// can account for it.
			var err error
			if famCode, err = tx.familyCode(ctx, studyID, c.family); err != nil {
				return 0, fmt.Errorf("enrol respondent: %w", err)
			}
		}
		if _, err := tx.claimCode(prefix, func(code string) (int64, error) {
			res, err := tx.exec(ctx, `INSERT INTO respondents (study_id, code, family_code, grp, office_id, family_id, member_id, person_id, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`, studyID, code, famCode, group, officeID,
				nullID(c.family), nullID(c.member), nullID(c.person), formatTime(tx.now))
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		}); err != nil {
			return 0, fmt.Errorf("enrol respondent: %w", err)
		}
	}
	return len(cs), nil
}

// OfficeResponses lists an office's respondents of the questionnaire's group
// with their names (for the office's own staff) and where they are.
func (db *DB) OfficeResponses(ctx context.Context, studyID int64, q survey.InstalledQuestionnaire, officeID int64) ([]survey.ResponseLine, error) {
	rows, err := db.query(ctx, `SELECT r.id, r.code, COALESCE(m.name, p.name, ''), COALESCE(r.family_id, 0),
			COALESCE(s.id, 0), COALESCE(s.mode, ''), s.invited_at, s.started_at, s.submitted_at, s.reminded_at, s.expires_at,
			COALESCE(s.reminders, 0), (SELECT COUNT(*) FROM survey_answers a WHERE a.response_id = s.id)
		FROM respondents r
		LEFT JOIN family_members m ON m.id = r.member_id
		LEFT JOIN people p ON p.id = r.person_id
		LEFT JOIN survey_responses s ON s.respondent_id = r.id AND s.questionnaire_id = ?
		WHERE r.study_id = ? AND r.office_id = ? AND r.grp = ?
		ORDER BY COALESCE(m.name, p.name, r.code), r.id`, q.ID, studyID, officeID, q.Def.Group)
	if err != nil {
		return nil, fmt.Errorf("list respondents: %w", err)
	}
	defer rows.Close()
	var out []survey.ResponseLine
	for rows.Next() {
		var l survey.ResponseLine
		if err := rows.Scan(&l.RespondentID, &l.Code, &l.Name, &l.FamilyID, &l.ResponseID, &l.Mode, asTime(&l.InvitedAt), asTime(&l.StartedAt),
			asTime(&l.SubmittedAt), asTime(&l.RemindedAt), asTime(&l.ExpiresAt), &l.Reminders, &l.Answered); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, l)
	}
	return out, mapErr(rows.Err())
}

// RespondentOffice returns the office of a respondent in the study.
func (db *DB) RespondentOffice(ctx context.Context, studyID, respondentID int64) (int64, string, error) {
	var office int64
	var group string
	err := db.queryRow(ctx, `SELECT office_id, grp FROM respondents WHERE id = ? AND study_id = ?`, respondentID, studyID).Scan(&office, &group)
	if err == sql.ErrNoRows {
		return 0, "", holf.NotFound("respondent", respondentID)
	}
	return office, group, mapErr(err)
}

var errAnswersStale = &holf.Error{Code: holf.EConflict, Message: "someone else saved answers to this questionnaire in the meantime", Key: "err.stale"}

var errSubmitted = &holf.Error{Code: holf.EConflict, Message: "this questionnaire has been submitted and cannot be changed", Key: "err.survey_submitted"}

// IssueLink gives a respondent a new personal link to a questionnaire: the
// first is the invitation, any later one a reminder that replaces the old
// link (only the hash of a link is stored, so it cannot be shown again).
// Answers already given stay with the response.
// A response is answered through one channel: a response begun through
// a link is continued only through a link (staff never see or change what
// the respondent typed), and one typed in from paper only from paper.
var (
	errBegunOnline = &holf.Error{Code: holf.EConflict, Key: "err.survey_begun_online",
		Message: "the respondent has begun answering through their link: only they can continue, through the link"}
	errBegunOnPaper = &holf.Error{Code: holf.EConflict, Key: "err.survey_begun_on_paper",
		Message: "this questionnaire is being typed in from paper: finish it on paper"}
)

// IssueLink gives a respondent a new personal link to a questionnaire: the
// first is the invitation, any later one a reminder that replaces the old
// link (only the hash of a link is stored, so it cannot be shown again).
// Answers already given stay with the response. A link for a paper
// response nothing has been typed into yet turns it into a web response;
// one with answers typed from paper is refused. reminds is false when
// respondents fetch their own link (coordinators): that is no reminder.
func (db *DB) IssueLink(ctx context.Context, ev holf.AuditEvent, questionnaireID, respondentID int64, tokenHash string, expires time.Time, reminds bool) (reminder bool, err error) {
	err = db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		var id int64
		var mode string
		var started, submitted bool
		err := tx.queryRow(ctx, `SELECT id, mode, started_at, submitted_at FROM survey_responses WHERE questionnaire_id = ? AND respondent_id = ?`,
			questionnaireID, respondentID).Scan(&id, &mode, asSet(&started), asSet(&submitted))
		now := formatTime(tx.now)
		switch {
		case err == sql.ErrNoRows:
			return tx.insertID(ctx, `INSERT INTO survey_responses (questionnaire_id, respondent_id, token_hash, expires_at, mode, invited_at)
				VALUES (?, ?, ?, ?, 'web', ?)`, questionnaireID, respondentID, tokenHash, formatTime(expires), now)
		case err != nil:
			return 0, err
		case submitted:
			return 0, errSubmitted
		case mode == "paper" && started:
			return 0, errBegunOnPaper
		}
		reminder = reminds && mode == "web"
		q := `UPDATE survey_responses SET token_hash = ?, expires_at = ?, mode = 'web', version = version + 1 WHERE id = ? AND submitted_at IS NULL`
		args := []any{tokenHash, formatTime(expires), id}
		if reminder {
			q = `UPDATE survey_responses SET token_hash = ?, expires_at = ?, mode = 'web', reminded_at = ?, reminders = reminders + 1, version = version + 1
				WHERE id = ? AND submitted_at IS NULL`
			args = []any{tokenHash, formatTime(expires), now, id}
		}
		if err := tx.updateVersioned(ctx, "response", id, nil, q, args...); holf.ErrorCode(err) == holf.EConflict {
			return 0, errSubmitted // the only change meanwhile that the UPDATE refuses
		} else if err != nil {
			return 0, err
		}
		return id, nil
	})
	return reminder, err
}

const responseCols = `s.id, s.questionnaire_id, s.respondent_id, r.code, r.office_id, s.mode, s.expires_at, s.started_at, s.submitted_at, s.version`

func (db *DB) loadResponse(ctx context.Context, where string, arg any) (survey.Response, error) {
	var rs survey.Response
	err := db.queryRow(ctx, `SELECT `+responseCols+` FROM survey_responses s JOIN respondents r ON r.id = s.respondent_id WHERE `+where, arg).
		Scan(&rs.ID, &rs.QuestionnaireID, &rs.RespondentID, &rs.RespondentCode, &rs.OfficeID, &rs.Mode, asTime(&rs.ExpiresAt),
			asTime(&rs.StartedAt), asTime(&rs.SubmittedAt), &rs.Version)
	if err == sql.ErrNoRows {
		return rs, holf.NotFound("response", "")
	}
	if err != nil {
		return rs, fmt.Errorf("load response: %w", mapErr(err))
	}
	rs.Answers, err = db.answers(ctx, rs.ID)
	return rs, err
}

// ResponseByToken finds the response a respondent's link opens.
func (db *DB) ResponseByToken(ctx context.Context, tokenHash string) (survey.Response, error) {
	return db.loadResponse(ctx, `s.token_hash = ?`, tokenHash)
}

// GetResponse loads a response by id.
func (db *DB) GetResponse(ctx context.Context, id int64) (survey.Response, error) {
	return db.loadResponse(ctx, `s.id = ?`, id)
}

func (db *DB) answers(ctx context.Context, responseID int64) (survey.Answers, error) {
	rows, err := db.query(ctx, `SELECT instrument, item, value FROM survey_answers WHERE response_id = ?`, responseID)
	if err != nil {
		return nil, fmt.Errorf("load answers: %w", err)
	}
	defer rows.Close()
	a := survey.Answers{}
	for rows.Next() {
		var in, it string
		var v int64
		if err := rows.Scan(&in, &it, &v); err != nil {
			return nil, mapErr(err)
		}
		a.Set(in, it, float64(v))
	}
	return a, mapErr(rows.Err())
}

// FindResponse returns a respondent's response to a questionnaire.
func (db *DB) FindResponse(ctx context.Context, questionnaireID, respondentID int64) (survey.Response, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT id FROM survey_responses WHERE questionnaire_id = ? AND respondent_id = ?`, questionnaireID, respondentID).Scan(&id)
	if err == sql.ErrNoRows {
		return survey.Response{}, holf.NotFound("response", respondentID)
	}
	if err != nil {
		return survey.Response{}, mapErr(err)
	}
	return db.GetResponse(ctx, id)
}

// PaperResponse returns the response a coordinator enters from paper for a
// respondent, creating it (without a link, at version 0, the version of a
// form shown before it existed) when the respondent has none.
func (db *DB) PaperResponse(ctx context.Context, ev holf.AuditEvent, questionnaireID, respondentID int64) (int64, error) {
	var id int64
	err := db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		var mode string
		var started, submitted bool
		err := tx.queryRow(ctx, `SELECT id, mode, started_at, submitted_at FROM survey_responses WHERE questionnaire_id = ? AND respondent_id = ?`,
			questionnaireID, respondentID).Scan(&id, &mode, asSet(&started), asSet(&submitted))
		switch {
		case err == sql.ErrNoRows:
			now := formatTime(tx.now)
			id, err = tx.insertID(ctx, `INSERT INTO survey_responses (questionnaire_id, respondent_id, expires_at, mode, invited_at, entered_by, version)
				VALUES (?, ?, ?, 'paper', ?, ?, 0)`, questionnaireID, respondentID, now, now, nullID(ev.ActorID))
			return id, err
		case err != nil:
			return 0, err
		case submitted:
			return 0, errSubmitted
		case mode == "web" && started:
			return 0, errBegunOnline
		case mode == "web":
			// Invited by link, nothing answered yet: the respondent answers
			// on paper instead, and the link stops working. No answer
			// changes, so the version stays; the UPDATE refuses if the
			// respondent began meanwhile.
			res, err := tx.exec(ctx, `UPDATE survey_responses SET mode = 'paper', token_hash = NULL, entered_by = ?
				WHERE id = ? AND started_at IS NULL AND submitted_at IS NULL`, nullID(ev.ActorID), id)
			if err != nil {
				return 0, err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return 0, errBegunOnline
			}
		}
		return id, nil
	})
	return id, err
}

// AnyVersion saves answers whatever the response's version: a respondent
// answering through their own link is the only one writing.
const AnyVersion = -1

// SaveAnswers stores a page of answers, unless the response has been
// submitted. The first save marks the response as started. expect is the
// version the form was read at (paper entry, where two staff could type at
// once), or AnyVersion: a different version is a conflict.
func (db *DB) SaveAnswers(ctx context.Context, ev holf.AuditEvent, responseID, expect int64, changes []survey.AnswerChange) error {
	ev.RecordID = responseID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		var version int64
		var sub sql.NullString
		err := tx.queryRow(ctx, `SELECT version, submitted_at FROM survey_responses WHERE id = ?`, responseID).Scan(&version, &sub)
		switch {
		case err == sql.ErrNoRows:
			return 0, holf.NotFound("response", responseID)
		case err != nil:
			return 0, err
		case sub.Valid:
			return 0, errSubmitted
		case expect != AnyVersion && expect != version:
			return 0, errAnswersStale
		}
		// The UPDATE compares again: of two saves from one version (two staff
		// typing one paper form), exactly one is stored. A respondent's own
		// saves (AnyVersion) only need the response to be open.
		q := `UPDATE survey_responses SET started_at = COALESCE(started_at, ?), version = version + 1 WHERE id = ? AND submitted_at IS NULL`
		args := []any{now, responseID}
		if expect != AnyVersion {
			q += ` AND version = ?`
			args = append(args, expect)
		}
		res, err := tx.exec(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, errAnswersStale
		}
		for _, c := range changes {
			if c.Clear {
				_, err = tx.exec(ctx, `DELETE FROM survey_answers WHERE response_id = ? AND instrument = ? AND item = ?`, responseID, c.Instrument, c.Item)
			} else {
				_, err = tx.exec(ctx, `INSERT INTO survey_answers (response_id, instrument, item, value, answered_at) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT (response_id, instrument, item) DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at`,
					responseID, c.Instrument, c.Item, c.Value, now)
			}
			if err != nil {
				return 0, fmt.Errorf("save answer %s: %w", c.Item, err)
			}
		}
		return responseID, nil
	})
}

// SubmitResponse marks a response submitted, once, and stores its scores
// beside the raw answers in the same transaction.
func (db *DB) SubmitResponse(ctx context.Context, ev holf.AuditEvent, s survey.Submission) error {
	ev.RecordID = s.ResponseID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		now := formatTime(tx.now)
		res, err := tx.exec(ctx, `UPDATE survey_responses SET submitted_at = ?, started_at = COALESCE(started_at, ?), mode = ?, lang = ?,
			entered_by = COALESCE(?, entered_by), token_hash = CASE WHEN ? = 'paper' THEN NULL ELSE token_hash END, version = version + 1
			WHERE id = ? AND submitted_at IS NULL AND version = ?`, now, now, s.Mode, s.Lang, nullID(s.EnteredBy), s.Mode, s.ResponseID, s.Version)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// Submitted meanwhile, or answers saved after these scores were
			// computed: either way this submission is not the one stored.
			return 0, errSubmitted
		}
		return s.ResponseID, tx.insertScores(ctx, s.ResponseID, s.Scores, "submitted")
	})
}

func (tx *Tx) insertScores(ctx context.Context, responseID int64, scores []survey.InstrumentScores, reason string) error {
	return tx.insertRows(ctx, "survey_scores", scoreCols, scoreRows(nil, responseID, scores, reason, formatTime(tx.now)))
}

const scoreCols = "response_id, instrument, instrument_version, score, value, answered, cutoffs, reason, scored_at"

// scoreRows appends a response's scores as survey_scores rows. Cut-offs
// are stored as "id=1;id=0", read back by ExportResponses.
func scoreRows(rows [][]any, responseID int64, scores []survey.InstrumentScores, reason string, at any) [][]any {
	for _, is := range scores {
		for _, sc := range is.Scores {
			var cut []string
			for _, c := range sc.Cutoffs {
				cut = append(cut, fmt.Sprintf("%s=%d", c.ID, boolInt(c.Met)))
			}
			var v any
			if sc.Value != nil {
				v = *sc.Value
			}
			rows = append(rows, []any{responseID, is.Instrument, is.Version, sc.ID, v, sc.Answered, strings.Join(cut, ";"), reason, at})
		}
	}
	return rows
}

// Stale is a submitted response whose stored scores for an instrument come
// from an older version of its definition.
type Stale struct {
	ResponseID      int64
	QuestionnaireID int64
	Instrument      string
	Version         int // newest stored version
	Answers         survey.Answers
}

// StaleScores lists submitted responses whose newest scores for an
// instrument are older than the library's version of it.
func (db *DB) StaleScores(ctx context.Context, studyID int64, current map[string]int) ([]Stale, error) {
	rows, err := db.query(ctx, `SELECT sc.response_id, s.questionnaire_id, sc.instrument, MAX(sc.instrument_version)
		FROM survey_scores sc JOIN survey_responses s ON s.id = sc.response_id JOIN respondents r ON r.id = s.respondent_id
		WHERE r.study_id = ? GROUP BY sc.response_id, s.questionnaire_id, sc.instrument ORDER BY sc.response_id, sc.instrument`, studyID)
	if err != nil {
		return nil, fmt.Errorf("find stale scores: %w", err)
	}
	var out []Stale
	for rows.Next() {
		var s Stale
		if err := rows.Scan(&s.ResponseID, &s.QuestionnaireID, &s.Instrument, &s.Version); err != nil {
			_ = rows.Close()
			return nil, mapErr(err)
		}
		if v, ok := current[s.Instrument]; ok && s.Version < v {
			out = append(out, s)
		}
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	for i := range out {
		a, err := db.answers(ctx, out[i].ResponseID)
		if err != nil {
			return nil, err
		}
		out[i].Answers = a
	}
	return out, nil
}

// Rescore stores scores computed under a newer definition beside the old
// ones, recorded as re-scored. The raw answers are not touched.
func (db *DB) Rescore(ctx context.Context, ev holf.AuditEvent, responseID int64, scores survey.InstrumentScores) error {
	ev.RecordID = responseID
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		return responseID, tx.insertScores(ctx, responseID, []survey.InstrumentScores{scores}, "rescored")
	})
}

// Tracking counts, per office, respondents, invitations, started and
// submitted responses and those reminded at least once.
func (db *DB) Tracking(ctx context.Context, studyID int64, q survey.InstalledQuestionnaire, offices []int64) ([]survey.TrackingRow, error) {
	if len(offices) == 0 {
		return nil, nil
	}
	args := []any{q.ID, studyID, q.Def.Group}
	for _, o := range offices {
		args = append(args, o)
	}
	rows, err := db.query(ctx, `SELECT r.office_id, COUNT(*), COUNT(s.id), COUNT(s.started_at), COUNT(s.submitted_at),
			COUNT(CASE WHEN s.mode = 'paper' AND s.submitted_at IS NOT NULL THEN 1 END), COUNT(CASE WHEN s.reminders > 0 THEN 1 END)
		FROM respondents r LEFT JOIN survey_responses s ON s.respondent_id = r.id AND s.questionnaire_id = ?
		WHERE r.study_id = ? AND r.grp = ? AND r.office_id IN (`+placeholders(len(offices))+`)
		GROUP BY r.office_id ORDER BY r.office_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("tracking: %w", err)
	}
	defer rows.Close()
	var out []survey.TrackingRow
	for rows.Next() {
		var t survey.TrackingRow
		if err := rows.Scan(&t.OfficeID, &t.Respondents, &t.Invited, &t.Started, &t.Submitted, &t.Paper, &t.Reminded); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, t)
	}
	return out, mapErr(rows.Err())
}

// Attrition compares submitted responses to two questionnaires of a group.
func (db *DB) Attrition(ctx context.Context, first, second int64, offices []int64) (survey.Attrition, error) {
	var a survey.Attrition
	if len(offices) == 0 {
		return a, nil
	}
	args := []any{first, second}
	for _, o := range offices {
		args = append(args, o)
	}
	err := db.queryRow(ctx, `SELECT COUNT(CASE WHEN t1 > 0 THEN 1 END), COUNT(CASE WHEN t1 > 0 AND t2 > 0 THEN 1 END),
			COUNT(CASE WHEN t1 > 0 AND t2 = 0 THEN 1 END), COUNT(CASE WHEN t1 = 0 AND t2 > 0 THEN 1 END)
		FROM (SELECT r.id, COUNT(CASE WHEN s.questionnaire_id = ? THEN 1 END) AS t1, COUNT(CASE WHEN s.questionnaire_id = ? THEN 1 END) AS t2
			FROM respondents r JOIN survey_responses s ON s.respondent_id = r.id AND s.submitted_at IS NOT NULL
			WHERE r.office_id IN (`+placeholders(len(offices))+`) GROUP BY r.id) x`, args...).Scan(&a.First, &a.Both, &a.OnlyFirst, &a.OnlySecond)
	if err != nil {
		return a, fmt.Errorf("attrition: %w", mapErr(err))
	}
	return a, nil
}

// ExportResponses returns every submitted response to a questionnaire with
// its raw answers and its newest scores, ordered by respondent code.
func (db *DB) ExportResponses(ctx context.Context, questionnaireID int64) ([]survey.ExportRow, error) {
	return db.responses(ctx, questionnaireID, true)
}

// ScoredResponses is ExportResponses without the raw answers: what the
// trial's tables read, at a third of the rows.
func (db *DB) ScoredResponses(ctx context.Context, questionnaireID int64) ([]survey.ExportRow, error) {
	return db.responses(ctx, questionnaireID, false)
}

func (db *DB) responses(ctx context.Context, questionnaireID int64, answers bool) ([]survey.ExportRow, error) {
	tx, err := db.read.BeginTx(ctx, db.snapshotOpts())
	if err != nil {
		return nil, mapErr(err)
	}
	defer func() { _ = tx.Rollback() }()
	q := func(s string, args ...any) (*sql.Rows, error) {
		db.statements.Add(1)
		rows, err := tx.QueryContext(ctx, db.rebind(s), args...)
		return rows, mapErr(err)
	}
	rows, err := q(`SELECT s.id, r.code, r.family_code, r.office_id, o.arm, s.mode, s.submitted_at, COALESCE(m.birth_year, 0)
		FROM survey_responses s JOIN respondents r ON r.id = s.respondent_id JOIN offices o ON o.id = r.office_id
		LEFT JOIN family_members m ON m.id = r.member_id
		WHERE s.questionnaire_id = ? AND s.submitted_at IS NOT NULL ORDER BY r.code`, questionnaireID)
	if err != nil {
		return nil, fmt.Errorf("export responses: %w", err)
	}
	var out []survey.ExportRow
	index := map[int64]int{}
	for rows.Next() {
		var e survey.ExportRow
		var id int64
		var sub string
		if err := rows.Scan(&id, &e.Respondent, &e.Family, &e.OfficeID, &e.Arm, &e.Mode, &sub, &e.MemberBirthYear); err != nil {
			_ = rows.Close()
			return nil, mapErr(err)
		}
		e.Submitted = parseTime(sub)
		e.Answers, e.Scores, e.Version = survey.Answers{}, map[string]survey.StoredScores{}, map[string]int{}
		index[id] = len(out)
		out = append(out, e)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	if answers {
		rows, err = q(`SELECT a.response_id, a.instrument, a.item, a.value FROM survey_answers a JOIN survey_responses s ON s.id = a.response_id
			WHERE s.questionnaire_id = ? AND s.submitted_at IS NOT NULL`, questionnaireID)
		if err != nil {
			return nil, fmt.Errorf("export answers: %w", err)
		}
		for rows.Next() {
			var id, v int64
			var in, it string
			if err := rows.Scan(&id, &in, &it, &v); err != nil {
				_ = rows.Close()
				return nil, mapErr(err)
			}
			out[index[id]].Answers.Set(in, it, float64(v))
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapErr(err)
		}
	}
	rows, err = q(`SELECT sc.response_id, sc.instrument, sc.instrument_version, sc.score, sc.value, sc.cutoffs
		FROM survey_scores sc JOIN survey_responses s ON s.id = sc.response_id
		WHERE s.questionnaire_id = ? AND s.submitted_at IS NOT NULL`, questionnaireID)
	if err != nil {
		return nil, fmt.Errorf("export scores: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var in, score, cut string
		var ver int
		var v sql.NullFloat64
		if err := rows.Scan(&id, &in, &ver, &score, &v, &cut); err != nil {
			return nil, mapErr(err)
		}
		e := &out[index[id]]
		// Unordered (a sort costs more than the read): a newer version
		// replaces what came before, an older one is passed over.
		if _, seen := e.Scores[in]; !seen || ver > e.Version[in] {
			e.Version[in], e.Scores[in] = ver, survey.StoredScores{}
		} else if ver < e.Version[in] {
			continue
		}
		st := survey.StoredScore{Cutoffs: map[string]bool{}}
		if v.Valid {
			st.Value = &v.Float64
		}
		for _, kv := range strings.Split(cut, ";") {
			if k, val, ok := strings.Cut(kv, "="); ok {
				st.Cutoffs[k] = val == "1"
			}
		}
		e.Scores[in][score] = st
	}
	return out, mapErr(rows.Err())
}

// RespondentCode returns a respondent's study code.
func (db *DB) RespondentCode(ctx context.Context, respondentID int64) (string, error) {
	var code string
	err := db.queryRow(ctx, `SELECT code FROM respondents WHERE id = ?`, respondentID).Scan(&code)
	if err == sql.ErrNoRows {
		return "", holf.NotFound("respondent", respondentID)
	}
	return code, mapErr(err)
}

// RespondentRef identifies a respondent for bulk work (the demo).
type RespondentRef struct {
	ID       int64
	OfficeID int64
	Group    string
	MemberID int64
	PersonID int64
	// From the family record, for parents.
	BirthYear      int
	CountryOfBirth string
	Children       int
}

// ListRespondents returns every respondent of a study in id order.
func (db *DB) ListRespondents(ctx context.Context, studyID int64) ([]RespondentRef, error) {
	rows, err := db.query(ctx, `SELECT r.id, r.office_id, r.grp, COALESCE(r.member_id, 0), COALESCE(r.person_id, 0),
			COALESCE(m.birth_year, 0), COALESCE(m.country_of_birth, ''),
			(SELECT COUNT(*) FROM family_members c WHERE c.family_id = r.family_id AND c.role = 'child')
		FROM respondents r LEFT JOIN family_members m ON m.id = r.member_id WHERE r.study_id = ? ORDER BY r.id`, studyID)
	if err != nil {
		return nil, fmt.Errorf("list respondents: %w", err)
	}
	defer rows.Close()
	var out []RespondentRef
	for rows.Next() {
		var r RespondentRef
		if err := rows.Scan(&r.ID, &r.OfficeID, &r.Group, &r.MemberID, &r.PersonID, &r.BirthYear, &r.CountryOfBirth, &r.Children); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// ImportedResponse is a response loaded in bulk, with its timeline. A
// response without SubmittedAt is still open (it has no link: staff issue
// one as a reminder).
type ImportedResponse struct {
	QuestionnaireID, RespondentID int64
	Mode, Lang                    string
	InvitedAt, StartedAt          time.Time
	SubmittedAt, ExpiresAt        time.Time
	Reminders                     int
	Answers                       survey.Answers
	Scores                        []survey.InstrumentScores
}

// ImportResponses stores many responses in one transaction with one audit
// entry, in multi-row statements (the demo loads about 200 000 rows).
func (db *DB) ImportResponses(ctx context.Context, ev holf.AuditEvent, rs []ImportedResponse) error {
	return db.audited(ctx, ev, func(tx *Tx) (int64, error) {
		ts := func(t time.Time) any {
			if t.IsZero() {
				return nil
			}
			return formatTime(t)
		}
		var answers, scores [][]any
		for _, r := range rs {
			var reminded any
			if r.Reminders > 0 {
				reminded = ts(r.InvitedAt.Add(7 * 24 * time.Hour))
			}
			id, err := tx.insertID(ctx, `INSERT INTO survey_responses (questionnaire_id, respondent_id, expires_at, mode, lang, invited_at, started_at,
				submitted_at, reminded_at, reminders) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.QuestionnaireID, r.RespondentID, formatTime(r.ExpiresAt),
				r.Mode, r.Lang, formatTime(r.InvitedAt), ts(r.StartedAt), ts(r.SubmittedAt), reminded, r.Reminders)
			if err != nil {
				return 0, fmt.Errorf("import response: %w", err)
			}
			at := ts(r.StartedAt)
			for in, items := range r.Answers {
				for it, v := range items {
					answers = append(answers, []any{id, in, it, int(v), at})
				}
			}
			scores = scoreRows(scores, id, r.Scores, "submitted", ts(r.SubmittedAt))
		}
		if err := tx.insertRows(ctx, "survey_answers", "response_id, instrument, item, value, answered_at", answers); err != nil {
			return 0, err
		}
		return 0, tx.insertRows(ctx, "survey_scores", scoreCols, scores)
	})
}

// OwnRespondent finds staff member personID's respondent record in the
// study (a coordinator's), with its office.
func (db *DB) OwnRespondent(ctx context.Context, studyID, personID int64) (id, office int64, err error) {
	err = db.queryRow(ctx, `SELECT id, office_id FROM respondents WHERE study_id = ? AND person_id = ?`, studyID, personID).Scan(&id, &office)
	if err == sql.ErrNoRows {
		return 0, 0, holf.NotFound("respondent", personID)
	}
	return id, office, mapErr(err)
}

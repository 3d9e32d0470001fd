-- Questionnaires: a study (its definition copied in when installed), waves,
-- one questionnaire per wave and respondent group, respondents with stable
-- pseudonymous codes, responses (one per respondent and questionnaire, with
-- the hash of the respondent's link), raw answers and the scores computed
-- from them. Raw answers are never changed after submission; scores keep the
-- version of the definition that computed them, so re-scoring adds rows.

CREATE TABLE survey_studies (
    id         {{ID}},
    code       TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX survey_studies_code ON survey_studies (code);

CREATE TABLE survey_waves (
    id       {{ID}},
    study_id BIGINT NOT NULL REFERENCES survey_studies (id) ON DELETE CASCADE,
    code     TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE UNIQUE INDEX survey_waves_code ON survey_waves (study_id, code);

CREATE TABLE questionnaires (
    id         {{ID}},
    wave_id    BIGINT NOT NULL REFERENCES survey_waves (id) ON DELETE CASCADE,
    grp        TEXT NOT NULL CHECK (grp IN ('parents', 'coordinators')),
    definition TEXT NOT NULL
);
CREATE UNIQUE INDEX questionnaires_wave_group ON questionnaires (wave_id, grp);

-- member_id and person_id are kept as NULL when the family record or staff
-- account goes: the research data stays, under its pseudonym.
CREATE TABLE respondents (
    id          {{ID}},
    study_id    BIGINT NOT NULL REFERENCES survey_studies (id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    family_code TEXT NOT NULL DEFAULT '',
    grp         TEXT NOT NULL CHECK (grp IN ('parents', 'coordinators')),
    office_id   BIGINT NOT NULL REFERENCES offices (id),
    family_id   BIGINT REFERENCES families (id) ON DELETE SET NULL,
    member_id   BIGINT REFERENCES family_members (id) ON DELETE SET NULL,
    person_id   BIGINT REFERENCES people (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX respondents_code ON respondents (code);
CREATE UNIQUE INDEX respondents_member ON respondents (study_id, member_id);
CREATE UNIQUE INDEX respondents_person ON respondents (study_id, person_id);
CREATE INDEX respondents_office ON respondents (office_id, grp);

CREATE TABLE survey_responses (
    id               {{ID}},
    questionnaire_id BIGINT NOT NULL REFERENCES questionnaires (id) ON DELETE CASCADE,
    respondent_id    BIGINT NOT NULL REFERENCES respondents (id) ON DELETE CASCADE,
    token_hash       TEXT,
    expires_at       TEXT NOT NULL,
    mode             TEXT NOT NULL CHECK (mode IN ('web', 'paper')),
    lang             TEXT NOT NULL DEFAULT '',
    invited_at       TEXT NOT NULL,
    started_at       TEXT,
    submitted_at     TEXT,
    reminded_at      TEXT,
    reminders        INTEGER NOT NULL DEFAULT 0,
    entered_by       BIGINT REFERENCES people (id) ON DELETE SET NULL,
    version          BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX survey_responses_one ON survey_responses (questionnaire_id, respondent_id);
CREATE UNIQUE INDEX survey_responses_token ON survey_responses (token_hash);

CREATE TABLE survey_answers (
    response_id BIGINT NOT NULL REFERENCES survey_responses (id) ON DELETE CASCADE,
    instrument  TEXT NOT NULL,
    item        TEXT NOT NULL,
    value       INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (response_id, instrument, item)
);

CREATE TABLE survey_scores (
    response_id        BIGINT NOT NULL REFERENCES survey_responses (id) ON DELETE CASCADE,
    instrument         TEXT NOT NULL,
    instrument_version INTEGER NOT NULL,
    score              TEXT NOT NULL,
    value              DOUBLE PRECISION,
    answered           INTEGER NOT NULL,
    cutoffs            TEXT NOT NULL DEFAULT '',
    reason             TEXT NOT NULL CHECK (reason IN ('submitted', 'rescored')),
    scored_at          TEXT NOT NULL,
    PRIMARY KEY (response_id, instrument, instrument_version, score)
);

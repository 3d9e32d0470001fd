-- The learning structure (seed 003, §5, §7, §8.5): supervision groups and
-- their sessions, supervision forms under a case alias and the rounds a
-- session takes them through, training support's reviews of forms, the
-- action logs, the leaders' monthly follow-up and the national seminars.

CREATE TABLE supervision_groups (
    id         {{ID}},
    name       TEXT NOT NULL,
    leader_id  BIGINT NOT NULL REFERENCES people (id),
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX supervision_groups_name ON supervision_groups (name);
CREATE INDEX supervision_groups_leader ON supervision_groups (leader_id);

-- office_id is the office a member takes part for: their cases come from it.
CREATE TABLE supervision_group_members (
    group_id  BIGINT NOT NULL REFERENCES supervision_groups (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people (id),
    office_id BIGINT NOT NULL REFERENCES offices (id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (group_id, person_id)
);
CREATE INDEX supervision_group_members_person ON supervision_group_members (person_id);

CREATE TABLE supervision_sessions (
    id         {{ID}},
    group_id   BIGINT NOT NULL REFERENCES supervision_groups (id) ON DELETE CASCADE,
    starts_at  TEXT NOT NULL,
    minutes    INTEGER NOT NULL,
    place      TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL CHECK (status IN ('planned', 'held', 'cancelled')),
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX supervision_sessions_group ON supervision_sessions (group_id, starts_at);

CREATE TABLE supervision_attendance (
    session_id BIGINT NOT NULL REFERENCES supervision_sessions (id) ON DELETE CASCADE,
    person_id  BIGINT NOT NULL REFERENCES people (id),
    attended   INTEGER NOT NULL,
    PRIMARY KEY (session_id, person_id)
);

-- A supervision form. alias is what members of other offices see; the
-- family stays behind family_id, which only its office may follow.
CREATE TABLE supervision_cases (
    id          {{ID}},
    group_id    BIGINT NOT NULL REFERENCES supervision_groups (id),
    session_id  BIGINT REFERENCES supervision_sessions (id),
    slot        INTEGER,
    family_id   BIGINT NOT NULL REFERENCES families (id),
    office_id   BIGINT NOT NULL REFERENCES offices (id),
    author_id   BIGINT NOT NULL REFERENCES people (id),
    meeting_id  BIGINT REFERENCES meetings (id),
    member_id   BIGINT REFERENCES family_members (id),
    concern     TEXT NOT NULL CHECK (concern IN ('parent', 'child', 'family')),
    alias       TEXT NOT NULL,
    areas       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    topic       TEXT NOT NULL,
    problem     TEXT NOT NULL DEFAULT '',
    process     TEXT NOT NULL DEFAULT '',
    tools       TEXT NOT NULL DEFAULT '',
    principles  TEXT NOT NULL DEFAULT '',
    fge_version INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'done')),
    sent_at     TEXT,
    note_success      TEXT NOT NULL DEFAULT '',
    note_presentation TEXT NOT NULL DEFAULT '',
    note_experience   TEXT NOT NULL DEFAULT '',
    note_possibility  TEXT NOT NULL DEFAULT '',
    note_summary      TEXT NOT NULL DEFAULT '',
    emphasis    TEXT NOT NULL DEFAULT '',
    next_steps  TEXT NOT NULL DEFAULT '',
    to_fge      INTEGER NOT NULL DEFAULT 0,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX supervision_cases_alias ON supervision_cases (alias);
CREATE UNIQUE INDEX supervision_cases_slot ON supervision_cases (session_id, slot);
CREATE INDEX supervision_cases_group ON supervision_cases (group_id, session_id);
CREATE INDEX supervision_cases_family ON supervision_cases (family_id);
-- One topic from an after-reflection is taken to supervision once.
CREATE UNIQUE INDEX supervision_cases_meeting ON supervision_cases (meeting_id) WHERE meeting_id IS NOT NULL;

-- Training support's review of a form. At most one request of a form is
-- open at a time: the partial index refuses a second.
CREATE TABLE reviews (
    id           {{ID}},
    office_id    BIGINT NOT NULL REFERENCES offices (id),
    family_id    BIGINT NOT NULL REFERENCES families (id),
    kind         TEXT NOT NULL CHECK (kind IN ('mapping', 'plan', 'meeting')),
    record_id    BIGINT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('requested', 'meets', 'needs_work')),
    note         TEXT NOT NULL DEFAULT '',
    requested_by BIGINT NOT NULL REFERENCES people (id),
    requested_at TEXT NOT NULL,
    reviewer_id  BIGINT REFERENCES people (id),
    reviewed_at  TEXT,
    reason       TEXT NOT NULL DEFAULT '',
    version      BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX reviews_open ON reviews (kind, record_id) WHERE status = 'requested';
CREATE INDEX reviews_office ON reviews (office_id, status, requested_at);
CREATE INDEX reviews_family ON reviews (family_id, kind, record_id);

CREATE TABLE review_comments (
    review_id BIGINT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    section   TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (review_id, section)
);

CREATE TABLE action_logs (
    id         {{ID}},
    kind       TEXT NOT NULL CHECK (kind IN ('support', 'management')),
    author_id  BIGINT NOT NULL REFERENCES people (id),
    office_id  BIGINT NOT NULL REFERENCES offices (id),
    subject_id BIGINT NOT NULL REFERENCES people (id),
    on_date    TEXT NOT NULL,
    channel    TEXT NOT NULL,
    topic      TEXT NOT NULL,
    minutes    INTEGER NOT NULL DEFAULT 0,
    follow_up  TEXT NOT NULL DEFAULT '',
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX action_logs_office ON action_logs (kind, office_id, on_date);
CREATE INDEX action_logs_subject ON action_logs (subject_id, on_date);

CREATE TABLE follow_ups (
    id             {{ID}},
    office_id      BIGINT NOT NULL REFERENCES offices (id),
    coordinator_id BIGINT NOT NULL REFERENCES people (id),
    leader_id      BIGINT NOT NULL REFERENCES people (id),
    month          TEXT NOT NULL,
    caseload       TEXT NOT NULL DEFAULT '',
    challenges     TEXT NOT NULL DEFAULT '',
    role_clarity   TEXT NOT NULL CHECK (role_clarity IN ('clear', 'some', 'takes_over')),
    role_note      TEXT NOT NULL DEFAULT '',
    collaboration  TEXT NOT NULL DEFAULT '',
    support        TEXT NOT NULL DEFAULT '',
    actions        TEXT NOT NULL DEFAULT '',
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX follow_ups_month ON follow_ups (office_id, coordinator_id, month);

-- National gatherings (fellessamlinger) with their agenda and who came.
CREATE TABLE seminars (
    id         {{ID}},
    title      TEXT NOT NULL,
    held_on    TEXT NOT NULL,
    place      TEXT NOT NULL DEFAULT '',
    agenda     TEXT NOT NULL DEFAULT '',
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE seminar_attendance (
    seminar_id BIGINT NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    person_id  BIGINT NOT NULL REFERENCES people (id),
    attended   INTEGER NOT NULL,
    PRIMARY KEY (seminar_id, person_id)
);

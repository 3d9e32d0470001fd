-- Meetings with their FGE form and Menu agenda, the quick contact log,
-- drafts kept while a coordinator types, and personal calendar feeds.
--
-- A meeting is one row through its whole life; its participants (members,
-- coordinators, NAV colleagues) are rows of their own, so that one meeting
-- holds several members and "every meeting Ayaan took part in" is one
-- query. The FGE check lists are stored as their catalog keys, in the
-- catalog's order, with the catalog version the meeting was prepared with.

CREATE TABLE meetings (
    id                   {{ID}},
    family_id            BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    kind                 TEXT NOT NULL CHECK (kind IN ('information', 'mapping', 'follow_up', 'home_visit', 'collaboration', 'other')),
    status               TEXT NOT NULL CHECK (status IN ('planned', 'held', 'cancelled', 'missed', 'postponed')),
    status_note          TEXT NOT NULL DEFAULT '',
    starts_at            TEXT NOT NULL,
    minutes              INTEGER NOT NULL,
    channel              TEXT NOT NULL CHECK (channel IN ('office', 'home', 'phone', 'video', 'other')),
    place                TEXT NOT NULL DEFAULT '',
    interpreter_language TEXT NOT NULL DEFAULT '',
    lead_id              BIGINT REFERENCES people (id),
    fge_version          INTEGER NOT NULL,
    prep_purpose         TEXT NOT NULL DEFAULT '',
    prep_main_topic      TEXT NOT NULL DEFAULT '',
    prep_sub_topics      TEXT NOT NULL DEFAULT '',
    prep_forms           TEXT NOT NULL DEFAULT '',
    prep_tools           TEXT NOT NULL DEFAULT '',
    prep_principles      TEXT NOT NULL DEFAULT '',
    exec_plan            TEXT NOT NULL DEFAULT '',
    exec_questions       TEXT NOT NULL DEFAULT '',
    refl_what            TEXT NOT NULL DEFAULT '',
    refl_participation   TEXT NOT NULL DEFAULT '',
    refl_feedback        TEXT NOT NULL DEFAULT '',
    refl_tools           TEXT NOT NULL DEFAULT '',
    refl_open            TEXT NOT NULL DEFAULT '',
    refl_supervision     INTEGER NOT NULL DEFAULT 0,
    refl_supervision_topic TEXT NOT NULL DEFAULT '',
    refl_shared          INTEGER NOT NULL DEFAULT 0,
    reflected_at         TEXT,
    reflected_by         BIGINT REFERENCES people (id),
    similar_to           BIGINT REFERENCES meetings (id) ON DELETE SET NULL,
    similarity           DOUBLE PRECISION NOT NULL DEFAULT 0,
    version              BIGINT NOT NULL DEFAULT 1,
    created_by           BIGINT NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX meetings_family ON meetings (family_id, starts_at);
CREATE INDEX meetings_lead ON meetings (lead_id, starts_at);
CREATE INDEX meetings_reflected_by ON meetings (reflected_by, reflected_at);
-- The coordinator's start page: reflections outstanding, and topics for
-- supervision, found without reading every meeting a coordinator led.
CREATE INDEX meetings_reflection_due ON meetings (lead_id, starts_at) WHERE reflected_at IS NULL AND status IN ('planned', 'held');
CREATE INDEX meetings_supervision ON meetings (reflected_by) WHERE refl_supervision = 1;

CREATE TABLE meeting_participants (
    meeting_id  BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('member', 'coordinator', 'colleague')),
    member_id   BIGINT REFERENCES family_members (id) ON DELETE CASCADE,
    person_id   BIGINT REFERENCES people (id),
    name        TEXT NOT NULL DEFAULT '',
    attendance  TEXT NOT NULL CHECK (attendance IN ('expected', 'attended', 'absent')),
    child_heard INTEGER NOT NULL DEFAULT 0,
    -- the meeting's start, kept with each participant so that "a
    -- colleague's meetings this week" is one index range
    starts_at   TEXT NOT NULL,
    PRIMARY KEY (meeting_id, position)
);
CREATE INDEX meeting_participants_member ON meeting_participants (member_id);
CREATE INDEX meeting_participants_person ON meeting_participants (person_id, starts_at);

CREATE TABLE agenda_topics (
    id           {{ID}},
    meeting_id   BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    proposer     TEXT NOT NULL CHECK (proposer IN ('family', 'coordinator')),
    title        TEXT NOT NULL,
    area         TEXT NOT NULL DEFAULT '',
    goal_id      BIGINT REFERENCES plan_goals (id) ON DELETE SET NULL,
    priority     INTEGER NOT NULL DEFAULT 0,
    minutes      INTEGER NOT NULL DEFAULT 0,
    notes        TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL CHECK (outcome IN ('open', 'discussed', 'not_reached')),
    carried_from BIGINT REFERENCES agenda_topics (id) ON DELETE SET NULL
);
CREATE INDEX agenda_topics_meeting ON agenda_topics (meeting_id, position);
CREATE INDEX agenda_topics_carried ON agenda_topics (carried_from);

-- Follow-up tasks of a meeting are plan activities that remember it.
ALTER TABLE plan_activities ADD COLUMN meeting_id BIGINT REFERENCES meetings (id) ON DELETE SET NULL;
CREATE INDEX plan_activities_meeting ON plan_activities (meeting_id);

CREATE TABLE contacts (
    id         {{ID}},
    family_id  BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('call', 'call_missed', 'sms', 'email', 'drop_in', 'home_visit', 'letter', 'digital')),
    member_id  BIGINT REFERENCES family_members (id) ON DELETE SET NULL,
    at         TEXT NOT NULL,
    minutes    INTEGER NOT NULL DEFAULT 0,
    note       TEXT NOT NULL DEFAULT '',
    by_id      BIGINT NOT NULL,
    by_name    TEXT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX contacts_family ON contacts (family_id, at);

-- A draft is what a form held when it was last autosaved, one per person
-- and form; it is deleted when the form is saved.
CREATE TABLE form_drafts (
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    form_key  TEXT NOT NULL,
    family_id BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    base_version BIGINT NOT NULL,
    content   TEXT NOT NULL,
    saved_at  TEXT NOT NULL,
    PRIMARY KEY (person_id, form_key)
);

-- A calendar feed is reached by a secret URL; only the secret's hash is
-- kept, and a new secret revokes the old one.
CREATE TABLE calendar_feeds (
    person_id   BIGINT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

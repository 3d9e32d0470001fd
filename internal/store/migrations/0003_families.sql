-- Families and their members, and the history of every change to them.

CREATE TABLE families (
    id                     {{ID}},
    office_id              BIGINT NOT NULL REFERENCES offices (id),
    name                   TEXT NOT NULL,
    primary_coordinator_id BIGINT REFERENCES people (id),
    second_coordinator_id  BIGINT REFERENCES people (id),
    status                 TEXT NOT NULL CHECK (status IN ('candidate', 'recruited', 'active', 'discharged')),
    consent_date           TEXT,
    discharged_on          TEXT,
    discharge_reason       TEXT,
    replaces_family_id     BIGINT REFERENCES families (id),
    notes                  TEXT NOT NULL DEFAULT '',
    version                BIGINT NOT NULL DEFAULT 1,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);
CREATE INDEX families_office ON families (office_id, status);
CREATE INDEX families_primary ON families (primary_coordinator_id);
CREATE INDEX families_second ON families (second_coordinator_id);

CREATE TABLE family_members (
    id                   {{ID}},
    family_id            BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    role                 TEXT NOT NULL CHECK (role IN ('parent', 'child')),
    name                 TEXT NOT NULL,
    birth_year           INTEGER NOT NULL,
    country_of_birth     TEXT NOT NULL DEFAULT '',
    languages            TEXT NOT NULL DEFAULT '',
    interpreter_needed   INTEGER NOT NULL DEFAULT 0,
    interpreter_language TEXT NOT NULL DEFAULT '',
    lives_at_home        INTEGER NOT NULL DEFAULT 1,
    position             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX family_members_family ON family_members (family_id, position);

-- The family's timeline: recruitment, status changes, edits; later issues add
-- mapping versions, plan changes, meetings and contacts. detail is shown to
-- staff of the office only.
CREATE TABLE family_events (
    id        {{ID}},
    family_id BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    at        TEXT NOT NULL,
    on_date   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    actor_id  BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX family_events_family ON family_events (family_id, at);

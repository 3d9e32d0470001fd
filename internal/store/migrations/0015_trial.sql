-- The trial (seed 003 §1, §4; CONSORT cluster items 3a, 8b, 9, 10a): the
-- study, the offices' way into it with their covariates, and the office
-- randomisation as one sealed record. A draw is prepared by one person,
-- its configuration and the hash of the allocations it draws from recorded,
-- and run once when a second person confirms it. It is never redone: a
-- correction of an office's arm is a record of its own, with its reason.

CREATE TABLE studies (
    id                {{ID}},
    registration      TEXT NOT NULL,
    title             TEXT NOT NULL,
    recruit_from      TEXT NOT NULL,
    recruit_to        TEXT NOT NULL,
    target_per_office INTEGER NOT NULL CHECK (target_per_office > 0),
    eligibility       TEXT NOT NULL DEFAULT '',
    exclusions        TEXT NOT NULL DEFAULT '',
    -- when the study released its effect results to the offices' staff
    results_released_at TEXT,
    released_by         TEXT NOT NULL DEFAULT '',
    version           BIGINT NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX studies_registration ON studies (registration);

-- A site is an office invited to the study. office_id is set for the offices
-- HOLF serves; offices that were invited and never took part have a name
-- only. covariates is a JSON object of the values the balance score reads.
CREATE TABLE study_sites (
    id         {{ID}},
    study_id   BIGINT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    office_id  BIGINT REFERENCES offices (id),
    name       TEXT NOT NULL,
    stage      TEXT NOT NULL CHECK (stage IN ('invited', 'interested', 'drawn', 'withdrew', 'randomised')),
    reason     TEXT NOT NULL DEFAULT '',
    covariates TEXT NOT NULL DEFAULT '{}',
    version    BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX study_sites_name ON study_sites (study_id, name);
CREATE UNIQUE INDEX study_sites_office ON study_sites (study_id, office_id);

-- status: prepared (configuration sealed, waiting for the second person),
-- drawn (run, final) or cancelled (a preparation withdrawn before the draw).
-- The partial indexes let a study hold one preparation and one draw at most:
-- the database itself refuses a second randomisation.
CREATE TABLE randomisations (
    id              {{ID}},
    study_id        BIGINT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('prepared', 'drawn', 'cancelled')),
    config          TEXT NOT NULL,
    config_hash     TEXT NOT NULL,
    candidates_hash TEXT NOT NULL,
    accepted        INTEGER NOT NULL,
    prepared_by     BIGINT NOT NULL REFERENCES people (id),
    prepared_at     TEXT NOT NULL,
    drawn_by        BIGINT REFERENCES people (id),
    drawn_at        TEXT,
    seed            TEXT NOT NULL DEFAULT '',
    result          TEXT NOT NULL DEFAULT '',
    version         BIGINT NOT NULL DEFAULT 1,
    CHECK (status <> 'drawn' OR (drawn_by IS NOT NULL AND drawn_by <> prepared_by AND drawn_at IS NOT NULL))
);
CREATE UNIQUE INDEX randomisations_drawn ON randomisations (study_id) WHERE status = 'drawn';
CREATE UNIQUE INDEX randomisations_prepared ON randomisations (study_id) WHERE status = 'prepared';

CREATE TABLE allocations (
    randomisation_id BIGINT NOT NULL REFERENCES randomisations (id),
    office_id        BIGINT NOT NULL REFERENCES offices (id),
    arm              TEXT NOT NULL CHECK (arm IN ('intervention', 'comparison')),
    PRIMARY KEY (randomisation_id, office_id)
);

CREATE TABLE allocation_corrections (
    id               {{ID}},
    randomisation_id BIGINT NOT NULL REFERENCES randomisations (id),
    office_id        BIGINT NOT NULL REFERENCES offices (id),
    from_arm         TEXT NOT NULL,
    to_arm           TEXT NOT NULL CHECK (to_arm IN ('intervention', 'comparison', 'none')),
    reason           TEXT NOT NULL,
    person_id        BIGINT NOT NULL REFERENCES people (id),
    at               TEXT NOT NULL
);
CREATE INDEX allocation_corrections_randomisation ON allocation_corrections (randomisation_id, at);

-- A results run: the effect table as computed, with what makes it
-- reproducible (the analysis data's hash, the randomisation tests' seed
-- and the software's version).
CREATE TABLE trial_results (
    id           {{ID}},
    study_id     BIGINT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    snapshot     TEXT NOT NULL,
    seed         TEXT NOT NULL,
    permutations INTEGER NOT NULL,
    software     TEXT NOT NULL,
    effects      TEXT NOT NULL,
    skipped      TEXT NOT NULL DEFAULT '',
    computed_by  TEXT NOT NULL,
    computed_at  TEXT NOT NULL
);
CREATE INDEX trial_results_study ON trial_results (study_id, id);

-- An office's target list (seed 003 §2): the families NAV's registers found
-- eligible, in a random order drawn at each import, which coordinators
-- follow when recruiting. A batch is one import with its seed.
CREATE TABLE target_batches (
    id          {{ID}},
    office_id   BIGINT NOT NULL REFERENCES offices (id),
    seed        TEXT NOT NULL,
    entries     INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

-- reference is the case number in NAV's systems; name the main parent as
-- listed. position is the place in the draw order (NULL for a family that
-- declined register-data follow-up, which is excluded, §2). after_allocation
-- records whether the family was identified after its office's allocation
-- (CONSORT cluster item 10b). out_of_order is why it was contacted before
-- families earlier in the order.
CREATE TABLE target_entries (
    id                {{ID}},
    office_id         BIGINT NOT NULL REFERENCES offices (id),
    batch_id          BIGINT NOT NULL REFERENCES target_batches (id),
    reference         TEXT NOT NULL,
    name              TEXT NOT NULL,
    children          INTEGER NOT NULL CHECK (children BETWEEN 1 AND 4),
    criterion         TEXT NOT NULL CHECK (criterion IN ('assistance', 'regular', 'aap', 'unemployment', 'qualification')),
    register_declined INTEGER NOT NULL DEFAULT 0,
    position          INTEGER,
    outcome           TEXT NOT NULL DEFAULT 'waiting'
                      CHECK (outcome IN ('waiting', 'recruited', 'declined', 'not_reached', 'ineligible', 'excluded')),
    outcome_note      TEXT NOT NULL DEFAULT '',
    out_of_order      TEXT NOT NULL DEFAULT '',
    after_allocation  INTEGER NOT NULL DEFAULT 0,
    version           BIGINT NOT NULL DEFAULT 1,
    updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX target_entries_reference ON target_entries (office_id, reference);
CREATE UNIQUE INDEX target_entries_position ON target_entries (office_id, position);

-- Consent to take part in the evaluation (CONSORT cluster item 10c): who in
-- the family gave it and when, apart from the consent to share information
-- with partners. withdrawn_on ends it; the record stays.
CREATE TABLE trial_consents (
    family_id    BIGINT PRIMARY KEY REFERENCES families (id) ON DELETE CASCADE,
    member_id    BIGINT NOT NULL REFERENCES family_members (id),
    given_on     TEXT NOT NULL,
    withdrawn_on TEXT,
    recorded_by  BIGINT REFERENCES people (id),
    recorded_at  TEXT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1
);

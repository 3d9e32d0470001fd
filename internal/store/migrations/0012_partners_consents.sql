-- The office's actor list (aktørliste), shaped after Open Referral HSDS
-- 3.0: a partner organisation with its organisation number, the service,
-- contact people with their level; when it was last checked.
CREATE TABLE partners (
    id           {{ID}},
    office_id    BIGINT NOT NULL REFERENCES offices (id),
    name         TEXT NOT NULL,
    org_number   TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL,
    service      TEXT NOT NULL DEFAULT '',
    municipality TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    active       INTEGER NOT NULL DEFAULT 1,
    checked_on   TEXT,
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX partners_office ON partners (office_id, name);

CREATE TABLE partner_contacts (
    id         {{ID}},
    partner_id BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL DEFAULT '',
    level      TEXT NOT NULL CHECK (level IN ('operational', 'leader')),
    phone      TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX partner_contacts_partner ON partner_contacts (partner_id, position);

-- Partners taking part in a meeting (a collaboration meeting), beside the
-- family's members and NAV's staff in meeting_participants.
CREATE TABLE meeting_partners (
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    partner_id BIGINT NOT NULL REFERENCES partners (id),
    name       TEXT NOT NULL DEFAULT '',
    attendance TEXT NOT NULL CHECK (attendance IN ('expected', 'attended', 'absent')),
    PRIMARY KEY (meeting_id, partner_id)
);
CREATE INDEX meeting_partners_partner ON meeting_partners (partner_id);

-- A plan activity owned by a partner names it.
ALTER TABLE plan_activities ADD COLUMN partner_id BIGINT REFERENCES partners (id);

-- Consent to share information (forvaltningsloven § 13 a nr. 1), shaped
-- after ISO/IEC TS 27560 and FHIR Consent. A row is never edited once
-- given: a withdrawal fills the withdrawn_* columns once, a correction sets
-- invalidated_on and replaced_by and makes a new row. Recipients,
-- categories and actions are lists of ids and keys.
CREATE TABLE consents (
    id             {{ID}},
    family_id      BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    member_id      BIGINT NOT NULL REFERENCES family_members (id),
    grantor_id     BIGINT NOT NULL REFERENCES family_members (id),
    recipients     TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    categories     TEXT NOT NULL,
    actions        TEXT NOT NULL,
    given_on       TEXT NOT NULL,
    expires_on     TEXT NOT NULL,
    method         TEXT NOT NULL CHECK (method IN ('paper', 'meeting', 'digital')),
    withdrawn_on   TEXT,
    withdrawn_by   TEXT NOT NULL DEFAULT '',
    withdrawn_how  TEXT NOT NULL DEFAULT '',
    invalidated_on TEXT,
    replaced_by    BIGINT REFERENCES consents (id),
    recorded_by    TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX consents_family ON consents (family_id, given_on);

-- A use of information without a covering consent, allowed in an
-- emergency with its reason; the office leader sees every one.
CREATE TABLE consent_overrides (
    id         {{ID}},
    family_id  BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    partner_id BIGINT NOT NULL REFERENCES partners (id),
    action     TEXT NOT NULL,
    category   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    actor_id   BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX consent_overrides_family ON consent_overrides (family_id, at);

-- A collaboration meeting records the day its need was registered: the
-- model wants it held within 14 days of that.
ALTER TABLE meetings ADD COLUMN need_on TEXT;

-- Who is involved with the family already: for a member (or the whole
-- family, member_id NULL), a partner service and its contact person, with
-- their role. Most collaboration is with a service already in contact
-- (seed 003, §8.4).
CREATE TABLE involvements (
    id           {{ID}},
    family_id    BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    member_id    BIGINT REFERENCES family_members (id) ON DELETE CASCADE,
    partner_id   BIGINT NOT NULL REFERENCES partners (id),
    contact_name TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL DEFAULT '',
    since        TEXT,
    ended_on     TEXT,
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL
);
CREATE INDEX involvements_family ON involvements (family_id);

-- A disagreement or a stalled task lifted to the office leader: what was
-- asked, the leader's answer and the outcome.
CREATE TABLE escalations (
    id          {{ID}},
    family_id   BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    office_id   BIGINT NOT NULL REFERENCES offices (id),
    activity_id BIGINT REFERENCES plan_activities (id) ON DELETE SET NULL,
    partner_id  BIGINT REFERENCES partners (id),
    kind        TEXT NOT NULL CHECK (kind IN ('stalled', 'disagreement')),
    asked       TEXT NOT NULL,
    answer      TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    raised_by   BIGINT NOT NULL,
    raised_at   TEXT NOT NULL,
    resolved_by BIGINT,
    resolved_at TEXT,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX escalations_open ON escalations (office_id, status, raised_at);
CREATE INDEX escalations_family ON escalations (family_id);

-- Each sharing extract given to a partner: the partner has then been told
-- what the extract held, and must be told when the consent ends.
CREATE TABLE share_extracts (
    id         {{ID}},
    family_id  BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    partner_id BIGINT NOT NULL REFERENCES partners (id),
    consent_id BIGINT NOT NULL REFERENCES consents (id),
    actor_id   BIGINT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX share_extracts_family ON share_extracts (family_id, partner_id);

-- The coordinator's day asks, for each of their families, when it was last
-- reached: the latest held meeting and the latest contact that got
-- through, each one index lookup.
CREATE INDEX meetings_held ON meetings (family_id, starts_at) WHERE status = 'held';
CREATE INDEX contacts_reached ON contacts (family_id, at) WHERE kind <> 'call_missed';

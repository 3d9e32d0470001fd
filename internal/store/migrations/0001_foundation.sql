-- Foundation: offices, staff accounts and their roles, sessions, API tokens,
-- login throttling and the hash-chained audit log.
-- Instants are fixed-width UTC text (see timeFormat in db.go).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE offices (
    id           {{ID}},
    name         TEXT NOT NULL,
    municipality TEXT NOT NULL,
    arm          TEXT NOT NULL CHECK (arm IN ('intervention', 'comparison', 'none')),
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX offices_name ON offices (name);

CREATE TABLE people (
    id            {{ID}},
    username      TEXT NOT NULL,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    disabled_at   TEXT,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX people_username ON people (username);

-- office_id is NULL for global roles; the unique index treats NULL as 0 so a
-- global role cannot be held twice.
CREATE TABLE role_assignments (
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    role      TEXT NOT NULL,
    office_id BIGINT REFERENCES offices (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX role_assignments_unique ON role_assignments (person_id, role, COALESCE(office_id, 0));
CREATE INDEX role_assignments_office ON role_assignments (office_id, role);

-- Only a hash of the session id is stored: a copy of the database does not
-- let anyone take over a session.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    person_id    BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE api_tokens (
    id           {{ID}},
    person_id    BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);

-- Failed logins, kept in the database so throttling holds across restarts
-- and across several server processes.
CREATE TABLE login_failures (
    id       {{ID}},
    username TEXT NOT NULL,
    address  TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_address ON login_failures (address, at);

-- The audit log is append-only and hash-chained: hash = SHA-256 over the
-- previous hash and this entry's fields. audit_head holds the newest link so
-- that appends serialise on one row and truncation is detected.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id   BIGINT NOT NULL,
    purpose     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

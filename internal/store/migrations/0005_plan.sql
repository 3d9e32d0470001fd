-- The family plan: goals (for a member or the whole family, in a target
-- area), sub-goals one level down, and activities with who is responsible and
-- by when. plan_version on the family is the plan's ETag; plan_changes is its
-- history.

ALTER TABLE families ADD COLUMN plan_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE families ADD COLUMN plan_updated_at TEXT;

CREATE TABLE plan_goals (
    id          {{ID}},
    family_id   BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    parent_id   BIGINT REFERENCES plan_goals (id) ON DELETE CASCADE,
    member_id   BIGINT REFERENCES family_members (id) ON DELETE SET NULL,
    area        TEXT NOT NULL,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'achieved', 'dropped')),
    achieved_on TEXT,
    position    INTEGER NOT NULL DEFAULT 0,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX plan_goals_family ON plan_goals (family_id, position);

CREATE TABLE plan_activities (
    id                    {{ID}},
    family_id             BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    goal_id               BIGINT NOT NULL REFERENCES plan_goals (id) ON DELETE CASCADE,
    title                 TEXT NOT NULL,
    responsible_kind      TEXT NOT NULL CHECK (responsible_kind IN ('member', 'coordinator', 'partner', 'nav')),
    responsible_member_id BIGINT REFERENCES family_members (id) ON DELETE SET NULL,
    responsible_name      TEXT NOT NULL DEFAULT '',
    due_on                TEXT,
    status                TEXT NOT NULL CHECK (status IN ('open', 'done', 'dropped')),
    done_on               TEXT,
    position              INTEGER NOT NULL DEFAULT 0,
    version               BIGINT NOT NULL DEFAULT 1,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX plan_activities_goal ON plan_activities (goal_id, position);
CREATE INDEX plan_activities_family_due ON plan_activities (family_id, status, due_on);

CREATE TABLE plan_changes (
    id        {{ID}},
    family_id BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    at        TEXT NOT NULL,
    actor_id  BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    item      TEXT NOT NULL
);
CREATE INDEX plan_changes_family ON plan_changes (family_id, at);

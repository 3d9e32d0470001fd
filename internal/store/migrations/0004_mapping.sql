-- The family mapping (kartlegging): every save is a new version holding the
-- whole document as JSON (field key -> text), so history and differences are
-- exact. Offices choose their target areas; health is on by default because
-- coordinators asked for it (seed 003, §6.4, §9.3).

ALTER TABLE offices ADD COLUMN target_areas TEXT NOT NULL DEFAULT 'work,economy,housing,children,health';

CREATE TABLE mapping_versions (
    id        {{ID}},
    family_id BIGINT NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    version   INTEGER NOT NULL,
    saved_at  TEXT NOT NULL,
    actor_id  BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    content   TEXT NOT NULL
);
CREATE UNIQUE INDEX mapping_versions_family ON mapping_versions (family_id, version);

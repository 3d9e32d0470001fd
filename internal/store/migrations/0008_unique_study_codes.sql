-- Study codes are pseudonyms that every analysis joins on: two families
-- sharing a family code would be merged in the data. Each family's code is
-- kept in a table of its own, unique both ways (respondent codes are unique
-- already). Codes are never reused, so the family column has no foreign
-- key: the code outlives a deleted family record. This migration's Go step
-- re-draws any family code already shared, fills the table from the
-- respondents and then adds the unique index on the code.
CREATE TABLE study_family_codes (
    study_id  BIGINT NOT NULL REFERENCES survey_studies (id) ON DELETE CASCADE,
    family_id BIGINT NOT NULL,
    code      TEXT NOT NULL,
    PRIMARY KEY (study_id, family_id)
);

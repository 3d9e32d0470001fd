-- A family on an office's target list who was recruited becomes a family
-- record: the link lets the CONSORT flow follow the same family from the
-- list to the analysis, and the list show which record it became. One
-- record per entry, and one entry per record.
ALTER TABLE target_entries ADD COLUMN family_id BIGINT REFERENCES families (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX target_entries_family ON target_entries (family_id);

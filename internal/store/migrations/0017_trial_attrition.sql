-- The attrition table (seed 003 Table 5) of a computed run, kept with its
-- effects so that the table shown always belongs to the run it sits beside.
ALTER TABLE trial_results ADD COLUMN attrition TEXT NOT NULL DEFAULT '[]';

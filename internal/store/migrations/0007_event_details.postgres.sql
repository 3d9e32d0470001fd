-- Timeline events carry structured details as JSON instead of a string packed
-- by the store and parsed apart by the pages. The packed column is converted
-- by this migration's Go step (store/migrate_steps.go) and then dropped.
ALTER TABLE family_events ADD COLUMN details JSONB NOT NULL DEFAULT '{}'::jsonb;

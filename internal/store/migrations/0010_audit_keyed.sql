-- The audit chain becomes keyed (HMAC-SHA-256 with a key kept outside the
-- database) from the next entry on; entries before it keep their SHA-256
-- links and are pinned by the first signed checkpoint. An entry can name the
-- records a list showed (record_ids) and the data a write stored with its
-- digest (data_ref, data_digest). This migration's Go step records where
-- keying begins.
ALTER TABLE audit_log ADD COLUMN record_ids TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN data_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN data_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 0;

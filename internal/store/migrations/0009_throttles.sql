-- Throttling of sign-in and of questionnaire links, one row per key (an
-- account at an address, an account, an address), updated in the same
-- transaction that decides: the check and the count are one step, so
-- parallel attempts cannot all pass a limit. Sign-in and links have tables
-- of their own: a flood of bad links never slows staff sign-in, nor the
-- other way round. blocked_until grows with each failure past the free
-- ones (progressive delays), instead of locking the account's owner out.
CREATE TABLE login_throttle (
    throttle_key  TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    last_at       TEXT NOT NULL,
    blocked_until TEXT NOT NULL
);
CREATE TABLE link_throttle (
    throttle_key  TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    last_at       TEXT NOT NULL,
    blocked_until TEXT NOT NULL
);
CREATE INDEX login_throttle_last ON login_throttle (last_at);
CREATE INDEX link_throttle_last ON link_throttle (last_at);
DROP TABLE login_failures;

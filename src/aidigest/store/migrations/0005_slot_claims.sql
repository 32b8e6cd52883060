-- 0005: slot claims. A worker claims a slot before writing it and renews its lease while it
-- works; another worker takes the slot over only once the lease has run out (by the store's
-- clock), so a slot is published once however many hosts start it.
CREATE TABLE slot_claims (
    slot        TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,          -- unique per worker process: host:pid:random
    host        TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    claimed_at  TEXT NOT NULL,
    expires_at  REAL NOT NULL           -- seconds since the epoch, by the store's clock
);

-- 0005 (PostgreSQL): as SQLite's 0005; expires_at in seconds since the epoch by the server's
-- clock (extract(epoch from clock_timestamp())), so every host reads one clock.
CREATE TABLE slot_claims (
    slot        TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    host        TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    claimed_at  TEXT NOT NULL,
    expires_at  DOUBLE PRECISION NOT NULL
);

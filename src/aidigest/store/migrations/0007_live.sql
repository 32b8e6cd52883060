-- 0007: live at the close. What `aidigest prepare` did per slot (runs, LLM calls spent ahead,
-- the last one's outcome), the stories it wrote ahead (by content hash, so the close can say
-- which were used and which wasted), the posts each source read per slot (the X read bill)
-- and, per published slot, the latency from the slot's end to its built page.
CREATE TABLE prepares (
    slot        TEXT PRIMARY KEY,
    runs        INTEGER NOT NULL DEFAULT 0,
    calls       INTEGER NOT NULL DEFAULT 0,   -- LLM calls of every prepare of the slot
    stories     INTEGER NOT NULL DEFAULT 0,   -- stories the last prepare built
    written     INTEGER NOT NULL DEFAULT 0,   -- items written ahead and valid after the last one
    outcome     TEXT NOT NULL,                -- prepared | failed | interrupted
    note        TEXT,
    first_at    TEXT NOT NULL,
    last_at     TEXT NOT NULL
);
CREATE TABLE prepared_items (
    slot         TEXT NOT NULL,
    content_hash TEXT NOT NULL,               -- writer.prompt.content_hash of the story
    story_id     TEXT NOT NULL,
    prepared_at  TEXT NOT NULL,
    PRIMARY KEY (slot, content_hash)
);
CREATE TABLE source_reads (
    slot        TEXT NOT NULL,
    source      TEXT NOT NULL,
    polls       INTEGER NOT NULL DEFAULT 0,
    reads       INTEGER NOT NULL DEFAULT 0,   -- posts the source returned (X bills each)
    rereads     INTEGER NOT NULL DEFAULT 0,   -- of those, posts already stored
    PRIMARY KEY (slot, source)
);
CREATE TABLE slot_latency (
    slot        TEXT PRIMARY KEY,
    slot_end    TEXT NOT NULL,
    built_at    TEXT NOT NULL,                -- the page built (or published, without a build)
    seconds     REAL NOT NULL,                -- slot end -> built page
    command     TEXT NOT NULL,
    used        INTEGER NOT NULL DEFAULT 0,   -- items written ahead and published
    wasted      INTEGER NOT NULL DEFAULT 0    -- items written ahead and not published
);

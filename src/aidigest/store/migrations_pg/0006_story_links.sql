-- 0006 (PostgreSQL): as SQLite's 0006 (REAL is DOUBLE PRECISION here). A story that continues
-- an item of an earlier digest is linked to it: the earlier slot and item, repeat or update,
-- the new facts and the evidence that they are one event.
CREATE TABLE story_links (
    slot            TEXT NOT NULL,      -- the slot of the new story
    story_id        TEXT NOT NULL,
    kind            TEXT NOT NULL,      -- repeat | update
    earlier_slot    TEXT NOT NULL,      -- the digest that published the item
    earlier_post_id TEXT NOT NULL,      -- the item's post (digest_items.post_id)
    earlier_title   TEXT NOT NULL,
    earlier_url     TEXT NOT NULL,
    evidence        TEXT NOT NULL,
    score           DOUBLE PRECISION NOT NULL,
    new_facts       TEXT NOT NULL,      -- JSON list
    post_ids        TEXT NOT NULL,      -- JSON list: the story's posts
    PRIMARY KEY (slot, story_id)
);
CREATE INDEX story_links_earlier ON story_links (earlier_slot);

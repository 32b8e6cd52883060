-- 0002: a digest's state (published | draft | held | rejected), why it was held or rejected,
-- and the rendered post; which LLM provider wrote each item (NULL for the offline writer).
ALTER TABLE digests ADD COLUMN state TEXT NOT NULL DEFAULT 'published';
ALTER TABLE digests ADD COLUMN reason TEXT;
ALTER TABLE digests ADD COLUMN markdown TEXT;
ALTER TABLE digest_items ADD COLUMN provider TEXT;

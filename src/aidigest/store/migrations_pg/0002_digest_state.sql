-- 0002 (PostgreSQL): as SQLite's 0002.
ALTER TABLE digests ADD COLUMN state TEXT NOT NULL DEFAULT 'published';
ALTER TABLE digests ADD COLUMN reason TEXT;
ALTER TABLE digests ADD COLUMN markdown TEXT;
ALTER TABLE digest_items ADD COLUMN provider TEXT;

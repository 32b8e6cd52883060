-- 0004 (PostgreSQL): as SQLite's 0004.
ALTER TABLE stories ADD COLUMN score_parts TEXT NOT NULL DEFAULT '{}';

-- 0004: each stored story keeps its score parts (engagement, authors, recency, content,
-- source weight, novelty), so the desk can show why a story ranked where it did.
ALTER TABLE stories ADD COLUMN score_parts TEXT NOT NULL DEFAULT '{}';

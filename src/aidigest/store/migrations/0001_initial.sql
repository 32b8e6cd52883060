-- 0001: the first schema. Migrations are append-only: never edit a released file.
CREATE TABLE authors (
    handle      TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    followers   INTEGER,
    updated_at  TEXT NOT NULL
);

CREATE TABLE posts (
    id              TEXT PRIMARY KEY,
    platform        TEXT NOT NULL DEFAULT 'x',
    url             TEXT NOT NULL,
    author_handle   TEXT NOT NULL REFERENCES authors(handle),
    created_at      TEXT NOT NULL,          -- ISO 8601 UTC, 'YYYY-MM-DDTHH:MM:SS+00:00'
    lang            TEXT,
    text            TEXT NOT NULL,
    links           TEXT NOT NULL DEFAULT '[]',
    reply_to        TEXT,
    quote_of        TEXT,
    repost_of       TEXT,
    conversation_id TEXT,
    metrics         TEXT NOT NULL DEFAULT '{}',
    source          TEXT NOT NULL DEFAULT '',
    raw             TEXT,                   -- upstream payload, JSON
    first_seen_at   TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX posts_created_at ON posts(created_at);
CREATE INDEX posts_author ON posts(author_handle);
CREATE INDEX posts_conversation ON posts(conversation_id);

CREATE TABLE source_cursors (
    source      TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (source, key)
);

CREATE TABLE source_fetches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ok          INTEGER NOT NULL,
    new         INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    pages       INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    duration_s  REAL NOT NULL DEFAULT 0,
    error       TEXT,
    stale       INTEGER NOT NULL DEFAULT 0,
    newest_at   TEXT,
    report      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX source_fetches_source ON source_fetches(source, id);

CREATE TABLE stories (
    slot            TEXT NOT NULL,
    story_id        TEXT NOT NULL,
    rank            INTEGER NOT NULL,
    post_ids        TEXT NOT NULL,
    representative  TEXT NOT NULL,
    score           REAL NOT NULL,
    reasons         TEXT NOT NULL DEFAULT '[]',
    filtered        TEXT,
    PRIMARY KEY (slot, story_id)
);

CREATE TABLE digests (
    slot        TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    categories  TEXT NOT NULL,
    path        TEXT,
    published_at TEXT
);

CREATE TABLE digest_items (
    slot        TEXT NOT NULL REFERENCES digests(slot) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    story_id    TEXT NOT NULL,
    post_id     TEXT NOT NULL,
    post_ids    TEXT NOT NULL DEFAULT '[]',
    url         TEXT NOT NULL,
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    key_terms   TEXT NOT NULL DEFAULT '[]',
    writer      TEXT NOT NULL,
    PRIMARY KEY (slot, position)
);

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slot        TEXT NOT NULL,
    command     TEXT NOT NULL DEFAULT 'digest',
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT NOT NULL DEFAULT 'running',
    report      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX runs_slot ON runs(slot);

CREATE TABLE llm_cache (
    key             TEXT PRIMARY KEY,
    prompt_version  TEXT NOT NULL,
    model           TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    response        TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE TABLE llm_calls (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id              INTEGER,
    slot                TEXT,
    story_id            TEXT,
    purpose             TEXT NOT NULL DEFAULT 'item',
    provider            TEXT NOT NULL,
    model               TEXT NOT NULL,
    prompt_tokens       INTEGER NOT NULL DEFAULT 0,
    completion_tokens   INTEGER NOT NULL DEFAULT 0,
    latency_s           REAL NOT NULL DEFAULT 0,
    cost                REAL NOT NULL DEFAULT 0,
    outcome             TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX llm_calls_created ON llm_calls(created_at);

CREATE TABLE embeddings (
    post_id     TEXT NOT NULL,
    model       TEXT NOT NULL,
    text_hash   TEXT NOT NULL,
    vector      BLOB NOT NULL,
    PRIMARY KEY (post_id, model)
);

-- 0003 (PostgreSQL): as SQLite's 0003.
CREATE TABLE alias_evidence (
    spelling    TEXT NOT NULL,
    name        TEXT NOT NULL,
    post_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    seen_at     TEXT NOT NULL,
    PRIMARY KEY (spelling, name, post_id, kind)
);

CREATE TABLE pair_verdicts (
    post_a      TEXT NOT NULL,
    post_b      TEXT NOT NULL,
    same        INTEGER NOT NULL,
    model       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (post_a, post_b)
);

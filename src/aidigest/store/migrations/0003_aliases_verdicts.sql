-- 0003: aliases that posts teach (a Chinese name written beside its Latin one) and the LLM's
-- verdicts on pairs of posts (same event or not), both for the stories stage.
CREATE TABLE alias_evidence (
    spelling    TEXT NOT NULL,
    name        TEXT NOT NULL,
    post_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,          -- 'paren' (名字（Name）) or 'beside' (名字 Name)
    seen_at     TEXT NOT NULL,
    PRIMARY KEY (spelling, name, post_id, kind)
);

CREATE TABLE pair_verdicts (
    post_a      TEXT NOT NULL,          -- post_a < post_b
    post_b      TEXT NOT NULL,
    same        INTEGER NOT NULL,       -- 1 same event, 0 different events
    model       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (post_a, post_b)
);

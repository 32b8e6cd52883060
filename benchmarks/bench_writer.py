"""LLM writer cost per digest, against the local chat-completions server (tests/llm_server.py).

Window: the stories evaluation set (tests/data/stories_eval/posts.jsonl, 256 posts) doubled
with shifted ids (512 posts, the same events told twice as often). The pipeline's way:
stories → selection → editor pass (top 25 candidates, one line each) → one call per item
(at most 8 posts of 600 characters) → one categories call. Measured: calls and prompt tokens
per digest (the server counts tokens with one stand-in tokenizer, one token per CJK character
and one per 4 other characters, used for both designs), beside a naive design that sends every
post of the window to the model in one prompt; and the calls of a re-run (cache).

Run standalone: ``python benchmarks/bench_writer.py [--quick]``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from aidigest.config import Config, StoriesSection, config_from_dict  # noqa: E402
from aidigest.models import Post, RunReport  # noqa: E402
from aidigest.slots import parse_slot  # noqa: E402
from aidigest.sources.jsonl import post_from_dict  # noqa: E402
from aidigest.store import open_store  # noqa: E402
from aidigest.stories import build_stories, select_stories  # noqa: E402
from aidigest.writer import prompt as pr  # noqa: E402
from aidigest.writer.llm import LlmWriter  # noqa: E402
from llm_server import chat_server, estimate_tokens  # noqa: E402

POSTS = HERE.parent / "tests" / "data" / "stories_eval" / "posts.jsonl"
SLOT = parse_slot("2025-12-07T08")
CALLS_BOUND = 14
TOKEN_SHARE_BOUND = 0.40  # was 0.25 before issue 13 put a style example (~190 tokens) in every item prompt
KEY_ENV = "BENCH_WRITER_KEY"


def window() -> list[Post]:
    """The evaluation set and a copy with shifted ids (references shifted alike)."""
    rows = [json.loads(line) for line in POSTS.read_text(encoding="utf-8").splitlines() if line]
    posts = [post_from_dict(r, "eval") for r in rows]

    def shift(ref: str | None) -> str | None:
        return None if ref is None else f"{ref}9"

    copies = [replace(p, id=f"{p.id}9", url=f"{p.url}9", reply_to=shift(p.reply_to),
                      quote_of=shift(p.quote_of), repost_of=shift(p.repost_of),
                      conversation_id=shift(p.conversation_id)) for p in posts]
    return posts + copies


def naive_prompt_tokens(posts: list[Post]) -> int:
    """Every post of the window, in full, under the item prompt's instructions."""
    data = "\n".join(json.dumps({"author": p.author.display_name, "text": p.text},
                                ensure_ascii=False) for p in posts)
    messages = pr.load(pr.ITEM).messages(posts=data, terms="", update="")
    return estimate_tokens("".join(m["content"] for m in messages))


def _config(base_url: str, root: Path) -> Config:
    row = {"name": "local", "base_url": base_url, "model": "bench", "api_key_env": KEY_ENV,
           "timeout": 10.0, "max_concurrency": 4}
    return config_from_dict({"llm": {"providers": [row], "editor": True}}, root)


def one_digest(posts: list[Post]) -> dict[str, float]:
    """Calls and prompt tokens of one digest, then of its re-run from the cache."""
    os.environ.setdefault(KEY_ENV, "bench-placeholder")
    stories = build_stories(posts, slot=SLOT, settings=StoriesSection(embeddings=False))
    with chat_server() as server, tempfile.TemporaryDirectory() as tmp:
        cfg = _config(server.base_url, Path(tmp))
        with open_store(Path(tmp) / "bench.db") as store:
            figures = {}
            for label in ("first", "rerun"):
                writer = LlmWriter(cfg, store, slot_key=SLOT.key, run_id=1)
                report = RunReport(slot=SLOT.key, started_at="bench")
                chosen = select_stories(stories, 8, 12, 3)
                candidates = [s for s in stories if not s.filtered][: cfg.llm.editor_candidates]
                chosen = writer.edit(candidates, 8, 12, report) or chosen
                written = writer.write_items(chosen, report)
                items = [i for i in written if i is not None]  # None: rejected by the gate
                writer.categories(items, ["AI进展", "大模型"], report)
                figures[f"{label}_calls"] = float(report.llm["calls"])
                figures[f"{label}_prompt_tokens"] = float(report.llm["prompt_tokens"])
                figures[f"{label}_items"] = float(len(items))
                figures[f"{label}_fallbacks"] = float(report.llm["fallbacks"])
                figures[f"{label}_rejected"] = float(len(written) - len(items))
    return figures


def run(quick: bool) -> list[dict[str, Any]]:
    posts = window()
    repeats = 1 if quick else 3
    results = [one_digest(posts) for _ in range(repeats)]

    def median(key: str) -> float:
        return statistics.median(r[key] for r in results)

    naive = naive_prompt_tokens(posts)
    calls, tokens = median("first_calls"), median("first_prompt_tokens")
    return [
        {"figure": f"calls per digest ({len(posts)}-post window, editor on, "
                   f"{median('first_items'):.0f} items, {median('first_fallbacks'):.0f} fallbacks, "
                   f"{median('first_rejected'):.0f} rejected)",
         "median": calls, "unit": "calls", "bound": f"<= {CALLS_BOUND}",
         "ratio": f"{calls / CALLS_BOUND:.2f}", "ok": calls <= CALLS_BOUND},
        {"figure": "prompt tokens per digest", "median": tokens, "unit": "tokens",
         "bound": f"< {TOKEN_SHARE_BOUND:g} x naive ({naive} tokens: every post, one prompt)",
         "ratio": f"{tokens / naive:.3f} of naive", "ok": tokens / naive < TOKEN_SHARE_BOUND},
        {"figure": "calls when the slot is re-run (cache)", "median": median("rerun_calls"),
         "unit": "calls", "bound": "0", "ratio": "-", "ok": median("rerun_calls") == 0},
    ]


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        print(f"{row['figure']}: {row['median']:g} {row['unit']} (bound {row['bound']}; {row['ratio']})")

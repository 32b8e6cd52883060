"""Posts that once made a stage super-linear (issue 17, defect 2), in the interchange format:
a 2 MB word, 100,000 characters without a space, 10,000 @mentions, 10,000 emoji and a long
chain of quotes (each post quoting the one before; the first holds nested quotation marks).
Shared by ``tests/test_long_inputs.py`` and ``benchmarks/bench_long_inputs.py``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

BASE = 9_000_000_000_000_000_000


def _row(n: int, handle: str, text: str, when: datetime, **extra: Any) -> dict[str, Any]:
    pid = str(BASE + n)
    return {"id": pid, "url": f"https://x.com/{handle}/status/{pid}", "author": {"handle": handle},
            "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "lang": "en", "text": text,
            "metrics": {"likes": 5}, **extra}


def long_posts(start: datetime, chain: int = 50) -> list[dict[str, Any]]:
    """The five inputs as JSONL rows, all created inside the window that opens at ``start``
    (UTC): four single posts, then ``chain`` posts quoting each other."""
    at = [start + timedelta(minutes=10 + k) for k in range(4)]
    rows = [
        _row(1, "bigword", "big " + "A" * 2_000_000, at[0]),
        _row(2, "nospace", ("OpenAIQwen3model" * 6250)[:100_000], at[1]),
        _row(3, "mentions", " ".join(f"@user{i}" for i in range(10_000)), at[2]),
        _row(4, "emoji", "".join(chr(0x1F300 + i % 700) for i in range(10_000)), at[3]),
    ]
    nested = "“" * 2_000 + "‘" * 2_000 + "AI model release" + "’" * 2_000 + "”" * 2_000
    previous = None
    for k in range(chain):
        text = nested if k == 0 else f"quoting the thread again ({k}): the AI model release"
        when = start + timedelta(minutes=20, seconds=k)
        row = _row(100 + k, f"quoter{k % 5}", text, when, quote_of=previous)
        rows.append(row)
        previous = row["id"]
    return rows


def ids(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Handle of the single posts → their id (``bigword``, ``nospace``, ``mentions``, ``emoji``)."""
    return {r["author"]["handle"]: r["id"] for r in rows[:4]}

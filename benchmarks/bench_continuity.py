"""Continuity across slots on real posts: the set built by ``benchmarks/continuity_set.py``.

    python benchmarks/bench_continuity.py SET_DIR [--show] [--no-embeddings]

With ``make bench CONTINUITY=DIR`` (or ``$AIDIGEST_CONTINUITY_SET``) its rows join the
benchmark table; without a set it says so and reports nothing. Every day of the set is one
24-hour slot, run in order through the real pipeline (:func:`aidigest.pipeline.run_slot`, the
offline writer, ``novelty_hours`` 24: each digest is compared with the one before it) into a
store beside the set (``DIR/continuity-bench/``; posts and embeddings are kept between runs,
everything a run writes is cleared first). Then, from the store:

- drop precision: of the dropped stories (``story_links`` kind repeat) whose verdict is known,
  the share that report the same event as the item they were matched to. Known: the story's
  posts and the item's posts cite one X status (ground truth), or a hand label
  (``tests/data/continuity_labels.json``: post ids and verdicts only) says so;
- update precision: of the published updates with a hand label, the share that carry news;
- unmarked repeats: published items, not marked as updates, whose posts cite a status that an
  item of the digest before cited too, as a share of all published items;
- updates without the mark: published items whose story is an update but whose headline lacks
  ``[render] update_prefix``.

``--show`` prints the pairs a hand label would decide (ids, then the texts, for reading on this
machine; never committed).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aidigest.config import config_from_dict
from aidigest.models import Slot
from aidigest.pipeline import RunOptions, run_slot
from aidigest.sources.jsonl import read_lines
from aidigest.store import open_store
from aidigest.store.sql import SqlStore
from aidigest.timeutil import parse_instant

HERE = Path(__file__).resolve().parent
LABELS = HERE.parent / "tests" / "data" / "continuity_labels.json"
BOUND_DROP, BOUND_UNMARKED, BOUND_NO_MARK = 0.9, 0.01, 0
KEEP = frozenset({"posts", "authors", "embeddings", "schema_version", "llm_cache"})


def load_labels(path: Path = LABELS) -> dict[tuple[str, str, str], str]:
    """(new post id, earlier post id, drop | update) → verdict: same | different | debatable
    (a drop) and update | repeat | different (a published update)."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {(row["new"], row["earlier"], row["as"]): row["verdict"] for row in data["labels"]}


def _config(work: Path, embeddings: bool) -> Any:
    return config_from_dict({
        "digest": {"slot_hours": 24, "timezone": "UTC", "site": str(work / "site")},
        "publish": {"build": False},
        "stories": {"embeddings": embeddings, "novelty_hours": 24},
    }, work)


def _reset(store: SqlStore) -> None:
    with store._tx():
        for table in store.table_names():
            if table not in KEEP and not table.startswith("sqlite_"):
                store._run(f'DELETE FROM "{table}"')


def run_days(data: Path, embeddings: bool = True) -> dict[str, Any]:
    """Run every day of the set in order; return what the store then holds."""
    gold = json.loads((data / "gold.json").read_text(encoding="utf-8"))
    work = data / "continuity-bench"
    work.mkdir(exist_ok=True)
    cfg = _config(work, embeddings)
    slots = [Slot(parse_instant(w["until"]), 24) for w in gold["windows"]]
    out: dict[str, Any] = {"cites": {k: set(v) for k, v in gold["cites"].items()}, "days": []}
    with open_store(work / "bench.db") as store:
        assert isinstance(store, SqlStore)
        _reset(store)
        with (data / "posts.jsonl").open(encoding="utf-8") as lines:
            store.upsert_posts(p for p in read_lines(lines, "dev", "posts.jsonl")
                               if not isinstance(p, Exception))
        for slot in slots:
            run_slot(cfg, store, RunOptions(slot=slot, offline=True, force=True, build=False,
                                            command="bench", now=slot.end + timedelta(hours=1)))
            digest = store.get_digest(slot.key)
            stories = {s.story_id: s for s in store.slot_stories(slot.key)}
            out["days"].append({"slot": slot.key, "items": list(digest.items) if digest else [],
                                "links": store.story_links(slot.key), "stories": stories})
    out["prefix"] = cfg.render.update_prefix
    return out


def _cited(cites: dict[str, set[str]], ids: Iterable[str]) -> set[str]:
    return {c for i in ids for c in cites.get(i, ())}


def _label(labels: dict[tuple[str, str, str], str], new: Iterable[str], earlier: str,
           kind: str) -> str | None:
    for pid in new:
        if (pid, earlier, kind) in labels:
            return labels[(pid, earlier, kind)]
    return None


def score(run: dict[str, Any], labels: dict[tuple[str, str, str], str]) -> dict[str, Any]:
    cites, prefix = run["cites"], run["prefix"]
    items_of = {d["slot"]: d["items"] for d in run["days"]}
    drops = {"right": 0, "wrong": 0, "unknown": [], "by_cites": 0}
    updates = {"right": 0, "wrong": 0, "unknown": [], "linked": 0}
    unmarked, no_mark, total = [], 0, 0
    previous: list[Any] = []
    for day in run["days"]:
        earlier_items = {(i.slot, i.post_id): i for d in run["days"] for i in items_of[d["slot"]]}
        for link in day["links"]:
            item = earlier_items.get((link.earlier_slot, link.earlier_post_id))
            earlier_ids = item.post_ids if item else (link.earlier_post_id,)
            shared = _cited(cites, link.post_ids) & _cited(cites, earlier_ids)
            kind = "drop" if link.kind == "repeat" else "update"
            updates["linked"] += kind == "update"
            verdict = _label(labels, link.post_ids, link.earlier_post_id, kind)
            if link.kind == "repeat":
                if shared or verdict == "same":
                    drops["right"] += 1
                    drops["by_cites"] += bool(shared)
                elif verdict in ("different", "debatable"):
                    drops["wrong"] += 1
                else:
                    drops["unknown"].append((day["slot"], link))
            elif link.story_id in {i.story_id for i in day["items"]}:
                if verdict == "update":
                    updates["right"] += 1
                elif verdict in ("repeat", "different"):
                    updates["wrong"] += 1
                else:
                    updates["unknown"].append((day["slot"], link))
        updated = {lk.story_id for lk in day["links"] if lk.kind == "update"}
        before = _cited(cites, (p for i in previous for p in i.post_ids))
        for item in day["items"]:
            total += 1
            marked = item.title.startswith(prefix)
            if item.story_id in updated and not marked:
                no_mark += 1
            if not marked and _cited(cites, item.post_ids) & before:
                unmarked.append((day["slot"], item))
        previous = day["items"]
    known_d, known_u = drops["right"] + drops["wrong"], updates["right"] + updates["wrong"]
    return {"drops": drops, "updates": updates, "unmarked": unmarked, "no_mark": no_mark,
            "items": total, "digests": sum(1 for d in run["days"] if d["items"]),
            "drop_precision": drops["right"] / known_d if known_d else None,  # none to judge
            "update_precision": updates["right"] / known_u if known_u else None,  # none to judge
            "unmarked_share": len(unmarked) / max(total, 1)}


def _figure(share: float | None) -> float | str:
    """A precision, or ``n/a`` when there was nothing to judge (never a perfect 1.0)."""
    return "n/a" if share is None else round(share, 3)


def rows(data: Path | None, embeddings: bool = True) -> list[dict[str, Any]]:
    if data is None or not (data / "gold.json").exists():
        return []
    s = score(run_days(data, embeddings), load_labels())
    d, u = s["drops"], s["updates"]
    return [
        {"figure": "continuity: drop precision (real posts, daily slots)",
         "median": _figure(s["drop_precision"]), "unit": "", "bound": f">= {BOUND_DROP}",
         "ratio": f"{d['right']}/{d['right'] + d['wrong']} ({d['by_cites']} by cited status, "
                  f"{len(d['unknown'])} unlabelled)",
         "ok": s["drop_precision"] is not None and s["drop_precision"] >= BOUND_DROP},
        {"figure": "continuity: update precision (hand labels)",
         "median": _figure(s["update_precision"]), "unit": "", "bound": "- (reported)",
         "ratio": f"{u['right']}/{u['right'] + u['wrong']} published ({len(u['unknown'])} "
                  f"unlabelled; {u['linked']} update links in all)"},
        {"figure": "continuity: unmarked repeats, share of published items",
         "median": round(s["unmarked_share"], 4), "unit": "", "bound": f"<= {BOUND_UNMARKED}",
         "ratio": f"{len(s['unmarked'])}/{s['items']} items of {s['digests']} digests",
         "ok": s["unmarked_share"] <= BOUND_UNMARKED},
        {"figure": "continuity: update items without the update mark", "median": s["no_mark"],
         "unit": "items", "bound": f"<= {BOUND_NO_MARK}", "ratio": "",
         "ok": s["no_mark"] <= BOUND_NO_MARK},
    ]


def run(quick: bool) -> list[dict[str, Any]]:
    """Rows for ``benchmarks/run.py``: the set named by ``$AIDIGEST_CONTINUITY_SET``."""
    data = os.environ.get("AIDIGEST_CONTINUITY_SET")
    if not data:
        print("continuity: no set given (make bench CONTINUITY=DIR); skipped", file=sys.stderr)
        return []
    return rows(Path(data))


def _show(data: Path, s: dict[str, Any]) -> None:
    texts = {}
    with (data / "posts.jsonl").open(encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            texts[p["id"]] = p["text"]
    for what, found in (("DROP", s["drops"]["unknown"]), ("UPDATE", s["updates"]["unknown"])):
        for slot, link in found:
            print(f"\n== {what} {slot} new={list(link.post_ids)} earlier={link.earlier_post_id} "
                  f"({link.earlier_slot}) facts={list(link.new_facts)}\n   {link.evidence}")
            for pid in link.post_ids[:3]:
                print(f"   NEW {pid}: {texts.get(pid, '')[:300]}")
            print(f"   OLD {link.earlier_post_id}: {texts.get(link.earlier_post_id, '')[:300]}")
    for slot, item in s["unmarked"]:
        print(f"\n== UNMARKED {slot} {item.post_id}: {item.title}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args or not (Path(args[0]) / "gold.json").exists():
        sys.exit("usage: bench_continuity.py SET_DIR [--show]  (a set built by "
                 "benchmarks/continuity_set.py; never committed)")
    result = score(run_days(Path(args[0]), "--no-embeddings" not in sys.argv), load_labels())
    if "--show" in sys.argv:
        _show(Path(args[0]), result)
    print(f"drop precision {_figure(result['drop_precision'])} ({result['drops']['right']} right, "
          f"{result['drops']['wrong']} wrong, {len(result['drops']['unknown'])} unlabelled); "
          f"update precision {_figure(result['update_precision'])} ({result['updates']['right']} right, "
          f"{result['updates']['wrong']} wrong, {len(result['updates']['unknown'])} unlabelled, "
          f"{result['updates']['linked']} update links in all); "
          f"unmarked repeats {len(result['unmarked'])}/{result['items']} = "
          f"{result['unmarked_share']:.4f}; updates without the mark {result['no_mark']}")

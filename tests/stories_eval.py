"""Shared helpers for the stories tests: the labelled evaluation set and B-cubed scores."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from aidigest.models import Post, Story
from aidigest.sources.jsonl import post_from_dict

EVAL_DIR = Path(__file__).resolve().parent / "data" / "stories_eval"


def load_posts(name: str = "posts.jsonl") -> list[Post]:
    lines = (EVAL_DIR / name).read_text(encoding="utf-8").splitlines()
    return [post_from_dict(json.loads(line), source="eval") for line in lines if line.strip()]


def load_gold() -> dict[str, dict[str, object]]:
    data = json.loads((EVAL_DIR / "gold.json").read_text(encoding="utf-8"))
    return dict(data["stories"])


def load_split() -> dict[str, list[str]]:
    """The frozen split of the gold stories: ``{"train": [...], "test": [...]}`` (split.json)."""
    data = json.loads((EVAL_DIR / "split.json").read_text(encoding="utf-8"))
    return {"train": list(data["train"]), "test": list(data["test"])}


def split_posts(part: str) -> tuple[list[Post], dict[str, str]]:
    """The posts of the ``train`` or ``test`` stories and their gold labels (post id → story)."""
    names = set(load_split()[part])
    labels = {pid: name for pid, name in gold_labels(load_gold()).items() if name in names}
    return [p for p in load_posts() if p.id in labels], labels


def gold_labels(gold: Mapping[str, Mapping[str, object]]) -> dict[str, str]:
    return {pid: name for name, story in gold.items() for pid in story["posts"]}  # type: ignore[attr-defined]


def bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering (item -> cluster label maps)."""
    items = sorted(gold)
    by_pred: dict[str, set[str]] = {}
    by_gold: dict[str, set[str]] = {}
    for item in items:
        by_pred.setdefault(predicted[item], set()).add(item)
        by_gold.setdefault(gold[item], set()).add(item)
    precision = recall = 0.0
    for item in items:
        same_pred, same_gold = by_pred[predicted[item]], by_gold[gold[item]]
        both = len(same_pred & same_gold)
        precision += both / len(same_pred)
        recall += both / len(same_gold)
    p, r = precision / len(items), recall / len(items)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def labels_of(stories: Iterable[Story]) -> dict[str, str]:
    return {p.id: story.id for story in stories for p in story.posts}


def make_post(pid: str, handle: str, text: str, when: str, likes: int = 100, **extra: object) -> Post:
    """A post for hand-written test windows (``when`` is ISO 8601 UTC)."""
    source = str(extra.pop("source", "test"))
    data = {"id": pid, "url": f"https://x.com/{handle}/status/{pid}", "author": {"handle": handle},
            "created_at": when, "text": text, "metrics": {"likes": likes}, **extra}
    return post_from_dict(data, source=source)


def history_of(slot_key: str, stories: Iterable[Story]) -> list[dict[str, object]]:
    """Digest items as the store returns them, for stories that were published."""
    from aidigest.stories.entities import extract

    items: list[dict[str, object]] = []
    for story in stories:
        rep = story.representative
        ents = extract(rep.text)
        items.append({"slot": slot_key, "story_id": story.id, "post_id": rep.id,
                      "post_ids": story.post_ids, "title": rep.text[:40], "summary": rep.text,
                      "key_terms": sorted(ents.strong | ents.phrases), "url": rep.url})
    return items

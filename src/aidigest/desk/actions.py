"""The desk's state changes, as library functions (the web app and the CLI both call them).

A digest is loaded from the store (:func:`load`), changed in memory, and saved back with the
same state (:func:`save`): a draft or held digest stays one, its Hugo draft file rewritten;
a published digest that is edited becomes a draft again (the live page is untouched) until it
is re-published. :func:`approve` publishes through :func:`aidigest.pipeline.publish_digest`,
exactly as a run would (write, build, git commit/push, notify), and records a ``publish`` run.

Every edit goes through the writer's quality gate (:func:`check_item`, the same
:mod:`aidigest.writer.gate` every written item passes, against the item's own story): a refusal
names the rules it broke and changes nothing. :func:`edit_item` is THE gated edit, for the
desk, ``aidigest item edit`` and any other caller. Does NOT render HTML or know about HTTP;
every refusal is a :class:`DeskError` whose message says what to fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from aidigest.config import Config
from aidigest.errors import AidigestError
from aidigest.models import Continuation, Digest, DigestItem, Post, RunReport, Story
from aidigest.slots import parse_slot
from aidigest.store import DigestItemRecord, Store
from aidigest.stories.continuity import slot_label
from aidigest.stories.normalize import analysed
from aidigest.timeutil import iso_utc, now_utc
from aidigest.writer import gate
from aidigest.writer.schema import AnswerError, parse_item
from aidigest.writer.update import DEFAULT_PREFIX

Say = Callable[[str], None]
EDITABLE = ("draft", "held", "published")


class DeskError(AidigestError):
    """A desk action was refused (unknown slot or item, invalid edit, wrong state)."""


@dataclass
class Draft:
    """A stored digest opened for editing: the digest, its items' post ids and its state."""

    digest: Digest
    post_ids: list[list[str]]
    state: str
    reason: str | None
    path: str | None


def load(cfg: Config, store: Store, slot_key: str) -> Draft:
    """The stored digest of ``slot_key``; DeskError if there is none."""
    slot = parse_slot(slot_key, cfg.digest.timezone, cfg.digest.slot_hours)
    row = store.get_digest(slot.key)
    if row is None:
        raise DeskError(f"slot {slot.key} has no digest; run 'aidigest digest --slot {slot.key}' first")
    posts = {p.id: p for p in store.get_posts([i.post_id for i in row.items])}
    items = tuple(_item(i, posts.get(i.post_id)) for i in row.items)
    digest = Digest(slot, datetime.fromisoformat(row.made_at), row.categories, items,
                    cfg.digest.series)
    return Draft(digest, [list(i.post_ids) for i in row.items], row.state, row.reason, row.path)


def _item(row: DigestItemRecord, post: Post | None) -> DigestItem:
    return DigestItem(
        title=row.title, summary=row.summary, url=row.url,
        author_name=post.author.display_name if post else "", story_id=row.story_id,
        post_id=row.post_id, key_terms=row.key_terms, writer=row.writer, provider=row.provider,
    )


def save(cfg: Config, store: Store, draft: Draft, reason: str | None = None) -> Draft:
    """Store an edited digest: drafts and held digests keep their state (their Hugo draft file
    is rewritten); an edited published digest becomes a draft until it is re-published."""
    from aidigest.pipeline import render
    from aidigest.publish import post_path, write_atomic

    if not draft.digest.items:
        raise DeskError("a digest needs at least one item; reject the slot instead")
    state = "draft" if draft.state == "published" else draft.state
    if draft.state == "published":
        reason = reason or "edited after publication; publish again to update the site"
    markdown = render(cfg, draft.digest, draft=True)
    path = draft.path
    if draft.state != "published":  # the live page of a published slot stays until re-published
        target = post_path(cfg.site_path, draft.digest.slot, cfg.publish.filename)
        write_atomic(target, markdown)
        path = str(target)
    new = replace(draft, state=state, reason=reason or draft.reason, path=path)
    store.save_digest(new.digest, new.post_ids, path, state=state, reason=new.reason,
                      markdown=markdown)
    return new


def _editable(cfg: Config, store: Store, slot_key: str) -> Draft:
    draft = load(cfg, store, slot_key)
    if draft.state not in EDITABLE:
        raise DeskError(f"slot {draft.digest.slot.key} is {draft.state}; only a draft, held or "
                        "published digest can be changed")
    return draft


def _position(draft: Draft, position: int) -> int:
    if not 1 <= position <= len(draft.digest.items):
        raise DeskError(f"item {position} does not exist (1–{len(draft.digest.items)})")
    return position - 1


def _with_items(draft: Draft, items: Sequence[DigestItem], post_ids: Sequence[list[str]]) -> Draft:
    return replace(draft, digest=replace(draft.digest, items=tuple(items)), post_ids=list(post_ids))


# -- validation: the writer's quality gate --------------------------------------------------
def bold_terms_in(summary: str, terms: Sequence[str]) -> str:
    """``summary`` with the first plain occurrence of each term marked ``**term**``."""
    for term in (t.strip() for t in terms):
        if term and f"**{term}**" not in summary and term in summary:
            summary = re.sub(re.escape(term), lambda m: f"**{m.group(0)}**", summary, count=1)
    return summary


def check_item(
    title: str, summary: str, terms: Sequence[str], story: Story, author_name: str,
    prefix: str = DEFAULT_PREFIX,
) -> tuple[str, str, tuple[str, ...]]:
    """An editor's item checked by the writer's quality gate against ``story`` (every rule an
    LLM item passes but ``chinese``: headline length and cut, summary length, whole bold
    tokens, no repeated sentence, no link or markup, faithful to the posts), then cleaned as
    an LLM answer is (Chinese, stray markdown removed). Returns the cleaned title, summary
    and key terms; DeskError names the rules it broke (``schema`` for the answer checks).
    An update item (its story updates an earlier digest's item) keeps the update rules:
    ``prefix`` on the headline, the earlier slot's label and a new fact in the summary."""
    title = " ".join(title.split())
    summary = bold_terms_in(" ".join(summary.split()), terms)
    failures = gate.check_subject(gate.subject_for(title, summary, story, llm=False,
                                                   prefix=prefix))
    if failures:
        raise DeskError(f"edit refused by the quality gate ({', '.join(gate.failed_rules(failures))}): "
                        f"{gate.describe(failures)}; nothing was changed")
    answer = json.dumps({"title": title, "summary": summary, "key_terms": list(terms)},
                        ensure_ascii=False)
    try:
        checked = parse_item(answer, author_name)
    except AnswerError as exc:
        raise DeskError(f"edit refused (schema): {exc}; nothing was changed") from None
    bolds = [m.group(1) for m in re.finditer(r"\*\*([^*]+)\*\*", checked.summary)]
    return checked.title, checked.summary, tuple(dict.fromkeys(bolds))


# -- item actions ------------------------------------------------------------------------------
def edit_item(cfg: Config, store: Store, slot_key: str, position: int, title: str, summary: str,
              terms: Sequence[str]) -> Draft:
    """THE gated edit: replace item ``position``'s title, summary and bold terms once the
    quality gate passes them against the item's story (:func:`check_item`); the item is then
    the editor's (``writer`` ``editor``). DeskError, with the store and the post file
    unchanged, when the slot or item does not exist, cannot be edited, or the gate refuses."""
    draft = _editable(cfg, store, slot_key)
    index = _position(draft, position)
    old = draft.digest.items[index]
    story = item_story(store, draft, position)
    title, summary, keys = check_item(title, summary, terms, story, old.author_name,
                                      cfg.render.update_prefix)
    items = list(draft.digest.items)
    items[index] = replace(old, title=title, summary=summary, key_terms=keys, writer="editor",
                           provider=None)
    return save(cfg, store, _with_items(draft, items, draft.post_ids))


def drop_item(cfg: Config, store: Store, slot_key: str, position: int) -> Draft:
    """Remove item ``position`` (the last item cannot be dropped: reject the slot instead)."""
    draft = _editable(cfg, store, slot_key)
    index = _position(draft, position)
    items, ids = list(draft.digest.items), list(draft.post_ids)
    del items[index], ids[index]
    return save(cfg, store, _with_items(draft, items, ids))


def move_item(cfg: Config, store: Store, slot_key: str, position: int, to: int) -> Draft:
    """Move item ``position`` to position ``to`` (both 1-based; ``to`` is clamped)."""
    draft = _editable(cfg, store, slot_key)
    index = _position(draft, position)
    items, ids = list(draft.digest.items), list(draft.post_ids)
    target = min(max(to, 1), len(items)) - 1
    items.insert(target, items.pop(index))
    ids.insert(target, ids.pop(index))
    return save(cfg, store, _with_items(draft, items, ids))


def slot_story(store: Store, slot_key: str, story_id: str) -> Story:
    """A stored story of the slot (from the ``stories`` table) with its posts."""
    row = next((r for r in store.slot_stories(slot_key) if r.story_id == story_id), None)
    if row is None:
        raise DeskError(f"story {story_id} is not among the stories of slot {slot_key}")
    story = _story(store, story_id, row.post_ids, row.representative, row.score, row.reasons,
                   row.filtered)
    return replace(story, continues=continuation(store, slot_key, story_id))


def continuation(store: Store, slot_key: str, story_id: str) -> Continuation | None:
    """The stored link of a story of ``slot_key`` to the earlier item it repeats or updates
    (with that item's summary, which an update must not repeat), or None: a regenerated or
    swapped-in update is written as an update again."""
    link = next((lk for lk in store.story_links(slot_key) if lk.story_id == story_id), None)
    if link is None:
        return None
    earlier = store.get_digest(link.earlier_slot)
    items = earlier.items if earlier is not None else ()
    summary = next((i.summary for i in items if i.post_id == link.earlier_post_id), "")
    return Continuation(kind=link.kind, slot=link.earlier_slot,
                        label=slot_label(link.earlier_slot), title=link.earlier_title,
                        summary=summary, post_id=link.earlier_post_id, url=link.earlier_url,
                        evidence=link.evidence, score=link.score, new_facts=link.new_facts)


def _story(store: Store, story_id: str, post_ids: Sequence[str], rep_id: str, score: float = 0.0,
           reasons: tuple[str, ...] = (), filtered: str | None = None) -> Story:
    # the writers see what a run's stories saw: each text up to ANALYSED_CHARS
    found = {p.id: p for p in analysed(store.get_posts(list(post_ids)))[0]}
    posts = tuple(found[i] for i in post_ids if i in found)
    if not posts:
        raise DeskError(f"the posts of story {story_id} are no longer in the store")
    rep = found.get(rep_id, posts[0])
    return Story(story_id, posts, rep, score, {}, reasons, filtered)


def item_story(store: Store, draft: Draft, position: int) -> Story:
    """The story behind item ``position``: the stored one, else rebuilt from its post ids."""
    index = _position(draft, position)
    item = draft.digest.items[index]
    try:
        return slot_story(store, draft.digest.slot.key, item.story_id)
    except DeskError:
        return _story(store, item.story_id, draft.post_ids[index], item.post_id)


def swap_in(cfg: Config, store: Store, slot_key: str, story_id: str, position: int | None
            ) -> tuple[Draft, str]:
    """Write candidate ``story_id`` with the configured writer (the offline writer when no
    provider is configured or the LLM gives no usable answer: edit or regenerate it then) and
    put it at ``position`` (replacing that item), or append it when ``position`` is None.
    Every item passes the quality gate; returns the draft and what happened, in words: which
    writer wrote the item, and why the offline one when it did."""
    draft = _editable(cfg, store, slot_key)
    story = slot_story(store, draft.digest.slot.key, story_id)
    if story.filtered:
        raise DeskError(f"story {story_id} was filtered ({story.filtered}); pick another")
    if any(i.story_id == story_id for i in draft.digest.items):
        raise DeskError(f"story {story_id} is already in the digest")
    item, how = _write_candidate(cfg, store, draft, story)
    items, ids = list(draft.digest.items), list(draft.post_ids)
    if position is None:
        items.append(item)
        ids.append(story.post_ids)
    else:
        index = _position(draft, position)
        items[index], ids[index] = item, story.post_ids
    where = f"at item {position}" if position is not None else f"as item {len(items)}"
    return save(cfg, store, _with_items(draft, items, ids)), f"story {story_id} swapped in {where}, {how}"


def _write_candidate(cfg: Config, store: Store, draft: Draft, story: Story) -> tuple[DigestItem, str]:
    """The gated item of ``story`` and which writer wrote it (and why the offline one)."""
    from aidigest.writer.factory import make_writer
    from aidigest.writer.offline import OfflineWriter

    report = RunReport(draft.digest.slot.key, iso_utc(now_utc()))
    writer = make_writer(cfg, store, slot_key=draft.digest.slot.key, report=report)
    item = writer.write_items([story], report)[0]
    if isinstance(writer, OfflineWriter):  # no provider configured
        if item is None:
            raise DeskError(f"story {story.id} cannot be swapped in: the offline writer's item "
                            f"was {report.items[-1].notes[0]}; nothing was changed")
        return item, ("written by the offline writer (no LLM provider configured; it keeps the "
                      "posts' language)")
    if item is not None:
        return item, f"written by {item.writer}" + (f" via {item.provider}" if item.provider else "")
    failed = report.items[-1].fallback_reason if report.items else None
    item, verdict = OfflineWriter(cfg.render.update_prefix).gated(story)
    if item is None:
        raise DeskError(f"story {story.id} cannot be swapped in: the LLM gave no usable answer "
                        f"({failed or 'no answer'}) and the offline writer's item was "
                        f"{verdict.notes[0]}; nothing was changed")
    return item, (f"written by the offline writer: the LLM gave no usable answer "
                  f"({failed or 'no answer'}); edit or regenerate it")


class _FreshAnswers:
    """The store as the LLM writer sees it for a regeneration: cache reads miss (so the model
    is asked afresh); calls, spend and the new answer are still recorded."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def cache_get(self, key: str) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def regenerate(cfg: Config, store: Store, slot_key: str, position: int) -> tuple[Draft, RunReport]:
    """Ask the LLM afresh for item ``position``. DeskError (item unchanged) when no provider
    is configured or the model gives no usable answer."""
    from aidigest.writer.llm import LlmWriter

    if not cfg.llm.providers:
        raise DeskError("no LLM provider is configured; add [[llm.providers]] to aidigest.toml")
    draft = _editable(cfg, store, slot_key)
    story = item_story(store, draft, position)
    report = RunReport(draft.digest.slot.key, iso_utc(now_utc()))
    fresh: Any = _FreshAnswers(store)
    writer = LlmWriter(cfg, fresh, slot_key=draft.digest.slot.key)
    item = writer.write_items([story], report)[0]
    if item is None:
        notes = "; ".join(n for r in report.items for n in r.notes) or "no usable answer"
        raise DeskError(f"the LLM could not rewrite item {position} ({notes}); it is unchanged")
    items = list(draft.digest.items)
    items[position - 1] = item
    return save(cfg, store, _with_items(draft, items, draft.post_ids)), report


# -- slot actions ------------------------------------------------------------------------------
def reject(cfg: Config, store: Store, slot_key: str, reason: str) -> Draft:
    """Reject a draft or held digest: state ``rejected``, its Hugo draft file removed."""
    draft = load(cfg, store, slot_key)
    if draft.state not in ("draft", "held"):
        raise DeskError(f"slot {draft.digest.slot.key} is {draft.state}; only a draft or held "
                        "digest can be rejected")
    live = draft.path is not None and Path(draft.path).exists() and not _is_hugo_draft(Path(draft.path))
    if live:  # an edited published slot: its page is on the site
        raise DeskError(f"slot {draft.digest.slot.key} is live at {draft.path} (edited after "
                        "publication); publish it again instead of rejecting it")
    reason = " ".join(reason.split()) or "rejected at the desk"
    if draft.path:
        Path(draft.path).unlink(missing_ok=True)
    store.save_digest(draft.digest, draft.post_ids, None, state="rejected", reason=reason)
    return replace(draft, state="rejected", reason=reason, path=None)


def _is_hugo_draft(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    except OSError:
        return False
    return head.startswith("---\n") and "\ndraft: true" in head


def approve(cfg: Config, store: Store, slot_key: str, say: Say | None = None,
            build: bool | None = None) -> RunReport:
    """Publish the slot's digest as a run would (write, build, git, notify), recorded as a
    ``publish`` run. A published slot is published again (a new git commit when it changed).
    Holds the run lock: AlreadyRunningError while a run or the scheduler is publishing."""
    from aidigest.pipeline import publish_digest
    from aidigest.scheduler import run_lock

    draft = load(cfg, store, slot_key)
    if draft.state == "rejected":
        raise DeskError(f"slot {draft.digest.slot.key} was rejected; run 'aidigest digest --slot "
                        f"{draft.digest.slot.key} --force' to write it again")
    with run_lock(cfg):  # never beside a run: both write the site and commit
        started = now_utc()
        report = RunReport(draft.digest.slot.key, iso_utc(started))
        run_id = store.start_run(draft.digest.slot.key, "publish", started)
        try:
            publish_digest(cfg, store, draft.digest, draft.post_ids, report,
                           say or (lambda _m: None), build=build)
        except AidigestError as exc:
            report.outcome = "failed"
            report.error(str(exc))
        finally:
            report.finished_at = iso_utc(now_utc())
            store.finish_run(run_id, report)
    return report

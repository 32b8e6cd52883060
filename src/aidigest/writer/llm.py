"""The LLM writer: each selected story becomes a Chinese headline and summary written by an
OpenAI-compatible model; plus an optional editor pass and the digest's categories.

Per story: one call with the versioned item prompt → the JSON answer is validated
(:mod:`~aidigest.writer.schema`) and put through the quality gate (:mod:`~aidigest.writer.gate`,
which includes faithfulness). An answer that fails (bad JSON, ``finish_reason == "length"``, or
any gate rule) gets ONE repair request naming the failed rules; if the repaired answer still
fails, the item is rejected (outcome ``rejected``). An item no provider could answer is failed
(outcome ``failed`` with the reason). Either way ``write_items`` returns ``None`` in its place
and the pipeline's failure policy replaces it, so a malformed item is never returned. Answers
are cached in the store by (prompt version, model, story content hash): re-running a slot costs
no call. Every HTTP attempt is recorded with run, slot and story (tokens, latency, cost) and
summed into ``report.llm``.

Network calls run in a bounded thread pool; the store is only touched from the calling
thread. Does NOT select stories (beyond the editor pass), render or publish.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aidigest.config import Config
from aidigest.errors import WriterError
from aidigest.models import DigestItem, ItemProgress, ItemReport, RunReport, Story
from aidigest.store import LlmCall, Store
from aidigest.writer import gate
from aidigest.writer import prompt as pr
from aidigest.writer.client import Attempts, CallRecord, Completion, Message, ProviderChain
from aidigest.writer.offline import pick_categories
from aidigest.writer.pool import run_tasks
from aidigest.writer.schema import (
    AnswerError,
    ItemAnswer,
    loose_item,
    parse_categories,
    parse_item,
    parse_order,
)
from aidigest.writer.update import DEFAULT_PREFIX, mark, update_of

log = logging.getLogger(__name__)
T = TypeVar("T")
OnItem = Callable[[ItemProgress], None]

COUNTERS = ("calls", "prompt_tokens", "completion_tokens", "cost", "cache_hits", "repairs",
            "faithfulness_violations", "fallbacks", "failed_calls", "rejected")
REPAIR = ("你上一次的回答未通过质量检查，未通过的规则：{rules}。具体问题：{problem}。请修正后重新输出，"
          "只输出一个符合要求的 JSON 对象（title 不超过40字、不截断词语；summary 120到260字、只写一段、"
          "不重复句子，含1到5个完整词语的 **粗体** 术语；只用帖子中出现的事实、数字和名称）。")
TRUNCATED = "the answer was cut off (finish_reason=length); answer again, shorter"


class Rejected(WriterError):
    """The repaired answer still fails the quality gate; the item is not written."""


@dataclass
class ItemResult:
    """How one story was written (built in a worker thread, accounted in the caller's)."""

    item: DigestItem | None  # None: failed (no answer) or rejected by the quality gate
    report: ItemReport
    attempts: Attempts = field(default_factory=Attempts)
    cache: tuple[str, str, str, str] | None = None  # (key, model, content hash, answer JSON)
    counts: dict[str, int] = field(default_factory=dict)


class LlmWriter:
    """Writer backed by the configured providers (tried in order); None for a failed item."""

    def __init__(
        self, cfg: Config, store: Store | None, *, slot_key: str = "", run_id: int | None = None,
        sleep: Callable[[float], None] = time.sleep, deadline: float | None = None,
        should_stop: Callable[[], bool] | None = None, on_item: OnItem | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        """``deadline``: a ``time.monotonic()`` value after which no call is waited for (the
        items not written by then are failed); ``should_stop`` is polled while waiting (true:
        :class:`~aidigest.errors.Interrupted`); ``on_item`` hears of every finished item and
        ``on_wait`` gets a line while nothing finishes."""
        self.chain = ProviderChain(cfg.llm.providers, sleep)
        self.deadline, self.should_stop = deadline, should_stop
        self.on_item, self.on_wait = on_item, on_wait
        self.store, self.slot_key, self.run_id = store, slot_key, run_id
        self.name = f"llm:{self.chain.primary.model}"
        self.defaults = list(cfg.digest.default_categories)
        self.update_prefix = cfg.render.update_prefix
        self._announced = False

    # -- the Writer protocol ---------------------------------------------------------
    def edit(self, candidates: Sequence[Story], items_min: int, items_max: int,
             report: RunReport) -> list[Story]:
        """Pick and order the final stories in one call; [] (heuristic kept) on failure."""
        self._announce(report)
        stories = list(candidates)
        if len(stories) < 2:
            return stories
        pick_min, pick_max = min(items_min, len(stories)), min(items_max, len(stories))
        messages = pr.editor_messages(stories, pick_min, pick_max)
        version = pr.load(pr.EDITOR).version
        order = self._single_call(
            "editor", messages, version, pr.fingerprint(version, messages), report,
            lambda text: parse_order(text, len(stories), pick_min, pick_max),
        )
        if order is None:
            report.note("editor pass failed; the heuristic selection is kept")
            return []
        return [stories[n - 1] for n in order]

    def write_items(self, stories: Sequence[Story], report: RunReport) -> list[DigestItem | None]:
        """One gated item (or None: failed or rejected) per story, in order; cached answers first, the
        rest in parallel until the deadline (items still unwritten then are failed)."""
        self._announce(report)
        results: list[ItemResult | None] = [self._from_cache(s) for s in stories]
        pending = [i for i, r in enumerate(results) if r is None]
        total, started = len(stories), time.monotonic()
        for n, i in enumerate((i for i, r in enumerate(results) if r is not None), 1):
            self._progress(n, total, results[i], 0.0)
        count = total - len(pending)
        tasks = [lambda story=stories[i]: self._write_safely(story) for i in pending]
        workers = self.chain.primary.provider.max_concurrency
        for k, result in run_tasks(tasks, workers, deadline=self.deadline,
                                   should_stop=self.should_stop, on_wait=self._waiting):
            results[pending[k]] = result
            # stored at once: a run killed later still keeps the items already paid for
            self._persist(stories[pending[k]].id, result, report)
            count += 1
            self._progress(count, total, result, time.monotonic() - started)
        items: list[DigestItem | None] = []
        for story, maybe in zip(stories, results, strict=True):
            if maybe is None:  # still unwritten when the deadline passed
                count += 1
                maybe = self._late(story, count, total, started)
            self._account(maybe, report)
            items.append(maybe.item)
        return items

    def _late(self, story: Story, n: int, total: int, started: float) -> ItemResult:
        """The failed result of a story still unwritten when the deadline passed."""
        reason = "the write stage's deadline ([llm] run_deadline_seconds) passed first"
        result = ItemResult(None, ItemReport(story.id, self.name, "failed", fallback_reason=reason),
                            counts={"fallbacks": 1})
        result.attempts.notes.append(f"not written: {reason}")
        self._progress(n, total, result, time.monotonic() - started)
        return result

    def _progress(self, n: int, total: int, result: ItemResult | None, seconds: float) -> None:
        if self.on_item is None or result is None:
            return
        entry = result.report
        title = result.item.title if result.item else ""
        self.on_item(ItemProgress(n, total, entry.story_id, entry.outcome, entry.provider,
                                  round(seconds, 1), title))

    def _waiting(self, seconds: float, pending: int) -> None:
        if self.on_wait is not None:
            self.on_wait(f"write: waiting for {pending} item(s) from "
                         f"{self.chain.primary.name}, {seconds:.0f} s so far")

    def categories(self, items: Sequence[DigestItem], previous: Sequence[str],
                   report: RunReport) -> list[str]:
        """3–5 tags in one call, preferring earlier ones; keyword rules if it fails."""
        self._announce(report)
        prior = list(dict.fromkeys([*previous, *self.defaults]))
        titles = [i.title for i in items]
        messages = pr.categories_messages(titles, prior)
        # keyed by the items only: a re-run with the same items reuses the same tags
        version = pr.load(pr.CATEGORIES).version
        tags = self._single_call("categories", messages, version, pr.fingerprint(version, titles),
                                 report, parse_categories)
        if tags is None:
            report.note("categories call failed; keyword rules used")
            return pick_categories(items, prior, self.defaults)
        return tags

    # -- one story ---------------------------------------------------------------------
    def _cache_key(self, story: Story, model: str) -> str:
        return pr.fingerprint(pr.load(pr.ITEM).version, model, pr.content_hash(story))

    def _from_cache(self, story: Story) -> ItemResult | None:
        if self.store is None:
            return None
        for client in self.chain.clients:
            raw = self.store.cache_get(self._cache_key(story, client.model))
            if raw is None:
                continue
            try:
                answer = parse_item(raw, story.representative.author.display_name)
            except AnswerError:
                continue
            if gate.check_subject(self._subject(answer.title, answer.summary, story)):
                continue  # cached before a stricter gate: write it anew
            writer = f"llm:{client.model}"
            return ItemResult(self._item(story, answer, writer, client.name, self.update_prefix),
                              ItemReport(story.id, writer, "cached", provider=client.name),
                              counts={"cache_hits": 1})
        return None

    def _write_safely(self, story: Story) -> ItemResult:
        """:meth:`_write` with every failure turned into a result (never raises): a rejected
        answer or a provider that cannot answer gives no item (the failure policy decides)."""
        attempts = Attempts()
        counts = {"repairs": 0, "faithfulness_violations": 0}
        try:
            return self._write(story, attempts, counts)
        except Rejected as exc:
            attempts.notes.append(f"rejected by the quality gate: {self.chain.primary.scrub(str(exc))}")
            counts["rejected"] = 1
            return ItemResult(None, ItemReport(story.id, self.name, "rejected",
                                               fallback_reason=f"quality gate: {exc}"), attempts,
                              counts=counts)
        except WriterError as exc:
            reason = str(exc)
        except Exception as exc:  # a bug must cost one item, not the run
            log.exception("LLM writer failed on story %s", story.id)
            reason = f"internal error ({type(exc).__name__})"
        reason = self.chain.primary.scrub(reason)
        attempts.notes.append(f"not written: {reason}")
        counts["fallbacks"] = 1
        return ItemResult(None, ItemReport(story.id, self.name, "failed", fallback_reason=reason),
                          attempts, counts=counts)

    def _write(self, story: Story, attempts: Attempts, counts: dict[str, int]) -> ItemResult:
        """One answer, and at most one repair naming the rules it broke."""
        messages = pr.item_messages(story)
        completion, index = self.chain.complete(messages, attempts)
        answer, failures = self._evaluate(completion, story)
        outcome = "ok"
        if failures:
            rules = gate.failed_rules(failures)
            counts["repairs"] += 1
            counts["faithfulness_violations"] += "faithful" in rules
            attempts.notes.append("repair requested: " + gate.describe(failures))
            problem = "；".join(f.message for f in failures)
            repair = [*messages, _assistant(completion),
                      {"role": "user", "content": REPAIR.format(rules="、".join(rules), problem=problem)}]
            completion, index = self.chain.complete(repair, attempts, start=index)
            answer, failures = self._evaluate(completion, story)
            if failures or answer is None:
                raise Rejected("after one repair: " + gate.describe(failures))
            outcome = "regenerated" if rules == ["faithful"] else "repaired"
        assert answer is not None
        writer = f"llm:{completion.model}"
        cache = (self._cache_key(story, completion.model), completion.model, pr.content_hash(story),
                 json.dumps(answer.model_dump(), ensure_ascii=False))
        item = self._item(story, answer, writer, completion.provider, self.update_prefix)
        return ItemResult(item, ItemReport(story.id, writer, outcome, provider=completion.provider),
                          attempts, cache, counts)

    def _evaluate(self, completion: Completion, story: Story) -> tuple[ItemAnswer | None, list[gate.Failure]]:
        """The parsed answer and every rule it breaks (``schema`` if it does not parse)."""
        try:
            answer = self._parse(completion, story)
        except AnswerError as exc:
            failures = [gate.Failure("schema", str(exc))]
            raw = loose_item(completion.text) if completion.finish_reason != "length" else None
            if raw is not None:  # name the gate rules too, so the repair can fix them all
                subject = self._subject(raw.title, raw.summary, story)
                # markup is the schema's call: it strips harmless marks, refuses links
                failures += [f for f in gate.check_subject(subject) if f.rule != "markup"]
            return None, failures
        return answer, gate.check_subject(self._subject(answer.title, answer.summary, story))

    def _subject(self, title: str, summary: str, story: Story) -> gate.Subject:
        """An answer as the gate sees it (an update's prefix is added after the gate)."""
        return gate.subject_for(title, summary, story, llm=True, prefix=self.update_prefix,
                                require_mark=False)

    @staticmethod
    def _parse(completion: Completion, story: Story) -> ItemAnswer:
        if completion.finish_reason == "length":
            raise AnswerError(TRUNCATED)
        return parse_item(completion.text, story.representative.author.display_name)

    @staticmethod
    def _item(story: Story, answer: ItemAnswer, writer: str, provider: str,
              prefix: str = DEFAULT_PREFIX) -> DigestItem:
        """The item of an answer; an update's headline gets the update prefix."""
        rep = story.representative
        bolds = [t for t in answer.key_terms if f"**{t}**" in answer.summary]
        terms = tuple(dict.fromkeys(bolds or answer.key_terms))
        return DigestItem(
            title=mark(answer.title, prefix) if update_of(story) else answer.title,
            summary=answer.summary, url=rep.url,
            author_name=rep.author.display_name, story_id=story.id, post_id=rep.id,
            key_terms=terms, writer=writer, provider=provider,
        )

    # -- editor / categories: one call each --------------------------------------------
    def _single_call(self, purpose: str, messages: list[Message], version: str, key: str,
                     report: RunReport, parse: Callable[[str], T]) -> T | None:
        """Cached answer or one call (no repair); None if it fails or the deadline passed."""
        cached = self._cached_single(key, report, parse)
        if cached is not None:
            return cached
        if self.deadline is not None and time.monotonic() >= self.deadline:
            report.note(f"{purpose}: skipped, the write stage's deadline passed")
            return None
        attempts = Attempts()
        value: T | None = None
        try:
            completion, _ = self.chain.complete(messages, attempts)
            if completion.finish_reason == "length":
                raise AnswerError(TRUNCATED)
            value = parse(completion.text)
        except (WriterError, AnswerError) as exc:
            report.note(self.chain.primary.scrub(f"{purpose}: {exc}"))
        else:
            if self.store is not None:
                self.store.cache_put(pr.fingerprint(key, completion.model), version,
                                     completion.model, key, completion.text)
        finally:
            self._record(purpose, None, attempts.records, report)
        return value

    def _cached_single(self, key: str, report: RunReport, parse: Callable[[str], T]) -> T | None:
        for client in self.chain.clients:
            raw = self.store.cache_get(pr.fingerprint(key, client.model)) if self.store else None
            if raw is None:
                continue
            try:
                value = parse(raw)
            except AnswerError:
                continue
            _add(report, cache_hits=1)
            return value
        return None

    # -- accounting (calling thread only) ------------------------------------------------
    def _announce(self, report: RunReport) -> None:
        if self._announced:
            return
        self._announced = True
        for key in COUNTERS:
            report.llm.setdefault(key, 0)
        names = ", ".join(f"{c.name} ({c.model})" for c in self.chain.clients)
        report.note(f"LLM writer: providers {names}; prompt {pr.load(pr.ITEM).version}")
        for message in self.chain.skipped:
            report.note(message)

    def _persist(self, story_id: str, result: ItemResult, report: RunReport) -> None:
        """The calls and the cached answer of one freshly written story, into the store."""
        self._record("item", story_id, result.attempts.records, report)
        if result.cache and self.store is not None:
            key, model, content, answer = result.cache
            self.store.cache_put(key, pr.load(pr.ITEM).version, model, content, answer)

    def _account(self, result: ItemResult, report: RunReport) -> None:
        _add(report, **result.counts)
        entry = result.report
        entry.notes.extend(result.attempts.notes)
        entry.attempts += len(result.attempts.records)
        entry.prompt_tokens += sum(r.prompt_tokens for r in result.attempts.records)
        entry.completion_tokens += sum(r.completion_tokens for r in result.attempts.records)
        report.items.append(entry)

    def _record(self, purpose: str, story_id: str | None, records: list[CallRecord],
                report: RunReport) -> None:
        for r in records:
            if self.store is not None:
                self.store.record_llm_call(LlmCall(
                    run_id=self.run_id, slot=self.slot_key, story_id=story_id, purpose=purpose,
                    provider=r.provider, model=r.model, prompt_tokens=r.prompt_tokens,
                    completion_tokens=r.completion_tokens, latency_s=r.latency_s, cost=r.cost,
                    outcome=r.outcome,
                ))
            _add(report, calls=1, prompt_tokens=r.prompt_tokens,
                 completion_tokens=r.completion_tokens, cost=r.cost,
                 failed_calls=0 if r.outcome == "ok" else 1)


def _assistant(completion: Completion) -> Message:
    return {"role": "assistant", "content": completion.text[:4000]}


def _add(report: RunReport, **amounts: Any) -> None:
    for key, value in amounts.items():
        total = report.llm.get(key, 0) + value
        report.llm[key] = round(total, 8) if isinstance(total, float) else total

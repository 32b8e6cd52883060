"""An in-memory cache of per-post matching features, held by a long-lived process
(``aidigest schedule``): a post's features are computed when it is polled, and the prepares
and the close reuse them instead of featurising the whole window again.

An entry is keyed by the post's id and a hash of everything :func:`~.features.featurize`
reads from it (text, language tag, URL, links). The whole cache belongs to one *lexicon
fingerprint*: the alias table in force (package, configured, mined) and the code and data
that compute features. A call with another fingerprint (a newly mined alias, say) empties the
cache first: its entries would be missed anyway. A hit is the cached features rebound to the
current post (its metrics may have changed), with the lazily computed parts (words,
specific names, shingle set) carried over, so the result is identical to a cold
:func:`~aidigest.stories.featurize_posts`.

It also remembers which posts had their alias evidence mined (and stored by the caller) under
the configured aliases in force, so a build mines only the posts it has not seen: mining is
per post and storing evidence is idempotent, so the store ends the same. Pure apart from its
own memory; no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import aidigest
from aidigest.models import Post
from aidigest.stories.entities import ALIASES, Lexicon
from aidigest.stories.features import Features, featurize_many
from aidigest.stories.versions import resolve_window

__all__ = ["FeatureCache", "code_version", "lexicon_fingerprint", "post_digest"]

#: the lazily computed parts of :class:`Features` (``cached_property``) every build uses:
#: computed when a post is cached, carried over on a hit
LAZY = ("specific", "named", "words")


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the code and data that compute features: every module of the stories
    package, the package's lexicon and aidigest's version."""
    digest = hashlib.sha256(aidigest.__version__.encode())
    package = resources.files("aidigest.stories")
    for entry in sorted(package.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".py"):
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    digest.update(resources.files("aidigest").joinpath("data", "lexicon.toml").read_bytes())
    return digest.hexdigest()[:16]


def lexicon_fingerprint(aliases: Mapping[str, str] | None) -> str:
    """The fingerprint of the alias table built from ``aliases`` (beyond the package's) and
    of :func:`code_version`: equal fingerprints give equal features for equal posts."""
    table = json.dumps([sorted(ALIASES.items()), sorted((aliases or {}).items())],
                       ensure_ascii=False)
    return hashlib.sha256(f"{code_version()}\0{table}".encode()).hexdigest()[:16]


def post_digest(post: Post) -> str:
    """A hash of what featurising reads from ``post``: text, language tag, URL and links."""
    parts = json.dumps([post.text, post.lang, post.url, list(post.links)], ensure_ascii=False)
    return hashlib.blake2b(parts.encode(), digest_size=16).hexdigest()


@dataclass
class Stats:
    hits: int = 0
    misses: int = 0
    resets: int = 0  # times the fingerprint changed and the cache was emptied


class FeatureCache:
    """Features of posts, at most ``max_posts`` of them (least recently used dropped; about
    6 KB a post measured at 10,000 posts, so some 120 MB when full)."""

    def __init__(self, max_posts: int = 20_000) -> None:
        self.max_posts = max_posts
        self.fingerprint: str | None = None
        self.entries: OrderedDict[tuple[str, str], Features] = OrderedDict()
        self.stats = Stats()  # over the cache's life
        self.last = Stats()  # of the latest call
        self.mined_for: str | None = None  # the fingerprint of the configured aliases mined with
        self.mined: set[tuple[str, str, bool]] = set()

    def __len__(self) -> int:
        return len(self.entries)

    def features(self, posts: Sequence[Post], aliases: Mapping[str, str] | None = None
                 ) -> list[Features]:
        """What ``featurize_posts(posts, aliases)`` returns (duplicates dropped, in
        ``(created_at, id)`` order), from the cache where it can."""
        self._use(lexicon_fingerprint(aliases))
        ordered = sorted({p.id: p for p in posts}.values(), key=lambda p: (p.created_at, p.id))
        keys = [(p.id, post_digest(p)) for p in ordered]
        missing = [(k, p) for k, p in zip(keys, ordered, strict=True) if k not in self.entries]
        self.last = Stats(hits=len(ordered) - len(missing), misses=len(missing))
        self.stats.hits += self.last.hits
        self.stats.misses += self.last.misses
        if missing:
            lexicon = Lexicon.build(aliases) if aliases else None
            fresh = featurize_many([p for _k, p in missing], lexicon)
            for (key, _p), feats in zip(missing, fresh, strict=True):
                for name in LAZY:  # the per-post work the build would do later
                    getattr(feats, name)
                self.entries[key] = feats
        found = []
        for key, post in zip(keys, ordered, strict=True):
            self.entries.move_to_end(key)
            found.append(_rebind(self.entries[key], post))
        while len(self.entries) > self.max_posts:
            self.entries.popitem(last=False)
        return resolve_window(found)  # per window, as featurize_posts does

    def unmined(self, posts: Sequence[Post], configured: Mapping[str, str]) -> list[Post]:
        """The ``posts`` whose alias evidence was not mined under ``configured`` yet (see
        :meth:`mark_mined`), in their order."""
        fingerprint = lexicon_fingerprint(configured)
        if fingerprint != self.mined_for or len(self.mined) > 2 * self.max_posts:
            self.mined.clear()
            self.mined_for = fingerprint
        return [p for p in posts if _mine_key(p) not in self.mined]

    def mark_mined(self, posts: Sequence[Post]) -> None:
        """Say that the evidence of ``posts`` (from :meth:`unmined`) is now in the store."""
        self.mined.update(_mine_key(p) for p in posts)

    def _use(self, fingerprint: str) -> None:
        if fingerprint != self.fingerprint:
            if self.entries:
                self.stats.resets += 1
            self.entries.clear()
            self.fingerprint = fingerprint


def _mine_key(post: Post) -> tuple[str, str, bool]:
    return post.id, post_digest(post), post.is_repost


def _rebind(cached: Features, post: Post) -> Features:
    """``cached`` for the current ``post`` (same id and featurised content): a new object, so
    what a build computes lazily on it is not kept in the cache."""
    fresh = Features(post=post, lang=cached.lang, text=cached.text, links=cached.links,
                     ents=cached.ents, shingles=cached.shingles)
    fresh.__dict__.update({k: cached.__dict__[k] for k in LAZY if k in cached.__dict__})
    return fresh

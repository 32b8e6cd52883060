"""Per-post matching features, computed once per post: cleaned simplified text, language,
canonical links, entities, character shingles and a MinHash signature.

Pure and deterministic (shingle hashes are a fixed mix of code points and MinHash uses a
fixed-seed permutation family, never Python's salted ``hash``). Does NOT compare posts (see :mod:`.cluster`).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

import numpy as np

from aidigest.models import Post
from aidigest.stories.entities import COMMON_NAMES, Entities, Lexicon, extract
from aidigest.stories.gloss import Bag, bag
from aidigest.stories.normalize import (
    canonical_url,
    clean_text,
    detect_lang,
    detect_langs,
    is_generic_link,
    to_simplified,
)

__all__ = ["BANDS", "Features", "collector_paused", "featurize", "featurize_many", "minhash_signatures",
           "text_similarity"]

SHINGLE = 4
BANDS, ROWS = 16, 4
_PRIME = 4294967311
_PRIME_U64 = np.uint64(_PRIME)
_rng = np.random.default_rng(20251207)
_A = _rng.integers(1, 2**31 - 1, size=BANDS * ROWS, dtype=np.uint64)
_B = _rng.integers(0, 2**32 - 1, size=BANDS * ROWS, dtype=np.uint64)
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'，。、）]+")
_STRIP = re.compile(r"[\W_]+", re.UNICODE)
_EMPTY = np.zeros(0, dtype=np.uint32)
NEWS_SITES = {
    "wsj.com": "wsj", "bloomberg.com": "bloomberg", "reuters.com": "reuters",
    "theinformation.com": "information", "nytimes.com": "nytimes", "ft.com": "ft",
    "theverge.com": "verge", "techcrunch.com": "techcrunch", "cnbc.com": "cnbc",
}


@dataclass(frozen=True)
class Features:
    """What :mod:`.cluster` compares. ``text`` is for matching only, never for display."""

    post: Post
    lang: str
    text: str
    links: tuple[str, ...]
    ents: Entities
    shingles: np.ndarray  # sorted unique uint32 hashes

    @property
    def id(self) -> str:
        return self.post.id

    @cached_property
    def specific(self) -> frozenset[str]:
        """Entities that name a particular thing: strong ones, phrases, uncommon names."""
        ents = self.ents
        return ents.strong | ents.phrases | (ents.names - COMMON_NAMES)

    @cached_property
    def named(self) -> frozenset[str]:
        """Names and phrases (common ones included)."""
        return self.ents.names | self.ents.phrases

    @cached_property
    def words(self) -> Bag:
        """Content words and what each matches across languages (computed when first needed)."""
        return bag(self.text)


def _links(post: Post, text: str) -> tuple[str, ...]:
    """The canonical links of a post and its text, without its own URL and generic links."""
    found = {canonical_url(u) for u in (*post.links, *_URL_IN_TEXT.findall(text))}
    if not found:
        return ()
    own = canonical_url(post.url)
    return tuple(sorted(u for u in found if u and u != own and not is_generic_link(u)))


_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
                dtype=np.uint64)


_R13, _R51, _S32 = np.uint64(13), np.uint64(51), np.uint64(32)


def _shingles(text: str) -> np.ndarray:
    """Hashes of the character 4-grams of the lowercased text without spaces and punctuation:
    a fixed multiply-xor mix of the four code points (deterministic, vectorised), sorted and
    unique."""
    compact = _STRIP.sub("", text.lower())
    if len(compact) < SHINGLE:
        return _EMPTY
    codes = np.frombuffer(compact.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - SHINGLE + 1
    mixed = codes[:n] * _MIX[0]
    mixed = (mixed << _R13) | (mixed >> _R51)
    for k in range(1, SHINGLE):
        mixed ^= codes[k : k + n] * _MIX[k]
        mixed = (mixed << _R13) | (mixed >> _R51)
    return sorted_unique((mixed ^ (mixed >> _S32)).astype(np.uint32))


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` of a 1-d array without its overhead (numpy 2's hash pass is slow
    on big integer arrays); sorts ``values`` in place."""
    if len(values) < 2:
        return values
    values.sort()
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _with_sources(ents: Entities, links: tuple[str, ...]) -> Entities:
    """Add the publication named by a linked news site (``wsj.com`` → ``wsj``) as a name."""
    hosts = {link.split("/", 1)[0] for link in links}
    found = {NEWS_SITES[h] for h in hosts if h in NEWS_SITES} - ents.names
    return replace(ents, names=ents.names | found) if found else ents


def featurize(post: Post, lexicon: Lexicon | None = None) -> Features:
    """The matching features of one post (``lexicon``: the alias table, default the package's)."""
    simplified = to_simplified(post.text or "")
    text = clean_text(simplified)
    links = _links(post, simplified)
    return Features(
        post=post,
        lang=detect_lang(text, post.lang),
        text=text,
        links=links,
        ents=_with_sources(extract(text, lexicon), links),
        shingles=_shingles(text),
    )


def featurize_many(posts: Sequence[Post], lexicon: Lexicon | None = None) -> list[Features]:
    """:func:`featurize` for many posts, with their shingles hashed in one pass over all the
    texts (the same arrays; one numpy pass instead of one per post) and their languages
    counted in one pass too."""
    with collector_paused():
        return _featurize_many(posts, lexicon)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused, then restored as it was (a context manager
    and a decorator: ``featurize_many`` here, ``build_stories`` and ``featurize_posts``).
    Featurising and building make many long-lived objects and almost no reference cycles
    (about 330 cyclic objects at 10k posts), so the collections they trigger walked every
    object of the window again and again for nothing (about a tenth of the CPU time at 10k
    posts); reference counting still frees everything else at once, and the few cycles are
    collected after the build."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _featurize_many(posts: Sequence[Post], lexicon: Lexicon | None) -> list[Features]:
    found = []
    for post in posts:
        simplified = to_simplified(post.text or "")
        text = clean_text(simplified)
        links = _links(post, simplified)
        found.append((post, text, links, _with_sources(extract(text, lexicon), links)))
    texts = [text for _p, text, _k, _e in found]
    langs = detect_langs(texts, [post.lang for post in posts])
    shingles = _shingles_many(texts)
    return [Features(post=p, lang=lang, text=text, links=links, ents=ents, shingles=sh)
            for (p, text, links, ents), lang, sh in zip(found, langs, shingles, strict=True)]


def _shingles_many(texts: Sequence[str], block: int = 2048) -> list[np.ndarray]:
    """:func:`_shingles` of each text, ``block`` texts at a time (each text's hashes do not
    depend on the others; the blocks bound the temporary arrays at 100k posts)."""
    found: list[np.ndarray] = []
    for begin in range(0, len(texts), block):
        found.extend(_shingles_block(texts[begin : begin + block]))
    return found


def _shingles_block(texts: Sequence[str]) -> list[np.ndarray]:
    """:func:`_shingles` of each text: the mix is computed over all texts joined, only the
    4-grams inside one text are kept, and one sort of ``(text, hash)`` keys gives each text's
    sorted unique hashes."""
    lowered = [t.lower() for t in texts]
    every = np.frombuffer("".join(lowered).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    keep = _word_chars(every)  # what ``_STRIP`` keeps
    bounds = np.concatenate(([0], np.cumsum([len(t) for t in lowered], dtype=np.int64)))
    sizes = np.diff(np.searchsorted(np.flatnonzero(keep), bounds))
    if not len(texts) or int(sizes.max()) < SHINGLE:
        return [_EMPTY] * len(texts)
    codes = every[keep].astype(np.uint64)
    n = len(codes) - SHINGLE + 1
    mixed = codes[:n] * _MIX[0]
    mixed = (mixed << _R13) | (mixed >> _R51)
    for k in range(1, SHINGLE):
        mixed ^= codes[k : k + n] * _MIX[k]
        mixed = (mixed << _R13) | (mixed >> _R51)
    hashes = (mixed ^ (mixed >> _S32)) & np.uint64(0xFFFFFFFF)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    grams = np.maximum(sizes - SHINGLE + 1, 0)
    owner = np.repeat(np.arange(len(texts), dtype=np.uint64), grams)
    at = np.repeat(starts, grams) + (np.arange(int(grams.sum())) - np.repeat(
        np.cumsum(grams) - grams, grams))
    keys = sorted_unique((owner << np.uint64(32)) | hashes[at])
    values = (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    bounds = np.searchsorted(keys >> np.uint64(32), np.arange(len(texts) + 1, dtype=np.uint64))
    return [values[bounds[k] : bounds[k + 1]] if grams[k] else _EMPTY for k in range(len(texts))]


@lru_cache(maxsize=1)
def _word_table() -> np.ndarray:
    """Whether each code point below U+10000 is a word character ``_STRIP`` keeps (a letter,
    digit or number: ``str.isalnum``, what the regex engine's ``\\w`` is, without ``_``)."""
    return np.array([chr(c).isalnum() for c in range(0x10000)], dtype=bool)


def _word_chars(codes: np.ndarray) -> np.ndarray:
    """The mask of the code points in ``codes`` that are word characters (see :func:`_word_table`)."""
    small = codes < 0x10000
    keep = _word_table()[np.where(small, codes, 0)] & small
    if not small.all():
        big = codes[~small]
        words = [c for c in np.unique(big).tolist() if chr(c).isalnum()]
        keep[~small] = np.isin(big, np.array(words, dtype=np.uint32))
    return keep


def text_similarity(a: Features, b: Features) -> float:
    """Exact Jaccard similarity of two posts' shingles: both arrays are sorted and unique, so
    one ``searchsorted`` counts the shared ones (no set per post is kept: at 100k posts those
    sets were most of the memory)."""
    sa, sb = a.shingles, b.shingles
    if not len(sa) or not len(sb):
        return 0.0
    at = np.minimum(np.searchsorted(sb, sa), len(sb) - 1)
    inter = int(np.count_nonzero(sb[at] == sa))
    return inter / (len(sa) + len(sb) - inter)


def minhash_signatures(items: Sequence[Features], block: int = 4000) -> np.ndarray:
    """``(len(items), BANDS*ROWS)`` MinHash signatures, vectorised over blocks of posts; a
    post without shingles gets a row no real hash reaches (it is never a candidate)."""
    out = np.full((len(items), BANDS * ROWS), _PRIME, dtype=np.uint64)
    for begin in range(0, len(items), block):
        out[begin : begin + block] = _block_signatures(items[begin : begin + block])
    return out


def _block_signatures(items: Sequence[Features], chunk: int = 65536) -> np.ndarray:
    """Signatures of one block: for each hash function in turn, ``(a*s + b) mod P`` over a
    chunk of whole posts' shingles in one flat array, then the minimum per post
    (``reduceat``). The chunks (about ``chunk`` shingles) keep the passes in the CPU cache,
    and ``mod P`` is ``x - (x // P) * P`` (numpy divides by a scalar fast, not ``%``)."""
    sizes = np.array([len(f.shingles) for f in items], dtype=np.int64)
    out = np.full((len(items), BANDS * ROWS), _PRIME, dtype=np.uint64)
    rows = np.flatnonzero(sizes)
    if not len(rows):
        return out
    flat = np.concatenate([items[i].shingles for i in rows.tolist()]).astype(np.uint64)
    ends = np.cumsum(sizes[rows])
    starts = ends - sizes[rows]
    cuts = np.searchsorted(ends, np.arange(chunk, int(ends[-1]), chunk)) + 1
    bounds = np.unique(np.concatenate(([0], np.minimum(cuts, len(rows)), [len(rows)])))
    hashed = np.empty(int(np.max(ends[bounds[1:] - 1] - starts[bounds[:-1]])), dtype=np.uint64)
    quotient = np.empty_like(hashed)
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        first, last = int(starts[lo]), int(ends[hi - 1])
        part, h, q = flat[first:last], hashed[: last - first], quotient[: last - first]
        offsets, block_rows = starts[lo:hi] - first, rows[lo:hi]
        for j in range(len(_A)):
            np.multiply(part, _A[j], out=h)
            h += _B[j]
            np.floor_divide(h, _PRIME_U64, out=q)
            q *= _PRIME_U64
            h -= q
            out[block_rows, j] = np.minimum.reduceat(h, offsets)
    return out

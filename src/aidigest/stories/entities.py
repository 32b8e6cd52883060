"""Key entities of a post: names, versioned products, titles, figures, @mentions, hashtags.

Latin-script names are found inside Chinese text too (``阿里发布Qwen3-TTS``), Chinese names of
well-known companies and products map to one key with their Latin names (千问 → ``qwen``,
英伟达 → ``nvidia``), and spellings of one version collapse (``GPT-5.1``, ``GPT 5.1``,
``gpt5.1`` → ``gpt5.1``). Keys are lowercase. Pure functions over text; does NOT decide what
is distinctive in a window (that needs document frequencies, see :mod:`.features`).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from aidigest.stories._alias_scan import AliasScanner
from aidigest.stories._alias_scan import branch as alias_branch
from aidigest.stories.versions import resolve_bare

__all__ = ["ALIASES", "COMMON_NAMES", "Entities", "Lexicon", "default_lexicon", "extract", "family", "key"]

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@lru_cache(maxsize=1)
def _package_lexicon() -> dict[str, Any]:
    """``data/lexicon.toml``: known names, common names and the alias table."""
    raw = resources.files("aidigest").joinpath("data", "lexicon.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


ALIASES: dict[str, str] = {k.lower(): v for k, v in _package_lexicon()["aliases"].items()}

# Latin words that look like names (capitalised, all caps) but name nothing in particular.
STOP: frozenset[str] = _words(
    """a an the and or but if of to in on at by for with from into over as is are was were be been
    it its this that these those we you i he she they our your my his her their me us them new
    just now today here there what when why how who which all any some more most very so not no
    yes do does did can could will would should may might must has have had get got let also
    ai llm llms api apis app apps model models agent agents ml gpu gpus cpu tts asr ui ux io os
    ceo cto cfo vp pm am gmt utc pt et est pst usa us uk eu ok lol omg btw imo fyi tl dr tldr rt
    via pro max mini plus lite ultra free open source beta alpha preview update updates launch
    launched launching introducing announcing announced released release releases big huge great
    wow amazing excited thrilled breaking thread check read see watch try meet say says said
    one two three first last next day week month year hours minutes video image images paper
    research team people world everyone someone company startup data code coding chat search
    benchmark benchmarks sota tokens token parameters weights demo blog post link github twitter
    x com www http https html pdf javascript typescript python rust java css sql json cli ide
    transformer transformers llama.cpp ai's it's we're i'm you're don't isn't here's that's let's
    monday tuesday wednesday thursday friday saturday sunday january february march april june
    july august september october november december jan feb mar apr jun jul aug sep sept oct nov
    dec q1 q2 q3 q4 vs via ps note update edit like love thanks thank congrats congratulations
    good better best bad fast faster cheaper available rolling out coming soon live support
    """
)

# Names of big companies and families: shared alone they say little about which event.
COMMON_NAMES: frozenset[str] = frozenset(_package_lexicon()["common"])

# Names known to be names even at the start of a sentence.
KNOWN: frozenset[str] = frozenset(_package_lexicon()["known"])
# Names that stand alone: a part of a longer name that is one of these stays a name.
_ONE_NAME: frozenset[str] = KNOWN | COMMON_NAMES | frozenset(ALIASES.values())

# Variant words that end a product name although they are common words.
VARIANTS: frozenset[str] = _words(
    "pro max mini plus lite ultra flash turbo image vision preview thinking instruct"
)
# Lowercase words that can still be (part of) a name: known names and variants.
_PLAIN_KEEP: frozenset[str] = KNOWN | VARIANTS

@dataclass(frozen=True)
class Lexicon:
    """The alias table in use: spelling (lowercase) → key, and one regex over the spellings.

    Built from the package table plus configured and mined aliases; Latin spellings must stand
    alone (``ilya`` does not match inside ``ilyas``), Chinese ones match anywhere."""

    aliases: dict[str, str]
    pattern: re.Pattern[str] | None
    scanner: AliasScanner | None = field(default=None, compare=False, repr=False)

    @classmethod
    def build(cls, extra: Mapping[str, str] | None = None) -> Lexicon:
        table = dict(ALIASES)
        for spelling, name in (extra or {}).items():
            if spelling.strip() and key(name):
                table[spelling.strip().lower()] = key(name)
        order = sorted(table, key=lambda a: (-len(a), a))
        parts = [alias_branch(spelling) for spelling in order]
        pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None
        return cls(table, pattern, AliasScanner(order) if all(order) else None)

    def matches(self, text: str) -> Iterator[re.Match[str]]:
        """The alias matches in ``text``: those of ``pattern.finditer``, found faster."""
        if self.scanner is not None:
            return self.scanner.finditer(text)
        return self.pattern.finditer(text) if self.pattern else iter(())


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The package alias table alone."""
    return Lexicon.build()


_LATIN_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.'’][A-Za-z0-9]+)*|\d+(?:\.\d+)*[A-Za-z]*")
_TITLE_RE = re.compile(r"《([^《》]{1,30})》|「([^「」]{2,20})」")
_MENTION_RE = re.compile(r"(?<![\w@])@(\w{1,30})")
_HASHTAG_RE = re.compile(r"(?<![\w#])#(\w[\w\u4e00-\u9fff]{1,40})")
_FIGURE_RE = re.compile(
    r"(?<![A-Za-z0-9.])([$￥¥])?(\d+(?:[.,]\d+)*)\s?(%|x|×|倍|万亿|亿|万|千|百万|美元|元|bn|b|m|k|t|"
    r"trillion|billion|million|thousand|种|个|人|名|分)?(?![A-Za-z0-9.])",
    re.IGNORECASE,
)
# Where a figure can start: a currency sign or a digit, not after a Latin letter, digit or dot
# (the lookbehind of ``_FIGURE_RE``, behind the character). A leading character class lets the
# regex engine skip to the candidates; ``_FIGURE_RE`` itself is tried at every position.
_FIGURE_AT = re.compile(r"[$￥¥\d](?<![A-Za-z0-9.].)", re.IGNORECASE)
_SCALE = {"万亿": 1e12, "trillion": 1e12, "t": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3,
          "百万": 1e6, "bn": 1e9, "b": 1e9, "billion": 1e9, "m": 1e6, "million": 1e6,
          "k": 1e3, "thousand": 1e3}
_KEY_DROP = re.compile(r"[\s\-_'’]")
_PART_SPLIT = re.compile(r"[-_]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
PRIMARY_SPAN = 16  # characters after the first specific mention that still belong to it
_ALIAS_VERSION = re.compile(r"\s?(v?\d+(?:\.\d+)*|[a-z]\d+)(?![A-Za-z0-9.])", re.IGNORECASE)
_VERSION_ONLY = re.compile(r"^v?\d+(?:\.\d+)*[a-z]?$")
_BARE_INT = re.compile(r"^\d+$")
_SIZE = re.compile(r"^\d+(?:\.\d+)?[bmkt]$")


@dataclass(frozen=True)
class Entities:
    """Entity keys of one text, by kind. ``strong`` names a specific thing (a versioned
    product, a 《title》); ``names`` are plain names (companies, people, products without a
    version); ``primary`` are the specific keys mentioned first, near the start (the subject); ``phrases``
    are multi-word names (``nanobananapro``); ``versions`` are bare versions and sizes
    (``v3.2``, ``8b``); ``parts`` pairs a name kept as a part of a phrase with that phrase
    (``karpathy``, ``andrejkarpathy``): a pair that shares both counts them once (:mod:`.nameparts`)."""

    strong: frozenset[str] = frozenset()
    primary: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    phrases: frozenset[str] = frozenset()
    versions: frozenset[str] = frozenset()
    figures: frozenset[str] = frozenset()
    mentions: frozenset[str] = frozenset()
    hashtags: frozenset[str] = frozenset()
    parts: frozenset[tuple[str, str]] = frozenset()

    @property
    def all(self) -> frozenset[str]:
        return self.strong | self.names | self.phrases | self.versions


_FAMILY = re.compile(r"[a-z]+")
_NO_PARTS: frozenset[tuple[str, str]] = frozenset()
# Latin tokens hold ASCII letters, ``-_.'’`` and decimal digits (``\d``: any script's)
_DIGIT = re.compile(r"\d")
_UPPER = re.compile(r"[A-Z]")


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """The comparison key of a name: lowercase without spaces, hyphens, underscores."""
    return _KEY_DROP.sub("", text.lower()).strip(".")


@lru_cache(maxsize=65536)
def family(entity_key: str) -> str:
    """The leading letters of a versioned key: ``gemini3pro`` → ``gemini``, ``v3.2`` → ``v``."""
    match = _FAMILY.match(entity_key)
    return match.group(0) if match else ""


def _is_name(token: str, sentence_start: bool, in_cjk: bool, before_name: bool) -> bool:
    """Whether a Latin token names something; ``before_name``: the next token of the run is
    a version or a capitalised word (``Gemini 3``, ``Nano Banana``)."""
    low = key(token)
    if low in STOP or len(low) < 2 or _BARE_INT.match(low):
        return False
    if in_cjk or low in KNOWN or (not token.isalpha() and _DIGIT.search(token)):
        return True
    if _UPPER.search(token, 1):  # a capital after the first letter (tokens are ASCII)
        return True
    return token[0].isupper() and (not sentence_start or before_name)


Bucket = dict[str, Any]
RunToken = tuple[str, bool, bool]  # text, sentence start, inside CJK
Run = tuple[RunToken, ...]


_ENDERS = frozenset(".!?:\n。！？：")
_JOIN_GAPS = frozenset({"", " ", "-", "\n", " \n", "-\n"})  # what ``^[ \-]?$`` matches
def _trie(words: list[str]) -> str:
    """A regex alternation of ``words`` (plain ASCII words), as a prefix tree: the regex
    engine tries one branch per first letter instead of every word."""
    heads: dict[str, list[str]] = {}
    for word in words:
        heads.setdefault(word[0], []).append(word[1:])
    parts = []
    for head, tails in sorted(heads.items()):
        rest = sorted(t for t in tails if t)
        inner = _trie(rest) if rest else ""
        optional = "" in tails
        parts.append(head + (f"(?:{inner}){'?' if optional else ''}" if inner else ""))
    return "|".join(parts)


# A plain lowercase word (a whole token) that names nothing: not kept, not touching CJK.
_SKIP = (r"(?<![\u4e00-\u9fff])(?!(?:" + _trie(sorted(w for w in _PLAIN_KEEP if re.fullmatch("[a-z]+", w)))
         + r")(?![a-z]))[a-z]++(?![A-Za-z0-9\u4e00-\u9fff]|[-_.'’][A-Za-z0-9])")
# Each Latin token that may name something, with the text before it: no ASCII letter nor
# decimal digit but the skipped words (each such character starts a token). ``findall`` gives
# (gap, token) per token; the last pair may hold the text after the last token, no token.
_GAPPED = re.compile(r"((?:[^A-Za-z\d]++|" + _SKIP + r")*+)(" + _LATIN_TOKEN.pattern + ")?")
_NO_TOKEN = ("", "")


def _latin_runs(text: str) -> list[tuple[Run, list[int]]]:
    """Runs of adjacent Latin tokens (joined by one space or hyphen): each run's tokens
    (text, sentence start, inside CJK) and their offsets."""
    runs: list[tuple[list[RunToken], list[int]]] = []
    found = _GAPPED.findall(text)
    has_cjk = not text.isascii() and _CJK.search(text) is not None
    end, joined = 0, False  # joined: the token before was kept (the next may join its run)
    seen: Counter[str] | None = None  # every token's count, when first needed
    for (gap, raw), (after, _r) in zip(found, [*found[1:], _NO_TOKEN], strict=True):
        if not raw:
            break
        start = end + len(gap)
        end = start + len(raw)
        if gap[-1:] == "@":
            joined = False  # a handle names an account, not the event (it is a mention)
            continue
        # inside CJK: a CJK ideograph (U+4E00..U+9FFF) right before or after the token
        in_cjk = has_cjk and ("\u4e00" <= gap[-1:] <= "\u9fff" or "\u4e00" <= after[:1] <= "\u9fff")
        token = raw[:-2] if raw.endswith(("'s", "’s")) else raw
        token = token.rstrip(".'’")
        # a sentence's first word (``[.!?:\n。！？：]\s*$`` on the two characters before it,
        # which the gap holds, or a token does), unless the only token so spelled (a name said
        # twice is a name): a substring counted once is a token seen once, else count tokens
        sentence_start = (start == 0 or gap[-1:] in _ENDERS or (
            gap[-1:].isspace() and gap[-2:-1] in _ENDERS)) and (text.count(raw) < 2 or (
            seen := seen or Counter(_LATIN_TOKEN.findall(text)))[raw] < 2)
        if joined and gap in _JOIN_GAPS:
            runs[-1][0].append((token, sentence_start, in_cjk))
            runs[-1][1].append(start)
        else:
            runs.append(([(token, sentence_start, in_cjk)], [start]))
        joined = True
    return [(tuple(tokens), offsets) for tokens, offsets in runs]


def _add(bucket: Bucket, kind: str, k: str, offset: int) -> None:
    bucket[kind].add(k)
    bucket["pos"].setdefault(k, offset)


def _classify(token: str, bucket: Bucket, offset: int) -> None:
    """Add the keys of one name token (and of its parts) at ``offset``."""
    pos = bucket["pos"]
    for kind, k in _classified(token):
        bucket[kind].add(k)
        if kind != "versions":  # a bare version has no position: it is never the subject
            pos.setdefault(k, offset)


@lru_cache(maxsize=16384)  # as _run_found's: more held memory at 100k posts, no more hits at 10k
def _classified(token: str) -> tuple[tuple[str, str], ...]:
    """The (kind, key) pairs one name token adds, in order. Cached: tokens repeat."""
    found: list[tuple[str, str]] = []
    _classify_into(token, found)
    return tuple(found)


def _classify_into(token: str, found: list[tuple[str, str]]) -> None:
    k = key(token)
    if not k or k in STOP or _BARE_INT.match(k):
        return
    if k[0] == "v" and _VERSION_ONLY.match(k):
        found.append(("strong", k))
    elif _SIZE.match(k) or _VERSION_ONLY.match(k):
        found.append(("versions", k))
    elif not k.isalpha() and _DIGIT.search(k):
        found.append(("strong", k))
        parts = [p for p in map(key, _PART_SPLIT.split(token)) if p]
        for part in parts if len(parts) > 1 else ():
            found.extend(_classified(part))  # parts repeat more than tokens (``4.5``)
    else:
        found.append(("names", k))


def _compound(
    names: list[tuple[str, bool]], keys: list[str], j: int, bucket: Bucket, offset: int
) -> None:
    """Compounds ending in the version at ``j``: ``Claude Opus 4.5`` → ``opus4.5``,
    ``claudeopus4.5``; ``Gemini 3 Deep Think`` → ``gemini3``, ``gemini3deepthink``."""
    k = keys[j]
    if not _VERSION_ONLY.match(k) or j == 0 or not names[j - 1][1]:
        return
    head = keys[j - 1]
    tail_keys: list[str] = []
    for tok, ok in names[j + 1 : j + 3]:
        if not (ok or key(tok) in VARIANTS) or _VERSION_ONLY.match(key(tok)):
            break
        tail_keys.append(key(tok))
    _add(bucket, "strong", head + k, offset)
    for end in range(1, len(tail_keys) + 1):
        _add(bucket, "strong", head + k + "".join(tail_keys[:end]), offset)
    if j >= 2 and names[j - 2][1]:
        _add(bucket, "strong", keys[j - 2] + head + k + "".join(tail_keys), offset)


RunFound = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, int], ...], frozenset[tuple[str, str]]]


@lru_cache(maxsize=16384)
def _run_found(run: Run) -> RunFound:
    """What one run (token, sentence start, inside CJK) holds: the (kind, key) pairs, and
    each key with the index of the token it was first found at, and the (part, phrase) pairs.
    Cached: runs repeat."""
    if len(run) == 1:  # most runs: a lone token is a name or nothing (no compound, no phrase)
        tok, start, cjk = run[0]
        if not _is_name(tok, start, cjk, False):
            return (), (), _NO_PARTS
        adds = _classified(tok)
        first = tuple((k, 0) for k in dict.fromkeys(k for kind, k in adds if kind != "versions"))
        return adds, first, _NO_PARTS
    return _found_in_run(run)


def _found_in_run(run: Run) -> RunFound:
    """:func:`_run_found` of any run, token by token."""
    bucket: Bucket = {"strong": set(), "names": set(), "versions": set(), "phrases": set(),
                      "pos": {}, "parts": set()}
    names = []
    for i, (tok, start, cjk) in enumerate(run):
        nxt = run[i + 1][0] if i + 1 < len(run) else ""
        before = bool(nxt) and (nxt[0].isdigit() or nxt[0].isupper()) and key(nxt) not in STOP
        names.append((tok, _is_name(tok, start, cjk, before)))
    keys = [key(tok) for tok, _ in names]
    for j, (tok, ok) in enumerate(names):
        if ok:
            _classify(tok, bucket, j)
        _compound(names, keys, j, bucket, j - 1 if j else j)
    _phrases(names, list(range(len(run))), bucket, [t[1] for t in run])
    adds = tuple((kind, k) for kind in ("strong", "names", "versions", "phrases")
                 for k in bucket[kind])
    return adds, tuple(bucket["pos"].items()), frozenset(bucket["parts"]) or _NO_PARTS


def _phrases(names: list[tuple[str, bool]], offsets: list[int], bucket: Bucket,
             starts: list[bool]) -> None:
    """Multi-word names without a version (``Nano Banana Pro`` → ``nanobananapro``); a
    capitalised common word continues a name it follows (``Claude Code``, ``Google Search``)."""
    current: list[str] = []
    for i, (tok, ok) in enumerate([*names, ("", False)]):
        k = key(tok)
        titled = bool(tok) and tok[0].isupper() and tok[1:].islower() and not starts[i]
        if (ok or (current and (k in VARIANTS or titled))) and not _VERSION_ONLY.match(k):
            current.append(k)
            continue
        if len(current) >= 2:
            _one_name(current, bucket, offsets[i - len(current)])
        current = []


def _one_name(parts: list[str], bucket: Bucket, offset: int) -> None:
    """What a multi-word name's parts count. A multi-word name that is a known name is one key:
    ``Hugging Face`` is ``huggingface``, not also ``hugging`` and ``face``. Another keeps,
    beside the whole, only its head (its last part that is a name) and the parts that are
    known names on their own: ``Andrej Karpathy`` is ``andrejkarpathy`` and ``karpathy``, not
    ``andrej``; ``Claude Cowork`` keeps ``claude`` and ``cowork`` (``Karpathy`` or ``Cowork``
    alone still match them; dropping the head too let repeats through on the continuity dev
    set, and dropping known parts cost recall: docs/stories.md)."""
    whole = "".join(parts)
    if whole in _ONE_NAME:
        drop = set(parts)
    else:
        named = [part for part in parts if part in bucket["names"]]
        drop = set(named[:-1]) - _ONE_NAME
    for part in drop - bucket["strong"] - {whole}:
        bucket["names"].discard(part)
        bucket["pos"].pop(part, None)
    bucket["parts"].update((part, whole) for part in set(parts) - drop - {whole})
    _add(bucket, "phrases", whole, offset)


@lru_cache(maxsize=16384)
def _figure(number: str, unit: str, currency: str = "") -> str | None:
    """A figure in one spelling across languages: ``$57.0B`` = ``570亿美元`` → ``5.7e10``,
    ``1.5×`` = ``1.5倍`` → ``1.5x``, a price ``$1.75`` = ``1.75美元`` → ``$1.75``."""
    try:
        value = float(number.replace(",", ""))
    except ValueError:
        return None
    unit = unit.lower()
    if unit in ("%", "x", "×", "倍"):
        return f"{value:g}{'%' if unit == '%' else 'x'}"
    if (currency == "$" or unit == "美元") and unit not in _SCALE and value < 10:
        return f"${value:g}"
    value *= _SCALE.get(unit, 1.0)
    if value < 10 or (1900 <= value <= 2100 and not unit):
        return None
    return f"{value:.3g}"


def _figures(text: str, bucket: Bucket) -> frozenset[str]:
    """Numbers with a unit or of two digits or more (not years, not part of a version)."""
    found = set()
    strong = bucket["strong"]
    for currency, number, unit in _figure_matches(text):
        fig = _figure(number, unit, currency)
        if fig and not any(s.endswith(number) for s in strong):
            found.add(fig)
    return frozenset(found)


def _figure_matches(text: str) -> list[tuple[str, str, str]]:
    """``_FIGURE_RE.findall(text)``, found faster: the regex is tried only where a figure can
    start (``_FIGURE_AT``), left to right, each match ending where the next search starts."""
    found = []
    end = 0
    for at in _FIGURE_AT.finditer(text):
        start = at.start()
        if start < end:
            continue
        match = _FIGURE_RE.match(text, start)
        if match is not None:
            found.append((match.group(1) or "", match.group(2), match.group(3) or ""))
            end = match.end()
    return found


def _primary(text: str, bucket: Bucket) -> frozenset[str]:
    """The specific entities mentioned first, if early enough to be the subject."""
    pos: dict[str, int] = bucket["pos"]
    specific = {k: o for k, o in pos.items() if k not in COMMON_NAMES and k not in bucket["versions"]}
    if not specific:
        return frozenset()
    first = min(specific.values())
    if first > max(40, len(text) // 3):
        return frozenset()
    # A gap wider than PRIMARY_SPAN characters is wider in span too: only that much is measured
    # (measuring every gap to its end was quadratic in a text of many names).
    return frozenset(k for k, o in specific.items()
                     if _span(text[first:min(o, first + PRIMARY_SPAN + 1)]) <= PRIMARY_SPAN)


def _span(gap: str) -> int:
    """Width of a stretch of text in Latin characters (a CJK character counts two)."""
    return len(gap) + len(_CJK.findall(gap))


def _tags(pattern: re.Pattern[str], mark: str, text: str) -> frozenset[str]:
    """The lowercase @mentions or #hashtags of ``text`` (none without the ``mark``)."""
    return frozenset(t.lower() for t in pattern.findall(text)) if mark in text else frozenset()


def extract(text: str, lexicon: Lexicon | None = None) -> Entities:
    """All entity keys of ``text`` (already simplified for matching)."""
    lexicon = lexicon or default_lexicon()
    bucket: Bucket = {"strong": set(), "names": set(), "versions": set(), "phrases": set(),
                      "pos": {}, "parts": set()}
    pos = bucket["pos"]
    for run, offsets in _latin_runs(text):  # keys of each run; the first offset of a key kept
        adds, first, parts = _run_found(run)
        for kind, k in adds:
            bucket[kind].add(k)
        bucket["parts"].update(parts)
        for k, index in first:
            pos.setdefault(k, offsets[index])
    for match in lexicon.matches(text):
        name = lexicon.aliases[match.group(0).lower()]
        _add(bucket, "names", name, match.start())
        version = _ALIAS_VERSION.match(text, match.end())
        if version:
            _add(bucket, "strong", name + key(version.group(1)), match.start())
    for match in _TITLE_RE.finditer(text) if "《" in text or "「" in text else ():
        inner = match.group(1) or match.group(2)
        title = "《" + key(inner) + "》"
        if len(title) > 2 and inner.lower() not in lexicon.aliases:
            _add(bucket, "strong", title, match.start())
    resolve_bare(text, bucket, lexicon)  # a bare version needs its name (:mod:`.versions`)
    names, phrases = bucket["names"] - bucket["strong"], bucket["phrases"] - bucket["strong"]
    return Entities(
        strong=frozenset(bucket["strong"]),
        primary=_primary(text, bucket),
        names=frozenset(names),
        phrases=frozenset(phrases),
        versions=frozenset(bucket["versions"]),
        figures=_figures(text, bucket),
        mentions=_tags(_MENTION_RE, "@", text),
        hashtags=_tags(_HASHTAG_RE, "#", text),
        parts=frozenset((p, w) for p, w in bucket["parts"] if p in names and w in phrases)
        or _NO_PARTS,  # one empty set for all: fewer objects for the collector in big windows
    )

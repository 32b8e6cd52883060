"""The pairwise scorer: a logistic model over the evidence features of :mod:`.pairs`.

Its weights, the link threshold and the group threshold are data
(``aidigest/data/pair_model.json``), fitted by ``scripts/fit_pair_model.py`` on labelled pairs
and refitted by running that script again. The link threshold was chosen for a target
false-merge rate on the labelled pairs; the group threshold is the mean log-odds two groups
must reach over all their cross pairs to merge (average link), which refuses joining A and C
through B when A and C themselves disagree.

Pure. Does NOT extract features (see :mod:`.pairs`) or group posts (see :mod:`.cluster`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from aidigest.errors import ConfigError
from aidigest.stories.pairs import FEATURES, Evidence

__all__ = ["PairModel", "Weights", "default_model", "load_model"]

CLIP = 8.0
LABELS = {
    "link": "same link {}", "strong": "shares {}", "names": "names {}", "common": "both name {}",
    "subject": "same subject", "figures": "same figures {}", "overlap": "names overlap",
    "text": "similar text", "words": "same words ({})", "translated": "same words translated ({})",
    "cosine": "similar embeddings", "same_author": "same author",
    "cross_lang": "English/Chinese", "gap": "time apart", "conflict": "different versions {}",
}


def logit(p: float) -> float:
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class Weights:
    """One logistic model: weights per feature (in :data:`~.pairs.FEATURES` order), bias and
    the probability at which two posts are linked."""

    weights: np.ndarray
    bias: float
    threshold: float

    def logit(self, ev: Evidence) -> float:
        return float(self.weights @ ev.values) + self.bias

    @property
    def link_logit(self) -> float:
        return logit(self.threshold)


@dataclass(frozen=True)
class PairModel:
    """Two fitted models, with embeddings (``full``) and without (``plain``, its cosine weight
    is 0), and the average-link margin. Scores are log-odds relative to the model's own link
    threshold, so 0 is the link threshold whichever model scored the pair."""

    full: Weights
    plain: Weights
    group_margin: float
    info: dict[str, Any]

    @property
    def link_logit(self) -> float:
        return 0.0

    @property
    def group_threshold(self) -> float:
        return -self.group_margin

    def weights_for(self, ev: Evidence) -> Weights:
        return self.full if ev.has_cosine else self.plain

    def score(self, ev: Evidence) -> float:
        """The pair's log-odds of one event minus the link threshold's, clipped to ±8."""
        w = self.weights_for(ev)
        return max(-CLIP, min(CLIP, w.logit(ev) - w.link_logit))

    def scores(self, values: np.ndarray, has_cosine: np.ndarray) -> np.ndarray:
        """:meth:`score` for many pairs: rows of feature values, and whether each pair has
        vectors (scored by the full model) or not (the plain one)."""
        out = np.empty(len(values))
        for weights, rows in ((self.full, has_cosine), (self.plain, ~has_cosine)):
            if rows.any():
                logits = values[rows] @ weights.weights + weights.bias - weights.link_logit
                out[rows] = np.clip(logits, -CLIP, CLIP)
        return out

    def _weighing(self, ev: Evidence, top: int) -> list[tuple[int, float]]:
        """(feature index, weighted value) of the ``top`` features that weighed most, those
        under 0.05 left out."""
        parts = self.weights_for(ev).weights * ev.values
        sizes = np.abs(parts).tolist()
        order = sorted(range(len(FEATURES)), key=lambda i: -sizes[i])
        return [(i, parts[i]) for i in order[:top] if not sizes[i] < 0.05]

    def explain(self, ev: Evidence, top: int = 3,
                details: Callable[[list[str]], Mapping[str, str]] | None = None) -> str:
        """The pair probability and the evidence that weighed most, in words. ``details``:
        what the named features found, asked for those features only (else ``ev.details``)."""
        w = self.weights_for(ev)
        weighing = self._weighing(ev, top)
        found = details([FEATURES[i] for i, _part in weighing]) if details else ev.details
        said = []
        for i, part in weighing:
            name = FEATURES[i]
            text = LABELS[name].format(found.get(name, "")).strip()
            said.append(f"{text} ({part:+.1f})")
        p = 1 / (1 + math.exp(-max(-CLIP, min(CLIP, w.logit(ev)))))
        return f"p={p:.2f} (link at {w.threshold:.2f}): " + "; ".join(said)


def _weights(data: dict[str, Any], names: list[str]) -> Weights:
    weights = dict(zip(names, (float(v) for v in data["weights"]), strict=True))
    vector = np.array([weights.get(f, 0.0) for f in FEATURES], dtype=np.float64)
    return Weights(vector, float(data["bias"]), float(data["threshold"]))


def _check_names(names: list[str], origin: str) -> None:
    """ConfigError unless the model names exactly the features this aidigest computes (a
    missing one would silently weigh 0, an unknown one would silently be ignored)."""
    missing = [f for f in FEATURES if f not in names]
    unknown = [n for n in names if n not in FEATURES]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if missing or unknown or repeated:
        said = "; ".join(f"{what}: {', '.join(map(str, found))}" for what, found in (
            ("missing", missing), ("unknown", unknown), ("repeated", repeated)) if found)
        raise ConfigError(f"pair model {origin} does not match this aidigest's features ({said}); "
                          f"it scores {', '.join(FEATURES)}: refit it with "
                          "scripts/fit_pair_model.py")


def _from_dict(data: dict[str, Any], origin: str) -> PairModel:
    try:
        names = list(data["features"])
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"pair model {origin} is not valid (no list of features: {exc}); refit "
                          "it with scripts/fit_pair_model.py") from exc
    _check_names(names, origin)
    try:
        return PairModel(_weights(data["full"], names), _weights(data["plain"], names),
                         float(data["group_margin"]), dict(data.get("info", {})))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"pair model {origin} is not valid ({exc}); refit it with "
                          "scripts/fit_pair_model.py") from exc


def load_model(path: str | Path) -> PairModel:
    """A pair model from a JSON file (``[stories] pair_model``)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the pair model {path}: {exc}") from exc
    return _from_dict(data, str(path))


@lru_cache(maxsize=1)
def default_model() -> PairModel:
    """The fitted model shipped with aidigest (``aidigest/data/pair_model.json``)."""
    raw = resources.files("aidigest").joinpath("data", "pair_model.json").read_text(encoding="utf-8")
    return _from_dict(json.loads(raw), "aidigest/data/pair_model.json")

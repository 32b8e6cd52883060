"""A name's parts count once in a pair's evidence (issue 21).

An unknown multi-word name keeps, beside its whole, its head and its parts that are known names
(:func:`.entities._one_name`: ``Andrej Karpathy`` → ``andrejkarpathy`` and ``karpathy``), so
that ``Karpathy`` alone still matches it. Two posts that both say ``Andrej Karpathy`` would then
count that one name twice. Here, at the pair level, a shared part whose whole is shared too is
*merged* into the whole: it adds nothing to the ``names`` weight (the whole's weight stands for
both) and counts once in ``overlap`` (in the shared names and in each post's names). A part
shared without its whole (``Karpathy`` against ``Andrej Karpathy``) counts as before.

The relation comes from :attr:`.entities.Entities.parts` of either post. One rule, two forms
that give the same sets: :func:`merged` per pair (:func:`.pairs.evidence`) and
:func:`merged_keys` for many pairs at once (:mod:`.batch`). Pure.
"""

from __future__ import annotations

from collections.abc import Set

import numpy as np

__all__ = ["merged", "merged_keys"]


def merged(shared: Set[str], parts_a: Set[tuple[str, str]], parts_b: Set[tuple[str, str]]
           ) -> frozenset[str]:
    """The parts in ``shared`` whose whole is in ``shared`` too, by either post's relation."""
    return frozenset(p for p, w in parts_a | parts_b if p in shared and w in shared)


def merged_keys(owner: np.ndarray, part: np.ndarray, whole: np.ndarray, shared: np.ndarray,
                width: int) -> np.ndarray:
    """:func:`merged` for many pairs: ``owner``/``part``/``whole`` list the relations of both
    posts of pair ``owner[k]`` (as name ids), ``shared`` the keys ``pair * width + id`` of each
    pair's shared names; returns the sorted unique keys ``pair * width + part`` of the merged
    parts."""
    if not len(owner) or not len(shared):
        return np.zeros(0, dtype=np.int64)
    base = owner * width
    hit = np.isin(base + part, shared) & np.isin(base + whole, shared)
    return np.unique(base[hit] + part[hit])

"""The dev-set figures are reported with a 95 % Wilson score interval (issue 17, "Figures that
tell the truth"): checked against textbook values."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_crosslang import rows, wilson


@pytest.mark.parametrize(("hits", "total", "low", "high"), [
    (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (30, 35, 0.7062, 0.9374), (5, 10, 0.2366, 0.7634),
])
def test_wilson_interval_matches_textbook_values(hits: int, total: int, low: float, high: float) -> None:
    got = wilson(hits, total)
    assert got == pytest.approx((low, high), abs=5e-4)
    assert got[0] <= hits / total <= got[1]


def test_no_set_no_rows(tmp_path: Path) -> None:
    assert rows(None) == [] and rows(tmp_path) == []

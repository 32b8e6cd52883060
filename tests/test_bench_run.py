"""benchmarks/run.py's hygiene (issue 18): a row either checks its bound ("ok") or is marked
informational; the run exits 1 for a missed bound, a failed benchmark, or a bound nobody
checks, and says which."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import run as bench_run  # noqa: E402


def test_a_stated_bound_without_a_check_is_caught() -> None:
    assert bench_run.unchecked({"figure": "x", "bound": "< 10 s"})
    assert not bench_run.unchecked({"figure": "x", "bound": "< 10 s", "ok": True})
    assert not bench_run.unchecked({"figure": "x", "bound": "- (informational)"})
    assert not bench_run.unchecked({"figure": "x", "bound": ""})
    assert not bench_run.unchecked({"figure": "FAILED", "bound": "", "ratio": "boom"})


def test_the_table_says_kept_missed_or_informational() -> None:
    rows = [{"benchmark": "b", "figure": "one", "median": 1.0, "bound": "<= 2", "ok": True},
            {"benchmark": "b", "figure": "two", "median": 3.0, "bound": "<= 2", "ok": False},
            {"benchmark": "b", "figure": "three", "median": 3.0, "bound": "- (informational)"}]
    table = bench_run.markdown(rows, quick=True)
    assert "| yes |" in table and "| **NO** |" in table and "| info |" in table


def _bench_dir(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "benchmarks"
    folder.mkdir(parents=True)
    (folder / "run.py").write_text((BENCH / "run.py").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "bench_fake.py").write_text(f"def run(quick):\n    return {body}\n", encoding="utf-8")
    return folder


def _run(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(folder / "run.py"), "--quick"], cwd=folder,
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_run_exits_1_naming_a_missed_or_unchecked_bound(tmp_path: Path) -> None:
    good = _bench_dir(tmp_path / "good", '[{"figure": "f", "median": 1, "unit": "s", '
                      '"bound": "<= 2", "ratio": "", "ok": True}, {"figure": "g", "median": 1, '
                      '"unit": "s", "bound": "- (informational)", "ratio": ""}]')
    assert _run(good).returncode == 0
    missed = _bench_dir(tmp_path / "missed", '[{"figure": "f", "median": 3, "unit": "s", '
                        '"bound": "<= 2", "ratio": "", "ok": False}]')
    done = _run(missed)
    assert done.returncode == 1 and "fake: f = 3 (bound <= 2)" in done.stderr
    unchecked = _bench_dir(tmp_path / "unchecked", '[{"figure": "f", "median": 3, "unit": "s", '
                           '"bound": "<= 2", "ratio": ""}]')
    done = _run(unchecked)
    assert done.returncode == 1 and "states the bound '<= 2' but does not check it" in done.stderr
    broken = _bench_dir(tmp_path / "broken", "1 / 0")
    done = _run(broken)
    assert done.returncode == 1 and "ZeroDivisionError" in done.stderr

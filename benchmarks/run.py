"""Run every ``benchmarks/bench_*.py`` and print ONE table; also write benchmarks/results.md.

Each module exposes ``run(quick: bool) -> list[dict]`` whose rows have the keys
``figure``, ``median``, ``unit``, ``bound`` and ``ratio``. Usage::

    python benchmarks/run.py            # full
    python benchmarks/run.py --quick    # smaller sizes, for a smoke run
    python benchmarks/run.py --only pipeline
    python benchmarks/run.py --crosslang /tmp/crosslang-dev   # adds the real-data stories rows
    python benchmarks/run.py --continuity /tmp/continuity-dev # adds the continuity rows

Every row either has a bound and says whether it kept it (``"ok"``), or is informational:
no ``ok`` and a ``bound`` that is empty or starts with ``-`` (``"- (informational)"``). The run
prints every row, then exits 1 naming each bound that was exceeded, each benchmark that failed,
and each row that states a bound without checking it (a bound nobody checks is not a bound).

The quick subset that CI runs (``.ci/run``, under 3 minutes on a 2-core machine)::

    python benchmarks/run.py --quick --only stories --only store --only writer --out FILE

Its bounds hold on a busy shared machine because they are ratios measured back to back or
counts: stories CPU time against c6c5758 (no regression), growth 1k → 10k, ``aidigest
import`` against ``json.loads`` + one ``executemany``, PostgreSQL against SQLite, and the
writer's calls and tokens per digest.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
COLUMNS = ("benchmark", "figure", "median", "unit", "bound", "ratio", "kept")


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def collect(quick: bool, only: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        print(f"running {name} …", file=sys.stderr, flush=True)
        try:
            for row in _load(path).run(quick):
                rows.append({"benchmark": name, **row})
        except Exception as exc:  # one broken benchmark must not hide the others
            traceback.print_exc()
            rows.append({"benchmark": name, "figure": "FAILED", "median": "", "unit": "",
                         "bound": "", "ratio": f"{type(exc).__name__}: {exc}"})
    return rows


def markdown(rows: list[dict[str, Any]], quick: bool) -> str:
    head = (f"# Benchmark results\n\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"{platform.machine()}, Python {platform.python_version()}, "
            f"{'quick' if quick else 'full'} run; medians of repeated runs.\n\n")
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        kept = {True: "yes", False: "**NO**"}.get(row.get("ok"), "info")  # type: ignore[call-overload]
        lines.append("| " + " | ".join(_fmt(kept if c == "kept" else row.get(c, ""))
                                       for c in COLUMNS) + " |")
    return head + "\n".join(lines) + "\n"


def unchecked(row: dict[str, Any]) -> bool:
    """A row that states a bound but says nothing about keeping it."""
    bound = str(row.get("bound", "")).strip()
    return "ok" not in row and row.get("figure") != "FAILED" and bool(bound) and bound[0] != "-"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--only", action="append", default=[], help="run only this benchmark")
    parser.add_argument("--out", default=str(HERE / "results.md"), help="markdown output file")
    parser.add_argument("--crosslang", default=None,
                        help="a real-data stories set (../shared/stories-eval), never committed")
    parser.add_argument("--continuity", default=None,
                        help="a continuity set (benchmarks/continuity_set.py), never committed")
    args = parser.parse_args()
    if args.crosslang:
        os.environ["AIDIGEST_CROSSLANG_SET"] = args.crosslang
    if args.continuity:
        os.environ["AIDIGEST_CONTINUITY_SET"] = args.continuity
    rows = collect(args.quick, args.only)
    text = markdown(rows, args.quick)
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")
    broken = [f"{r['benchmark']}: {r['figure']} = {r['median']} (bound {r['bound']})"
              for r in rows if r.get("ok") is False or r.get("figure") == "FAILED"]
    broken += [f"{r['benchmark']}: {r['figure']} states the bound {r['bound']!r} but does not "
               "check it (give the row an 'ok', or mark it '- (informational)')"
               for r in rows if unchecked(r)]
    if broken:
        print("bounds exceeded:\n  " + "\n  ".join(broken), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

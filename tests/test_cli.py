"""The CLI as a new user meets it: init, run on the sample window, inspect, re-run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.publish import find_hugo

SAMPLE_SLOT = "2025-12-07T08"
ITEM_LINE = re.compile(r"^(\d{1,2})\.\s{1,2}\[(.+)\]\((https://x\.com/[^/]+/status/\d+)\)$")


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, cmd in getattr(group, "commands", {}).items():
        found.append((*prefix, name))
        found.extend(_commands(cmd, (*prefix, name)))
    return found


def test_every_command_has_help(runner: CliRunner) -> None:
    commands = _commands(main)
    assert {("init",), ("fetch",), ("import",), ("export",), ("stories",), ("digest",), ("run",),
            ("status",), ("sources",)} <= set(commands)
    for path in commands:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, path
        cmd = main
        for part in path:
            cmd = cmd.commands[part]  # type: ignore[attr-defined]
        assert cmd.help and len(cmd.help) > 10, f"{path} has no help text"
        if path != ("init",):
            assert "--config" in result.output, path


def _check_digest(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["title"] == "2025.12.07.08 过去4小时全球AI发生了什么？"
    assert str(front["date"]).startswith("20")
    assert 3 <= len(front["categories"]) <= 5
    body = text.split("---\n", 2)[2]
    blocks = body.strip("\n").split("\n\n")
    assert len(blocks) % 2 == 0
    titles = []
    for head, summary in zip(blocks[::2], blocks[1::2], strict=True):
        match = ITEM_LINE.match(head)
        assert match, head
        assert head.index("[") == 4  # the text starts in column 5
        assert summary.startswith("    ") and "\n" not in summary
        assert 1 <= summary.count("**") // 2 <= 5, summary
        titles.append(match.group(2))
    assert [int(ITEM_LINE.match(h).group(1)) for h in blocks[::2]] == list(  # type: ignore[union-attr]
        range(1, len(titles) + 1))
    assert 8 <= len(titles) <= 12
    return titles


def test_init_then_run_publishes_the_sample_slot(project: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["run", "--slot", SAMPLE_SLOT])
    assert result.exit_code == 0, result.output
    post = project / "site" / "content" / "posts" / f"{SAMPLE_SLOT}.md"
    titles = _check_digest(post)
    assert all("-" in t for t in titles)  # the author suffix
    if find_hugo():
        page = project / "site" / "public" / "posts" / SAMPLE_SLOT.lower() / "index.html"
        assert page.exists(), result.output
        assert "过去4小时全球AI发生了什么" in page.read_text(encoding="utf-8")
    again = runner.invoke(main, ["run", "--slot", "2025.12.07.08"])
    assert again.exit_code == 0 and "already published" in again.output
    status = runner.invoke(main, ["status", "--json"])
    data = json.loads(status.stdout)
    assert [r["outcome"] for r in data["runs"][:2]] == ["skipped", "published"]
    assert data["sources"]["sample"]["ok"] == 1


def test_stories_json_contract(project: Path, runner: CliRunner) -> None:
    assert runner.invoke(main, ["fetch"]).exit_code == 0
    result = runner.invoke(main, ["stories", "--slot", SAMPLE_SLOT, "--json"])
    assert result.exit_code == 0, result.output
    stories = json.loads(result.stdout)
    assert len(stories) >= 10
    ids = [p for s in stories for p in s["posts"]]
    assert len(ids) == len(set(ids)), "a post belongs to one story"
    for s in stories:
        assert {"id", "posts", "representative", "score", "reasons"} <= set(s)
        assert s["representative"] in s["posts"]
        assert isinstance(s["score"], int | float)
    scores = [s["score"] for s in stories if not s.get("filtered")]
    assert scores == sorted(scores, reverse=True)
    assert any(len(s["posts"]) > 1 for s in stories)


def test_dry_run_prints_and_publishes_nothing(project: Path, runner: CliRunner) -> None:
    runner.invoke(main, ["fetch"])
    result = runner.invoke(main, ["digest", "--slot", SAMPLE_SLOT, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("---\ntitle: \"2025.12.07.08 ")
    assert not (project / "site" / "content" / "posts" / f"{SAMPLE_SLOT}.md").exists()


def test_import_export_round_trip(project: Path, runner: CliRunner, tmp_path: Path) -> None:
    sample = (project / "sample_posts.jsonl").read_text(encoding="utf-8")
    bad = tmp_path / "in.jsonl"
    bad.write_text(sample + "{broken\n", encoding="utf-8")
    result = runner.invoke(main, ["import", str(bad)])
    assert result.exit_code == 0
    count = len(sample.strip().splitlines())
    assert f"imported {count} posts ({count} new, 0 updated), skipped 1" in result.output
    assert "line" in result.output
    again = runner.invoke(main, ["import", "-"], input=sample)
    assert f"(0 new, {count} updated)" in again.output
    exported = runner.invoke(main, ["export"]).stdout.strip().splitlines()
    assert len(exported) == count
    assert {json.loads(x)["id"] for x in exported} == {json.loads(x)["id"] for x in sample.splitlines()}
    window = runner.invoke(main, ["export", "--since", "2025-12-06T20:00:00Z",
                                  "--until", "2025-12-07T00:00:00Z"]).stdout.strip().splitlines()
    assert 0 < len(window) < count


@pytest.mark.parametrize("args,needle", [
    (["digest", "--slot", "2025-12-07T07"], "grid"),
    (["digest", "--slot", "tomorrow"], "2025-12-07T08"),
    (["export", "--since", "yesterday"], "ISO 8601"),
    (["status", "--config", "/nonexistent/aidigest.toml"], "aidigest init"),
])
def test_errors_are_one_clear_line(project: Path, runner: CliRunner, args: list[str], needle: str) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code != 0
    assert needle in result.output
    assert "Traceback" not in result.output

"""``aidigest mcp``: the official SDK's own client talks over stdio to ``aidigest mcp`` running
as a subprocess (the installed console script), on a project made by ``aidigest init`` whose
sample window was written (offline writer) as a review-mode draft."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from click.testing import CliRunner
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from aidigest.cli import main
from aidigest.store import open_store
from test_desk import FILLER, good_summary

SLOT = "2025-12-07T08"
AIDIGEST = Path(sys.executable).with_name("aidigest")
READ_TOOLS = {"list_digests", "get_digest", "get_stories", "search_posts", "status"}
WRITE_TOOLS = {"edit_item", "regenerate_item", "publish", "reject"}
T = TypeVar("T")


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def drafted(project: Path, runner: CliRunner) -> Path:
    """The sample window written as a draft (review mode); the site is a git repository and
    publishing commits without building."""
    site = project / "site"
    _git("init", "-q", "-b", "main", cwd=site)
    _git("config", "user.email", "t@example.com", cwd=site)
    _git("config", "user.name", "t", cwd=site)
    _git("add", ".", cwd=site)
    _git("commit", "-q", "-m", "starter", cwd=site)
    cfg = project / "aidigest.toml"
    text = cfg.read_text(encoding="utf-8").replace("[publish]\n", '[publish]\nmode = "review"\n', 1)
    text = text.replace("embeddings = true", "embeddings = false").replace("git = false", "git = true")
    cfg.write_text(text.replace("build = true", "build = false"), encoding="utf-8")
    result = runner.invoke(main, ["run", "--slot", SLOT, "--offline"])
    assert result.exit_code == 0, result.output
    return project


def _with_client(project: Path, work: Callable[[Client], Awaitable[T]], *flags: str) -> T:
    """Start `aidigest mcp` over stdio with the SDK's client and run ``work`` with it."""
    params = StdioServerParameters(command=str(AIDIGEST),
                                   args=["mcp", "--config", str(project / "aidigest.toml"), *flags],
                                   cwd=str(project))

    async def run() -> T:
        with anyio.fail_after(120):
            async with Client(params) as client:
                return await work(client)

    return anyio.run(run)


def _body(result: Any) -> dict[str, Any]:
    """The one result shape, as the client sees it (structured and as text)."""
    payload = dict(result.structured_content)
    assert json.loads(result.content[0].text) == payload
    assert set(payload) == {"ok", "data", "error"} and payload["ok"] is not bool(result.is_error)
    return payload


def test_the_sdk_client_lists_the_read_tools_and_reads_the_slots_digest(drafted: Path) -> None:
    async def work(client: Client) -> dict[str, Any]:
        tools = (await client.list_tools()).tools
        digest = await client.call_tool("get_digest", {"slot": SLOT})
        listed = await client.call_tool("list_digests", {})
        resources = (await client.list_resources()).resources
        markdown = await client.read_resource(f"aidigest://digest/{SLOT}")
        return {"tools": tools, "digest": digest, "listed": listed, "resources": resources,
                "markdown": markdown}

    seen = _with_client(drafted, work)
    assert {t.name for t in seen["tools"]} == READ_TOOLS  # no publishing tool without --allow-writes
    assert all(t.annotations.read_only_hint for t in seen["tools"])
    with open_store(drafted / "aidigest.db") as store:
        stored = store.get_digest(SLOT)
    assert stored is not None
    digest = _body(seen["digest"])["data"]
    assert (digest["slot"], digest["state"], digest["title"]) == (SLOT, "draft", stored.title)
    assert digest["markdown"] == stored.markdown and "draft: true" in digest["markdown"]
    assert "aidigest publish --slot" in digest["reason"]
    assert [i["title"] for i in digest["items"]] == [i.title for i in stored.items]
    assert digest["items"][0]["url"].startswith("https://x.com/") and digest["items"][0]["author"]
    (row,) = _body(seen["listed"])["data"]["digests"]
    assert (row["slot"], row["state"], row["items"]) == (SLOT, "draft", len(stored.items))
    assert [str(r.uri) for r in seen["resources"]] == [f"aidigest://digest/{SLOT}"]
    assert seen["markdown"].contents[0].text == stored.markdown


def test_stories_posts_and_status_through_the_client(drafted: Path) -> None:
    async def work(client: Client) -> list[Any]:
        return [await client.call_tool("get_stories", {"slot": SLOT, "limit": 200}),
                await client.call_tool("search_posts", {"query": "deepseek v3.2", "author": "@DOTEY"}),
                await client.call_tool("status", {}),
                await client.call_tool("get_stories", {"since": "2025-12-06T20:00:00Z",
                                                       "until": "2025-12-07T00:00:00Z"})]

    stories, posts, status, window = (_body(r) for r in _with_client(drafted, work))
    with open_store(drafted / "aidigest.db") as store:
        row = store.get_digest(SLOT)
    assert row is not None
    items = row.items
    ranked = stories["data"]["stories"]
    assert stories["data"]["origin"] == "stored by the slot's last run"
    assert [s["rank"] for s in ranked] == list(range(1, len(ranked) + 1))
    assert sum(s["chosen"] for s in ranked) == len(items)
    chosen = next(s for s in ranked if s["chosen"])
    assert chosen["posts"] and chosen["reasons"] and set(chosen["score_parts"]) >= {"engagement"}
    assert {i.post_id for i in items} <= {p["id"] for s in ranked if s["chosen"] for p in s["posts"]}
    found = posts["data"]["posts"]
    assert found and all(p["author"] == "dotey" and "deepseek" in p["text"].lower() for p in found)
    assert [p["created_at"] for p in found] == sorted((p["created_at"] for p in found), reverse=True)
    assert status["data"]["runs"][0]["slot"] == SLOT and "llm" in status["data"]
    assert window["ok"] and window["data"]["origin"] == "built now from the stored posts"


def test_errors_have_the_one_shape_and_say_what_to_fix(drafted: Path) -> None:
    async def work(client: Client) -> list[Any]:
        return [await client.call_tool("get_digest", {"slot": "2025-12-07T12"}),
                await client.call_tool("get_digest", {"slot": "tomorrow"}),
                await client.call_tool("get_stories", {}),
                await client.call_tool("search_posts", {"since": "yesterday"}),
                await client.call_tool("publish", {"slot": SLOT, "confirm": True})]

    missing, unreadable, no_window, bad_time, refused = _with_client(drafted, work)
    for result in (missing, unreadable, no_window, bad_time):
        assert result.is_error and _body(result)["ok"] is False
    assert "list_digests shows the slots" in _body(missing)["error"]
    assert "write it as 2025-12-07T08" in _body(unreadable)["error"]
    assert "give slot" in _body(no_window)["error"]
    assert "ISO 8601" in _body(bad_time)["error"]
    assert refused.is_error and "publish" in refused.content[0].text  # unknown without --allow-writes
    with open_store(drafted / "aidigest.db") as store:
        assert (d := store.get_digest(SLOT)) and d.state == "draft"


def test_publish_needs_confirm_and_then_makes_the_same_commit_as_aidigest_publish(
    drafted: Path, runner: CliRunner, tmp_path: Path
) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(drafted, twin)
    site = drafted / "site"

    async def work(client: Client) -> list[Any]:
        tools = {t.name for t in (await client.list_tools()).tools}
        return [tools,
                await client.call_tool("publish", {"slot": SLOT}),
                _git("log", "--format=%H", cwd=site),
                await client.call_tool("publish", {"slot": SLOT, "confirm": True})]

    tools, unconfirmed, log_between, published = _with_client(drafted, work, "--allow-writes")
    assert tools == READ_TOOLS | WRITE_TOOLS
    assert unconfirmed.is_error and "confirm: true" in _body(unconfirmed)["error"]
    assert len(log_between.split()) == 1  # nothing was committed without confirm
    data = _body(published)["data"]
    assert data["outcome"] == "published" and data["path"].endswith(f"{SLOT}.md")

    cli = runner.invoke(main, ["publish", "--slot", SLOT, "--config", str(twin / "aidigest.toml")])
    assert cli.exit_code == 0, cli.output
    ours, theirs = (_git("log", "-1", "--format=%s%n%T", cwd=s) for s in (site, twin / "site"))
    assert ours == theirs and ours.startswith(f"digest {SLOT}")  # same message, same tree
    changed = [_git("show", "--name-status", "--format=", "HEAD", cwd=s) for s in (site, twin / "site")]
    assert changed[0] == changed[1] == f"A\tcontent/posts/{SLOT}.md\n"  # the draft was never committed
    assert "draft: true" not in (site / "content" / "posts" / f"{SLOT}.md").read_text("utf-8")


def test_edits_are_checked_like_the_desks_and_reject_needs_confirm(drafted: Path) -> None:
    good_edit = good_summary(drafted)  # faithful to item 1's story: the quality gate passes it

    async def work(client: Client) -> list[Any]:
        return [await client.call_tool("edit_item", {"slot": SLOT, "position": 1, "title": "x",
                                                     "summary": "<script>alert(1)</script>",
                                                     "terms": []}),
                await client.call_tool("edit_item", {"slot": SLOT, "position": 1,
                                                     "title": "编辑改写的标题",
                                                     "summary": FILLER.format(term="**Gemini 9 Ultra**"),
                                                     "terms": []}),
                await client.call_tool("edit_item", {"slot": SLOT, "position": 1,
                                                     "title": "编辑改写的标题", "summary": good_edit,
                                                     "terms": []}),
                await client.call_tool("regenerate_item", {"slot": SLOT, "position": 1}),
                await client.call_tool("reject", {"slot": SLOT, "reason": "test"})]

    bad, invented, good, regenerate, reject = (_body(r) for r in _with_client(drafted, work,
                                                                               "--allow-writes"))
    assert not bad["ok"] and "edit refused" in bad["error"]
    assert not invented["ok"] and "edit refused by the quality gate (faithful)" in invented["error"]
    assert good["ok"] and good["data"]["item"]["title"] == "编辑改写的标题"
    assert good["data"]["item"]["writer"] == "editor" and good["data"]["state"] == "draft"
    assert not regenerate["ok"] and "no LLM provider is configured" in regenerate["error"]
    assert not reject["ok"] and "confirm: true" in reject["error"]
    with open_store(drafted / "aidigest.db") as store:
        row = store.get_digest(SLOT)
    assert row and row.state == "draft" and row.items[0].title == "编辑改写的标题"


def test_a_missing_config_is_one_message_before_serving(tmp_path: Path) -> None:
    done = subprocess.run([str(AIDIGEST), "mcp", "--config", str(tmp_path / "nope.toml")],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 1 and "aidigest init" in done.stderr and done.stdout == ""


def test_search_ignores_case_full_width_and_traditional_chinese(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from aidigest.config import config_from_dict
    from aidigest.mcp import views
    from aidigest.models import Author, Post

    cfg = config_from_dict({}, tmp_path)
    when = datetime(2025, 12, 6, 22, tzinfo=UTC)
    posts = [Post("1", "https://x.com/a/status/1", Author("a", "甲"), when, "阿里發佈 Qwen3-TTS 語音模型"),
             Post("2", "https://x.com/b/status/2", Author("b", "乙"), when, "qwen3-tts 开源了"),
             Post("3", "https://x.com/b/status/3", Author("b", "乙"), when, "Gemini 发布")]
    with open_store(cfg.store_path) as store:
        store.upsert_posts(posts)
        both = views.search_posts(cfg, store, "ＱＷＥＮ3-tts")
        traditional = views.search_posts(cfg, store, "发布 语音")
        by_b = views.search_posts(cfg, store, author="@B", limit=1)
    assert [p["id"] for p in both["posts"]] == ["2", "1"] and both["total"] == 2
    assert [p["id"] for p in traditional["posts"]] == ["1"]
    assert by_b["total"] == 2 and len(by_b["posts"]) == 1

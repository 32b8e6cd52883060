"""The editor's desk over real HTTP (uvicorn on a local socket, httpx as the client), on the
sample window: review mode leaves a draft, the desk lists it and shows its stories, every POST
without the CSRF token is refused with nothing changed, edits are validated like LLM output,
items are dropped, moved, swapped and regenerated, and `aidigest publish` approves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from aidigest.cli import main
from aidigest.config import load_config
from aidigest.desk import actions
from aidigest.desk.server import desk_password, is_loopback, running
from aidigest.errors import ConfigError
from aidigest.publish import find_hugo
from aidigest.store import DigestRecord, open_store
from llm_server import chat_server

SLOT = "2025-12-07T08"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FILLER = ("编辑在桌面上重写了这一条：{term} 这件事引起了不少讨论，官方和作者都给出了说明，"
          "开发者可以直接上手试用，社区反响热烈，多位研究者认为这会推动相关应用的普及，"
          "也给同类产品带来压力。接下来的版本会怎样改进、价格和开放程度如何，都还要再看，"
          "后续进展值得关注。")


def good_summary(project: Path, position: int = 1) -> str:
    """An edit of item ``position`` the quality gate passes: faithful to the item's story (its
    one bold term is a key term the item already has, which occurs in the posts)."""
    term = _stored(project).items[position - 1].key_terms[0]
    return FILLER.format(term=f"**{term}**")


def review_project(project: Path, extra: str = "") -> Path:
    """The init project switched to review mode (and ``extra`` TOML appended)."""
    cfg = project / "aidigest.toml"
    text = cfg.read_text(encoding="utf-8").replace('[publish]\n', '[publish]\nmode = "review"\n', 1)
    text = text.replace("embeddings = true", "embeddings = false")  # quicker; same stories path
    cfg.write_text(text + extra, encoding="utf-8")
    return cfg


@pytest.fixture
def drafted(project: Path, runner: CliRunner) -> Path:
    """A review-mode run of the sample window: it must end as a draft with exit status 0."""
    review_project(project)
    result = runner.invoke(main, ["run", "--slot", SLOT])
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture
def desk(drafted: Path) -> Iterator[tuple[str, httpx.Client]]:
    cfg = load_config(drafted / "aidigest.toml")
    with running(cfg) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield url, client


def _stored(project: Path) -> DigestRecord:
    with open_store(project / "aidigest.db") as store:
        row = store.get_digest(SLOT)
    assert row is not None
    return row


def _token(client: httpx.Client) -> str:
    match = CSRF.search(client.get(f"/slots/{SLOT}").text)
    assert match
    return match.group(1)


def test_review_run_leaves_a_draft_the_desk_lists(drafted: Path, desk: tuple[str, httpx.Client]) -> None:
    row = _stored(drafted)
    assert row.state == "draft" and row.published_at is None
    post = Path(str(row.path))
    assert "\ndraft: true\n" in post.read_text(encoding="utf-8")
    assert not (drafted / "site" / "public" / "posts" / "2025-12-07t08").exists()
    _url, client = desk
    index = client.get("/")
    assert index.status_code == 200 and "default-src 'none'" in index.headers["content-security-policy"]
    assert f'href="/slots/{SLOT}"' in index.text and ">draft<" in index.text
    for section in ('id="schedule"', 'id="sources"', 'id="spend"', 'id="runs"'):
        assert section in index.text
    page = client.get(f"/slots/{SLOT}")
    assert page.status_code == 200
    items = row.items
    assert isinstance(items, tuple)
    for item in items:
        assert f'href="{item.url}"' in page.text  # each item links its x.com status
    assert page.text.count('class="why"') >= 1  # candidates not chosen, with why
    assert page.text.count("score parts: engagement") >= len(items)  # items and candidates
    assert "recency" in page.text and "novelty" in page.text
    assert "https://x.com/" in page.text and "author" in page.text


def test_post_without_token_is_refused_and_changes_nothing(
    drafted: Path, desk: tuple[str, httpx.Client]
) -> None:
    _url, client = desk
    before = _stored(drafted)
    post_file = Path(str(before.path)).read_bytes()
    forged = [("/publish", {}), ("/publish", {"csrf": "wrong"}), ("/reject", {"reason": "x"}),
              ("/items/1/drop", {"csrf": ""}),
              ("/items/1/edit", {"title": "改", "summary": good_summary(drafted), "terms": ""})]
    for path, form in forged:
        answer = client.post(f"/slots/{SLOT}{path}", data=form)
        assert answer.status_code == 403, (path, answer.text)
    assert _stored(drafted) == before
    assert Path(str(before.path)).read_bytes() == post_file
    assert client.get(f"/slots/{SLOT}/publish").status_code == 405  # GET never changes state


def test_edit_is_validated_like_llm_output(drafted: Path, desk: tuple[str, httpx.Client]) -> None:
    _url, client = desk
    token = _token(client)
    before = _stored(drafted)
    good = good_summary(drafted)
    bad = [("标题", "太短了 **术语**"), ("标题", good + " https://evil.example/x"),
           ("<b>标题</b>", good), ("标题", good.replace("**", ""))]
    for title, summary in bad:
        answer = client.post(f"/slots/{SLOT}/items/1/edit",
                             data={"csrf": token, "title": title, "summary": summary, "terms": ""})
        assert answer.status_code == 400 and "edit refused" in answer.text, answer.text
    assert _stored(drafted) == before
    term = before.items[0].key_terms[0]
    answer = client.post(f"/slots/{SLOT}/items/1/edit", data={
        "csrf": token, "title": "编辑改写的标题", "summary": good.replace("**", ""),
        "terms": term})  # a bold term given apart is marked in the summary
    assert answer.status_code == 303, answer.text
    after = _stored(drafted)
    first = after.items[0]
    assert first.title == "编辑改写的标题" and f"**{term}**" in first.summary
    assert first.writer == "editor" and after.state == "draft"
    assert "编辑改写的标题" in Path(str(after.path)).read_text(encoding="utf-8")


def test_drop_move_and_swap(drafted: Path, desk: tuple[str, httpx.Client]) -> None:
    _url, client = desk
    token = _token(client)
    before = [i.story_id for i in _stored(drafted).items]
    assert client.post(f"/slots/{SLOT}/items/1/move", data={"csrf": token, "to": "3"}).status_code == 303
    moved = [i.story_id for i in _stored(drafted).items]
    assert moved == [before[1], before[2], before[0], *before[3:]]
    assert client.post(f"/slots/{SLOT}/items/2/drop", data={"csrf": token}).status_code == 303
    dropped = [i.story_id for i in _stored(drafted).items]
    assert dropped == [moved[0], *moved[2:]]
    with open_store(drafted / "aidigest.db") as store:
        spare = [r["story_id"] for r in store.conn.execute(
            "SELECT story_id FROM stories WHERE slot = ? AND filtered IS NULL ORDER BY rank", (SLOT,))
            if r["story_id"] not in dropped]
    assert spare, "the sample window should leave an unchosen candidate"
    for story in spare:  # a candidate whose item the quality gate refuses is not swapped in
        answer = client.post(f"/slots/{SLOT}/swap", data={"csrf": token, "story": story, "position": "1"})
        if answer.status_code != 400 or "cannot be swapped in" not in answer.text:
            break
    assert answer.status_code == 303, answer.text
    swapped = _stored(drafted).items
    assert swapped[0].story_id == story and len(swapped) == len(dropped)
    again = client.post(f"/slots/{SLOT}/swap", data={"csrf": token, "story": story})
    assert again.status_code == 400 and "already in the digest" in again.text
    assert client.post(f"/slots/{SLOT}/items/99/drop", data={"csrf": token}).status_code == 400


def test_publish_command_approves_the_draft(drafted: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["publish", "--slot", SLOT])
    assert result.exit_code == 0, result.output
    row = _stored(drafted)
    assert row.state == "published" and row.published_at
    text = Path(str(row.path)).read_text(encoding="utf-8")
    assert "draft: true" not in text and text == row.markdown
    if find_hugo():
        page = drafted / "site" / "public" / "posts" / "2025-12-07t08" / "index.html"
        assert page.exists() and "过去4小时全球AI发生了什么" in page.read_text(encoding="utf-8")
    with open_store(drafted / "aidigest.db") as store:
        assert store.recent_runs(1)[0].command == "publish"
    # an edit after publication makes it a draft again; the live post stays until re-published
    cfg = load_config(drafted / "aidigest.toml")
    with open_store(cfg.store_path) as store:
        actions.drop_item(cfg, store, SLOT, 1)
        assert (d := store.get_digest(SLOT)) and d.state == "draft"
    assert Path(str(row.path)).read_text(encoding="utf-8") == text
    refused = runner.invoke(main, ["reject", "--slot", SLOT])
    assert refused.exit_code == 1 and "publish it again" in refused.output
    assert Path(str(row.path)).read_text(encoding="utf-8") == text
    result = runner.invoke(main, ["publish", "--slot", SLOT, "--no-build"])
    assert result.exit_code == 0, result.output
    assert Path(str(row.path)).read_text(encoding="utf-8") != text


def test_reject_removes_the_draft_file(drafted: Path, runner: CliRunner) -> None:
    path = Path(str(_stored(drafted).path))
    result = runner.invoke(main, ["reject", "--slot", SLOT, "--reason", "off-topic"])
    assert result.exit_code == 0, result.output
    row = _stored(drafted)
    assert row.state == "rejected" and row.reason == "off-topic" and not path.exists()
    result = runner.invoke(main, ["publish", "--slot", SLOT])
    assert result.exit_code == 1 and "rejected" in result.output


def test_regenerate_asks_the_llm_afresh(
    project: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_LLM_API_KEY", "sk-local-test")
    with chat_server() as chat:
        review_project(project, f'\n[[llm.providers]]\nname = "local"\nbase_url = "{chat.base_url}"\n'
                                'model = "local-zh"\napi_key_env = "LOCAL_LLM_API_KEY"\ntimeout = 5\n')
        result = runner.invoke(main, ["run", "--slot", SLOT])
        assert result.exit_code == 0, result.output
        cfg = load_config(project / "aidigest.toml")
        calls = len(chat.chat_requests)
        with running(cfg) as url, httpx.Client(base_url=url, timeout=60) as client:
            answer = client.post(f"/slots/{SLOT}/items/1/regenerate", data={"csrf": _token(client)})
            assert answer.status_code == 303, answer.text
            for page in ("/", f"/slots/{SLOT}"):
                assert "sk-local-test" not in client.get(page).text  # no secret on any page
        assert len(chat.chat_requests) == calls + 1  # not served from the cache
    assert _stored(project).items[0].writer.startswith("llm:")


def test_non_loopback_host_needs_a_password(drafted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    cfg = load_config(drafted / "aidigest.toml")
    assert desk_password(cfg, "127.0.0.1") is None
    with pytest.raises(ConfigError, match="password_env"):
        desk_password(cfg, "0.0.0.0")
    cfg = cfg.model_copy(update={"serve": cfg.serve.model_copy(update={"password_env": "DESK_PW"})})
    monkeypatch.setenv("DESK_PW", "s3cret-pass")
    assert desk_password(cfg, "0.0.0.0") == "s3cret-pass"
    with running(cfg, password="s3cret-pass") as url, httpx.Client(base_url=url) as client:
        assert client.get("/").status_code == 401
        assert client.get("/", auth=("editor", "wrong")).status_code == 401
        page = client.get("/", auth=("editor", "s3cret-pass"))
        assert page.status_code == 200 and "s3cret-pass" not in page.text


def test_serve_refuses_an_open_host_without_password(drafted: Path, runner: CliRunner) -> None:
    result = runner.invoke(main, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 1 and "password_env" in result.output


def test_held_slot_is_fixed_and_approved_at_the_desk(
    project: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose LLM answers only errors holds the slot (exit 3); the desk shows why, the
    editor fixes an item and approves, and the page is published and built."""
    from llm_server import Reply

    monkeypatch.setenv("LOCAL_LLM_API_KEY", "sk-local-test")
    with chat_server() as chat:
        chat.push(*[Reply(status=503) for _ in range(300)])
        cfg_file = project / "aidigest.toml"
        cfg_file.write_text(cfg_file.read_text(encoding="utf-8").replace(
            "embeddings = true", "embeddings = false") + (
            f'\n[[llm.providers]]\nname = "local"\nbase_url = "{chat.base_url}"\nmodel = "local-zh"\n'
            'api_key_env = "LOCAL_LLM_API_KEY"\ntimeout = 5\nmax_retries = 0\n'), encoding="utf-8")
        result = runner.invoke(main, ["run", "--slot", SLOT])
    assert result.exit_code == 3, result.output
    held = _stored(project)
    assert held.state == "held" and held.reason
    cfg = load_config(cfg_file)
    with running(cfg) as url, httpx.Client(base_url=url, timeout=120) as client:
        page = client.get(f"/slots/{SLOT}")
        assert ">held<" in page.text and str(held.reason)[:40] in page.text
        assert "why not the LLM: " in page.text and "503" in page.text  # each item's failure
        token = _token(client)
        answer = client.post(f"/slots/{SLOT}/items/1/edit", data={
            "csrf": token, "title": "人工修好的标题", "summary": good_summary(project), "terms": ""})
        assert answer.status_code == 303, answer.text
        assert _stored(project).state == "held"  # fixing does not publish by itself
        answer = client.post(f"/slots/{SLOT}/publish", data={"csrf": token})
        assert answer.status_code == 303
        assert "published" in client.get(answer.headers["location"]).text
    row = _stored(project)
    assert row.state == "published"
    text = Path(str(row.path)).read_text(encoding="utf-8")
    assert "draft: true" not in text and "1.  [人工修好的标题-" in text
    if find_hugo():
        page_file = project / "site" / "public" / "posts" / "2025-12-07t08" / "index.html"
        assert "人工修好的标题" in page_file.read_text(encoding="utf-8")


def test_approve_waits_for_no_run(drafted: Path, desk: tuple[str, httpx.Client]) -> None:
    """While a run holds the lock, approving is refused with a clear message and changes nothing."""
    from aidigest.scheduler import run_lock

    _url, client = desk
    token = _token(client)
    with run_lock(load_config(drafted / "aidigest.toml")):
        answer = client.post(f"/slots/{SLOT}/publish", data={"csrf": token})
    assert answer.status_code == 400 and "already running" in answer.text
    assert _stored(drafted).state == "draft"
    assert client.post(f"/slots/{SLOT}/publish", data={"csrf": token}).status_code == 303
    assert _stored(drafted).state == "published"


def test_item_commands_in_the_terminal(drafted: Path, runner: CliRunner) -> None:
    before = [i.story_id for i in _stored(drafted).items]
    result = runner.invoke(main, ["item", "move", "--slot", SLOT, "2", "1"])
    assert result.exit_code == 0, result.output
    assert [i.story_id for i in _stored(drafted).items][:2] == [before[1], before[0]]
    result = runner.invoke(main, ["item", "edit", "--slot", SLOT, "1", "--title", "终端改写",
                                  "--summary", good_summary(drafted)])
    assert result.exit_code == 0, result.output
    assert _stored(drafted).items[0].title == "终端改写"
    result = runner.invoke(main, ["item", "edit", "--slot", SLOT, "1", "--title", "x",
                                  "--summary", "<script>alert(1)</script>"])
    assert result.exit_code == 1 and "edit refused" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["item", "drop", "--slot", SLOT, "1"])
    assert result.exit_code == 0 and len(_stored(drafted).items) == len(before) - 1
    result = runner.invoke(main, ["item", "regenerate", "--slot", SLOT, "1"])
    assert result.exit_code == 1 and "no LLM provider" in result.output


def test_review_mode_notifies_a_draft_linking_the_desk(
    project: Path, runner: CliRunner, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    review_project(project, f'\n[serve]\nurl = "http://desk.local:8400/"\n\n[notify.webhook]\n'
                            f'url = "{httpserver.url_for("/hook")}"\n')
    result = runner.invoke(main, ["run", "--slot", SLOT])
    assert result.exit_code == 0, result.output
    (request, _response), = httpserver.log
    body = request.get_json()
    assert body["event"] == "draft" and body["slot"] == SLOT
    assert f"http://desk.local:8400/slots/{SLOT}" in body["reason"]
    assert _stored(project).state == "draft"


def test_foreign_host_names_are_refused(desk: tuple[str, httpx.Client]) -> None:
    """A page that rebinds its own domain to 127.0.0.1 cannot read the desk (nor its token)."""
    _url, client = desk
    answer = client.get(f"/slots/{SLOT}", headers={"Host": "attacker.example"})
    assert answer.status_code == 400 and "csrf" not in answer.text
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200


def _git(*args: str, cwd: Path) -> str:
    import subprocess

    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def test_republish_makes_a_new_commit(drafted: Path, runner: CliRunner) -> None:
    site = drafted / "site"
    _git("init", "-q", "-b", "main", cwd=site)
    _git("config", "user.email", "t@example.com", cwd=site)
    _git("config", "user.name", "t", cwd=site)
    _git("add", ".", cwd=site)
    _git("commit", "-q", "-m", "starter", cwd=site)
    cfg_file = drafted / "aidigest.toml"
    cfg_file.write_text(cfg_file.read_text(encoding="utf-8").replace("git = false", "git = true")
                        .replace("build = true", "build = false"), encoding="utf-8")
    assert runner.invoke(main, ["publish", "--slot", SLOT]).exit_code == 0
    assert runner.invoke(main, ["item", "drop", "--slot", SLOT, "1"]).exit_code == 0
    assert _git("log", "--format=%s", cwd=site).count(f"digest {SLOT}") == 1  # an edit commits nothing
    result = runner.invoke(main, ["publish", "--slot", SLOT])
    assert result.exit_code == 0, result.output
    log = _git("log", "--format=%s", cwd=site).splitlines()
    assert len([m for m in log if m.startswith(f"digest {SLOT}")]) == 2
    assert _git("status", "--porcelain", cwd=site) == ""


def test_template_serve_and_mode_options_are_valid(tmp_path: Path) -> None:
    import tomllib
    from importlib import resources

    from aidigest.config import config_from_dict

    text = resources.files("aidigest").joinpath("data", "aidigest.toml.template").read_text("utf-8")
    start = text.index("# [serve]")
    block = text[start : text.index("\n\n", start)]
    serve = "\n".join(line[2:] for line in block.splitlines())
    mode = re.search(r"^# (mode = .*)$", text, re.M)
    assert mode
    data = tomllib.loads(serve + "\n[publish]\n" + mode.group(1))
    cfg = config_from_dict(data, tmp_path)
    assert cfg.serve.password_env == "AIDIGEST_DESK_PASSWORD" and cfg.serve.port == 8400
    assert cfg.publish.mode == "auto"

"""Continuity with the LLM writer, end to end: two consecutive `aidigest run`s against the
scripted OpenAI-compatible chat server (tests/llm_server.py, a real local socket). The second
run's update is written by the model from a prompt that names the earlier digest, and
published as `更新：…` naming its slot label; an answer whose "new facts" are not in the new
posts is refused by the gate (after one repair) and the slot falls back as `[llm] on_failure`
says; the desk's regenerate keeps the update mark. Posts written for these tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.config import load_config
from aidigest.desk import actions
from aidigest.publish import init_site
from aidigest.store import open_store
from llm_server import ChatServer, Reply, auto_answer, chat_server
from test_continuity import DAY1, DAY2, FRESH, RESULTS, _posts

GOOD = {"title": "Gemini 3.1 Flash-Lite公布评测成绩",
        "summary": "**Gemini 3.1 Flash-Lite** 的评测成绩公布：在 **GPQA Diamond** 上得分 86.9%，"
                   "在速度榜上排名第一，比上一代快 2.5x，输入价格为每百万词元 $0.25。"
                   f"{DAY1.label} 期报道了它以预览版上线，如今第三方评测给出了它在质量与速度上的"
                   "实际位置，对需要大批量调用模型的开发者来说，这是选型时可以直接参考的数据，"
                   "也让同类轻量模型的价格竞争更加激烈。",
        "key_terms": ["Gemini 3.1 Flash-Lite", "GPQA Diamond"]}
# "new facts" the posts do not carry: a score and a benchmark nobody reported
INVENTED = {"title": "Gemini 3.1 Flash-Lite登顶新榜单",
            "summary": "**Gemini 3.1 Flash-Lite** 的评测成绩公布：在 **MMLU-Pro** 上得分 91.4%，"
                       "在多语种翻译榜上排名第一，输入价格降到每百万词元 $0.1。"
                       f"{DAY1.label} 期报道了它以预览版上线，如今第三方评测给出了它在质量与速度"
                       "上的实际位置，对需要大批量调用模型的开发者来说，这是选型时可以直接参考的"
                       "数据，也让同类轻量模型的价格竞争更加激烈。",
            "key_terms": ["Gemini 3.1 Flash-Lite", "MMLU-Pro"]}


def _is_update(body: dict[str, Any]) -> bool:
    first_user = next(str(m["content"]) for m in body["messages"] if m["role"] == "user")
    return "<<<EARLIER" in first_user


def _model(update: dict[str, str]) -> Callable[[dict[str, Any]], Reply]:
    """Answers an update prompt with ``update``, every other prompt as auto_answer does."""
    def answer(body: dict[str, Any]) -> Reply:
        return Reply(json.dumps(update, ensure_ascii=False) if _is_update(body)
                     else auto_answer(body))
    return answer


def _project(root: Path, chat: ChatServer, on_failure: str = "hold") -> Path:
    _posts(root, [RESULTS, FRESH])
    init_site(root / "site")
    path = root / "aidigest.toml"
    path.write_text(
        '[digest]\nitems = { min = 1, max = 8 }\n[publish]\nbuild = false\n'
        f'[llm]\non_failure = "{on_failure}"\n'
        f'[[llm.providers]]\nname = "local"\nbase_url = "{chat.base_url}"\nmodel = "local-zh"\n'
        'api_key_env = "LOCAL_LLM_API_KEY"\ntimeout = 10\n'
        '[[sources]]\nname = "posts"\nkind = "jsonl"\npath = "posts.jsonl"\n', encoding="utf-8")
    return path


def _run(config: Path, slot: str) -> str:
    out = CliRunner().invoke(main, ["run", "--slot", slot, "--config", str(config)])
    assert out.exit_code == 0, out.output
    return out.output


def _markdown(config: Path, slot: str) -> str:
    with open_store(load_config(config).store_path) as store:
        row = store.get_digest(slot)
    assert row is not None and row.state == "published", row
    return row.markdown or ""


def _update_prompts(chat: ChatServer) -> list[str]:
    return [r.body.decode("utf-8") for r in chat.chat_requests if _is_update(r.json)]


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_LLM_API_KEY", "sk-local-test")


def test_the_llm_writes_an_update_marked_and_naming_the_earlier_slot(tmp_path: Path) -> None:
    with chat_server() as chat:
        chat.fallback = _model(GOOD)
        config = _project(tmp_path, chat)
        _run(config, DAY1.key)
        assert not _update_prompts(chat)  # nothing to update on the first day
        _run(config, DAY2.key)
        (prompt,) = _update_prompts(chat)  # one update, written in one call (no repair)
    assert DAY1.label in prompt and "EARLIER>>>" in prompt
    markdown = _markdown(config, DAY2.key)
    line = next(x for x in markdown.splitlines() if "Flash-Lite" in x and x[:1].isdigit())
    assert "[更新：Gemini 3.1 Flash-Lite公布评测成绩" in line and "(https://x.com/arena/status/b3)" in line
    assert f"{DAY1.label} 期报道" in markdown and "86.9%" in markdown
    with open_store(load_config(config).store_path) as store:
        item = next(i for i in store.get_digest(DAY2.key).items  # type: ignore[union-attr]
                    if i.post_id == "b3")
        (link,) = [lk for lk in store.story_links(DAY2.key) if lk.kind == "update"]
    assert item.writer == "llm:local-zh" and item.title.startswith("更新：")
    assert link.story_id == item.story_id and link.earlier_slot == DAY1.key


def test_an_update_whose_new_facts_are_not_in_the_posts_is_refused_and_falls_back(
        tmp_path: Path) -> None:
    with chat_server() as chat:
        chat.fallback = _model(INVENTED)
        config = _project(tmp_path, chat, on_failure="offline")
        _run(config, DAY1.key)
        output = _run(config, DAY2.key)
        prompts = _update_prompts(chat)
    assert len(prompts) == 2  # the answer, then one repair naming the broken rules
    repair = json.loads(prompts[1])["messages"][-1]["content"]
    assert "update-news" in repair and "faithful" in repair
    markdown = _markdown(config, DAY2.key)
    assert "MMLU-Pro" not in markdown and "91.4%" not in markdown
    line = next(x for x in markdown.splitlines() if "Flash-Lite" in x and x[:1].isdigit())
    assert "[更新：" in line  # the offline writer wrote it, still as an update
    summary = markdown.split(line, 1)[1].strip().splitlines()[0]
    assert summary.startswith(f"{DAY1.label} 期报道后的新进展：") and "86.9%" in summary
    with open_store(load_config(config).store_path) as store:
        run = store.latest_run(DAY2.key)
        row = store.get_digest(DAY2.key)
    assert row is not None and run is not None
    assert run.report.outcome == "published-with-warnings"  # on_failure = "offline"
    assert [i.writer for i in row.items if i.post_id == "b3"] == ["offline"]
    assert "offline" in output


def test_regenerate_keeps_the_update_mark(tmp_path: Path) -> None:
    with chat_server() as chat:
        chat.fallback = _model(GOOD)
        config = _project(tmp_path, chat)
        _run(config, DAY1.key)
        _run(config, DAY2.key)
        cfg = load_config(config)
        with open_store(cfg.store_path) as store:
            row = store.get_digest(DAY2.key)
            assert row is not None
            position = next(i.position for i in row.items if i.post_id == "b3")
        before = len(_update_prompts(chat))
        out = CliRunner().invoke(main, ["item", "regenerate", "--slot", DAY2.key, str(position),
                                        "--config", str(config)])
        assert out.exit_code == 0, out.output
        prompts = _update_prompts(chat)
    assert len(prompts) == before + 1  # asked afresh, with the earlier digest in the prompt
    assert DAY1.label in prompts[-1]
    with open_store(cfg.store_path) as store:
        row = store.get_digest(DAY2.key)
        assert row is not None
        item = next(i for i in row.items if i.post_id == "b3")
        story = actions.slot_story(store, DAY2.key, item.story_id)
    assert item.title.startswith("更新：") and DAY1.label in item.summary
    assert story.continues is not None and story.continues.kind == "update"
    assert story.continues.summary  # the earlier item's summary, which it must not repeat
    # an editor's edit of the update is gated as an update: without the mark it is refused
    out = CliRunner().invoke(main, ["item", "edit", "--slot", DAY2.key, str(position),
                                    "--config", str(config), "--title", GOOD["title"],
                                    "--summary", GOOD["summary"]])
    assert out.exit_code == 1 and "update-mark" in out.output, out.output

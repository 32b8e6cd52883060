"""Every edit goes through the writer's quality gate (issue 17, defect 11), and the desk's
swap-in says which writer wrote the item and why (defect 10).

A refused edit names the rule it broke and leaves the post file and the store as they were,
at the desk, in the terminal and through :func:`aidigest.desk.actions.edit_item`, the one
gated edit other callers use."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.config import load_config
from aidigest.desk import actions
from aidigest.desk.server import running
from aidigest.store import DigestRecord, open_store
from llm_server import Reply, chat_server
from test_desk import CSRF, FILLER, SLOT, drafted, good_summary  # noqa: F401  (fixture)


def _state(project: Path) -> tuple[DigestRecord, bytes]:
    with open_store(project / "aidigest.db") as store:
        row = store.get_digest(SLOT)
    assert row is not None
    return row, Path(str(row.path)).read_bytes()


def test_a_bold_term_glued_inside_a_word_is_refused_everywhere(drafted: Path,  # noqa: F811
                                                               runner: CliRunner) -> None:
    glued = FILLER.format(term="**Open**AI")
    before = _state(drafted)
    n = _naming(drafted, "OpenAI")  # an item whose posts name OpenAI: only the bold is wrong
    result = runner.invoke(main, ["item", "edit", "--slot", SLOT, str(n), "--title", "编辑改写的标题",
                                  "--summary", glued])
    assert result.exit_code == 1, result.output
    assert "edit refused by the quality gate (bold-token): " in result.output
    assert "“Open” is glued inside a longer word" in result.output
    assert _state(drafted) == before
    cfg = load_config(drafted / "aidigest.toml")
    with running(cfg) as url, httpx.Client(base_url=url, timeout=60) as client:
        match = CSRF.search(client.get(f"/slots/{SLOT}").text)
        assert match
        answer = client.post(f"/slots/{SLOT}/items/{n}/edit", data={
            "csrf": match.group(1), "title": "编辑改写的标题", "summary": glued, "terms": ""})
        assert answer.status_code == 400 and "bold-token" in answer.text
    assert _state(drafted) == before
    with open_store(drafted / "aidigest.db") as store, pytest.raises(actions.DeskError) as refused:
        actions.edit_item(cfg, store, SLOT, n, "编辑改写的标题", glued, [])
    assert str(refused.value).startswith("edit refused by the quality gate (bold-token): ")
    assert "nothing was changed" in str(refused.value)
    assert _state(drafted) == before


def _naming(project: Path, name: str) -> int:
    """The position of the first item whose story's posts name ``name``."""
    with open_store(project / "aidigest.db") as store:
        items = store.get_digest(SLOT).items  # type: ignore[union-attr]
        for n, item in enumerate(items, 1):
            if any(name in p.text for p in store.get_posts(item.post_ids)):
                return n
    raise AssertionError(f"no item of the sample names {name}")


def test_an_edit_must_be_faithful_to_the_items_story(drafted: Path, runner: CliRunner) -> None:  # noqa: F811
    invented = FILLER.format(term="**Gemini 9 Ultra**")
    before = _state(drafted)
    result = runner.invoke(main, ["item", "edit", "--slot", SLOT, "1", "--title", "编辑改写的标题",
                                  "--summary", invented])
    assert result.exit_code == 1 and "(faithful)" in result.output
    assert "“Gemini 9 Ultra” does not occur in the posts" in result.output
    assert _state(drafted) == before
    result = runner.invoke(main, ["item", "edit", "--slot", SLOT, "1", "--title", "编辑改写的标题",
                                  "--summary", good_summary(drafted)])
    assert result.exit_code == 0, result.output
    assert _state(drafted)[0].items[0].writer == "editor"


def _spares(project: Path) -> list[str]:
    """The slot's candidate stories not in the digest, best first."""
    with open_store(project / "aidigest.db") as store:
        chosen = {i.story_id for i in store.get_digest(SLOT).items}  # type: ignore[union-attr]
        return [s.story_id for s in store.slot_stories(SLOT)
                if not s.filtered and s.story_id not in chosen]


def test_swap_in_says_which_writer_wrote_the_item_and_why(
    drafted: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    for spare in _spares(drafted):  # a candidate whose item the gate refuses is not swapped in
        before = _state(drafted)
        result = runner.invoke(main, ["item", "swap", "--slot", SLOT, spare, "--position", "2"])
        if result.exit_code == 0:
            break
        assert f"story {spare} cannot be swapped in: the offline writer's item was rejected by " \
               "the quality gate: " in result.output and "nothing was changed" in result.output
        assert _state(drafted) == before
    assert result.exit_code == 0, result.output
    assert (f"story {spare} swapped in at item 2, written by the offline writer (no LLM provider "
            "configured") in result.output
    monkeypatch.setenv("LOCAL_LLM_API_KEY", "sk-local-test")
    with chat_server() as chat:
        chat.fallback = Reply(status=401, message="Incorrect API key provided")
        cfg_file = drafted / "aidigest.toml"
        cfg_file.write_text(cfg_file.read_text(encoding="utf-8") + (
            f'\n[[llm.providers]]\nname = "local"\nbase_url = "{chat.base_url}"\nmodel = "local-zh"\n'
            'api_key_env = "LOCAL_LLM_API_KEY"\ntimeout = 5\nmax_retries = 0\n'), encoding="utf-8")
        with running(load_config(cfg_file)) as url, httpx.Client(base_url=url, timeout=60) as client:
            match = CSRF.search(client.get(f"/slots/{SLOT}").text)
            assert match
            for other in _spares(drafted):  # the LLM fails: the offline writer's item is used
                answer = client.post(f"/slots/{SLOT}/swap", data={"csrf": match.group(1), "story": other})
                if answer.status_code == 303:
                    break
                assert "the LLM gave no usable answer (local: http-401" in answer.text
                assert "nothing was changed" in answer.text
            assert answer.status_code == 303, answer.text
            shown = client.get(answer.headers["location"]).text
    assert "written by the offline writer: the LLM gave no usable answer" in shown
    assert "401" in shown and "candidate swapped in" not in shown
    items = _state(drafted)[0].items
    assert items[-1].story_id == other and items[-1].writer == "offline"

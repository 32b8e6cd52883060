"""The shared foundation of round two: digest state in the store (migration 0002), the draft
flag of the renderer, the publish/hold steps of the pipeline against a real site directory and
a real webhook receiver, and the notification event."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from aidigest.config import Config, config_from_dict
from aidigest.errors import StoreError
from aidigest.models import Digest, DigestItem, RunReport
from aidigest.pipeline import hold_digest, publish_digest
from aidigest.publish import init_site
from aidigest.render import render_digest
from aidigest.scheduler import finished_slots
from aidigest.slots import parse_slot
from aidigest.store import open_store
from aidigest.store.migrate import migrate

SLOT = parse_slot("2025-12-07T08")
EARLIER = parse_slot("2025-12-07T04")


def _item(n: int, provider: str | None = "deepseek") -> DigestItem:
    return DigestItem(f"标题{n}", f"摘要 **Term{n}** 内容", f"https://x.com/a/status/{n}", "作者",
                      f"s{n}", str(n), (f"Term{n}",), "llm:m" if provider else "offline", provider)


def _digest(slot: object = SLOT, count: int = 2) -> Digest:
    made = datetime.fromisoformat("2025-12-07T08:00:08+08:00")
    return Digest(slot, made, ("大模型", "AI进展", "AI应用"),
                  tuple(_item(n, "deepseek" if n % 2 else None) for n in range(1, count + 1)))


def _ids(digest: Digest) -> list[list[str]]:
    return [[i.post_id] for i in digest.items]


def _cfg(tmp_path: Path, hook: str | None = None) -> Config:
    init_site(tmp_path / "site")
    data: dict[str, object] = {"publish": {"build": False}}
    if hook:
        data["notify"] = {"webhook": {"url": hook}}
    return config_from_dict(data, tmp_path)


def test_migration_0002_keeps_old_digests_published(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=1)
    conn.execute("INSERT INTO digests VALUES ('2025-12-07T04','t','m','[]','/p.md','x')")
    conn.execute("INSERT INTO digest_items VALUES ('2025-12-07T04',1,'s','1','[]','u','t','s',"
                 "'[]','offline')")
    conn.close()
    with open_store(path) as store:
        old = store.get_digest("2025-12-07T04")
        assert old is not None and old.state == "published" and old.reason is None
        assert old.items[0].provider is None
        assert len(store.published_items_since("2025-12-07T00", "2025-12-07T08")) == 1


def test_save_get_list_digests_with_state(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        store.save_digest(_digest(EARLIER), _ids(_digest(EARLIER)), "/a.md")
        held = _digest(SLOT, 3)
        store.save_digest(held, _ids(held), "/b.md", state="held", reason="provider 401",
                          markdown="---\ndraft: true\n---\n")
        got = store.get_digest(SLOT.key)
        listed = store.list_digests()
        novelty = store.published_items_since("2025-12-07T00", "2025-12-07T12")
        with pytest.raises(StoreError, match="unknown digest state"):
            store.save_digest(held, _ids(held), None, state="bogus")
    assert got is not None and got.state == "held" and got.reason == "provider 401"
    assert got.markdown.startswith("---\ndraft: true") and got.published_at is None
    assert [i.provider for i in got.items] == ["deepseek", None, "deepseek"]
    assert [(d.slot, d.state, d.items) for d in listed] == [
        (SLOT.key, "held", 3), (EARLIER.key, "published", 2)]
    assert listed[1].published_at and listed[0].reason == "provider 401"
    assert {i.slot for i in novelty} == {EARLIER.key}  # held items do not count


def test_render_draft_flag_is_one_front_matter_line() -> None:
    digest = _digest()
    plain, draft = render_digest(digest), render_digest(digest, draft=True)
    assert "draft" not in plain
    lines, plain_lines = draft.splitlines(), plain.splitlines()
    assert lines[4] == "draft: true" and lines[3].startswith("categories: [")
    assert lines[:4] + lines[5:] == plain_lines  # otherwise unchanged
    reference = resources.files("aidigest").joinpath("render", "templates", "digest.md.j2")
    assert "draft" not in reference.read_text("utf-8")


def test_publish_digest_writes_records_and_notifies(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    cfg = _cfg(tmp_path, httpserver.url_for("/hook"))
    digest = _digest()
    report = RunReport(SLOT.key, "")
    report.warnings.append("2 of 2 items were written offline")
    said: list[str] = []
    with open_store(cfg.store_path) as store:
        result = publish_digest(cfg, store, digest, _ids(digest), report, said.append)
        saved = store.get_digest(SLOT.key)
        done = finished_slots(store, [SLOT.key])
    assert result.path and result.path.read_text("utf-8") == result.markdown
    assert "draft" not in (result.markdown or "") and report.outcome == "published-with-warnings"
    assert saved and saved.state == "published" and saved.markdown == result.markdown
    assert done == {SLOT.key}
    (request, _resp), = httpserver.log
    hook = json.loads(request.get_data())
    assert hook["event"] == "published" and hook["warning"].startswith("2 of 2 items")


def test_hold_digest_writes_a_draft_and_notifies_held(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    cfg = _cfg(tmp_path, httpserver.url_for("/hook"))
    digest = _digest()
    report = RunReport(SLOT.key, "")
    with open_store(cfg.store_path) as store:
        result = hold_digest(cfg, store, digest, _ids(digest), "only 0 of 8 items by the LLM",
                             report, lambda _m: None)
        saved = store.get_digest(SLOT.key)
        done = finished_slots(store, [SLOT.key])
    assert report.outcome == "held" and result.path is not None
    assert "\ndraft: true\n" in result.path.read_text("utf-8")
    assert not (cfg.site_path / "public").exists()
    assert saved and saved.state == "held" and saved.reason.startswith("only 0 of 8")
    assert saved.published_at is None and done == set()  # a held slot is retried
    (request, _resp), = httpserver.log
    hook = json.loads(request.get_data())
    assert hook == {**hook, "event": "held", "slot": SLOT.key,
                    "reason": "only 0 of 8 items by the LLM", "url": None}

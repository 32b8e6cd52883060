"""The desk shows a slot that ``prepare`` worked on but no run wrote yet as "prepared" (when,
how often, how many stories, the items written ahead, what happens next) instead of the
"no digest" page; over real HTTP (uvicorn on a local socket), with the local chat server."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from aidigest.desk.server import running
from aidigest.live.prepare import prepare_slot
from aidigest.store import open_store
from llm_server import ChatServer
from test_live_prepare import NOW, SLOT, _close, _config, _sample, _write


def test_the_desk_shows_a_prepared_slot_then_its_digest(tmp_path: Path, server: ChatServer) -> None:
    cfg = _config(tmp_path, server)
    _write(tmp_path, _sample())
    with open_store(cfg.store_path) as store:
        result = prepare_slot(cfg, store, SLOT, now=NOW)
        prep = store.get_prepare(SLOT.key)
        ahead = set(store.prepared_items(SLOT.key).values())
        top = sorted((s for s in store.slot_stories(SLOT.key) if not s.filtered),
                     key=lambda s: s.rank)[0]
    assert result.outcome == "prepared" and prep is not None and len(ahead) >= 8
    with running(cfg) as url, httpx.Client(base_url=url, timeout=30) as client:
        page = client.get(f"/slots/{SLOT.key}")
        assert page.status_code == 200, page.text
        text = page.text
        assert 'id="state">prepared<' in text and "no digest" not in text
        assert f'<span id="prepared-stories">{result.stories}</span> stories' in text
        assert f'<span id="prepared-ahead">{len(ahead)}</span> item(s) written ahead' in text
        assert "prepared 1 time(s)" in text and "the window has closed" in text
        marked = set(re.findall(r'<tr id="story-([^"]+)">(?:(?!</tr>).)*written ahead', text, re.S))
        assert marked == ahead  # exactly the stories written ahead are marked
        assert f'id="story-{top.story_id}"' in text
        assert f"/slots/{SLOT.key}" in client.get("/").text  # listed on the front page
        missing = client.get("/slots/2025-12-07T04")  # never prepared: the "no digest" page
        assert missing.status_code == 404 and "has no digest" in missing.text

        _close(cfg)  # the close writes it: the desk shows the digest, no longer "prepared"
        page = client.get(f"/slots/{SLOT.key}")
        assert page.status_code == 200 and 'id="state">published<' in page.text
        assert "prepared-ahead" not in page.text

"""The desk and ``aidigest status`` on either store backend: a review-mode run of the sample
window in a SQLite store and in a real PostgreSQL server; the desk lists the draft, shows the
slot, approves it; status reads the same store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.config import load_config
from aidigest.desk.server import running
from aidigest.store import open_store

SLOT = "2025-12-07T08"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def test_desk_and_status_on_either_backend(
    project: Path, runner: CliRunner, store_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIDIGEST_TEST_STORE", store_target)
    cfg_file = project / "aidigest.toml"
    text = cfg_file.read_text(encoding="utf-8").replace('[publish]\n', '[publish]\nmode = "review"\n', 1)
    text = text.replace("embeddings = true", "embeddings = false").replace("build = true", "build = false")
    if store_target.startswith("postgresql://"):
        text = text.replace("[digest]\n", '[digest]\nstore_env = "AIDIGEST_TEST_STORE"\n', 1)
    cfg_file.write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["run", "--slot", SLOT])
    assert result.exit_code == 0, result.output
    cfg = load_config(cfg_file)
    assert cfg.store_is_postgres == store_target.startswith("postgresql://")

    with running(cfg) as url, httpx.Client(base_url=url, timeout=60) as client:
        index = client.get("/")
        assert index.status_code == 200 and f'href="/slots/{SLOT}"' in index.text and ">draft<" in index.text
        page = client.get(f"/slots/{SLOT}")
        assert page.status_code == 200 and "score parts: engagement" in page.text
        token = CSRF.search(page.text)
        assert token
        answer = client.post(f"/slots/{SLOT}/publish", data={"csrf": token.group(1)})
        assert answer.status_code == 303, answer.text

    with open_store(cfg.store_target) as store:
        digest = store.get_digest(SLOT)
        assert digest and digest.state == "published"
        assert store.backend == ("postgresql" if cfg.store_is_postgres else "sqlite")
    status = runner.invoke(main, ["status", "--json"])
    assert status.exit_code == 0, status.output
    data = json.loads(status.stdout)
    assert data["store"] == ("postgresql" if cfg.store_is_postgres else "sqlite")
    assert [r["command"] for r in data["runs"][:2]] == ["publish", "run"]
    assert data["posts"] > 90 and data["digests"][0]["state"] == "published"

"""``aidigest store copy``: a SQLite store written by a real run, copied into a real
PostgreSQL server table by table; counts and checksums agree, a rerun is harmless, the copy
serves ``status`` and new runs; an unreachable server is one line and exit 1, the password
never shown; the configuration refuses a URL with a password in the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.config import config_from_dict, load_config
from aidigest.errors import ConfigError, MissingSecretError
from aidigest.store import open_store
from aidigest.timeutil import now_utc

SLOT = "2025-12-07T08"


def _published(project: Path, runner: CliRunner) -> None:
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("build = true", "build = false"),
                   encoding="utf-8")
    result = runner.invoke(main, ["run", "--slot", SLOT])
    assert result.exit_code == 0, result.output
    with open_store(project / "aidigest.db") as store:
        store.put_embeddings("e5", [("1", "h", bytes(range(200)))])
        store.put_verdicts({("1", "2"): True}, "m")


def test_copy_into_postgresql_matches_and_a_rerun_is_harmless(
    project: Path, runner: CliRunner, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _published(project, runner)
    monkeypatch.setenv("AIDIGEST_TARGET", pg_url)
    first = runner.invoke(main, ["store", "copy", "--to-env", "AIDIGEST_TARGET"])
    assert first.exit_code == 0, first.output
    assert "every count and checksum is equal" in first.output and "DIFFER" not in first.output
    with open_store(project / "aidigest.db") as old, open_store(pg_url) as new:
        assert new.count_posts() == old.count_posts() > 90
        assert new.get_digest(SLOT) == old.get_digest(SLOT)
        assert new.recent_runs(5) == old.recent_runs(5)
        assert new.slot_stories(SLOT) == old.slot_stories(SLOT)
        assert new.source_health() == old.source_health()
        assert new.get_embeddings(["1"], "e5") == {"1": ("h", bytes(range(200)))}
        newest = old.recent_runs(1)[0].id
        assert new.start_run(SLOT, "digest", now_utc()) == newest + 1  # ids go on after the copy

    again = runner.invoke(main, ["store", "copy", "--to", pg_url])
    assert again.exit_code != 0 and "runs" in again.output  # the new run above is not in the source
    with open_store(pg_url) as new:
        latest = new.latest_run()  # nothing lost: the copy only adds and overwrites
        assert latest and latest.id == newest + 1

    monkeypatch.setenv("AIDIGEST_STORE_URL", pg_url)
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        "[digest]\n", '[digest]\nstore_env = "AIDIGEST_STORE_URL"\n', 1), encoding="utf-8")
    assert load_config(cfg).store_is_postgres
    status = runner.invoke(main, ["status", "--json"])
    assert status.exit_code == 0, status.output
    assert '"store": "postgresql"' in status.output and '"posts": ' in status.output


def test_rerun_of_an_unchanged_copy_is_harmless(
    project: Path, runner: CliRunner, pg_url: str
) -> None:
    _published(project, runner)
    for _ in range(2):
        result = runner.invoke(main, ["store", "copy", "--to", pg_url])
        assert result.exit_code == 0, result.output
    with open_store(project / "aidigest.db") as old, open_store(pg_url) as new:
        assert new.count_posts() == old.count_posts()


def test_unreachable_database_is_one_line_and_exit_1_without_the_password(
    project: Path, runner: CliRunner
) -> None:
    _published(project, runner)
    with open_store(project / "aidigest.db") as store:
        before = store.count_posts()
    url = "postgresql://digest:s3cret-pw-42@127.0.0.1:1/digest"
    result = runner.invoke(main, ["store", "copy", "--to", url])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach the PostgreSQL store" in lines[0], result.output
    assert "postgresql://digest@127.0.0.1:1/digest" in lines[0]
    assert "s3cret-pw-42" not in result.output
    with open_store(project / "aidigest.db") as store:
        assert store.count_posts() == before  # the source is untouched


def test_configured_store_url_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="store_env"):
        config_from_dict({"digest": {"store": "postgresql://u:pw@db/aidigest"}}, tmp_path)
    plain = config_from_dict({"digest": {"store": "postgresql://u@db:5432/aidigest"}}, tmp_path)
    assert plain.store_is_postgres and plain.store_target == "postgresql://u@db:5432/aidigest"
    named = config_from_dict({"digest": {"store_env": "AIDIGEST_T_URL"}}, tmp_path)
    monkeypatch.delenv("AIDIGEST_T_URL", raising=False)
    with pytest.raises(MissingSecretError, match="AIDIGEST_T_URL"):
        _ = named.store_target
    monkeypatch.setenv("AIDIGEST_T_URL", "/not/a/url.db")
    with pytest.raises(ConfigError, match="postgresql://"):
        _ = named.store_target
    assert config_from_dict({}, tmp_path).store_target == tmp_path / "aidigest.db"


def test_a_digest_run_against_an_unreachable_store_is_one_line_exit_1(
    project: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIDIGEST_STORE_URL", "postgresql://digest:pw-9f8e@127.0.0.1:1/digest")
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        "[digest]\n", '[digest]\nstore_env = "AIDIGEST_STORE_URL"\n', 1), encoding="utf-8")
    for args in (["digest", "--slot", SLOT], ["status"], ["schedule", "--once"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert "cannot reach the PostgreSQL store" in result.output and "pw-9f8e" not in result.output
    assert not list((project / "site" / "content" / "posts").glob("*.md"))


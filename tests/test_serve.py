"""`aidigest serve` checks before it announces (issue 17, item 7): a host without its password,
a port in use or out of range, an address that is not this machine's are each one clear
`error:` line and exit status 1, with no `desk:` banner and no raw `[Errno …]`; when it can
listen, it prints one banner with the real address and serves there (a real subprocess)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from aidigest.cli import main


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        yield other.getsockname()[1]


def _refused(result: object, needle: str) -> None:
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 1, output  # type: ignore[attr-defined]
    assert output.splitlines() == [line for line in output.splitlines() if line.startswith("error:")]
    assert len(output.splitlines()) == 1 and needle in output, output
    assert "desk:" not in output and "Errno" not in output and "Traceback" not in output


def test_a_port_in_use_is_one_clear_line(project: Path, runner: CliRunner, taken_port: int) -> None:
    result = runner.invoke(main, ["serve", "--port", str(taken_port)])
    _refused(result, f"port {taken_port} is already in use on 127.0.0.1")


def test_a_host_without_password_is_refused_before_the_banner(
    project: Path, runner: CliRunner
) -> None:
    _refused(runner.invoke(main, ["serve", "--host", "0.0.0.0", "--port", "0"]),
             "[serve] password_env")


@pytest.mark.parametrize("args,needle", [
    (["--port", "70000"], "port 70000 is not a port number"),
    (["--port", "-1"], "port -1 is not a port number"),
])
def test_a_port_out_of_range_is_refused(
    project: Path, runner: CliRunner, args: list[str], needle: str
) -> None:
    _refused(runner.invoke(main, ["serve", *args]), needle)


def test_an_address_not_of_this_machine_is_refused(
    project: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = project / "aidigest.toml"
    cfg.write_text(cfg.read_text("utf-8") + '\n[serve]\npassword_env = "DESK_PW"\n', "utf-8")
    monkeypatch.setenv("DESK_PW", "a-long-desk-password")
    result = runner.invoke(main, ["serve", "--host", "192.0.2.1", "--port", "0"])  # TEST-NET-1
    _refused(result, "--host 192.0.2.1 is not an address of this machine")


def test_serve_announces_once_and_answers_there(project: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    desk = subprocess.Popen([sys.executable, "-m", "aidigest.cli", "serve", "--port", "0"],
                            cwd=project, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert desk.stderr is not None
        banner = desk.stderr.readline().strip()
        assert banner.startswith("desk: http://127.0.0.1:") and banner.endswith("(Ctrl-C stops)")
        url = banner.split()[1]
        assert not url.endswith(":0/")
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(url, timeout=10)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the desk never answered"
                time.sleep(0.2)
        assert page.status_code == 200 and "Slots" in page.text
    finally:
        desk.send_signal(signal.SIGINT)
        _out, rest = desk.communicate(timeout=60)
    assert "desk:" not in rest and "Traceback" not in rest, rest

"""Serve the desk with uvicorn: the host check (a non-loopback host needs a password), the
password read from ``[serve] password_env``, and a thread-run server for tests and screenshots.

Does NOT define routes (:mod:`aidigest.desk.app`).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from aidigest.config import Config, secret
from aidigest.desk.app import create_app
from aidigest.errors import ConfigError


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def desk_password(cfg: Config, host: str) -> str | None:
    """The basic-auth password: required (ConfigError) for a non-loopback ``host``, optional
    on loopback (used when ``[serve] password_env`` is set)."""
    env = cfg.serve.password_env
    if is_loopback(host):
        return secret(env, "the desk password ([serve] password_env)") if env else None
    if not env:
        raise ConfigError(
            f"--host {host} is reachable from other machines, so the desk needs a password: set "
            "[serve] password_env = \"AIDIGEST_DESK_PASSWORD\" in aidigest.toml and export that "
            "variable (or serve on 127.0.0.1)")
    return secret(env, "the desk password ([serve] password_env)")


def serve(cfg: Config, host: str, port: int) -> None:
    """Run the desk until interrupted (Ctrl-C)."""
    password = desk_password(cfg, host)
    hosts = None if is_loopback(host) else ["*"]  # behind a name: basic auth guards it
    app = create_app(cfg, password=password, username=cfg.serve.username, hosts=hosts)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@contextmanager
def running(cfg: Config, *, password: str | None = None, token: str | None = None) -> Iterator[str]:
    """The desk on 127.0.0.1 and a free port, in a thread; yields its base URL."""
    app = create_app(cfg, password=password, token=token)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the desk server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()

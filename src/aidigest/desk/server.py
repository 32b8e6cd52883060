"""Serve the desk with uvicorn: the host check (a non-loopback host needs a password), the
password read from ``[serve] password_env``, the port bound before anything is announced, and
a thread-run server for tests and screenshots.

Does NOT define routes (:mod:`aidigest.desk.app`).
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
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


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` (0: any free port), or ConfigError saying why not:
    a port out of range or in use, an address that is not this machine's, a privileged port."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"port {port} is not a port number; use 1–65535 (--port or [serve] port)")
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ConfigError(f"--host {host} cannot be resolved ({exc}); use an address of this "
                          "machine such as 127.0.0.1 (--host or [serve] host)") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigError(_bind_refusal(host, port, exc)) from None
    return sock


def _bind_refusal(host: str, port: int, exc: OSError) -> str:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} is already in use on {host} (another desk or program listens "
                "there); stop it, or choose another port with --port or [serve] port")
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"--host {host} is not an address of this machine; use 127.0.0.1, 0.0.0.0 "
                "(every address) or one of this machine's addresses")
    if exc.errno == errno.EACCES:
        return (f"cannot listen on {where}: ports below 1024 need root; choose a port from 1024 "
                "with --port or [serve] port")
    return f"cannot listen on {where}: {exc.strerror or exc}"


def url_of(host: str, sock: socket.socket) -> str:
    """The desk's address as the banner shows it (the real port, also for ``--port 0``)."""
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(cfg: Config, host: str, port: int, announce: Callable[[str], None]) -> None:
    """Run the desk until interrupted (Ctrl-C). Everything that can refuse it (the host's
    password, the port, the address) is checked BEFORE ``announce`` hears the one banner
    line: a refusal is one ConfigError and no banner."""
    password = desk_password(cfg, host)
    sock = bind(host, port)
    try:
        hosts = None if is_loopback(host) else ["*"]  # behind a name: basic auth guards it
        app = create_app(cfg, password=password, username=cfg.serve.username, hosts=hosts)
        announce(f"desk: {url_of(host, sock)} (Ctrl-C stops)")
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        server.run(sockets=[sock])
    finally:
        sock.close()


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

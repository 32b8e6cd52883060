"""A local HTTPS sink for services whose address is fixed inside Apprise (Feishu, DingTalk,
WeCom bot, Telegram): an HTTP proxy on 127.0.0.1 that answers every ``CONNECT host:443`` by
tunnelling to one local TLS server (pytest-httpserver), whose certificate for those hosts is
signed by a throw-away CA (trustme). With ``HTTPS_PROXY`` and ``REQUESTS_CA_BUNDLE`` set, the
real, unmodified Apprise plugins send their real requests here, verified TLS included; nothing
leaves the machine (the proxy only ever connects to the local server).
"""

from __future__ import annotations

import select
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer

HOSTS = ["open.feishu.cn", "oapi.dingtalk.com", "qyapi.weixin.qq.com", "api.telegram.org"]


@dataclass
class Sink:
    server: HTTPServer
    tunnels: list[str] = field(default_factory=list)  # the CONNECT targets the proxy was asked for


def _proxy_handler(target: int, sink: Sink) -> type[socketserver.StreamRequestHandler]:
    class Tunnel(socketserver.StreamRequestHandler):
        timeout = 10

        def handle(self) -> None:
            request = self.rfile.readline().decode("latin-1").split()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            if len(request) < 2 or request[0] != "CONNECT":
                self.wfile.write(b"HTTP/1.1 405 only CONNECT\r\n\r\n")
                return
            sink.tunnels.append(request[1])
            with socket.create_connection(("127.0.0.1", target), timeout=10) as upstream:
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()
                _relay(self.connection, upstream)

    return Tunnel


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until one side closes (or 10 s pass without traffic)."""
    pair = {client: upstream, upstream: client}
    while True:
        ready, _, _ = select.select(list(pair), [], [], 10)
        if not ready:
            return
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                return
            pair[sock].sendall(data)


@contextmanager
def tls_sink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    """Start the TLS server and the proxy and point requests (hence Apprise) at them."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*HOSTS).configure_cert(context)
    bundle = tmp_path / "sink-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    sink = Sink(server)
    proxy = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _proxy_handler(server.port, sink))
    proxy.daemon_threads = True
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    try:
        yield sink
    finally:
        proxy.shutdown()
        proxy.server_close()
        server.clear()
        if server.is_running():
            server.stop()

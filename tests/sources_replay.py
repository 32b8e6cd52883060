"""A local X API / feed server for the source tests: routes answered by Python handlers on a
real pytest-httpserver socket, with every request's path and query recorded (never headers
other than the checked Authorization, which is compared, not written down)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aidigest.config import config_from_dict
from aidigest.models import SourceReport
from aidigest.sources.runner import fetch_one
from aidigest.store.db import Store

FIXTURES = Path(__file__).parent / "fixtures"
CANARY = "canary-token-7f3a9c-do-not-leak"
Answer = dict[str, Any] | Response


def load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("_request_url", None)
    data.pop("_request_uri", None)
    data.pop("_recorded", None)
    return data


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload), status=status, headers=headers or {},
                    content_type="application/json")


@dataclass
class Replay:
    """Routes of a local server; ``calls`` lists (path, query args) in order."""

    server: HTTPServer
    token: str = CANARY
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    bad_auth: int = 0

    def route(self, path: str, handler: Callable[[Request], Answer]) -> None:
        def respond(request: Request) -> Response:
            self.calls.append((request.path, dict(request.args)))
            auth = request.headers.get("Authorization", "")
            if auth.startswith("Bearer ") and auth != f"Bearer {self.token}":
                self.bad_auth += 1
            answer = handler(request)
            return answer if isinstance(answer, Response) else json_response(answer)

        self.server.expect_request(path).respond_with_handler(respond)

    def paths(self, path: str) -> list[dict[str, str]]:
        return [args for p, args in self.calls if p == path]

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")


def x_config(tmp_path: Path, base_url: str, **source: Any) -> Any:
    entry = {"name": "ai-voices", "kind": "x_api", "base_url": base_url,
             "bearer_token_env": "AIDIGEST_TEST_X_TOKEN", "timeout": 5.0, **source}
    return config_from_dict({"sources": [entry]}, tmp_path)


def run(cfg: Any, store: Store) -> SourceReport:
    return fetch_one(cfg, store, cfg.sources[0])


def store_bytes(directory: Path) -> bytes:
    """Every byte of the SQLite files (db, WAL, SHM) in ``directory``."""
    return b"".join(p.read_bytes() for p in sorted(directory.glob("*.db*")))


class MemoryCursors:
    """Cursors kept in a dict (a source driven without the runner or a store)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def set(self, key: str, value: str) -> None:
        self.values[key] = value

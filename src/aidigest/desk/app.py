"""The desk's Starlette app: server-rendered pages and POST forms, nothing else.

Security: every POST must carry the per-process CSRF token (form field ``csrf``), else 403
and nothing changes; with a password, every request needs HTTP basic auth; every page is
autoescaped Jinja2 and served with a Content-Security-Policy that allows no script at all.
Does NOT hold state of its own: each request opens the store, acts, and closes it.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import tzinfo
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from aidigest.config import Config
from aidigest.desk import actions, views
from aidigest.errors import AidigestError
from aidigest.slots import zone
from aidigest.store import Store, open_store
from aidigest.timeutil import local_text

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
BOLD = re.compile(r"\*\*([^*\n]+?)\*\*")


def summary_html(text: str) -> Markup:
    """The summary escaped, with only ``**term**`` turned into ``<strong>``."""
    escaped = str(escape(text))
    return Markup(BOLD.sub(r"<strong>\1</strong>", escaped))


def safe_href(url: str) -> str:
    """``url`` if it is http(s), else ``#`` (a post's URL never becomes a script link)."""
    return url if urlsplit(url).scheme in ("http", "https") else "#"


def _templates(tz: tzinfo) -> Jinja2Templates:
    """Templates with autoescaping ON for every file (Starlette's default would escape only
    ``.html``/``.htm``/``.xml`` names, and ours end in ``.j2``); ``|local`` shows a stored
    (UTC) time in the digest's zone ``tz``, as every time a person reads on the desk is."""
    env = Environment(loader=PackageLoader("aidigest.desk", "templates"), autoescape=True)
    env.filters["summary_html"] = summary_html
    env.filters["safe_href"] = safe_href
    env.filters["local"] = lambda value: local_text(value, tz)
    return Jinja2Templates(env=env)


class BasicAuth:
    """HTTP basic auth in front of the whole app (used when the desk has a password)."""

    def __init__(self, app: ASGIApp, username: str, password: str) -> None:
        self.app, self.expected = app, f"{username}:{password}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._ok(dict(scope["headers"]).get(b"authorization")):
            response = PlainTextResponse("authentication required", status_code=401,
                                         headers={"WWW-Authenticate": 'Basic realm="aidigest desk"'})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _ok(self, header: bytes | None) -> bool:
        if not header or not header.lower().startswith(b"basic "):
            return False
        try:
            given = base64.b64decode(header[6:].strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return secrets.compare_digest(given, self.expected)


class Desk:
    """The routes over one config; ``token`` is this process's CSRF token."""

    def __init__(self, cfg: Config, token: str | None = None) -> None:
        self.cfg = cfg
        self.token = token or secrets.token_urlsafe(32)
        self.templates = _templates(zone(cfg.digest.timezone))

    # -- plumbing ---------------------------------------------------------------------------
    def _with_store(self, work: Callable[[Store], Any]) -> Awaitable[Any]:
        def run() -> Any:
            store = open_store(self.cfg.store_target)
            try:
                return work(store)
            finally:
                store.close()

        return run_in_threadpool(run)

    def page(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        context = {**context, "csrf": self.token, "message": request.query_params.get("msg", "")}
        response = self.templates.TemplateResponse(request, name, context, status_code=status)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def checked_form(self, request: Request) -> FormData | None:
        """The POSTed form if it carries this process's CSRF token, else None."""
        form = await request.form()
        given = form.get("csrf")
        if not isinstance(given, str) or not secrets.compare_digest(given, self.token):
            return None
        return form

    # -- pages ------------------------------------------------------------------------------
    async def index(self, request: Request) -> Response:
        data = await self._with_store(lambda store: views.overview(self.cfg, store))
        return self.page(request, "index.html.j2", data)

    async def slot(self, request: Request) -> Response:
        key = request.path_params["slot_key"]
        try:
            data = await self._with_store(lambda store: views.slot_page(self.cfg, store, key))
        except AidigestError as exc:
            prepared = await self._with_store(lambda store: views.prepared_page(self.cfg, store, key))
            if prepared is not None:  # prepared ahead of its close, not written yet
                return self.page(request, "prepared.html.j2", prepared)
            return self.page(request, "error.html.j2", {"error": str(exc)}, status=404)
        return self.page(request, "slot.html.j2", data)

    async def css(self, request: Request) -> Response:
        text = resources.files("aidigest.desk").joinpath("templates", "desk.css").read_text("utf-8")
        return Response(text, media_type="text/css")

    # -- actions ----------------------------------------------------------------------------
    async def act(self, request: Request) -> Response:
        """Every POST: CSRF check, then the named action; errors re-show the slot page."""
        form = await self.checked_form(request)
        if form is None:
            return self.page(request, "error.html.j2", {
                "error": "forbidden: missing or wrong CSRF token; nothing was changed (reload the "
                         "page to get a fresh form)"}, status=403)
        key = request.path_params["slot_key"]
        action = request.path_params["action"]
        position = int(request.path_params.get("n", 0))
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        try:
            message = await self._with_store(
                lambda store: self._run(store, action, key, position, fields))
        except (AidigestError, ValueError) as exc:
            return self.page(request, "error.html.j2", {"error": str(exc), "slot": key}, status=400)
        return RedirectResponse(f"/slots/{quote(key)}?msg={quote(message)}", status_code=303)

    def _run(self, store: Store, action: str, key: str, n: int, form: dict[str, str]) -> str:
        cfg = self.cfg
        if action == "publish":
            report = actions.approve(cfg, store, key)
            problems = "; ".join([*report.errors, *report.warnings])
            return f"{report.outcome}: {report.published_path or ''} {problems}".rstrip()
        if action == "reject":
            actions.reject(cfg, store, key, form.get("reason", ""))
            return "rejected"
        if action == "edit":
            terms = [t for t in re.split(r"[,，、\n]", form.get("terms", "")) if t.strip()]
            actions.edit_item(cfg, store, key, n, form.get("title", ""), form.get("summary", ""),
                              terms)
            return f"item {n} saved"
        if action == "drop":
            actions.drop_item(cfg, store, key, n)
            return f"item {n} dropped"
        if action == "move":
            actions.move_item(cfg, store, key, n, int(form.get("to", n)))
            return f"item {n} moved"
        if action == "regenerate":
            _draft, report = actions.regenerate(cfg, store, key, n)
            outcome = report.items[0].outcome if report.items else "?"
            return f"item {n} regenerated ({outcome})"
        if action == "swap":
            where = form.get("position", "").strip()
            _draft, said = actions.swap_in(cfg, store, key, form.get("story", ""),
                                           int(where) if where else None)
            return said
        raise actions.DeskError(f"unknown action {action!r}")


LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]


def create_app(cfg: Config, *, password: str | None = None, username: str = "editor",
               token: str | None = None, hosts: list[str] | None = None) -> ASGIApp:
    """The desk as an ASGI app; with ``password`` every request needs basic auth.

    ``hosts``: the Host names answered (default: the loopback names, so a web page that
    rebinds its own domain to 127.0.0.1 cannot read the desk); ``["*"]`` answers any.
    """
    desk = Desk(cfg, token)
    routes = [
        Route("/", desk.index),
        Route("/desk.css", desk.css),
        Route("/slots/{slot_key}", desk.slot),
        Route("/slots/{slot_key}/items/{n:int}/{action}", desk.act, methods=["POST"]),
        Route("/slots/{slot_key}/{action}", desk.act, methods=["POST"]),
    ]
    app = Starlette(routes=routes, middleware=[
        Middleware(TrustedHostMiddleware, allowed_hosts=hosts or LOOPBACK_NAMES)])
    app.state.desk = desk
    return BasicAuth(app, username, password) if password else app

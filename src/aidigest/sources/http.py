"""HTTP for sources: one GET with timeouts, retries with backoff and jitter, and rate limits.

:class:`HttpGetter` retries timeouts, connection errors (including a connection dropped
mid-body) and 5xx answers with exponential backoff and jitter; on 429 it waits until
``x-rate-limit-reset`` (or ``Retry-After``) when that is within ``max_wait`` seconds; when an
answer says ``x-rate-limit-remaining: 0`` it waits for the reset before the next request rather
than hitting the wall. Every other status is returned for the caller to judge.

It does NOT parse bodies, know about posts or cursors, or log anything: headers (which may hold
a bearer token) never reach a message. ``sleep``, ``clock`` and ``rng`` are injectable so tests
never wait.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote, quote_plus

import httpx

from aidigest.errors import SourceError

Sleep = Callable[[float], None]
Clock = Callable[[], float]

RETRY_STATUSES = frozenset({500, 502, 503, 504})
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
MAX_RATE_LIMIT_WAITS = 3


def pause(seconds: float) -> None:
    """The default sleep (looked up when a getter is made, so tests may replace it)."""
    time.sleep(seconds)


def short_url(url: httpx.URL | str) -> str:
    """The URL without its query string (enough to name the endpoint in a message)."""
    return str(httpx.URL(str(url)).copy_with(query=None))


def _at(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class HttpGetter:
    """GETs for one source, sharing one connection pool and the rate-limit state."""

    def __init__(
        self,
        source: str,
        *,
        timeout: float,
        retries: int = 3,
        max_wait: float = 900.0,
        headers: Mapping[str, str] | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.source = source
        self.secrets = tuple(s for s in secrets if s)
        self.retries = max(0, retries)
        self.max_wait = max_wait
        self.sleep: Sleep = sleep or pause
        self.clock: Clock = clock or time.time
        self.rng = rng or random.Random()
        self.blocked_until: float | None = None
        self.waited = 0.0
        self.client = httpx.Client(
            timeout=timeout, headers=dict(headers or {}), follow_redirects=True
        )

    def close(self) -> None:
        self.client.close()

    def redact(self, text: str) -> str:
        """``text`` with every secret (plain or URL-encoded) replaced, e.g. an echoed header."""
        for value in self.secrets:
            for form in {value, quote(value, safe=""), quote_plus(value)}:
                text = text.replace(form, "[redacted]")
        return text

    def __enter__(self) -> HttpGetter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self, url: str, params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """GET ``url``; retried as described above. Any non-retried status is returned."""
        attempt = limited = 0
        while True:
            self._wait_for_window(url)
            try:
                response = self.client.get(url, params=params, headers=headers)
            except httpx.TransportError as exc:  # timeouts, resets, drops mid-body
                attempt = self._backoff(attempt, url, _describe_transport(exc))
                continue
            if response.status_code != 429:
                self._note_remaining(response)
            else:
                limited += 1
                self._wait_rate_limit(response, url, limited)
                continue
            if response.status_code in RETRY_STATUSES:
                attempt = self._backoff(attempt, url, f"HTTP {response.status_code}")
                continue
            return response

    def _backoff(self, attempt: int, url: str, why: str) -> int:
        if attempt >= self.retries:
            raise SourceError(
                f"source {self.source}: {why} from {short_url(url)} "
                f"(gave up after {attempt + 1} attempts)"
            )
        delay = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt) * (0.5 + self.rng.random())
        self._sleep(delay)
        return attempt + 1

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            self.sleep(seconds)

    def _reset_at(self, response: httpx.Response) -> float | None:
        reset = _seconds(response.headers.get("x-rate-limit-reset"))
        if reset is not None:
            return reset
        retry_after = _seconds(response.headers.get("retry-after"))
        return None if retry_after is None else self.clock() + retry_after

    def _note_remaining(self, response: httpx.Response) -> None:
        remaining = response.headers.get("x-rate-limit-remaining")
        if remaining is not None and remaining.strip() == "0":
            self.blocked_until = self._reset_at(response)

    def _wait_for_window(self, url: str) -> None:
        if self.blocked_until is None:
            return
        until, self.blocked_until = self.blocked_until, None
        self._wait_until(until, url, "rate limit used up")

    def _wait_rate_limit(self, response: httpx.Response, url: str, count: int) -> None:
        if count > MAX_RATE_LIMIT_WAITS:
            raise SourceError(
                f"source {self.source}: HTTP 429 from {short_url(url)} again after "
                f"{MAX_RATE_LIMIT_WAITS} waits; the next run goes on"
            )
        until = self._reset_at(response)
        if until is None:
            until = self.clock() + min(60.0, self.max_wait)
        self._wait_until(until, url, "HTTP 429 (rate limited)")

    def _wait_until(self, until: float, url: str, why: str) -> None:
        wait = until - self.clock() + 1.0
        if wait > self.max_wait:
            raise SourceError(
                f"source {self.source}: {why} at {short_url(url)} until {_at(until)}, "
                f"longer than max_wait_seconds={self.max_wait:g}; the next run goes on"
            )
        self._sleep(wait)


def _seconds(value: str | None) -> float | None:
    """A header holding whole seconds (ASCII digits only), else None."""
    text = (value or "").strip()
    return float(text) if text.isascii() and text.isdigit() and len(text) < 16 else None


def _describe_transport(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout ({type(exc).__name__})"
    return f"connection error ({type(exc).__name__})"

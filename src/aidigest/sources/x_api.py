"""The X API v2 source: timelines of configured accounts and of X lists, incrementally.

Accounts (``users``) are resolved once with ``GET /2/users/by`` (handle → id cached in the
cursors as ``user_id:<handle>``); each timeline is read with ``GET /2/users/:id/tweets``
(``since_id`` after the first fetch, ``start_time`` = ``first_fetch_since`` before it) or
``GET /2/lists/:id/tweets`` (one request for a whole list; that endpoint takes no ``since_id``,
so paging stops at the first post already seen). ``next_token`` paging is bounded by
``max_pages``. A timeline's ``since_id`` cursor is set with its last page only, so a failure
mid-timeline never leaves a gap: the next run reads the timeline again.

The bearer token is read from the environment variable named by ``bearer_token_env``, sent
only in the Authorization header, and never logged, stored or put in a message. A private or
missing account/list is a note and the other timelines go on; a bad token, an unreadable answer
or an exhausted rate limit is a SourceError (pages already yielded stay stored).

It does NOT convert tweets (:mod:`aidigest.sources.x_tweets`), retry or wait
(:mod:`aidigest.sources.http`), or store anything (the runner does).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from aidigest.config import XApiSource, secret
from aidigest.errors import SourceError
from aidigest.models import Author, Post, SourceReport
from aidigest.sources import Cursors
from aidigest.sources.http import Clock, HttpGetter, Sleep, short_url
from aidigest.sources.x_tweets import PageResult, numeric_id, page_posts
from aidigest.timeutil import parse_instant

TWEET_FIELDS = (
    "author_id,conversation_id,created_at,entities,lang,note_tweet,public_metrics,"
    "referenced_tweets,in_reply_to_user_id"
)
EXPANSIONS = "author_id,referenced_tweets.id,referenced_tweets.id.author_id"
USER_FIELDS = "name,username,public_metrics"
USERS_PER_LOOKUP = 100


class TimelineUnavailable(SourceError):
    """One timeline cannot be read (private, suspended, unknown): noted, the others go on."""


@dataclass(frozen=True)
class Timeline:
    """One timeline to read: ``key`` names its cursors (``user:<id>``, ``list:<id>``)."""

    key: str
    path: str
    owner: Author | None = None

    @property
    def is_list(self) -> bool:
        return self.key.startswith("list:")


class XApiReader:
    """Source protocol over X API v2 (see the module docstring)."""

    kind = "x_api"

    def __init__(
        self, entry: XApiSource, *, sleep: Sleep | None = None, clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.entry = entry
        self.name = entry.name
        self.base_url = entry.base_url.rstrip("/")
        self._sleep, self._clock, self._rng = sleep, clock, rng

    def _getter(self) -> HttpGetter:
        purpose = f"X API bearer token for source {self.name}"
        token = secret(self.entry.bearer_token_env, purpose)
        return HttpGetter(
            self.name, timeout=self.entry.timeout, retries=self.entry.retries,
            max_wait=self.entry.max_wait_seconds,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "aidigest"},
            sleep=self._sleep, clock=self._clock, rng=self._rng, secrets=(token,),
        )

    def fetch(self, cursors: Cursors, report: SourceReport) -> Iterator[list[Post]]:
        if not self.entry.users and not self.entry.lists:
            raise SourceError(f"source {self.name}: no 'users' or 'lists' configured")
        with self._getter() as http:
            api = _Api(self, http, report)
            try:
                timelines = self._timelines(api, cursors)
                for timeline in timelines:
                    try:
                        yield from self._read(api, timeline, cursors)
                    except TimelineUnavailable as exc:
                        report.notes.append(str(exc))
            finally:
                api.summarise()

    def _timelines(self, api: _Api, cursors: Cursors) -> list[Timeline]:
        timelines = [
            Timeline(f"user:{uid}", f"/2/users/{uid}/tweets", Author(handle=handle))
            for handle, uid in self._resolve(api, cursors)
        ]
        timelines += [
            Timeline(f"list:{lid.strip()}", f"/2/lists/{lid.strip()}/tweets")
            for lid in self.entry.lists if lid.strip()
        ]
        return timelines

    def _resolve(self, api: _Api, cursors: Cursors) -> list[tuple[str, str]]:
        """(handle, user id) for each configured account, looking up the uncached ones."""
        handles = list(dict.fromkeys(h.strip().lstrip("@") for h in self.entry.users if h.strip()))
        unknown = [h for h in handles if not cursors.get(f"user_id:{h.lower()}")]
        for start in range(0, len(unknown), USERS_PER_LOOKUP):
            chunk = unknown[start:start + USERS_PER_LOOKUP]
            payload = api.get_json("/2/users/by", {
                "usernames": ",".join(chunk), "user.fields": USER_FIELDS,
            }, errors_ok=True)
            for user in payload.get("data") or []:
                if isinstance(user, dict) and user.get("id") and user.get("username"):
                    cursors.set(f"user_id:{str(user['username']).lower()}", str(user["id"]))
        resolved = []
        for handle in handles:
            uid = cursors.get(f"user_id:{handle.lower()}")
            if uid:
                resolved.append((handle, uid))
            else:
                api.report.notes.append(
                    f"account @{handle} not found (suspended, renamed or misspelt); "
                    "check 'users' in aidigest.toml"
                )
        return resolved

    def _params(self, timeline: Timeline, since: str | None) -> dict[str, str]:
        params = {
            "max_results": str(max(5, min(100, self.entry.max_results))),
            "tweet.fields": TWEET_FIELDS, "expansions": EXPANSIONS, "user.fields": USER_FIELDS,
        }
        if timeline.is_list:
            return params
        if since:
            params["since_id"] = since
        elif self.entry.first_fetch_since:
            start = parse_instant(self.entry.first_fetch_since, "first_fetch_since")
            params["start_time"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        return params

    def _read(self, api: _Api, timeline: Timeline, cursors: Cursors) -> Iterator[list[Post]]:
        """Pages of one timeline; its since_id cursor is set before the last page is yielded."""
        cursor_key = f"since_id:{timeline.key}"
        since = cursors.get(cursor_key)
        params = self._params(timeline, since)
        newest = since
        pages = max(1, self.entry.max_pages)
        for number in range(1, pages + 1):
            payload = api.get_json(timeline.path, params)
            result = api.convert(payload, timeline.owner)
            newest = _max_id(newest, result.newest_id, _meta(payload).get("newest_id"))
            token = _meta(payload).get("next_token")
            seen_old = timeline.is_list and since is not None and _reached(result, since)
            last = not token or seen_old or number == pages
            if last and token and not seen_old:
                api.report.notes.append(
                    f"{timeline.key}: stopped after max_pages={pages}; older posts not fetched"
                )
            if last and newest and newest != since:
                cursors.set(cursor_key, newest)
            api.report.pages += 1
            yield result.posts
            if last:
                return
            params = {**params, "pagination_token": str(token)}


def _meta(payload: dict[str, Any]) -> dict[str, Any]:
    meta = payload.get("meta")
    return meta if isinstance(meta, dict) else {}


def _max_id(*ids: Any) -> str | None:
    numeric = [n for n in (numeric_id(i) for i in ids) if n]
    return max(numeric, key=int) if numeric else None


def _reached(result: PageResult, since: str) -> bool:
    return any(numeric_id(p.id) and int(p.id) <= int(since) for p in result.posts)


class _Api:
    """JSON GETs against one X API base URL, with the messages a user can act on."""

    def __init__(self, reader: XApiReader, http: HttpGetter, report: SourceReport) -> None:
        self.reader, self.http, self.report = reader, http, report
        self.missing = 0

    def get_json(
        self, path: str, params: dict[str, str], errors_ok: bool = False
    ) -> dict[str, Any]:
        url = self.reader.base_url + path
        response = self.http.get(url, params=params)
        self.report.http_status = response.status_code
        where = f"source {self.reader.name}: HTTP {response.status_code} from {short_url(url)}"
        if response.status_code == 401:
            raise SourceError(f"{where}: check the token in {self.reader.entry.bearer_token_env}")
        if response.status_code in (403, 404):
            raise TimelineUnavailable(f"{where}: {self.problem(response)}")
        if response.status_code != 200:
            raise SourceError(f"{where}: {self.problem(response)}")
        try:
            payload = response.json()
        except ValueError:
            raise SourceError(
                f"source {self.reader.name}: the answer from {short_url(url)} is not valid JSON "
                f"({len(response.content)} bytes; truncated?); the next run retries"
            ) from None
        if not isinstance(payload, dict):
            raise SourceError(f"source {self.reader.name}: unexpected answer from {short_url(url)}")
        if not errors_ok and "data" not in payload and "meta" not in payload and payload.get("errors"):
            raise TimelineUnavailable(f"{where}: {self.problem(response)}")
        return payload

    def problem(self, response: httpx.Response) -> str:
        """What the server said went wrong, with any echoed secret redacted."""
        return self.http.redact(_problem(response.text))

    def convert(self, payload: dict[str, Any], owner: Author | None) -> PageResult:
        result = page_posts(payload, self.reader.name, owner)
        self.report.skipped += result.skipped
        self.report.notes.extend(result.notes[:5])
        self.missing += result.missing
        return result

    def summarise(self) -> None:
        if self.missing:
            self.report.notes.append(
                f"{self.missing} reposted/quoted posts were not included (deleted or protected)"
            )
        if self.http.waited:
            self.report.notes.append(f"waited {self.http.waited:.0f} s for rate limits/retries")


def _problem(body: str) -> str:
    """A short description of an X API problem body (title/detail), or the body's start."""
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip()[:200] or "empty answer"
    if isinstance(data, dict):
        errors = data.get("errors") if isinstance(data.get("errors"), list) else [data]
        first = errors[0] if errors and isinstance(errors[0], dict) else data
        text = first.get("detail") or first.get("message") or first.get("title")
        if text:
            return str(text)[:200]
    return body.strip()[:200]

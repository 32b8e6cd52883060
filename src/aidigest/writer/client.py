"""One client for OpenAI-compatible chat completions, and a fallback chain of providers.

:class:`ChatClient` wraps the ``openai`` package (``base_url`` reaches DeepSeek, Qwen/DashScope,
OpenAI, Gemini, OpenRouter, Ollama …) for one configured provider: it does its own retries
(429 and 5xx with backoff honouring ``Retry-After``, timeouts, dropped connections; the
package's retries are disabled), bounds concurrency per provider with a semaphore, and
measures every attempt (tokens, latency, estimated cost) as a :class:`CallRecord`.
:class:`ProviderChain` tries the providers in order until one answers.

Does NOT parse or validate answers, cache, or touch the store (callers record the
:class:`CallRecord` s). The API key lives only inside the openai client's Authorization
header: it is never logged, stored or put in a message (messages are scrubbed of it).
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import openai

from aidigest.config import Provider, secret
from aidigest.console import clip
from aidigest.errors import MissingSecretError, WriterError

log = logging.getLogger(__name__)

NO_KEY = "no-key"  # placeholder for keyless endpoints (a local Ollama); not a secret
MAX_BACKOFF_S = 60.0
Message = dict[str, str]


class ProviderError(WriterError):
    """Every attempt at every provider failed (message names the last failure)."""


@dataclass(frozen=True)
class CallRecord:
    """One HTTP attempt: what it cost and how it ended (``ok``, ``http-429``, ``timeout`` …)."""

    provider: str
    model: str
    outcome: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost: float = 0.0


@dataclass(frozen=True)
class Completion:
    """A successful answer: its text, why it stopped, and which provider gave it."""

    text: str
    finish_reason: str
    provider: str
    model: str


@dataclass
class Attempts:
    """What happened on the way to one completion (or to giving up)."""

    records: list[CallRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class ChatClient:
    """One provider: ``complete(messages)`` with retries, a concurrency bound and accounting."""

    def __init__(self, provider: Provider, sleep: Callable[[float], None] = time.sleep) -> None:
        self.provider = provider
        self._key = _api_key(provider)
        self._client = openai.OpenAI(
            api_key=self._key, base_url=provider.base_url, timeout=provider.timeout,
            max_retries=0,
        )
        self._gate = threading.BoundedSemaphore(max(1, provider.max_concurrency))
        self._sleep = sleep

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def model(self) -> str:
        return self.provider.model

    def complete(self, messages: Sequence[Message], attempts: Attempts) -> Completion:
        """One answer, retrying transient failures up to ``provider.max_retries`` times."""
        tries = max(0, self.provider.max_retries) + 1
        for number in range(1, tries + 1):
            try:
                with self._gate:
                    return self._once(messages, attempts)
            except _Transient as exc:
                attempts.notes.append(f"{self.name}: {exc.reason} (attempt {number}/{tries})")
                if number == tries:
                    raise ProviderError(f"{self.name}: {exc.reason} after {tries} attempts") from None
                self._sleep(exc.wait if exc.wait is not None else _backoff(number))
        raise ProviderError(f"{self.name}: no attempt made")  # pragma: no cover

    def _once(self, messages: Sequence[Message], attempts: Attempts) -> Completion:
        started = time.monotonic()
        try:
            response = self._client.chat.completions.create(
                model=self.model, messages=list(messages),  # type: ignore[arg-type]
                temperature=self.provider.temperature, max_tokens=self.provider.max_tokens,
                **self._json_mode(),
            )
        except openai.APIError as exc:
            outcome, transient, wait = _classify(exc)
            attempts.records.append(self._record(outcome, started))
            reason = self.scrub(f"{outcome}: {_brief(exc)}")
            if transient:
                raise _Transient(reason, wait) from None
            raise ProviderError(f"{self.name}: {reason}") from None
        usage = response.usage
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        attempts.records.append(self._record("ok", started, prompt, completion))
        choice = response.choices[0] if response.choices else None
        if choice is None:
            raise ProviderError(f"{self.name}: the answer had no choices")
        return Completion(
            text=choice.message.content or "", finish_reason=str(choice.finish_reason or ""),
            provider=self.name, model=self.model,
        )

    def _json_mode(self) -> dict[str, Any]:
        """``response_format`` for a provider configured with ``json_mode = true``."""
        return {"response_format": {"type": "json_object"}} if self.provider.json_mode else {}

    def _record(self, outcome: str, started: float, prompt: int = 0, completion: int = 0) -> CallRecord:
        cost = (prompt * self.provider.price_in + completion * self.provider.price_out) / 1e6
        return CallRecord(self.name, self.model, outcome, prompt, completion,
                          round(time.monotonic() - started, 4), cost)

    def scrub(self, text: str) -> str:
        """``text`` with the API key (should a server echo it) replaced by ``***``."""
        return text.replace(self._key, "***") if self._key != NO_KEY else text


class ProviderChain:
    """The configured providers, tried in order: the first that answers wins."""

    def __init__(self, providers: Sequence[Provider], sleep: Callable[[float], None] = time.sleep) -> None:
        self.clients: list[ChatClient] = []
        self.skipped: list[str] = []
        missing: MissingSecretError | None = None
        for provider in providers:
            try:
                self.clients.append(ChatClient(provider, sleep))
            except MissingSecretError as exc:
                missing = missing or exc
                self.skipped.append(f"provider {provider.name} skipped: {exc}")
        if not self.clients:
            raise missing or WriterError("no LLM provider configured")

    @property
    def primary(self) -> ChatClient:
        return self.clients[0]

    def complete(
        self, messages: Sequence[Message], attempts: Attempts, start: int = 0
    ) -> tuple[Completion, int]:
        """The first answer among providers ``start…``; returns it and the provider's index."""
        last = "no provider"
        for index in range(start, len(self.clients)):
            client = self.clients[index]
            try:
                return client.complete(messages, attempts), index
            except ProviderError as exc:
                last = str(exc)
                if index + 1 < len(self.clients):
                    attempts.notes.append(f"{last}; trying {self.clients[index + 1].name}")
        raise ProviderError(last)


class _Transient(Exception):
    def __init__(self, reason: str, wait: float | None) -> None:
        super().__init__(reason)
        self.reason, self.wait = reason, wait


def _api_key(provider: Provider) -> str:
    if provider.api_key_env is None:
        return NO_KEY
    return secret(provider.api_key_env, f"API key of LLM provider {provider.name}")


def _classify(exc: openai.APIError) -> tuple[str, bool, float | None]:
    """``(outcome, transient?, server-requested wait)`` for an openai error."""
    if isinstance(exc, openai.APITimeoutError):
        return "timeout", True, None
    if isinstance(exc, openai.APIConnectionError):
        return "connection-error", True, None
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        transient = status in (408, 409, 429) or status >= 500
        return f"http-{status}", transient, retry_after(exc.response.headers)
    return "api-error", False, None


def retry_after(headers: Any) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms``, ``Retry-After`` seconds or
    HTTP date), capped at MAX_BACKOFF_S; None if it did not say."""
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return min(MAX_BACKOFF_S, max(0.0, float(ms) / 1000))
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return min(MAX_BACKOFF_S, max(0.0, float(value)))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return min(MAX_BACKOFF_S, max(0.0, when.timestamp() - time.time()))
    except (TypeError, ValueError, AttributeError):
        return None


def _backoff(number: int) -> float:
    return float(min(MAX_BACKOFF_S, 0.5 * 2 ** (number - 1)))


def _brief(exc: openai.APIError) -> str:
    message = " ".join(str(getattr(exc, "message", exc) or type(exc).__name__).split())
    return clip(message, 300)

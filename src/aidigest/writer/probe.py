"""``aidigest llm test``: one tiny request to each configured provider, to learn whether the
key, endpoint and model work (and whether JSON mode does) without running a digest.

Each provider gets exactly one request (no retries, no fallback to the next provider), asking
for a one-line JSON object. The result says the latency, the model that answered, the tokens
used and whether the answer parsed as a JSON object; a failure says the HTTP status (or the
connection problem) and the NAME of the environment variable that holds the key.

Does NOT write a digest, touch the store, or print or log a key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from rich.table import Table

from aidigest.config import Config, Provider
from aidigest.errors import AidigestError, MissingSecretError
from aidigest.writer.client import Attempts, ChatClient, ProviderError

PROBE = [
    {"role": "system", "content": "Reply with one JSON object only, no other text."},
    {"role": "user", "content": '回复这个 JSON 对象：{"ok": true, "lang": "中文"}'},
]


@dataclass(frozen=True)
class ProbeResult:
    """How one provider answered the probe."""

    provider: str
    model: str
    ok: bool
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    json_mode: bool = False  # whether response_format json_object was sent
    json_ok: bool = False  # whether the answer parsed as a JSON object
    error: str = ""

    @property
    def json_text(self) -> str:
        parsed = "answer is a JSON object" if self.json_ok else "answer is NOT a JSON object"
        return f"{'on' if self.json_mode else 'off'}: {parsed}" if self.ok else "-"


class ProbeFailed(AidigestError):
    """At least one provider did not answer the probe."""


def probe(provider: Provider) -> ProbeResult:
    """One request to ``provider``; never raises for the provider's own failures."""
    single = provider.model_copy(update={"max_retries": 0})
    name, model, mode = provider.name, provider.model, provider.json_mode
    try:
        client = ChatClient(single)
    except MissingSecretError as exc:
        return ProbeResult(name, model, False, json_mode=mode, error=str(exc))
    attempts = Attempts()
    try:
        completion = client.complete(PROBE, attempts)
    except ProviderError as exc:
        error = _explain(provider, attempts, client.scrub(str(exc)))
        return ProbeResult(name, model, False, json_mode=mode, error=error)
    record = attempts.records[-1]
    return ProbeResult(name, model, True, record.latency_s, record.prompt_tokens,
                       record.completion_tokens, mode, _is_json_object(completion.text))


def probe_all(cfg: Config) -> list[ProbeResult]:
    """:func:`probe` for every configured provider, in order; ProbeFailed-free (see
    :func:`check`)."""
    if not cfg.llm.providers:
        raise AidigestError("no [[llm.providers]] in the config; add one, e.g. with "
                            "`aidigest init DIR --llm deepseek`, then run `aidigest llm test` again")
    return [probe(p) for p in cfg.llm.providers]


def check(results: list[ProbeResult]) -> None:
    """ProbeFailed naming each provider that failed and why."""
    failed = [r for r in results if not r.ok]
    if failed:
        raise ProbeFailed("; ".join(f"provider {r.provider}: {r.error}" for r in failed))


def _explain(provider: Provider, attempts: Attempts, reason: str) -> str:
    outcome = attempts.records[-1].outcome if attempts.records else "no answer"
    key = (f"the key is read from ${provider.api_key_env}" if provider.api_key_env
           else "no api_key_env is configured")
    if outcome in ("http-401", "http-403"):
        hint = f"the endpoint refused the key ({key}); check that variable's value"
    elif outcome == "http-404":
        hint = f"endpoint or model not found; check base_url {provider.base_url} and model {provider.model}"
    elif outcome == "http-400" and provider.json_mode:
        hint = "the request was refused; if the provider has no JSON mode, set json_mode = false"
    elif outcome.startswith("http-"):
        hint = key
    else:
        hint = f"could not reach {provider.base_url}"
    status = outcome.replace("http-", "HTTP ") if outcome.startswith("http-") else outcome
    return f"{status}: {hint} ({reason})"


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text.strip()), dict)
    except json.JSONDecodeError:
        return False


def results_table(results: list[ProbeResult]) -> Table:
    """The results as a rich table (one row a provider)."""
    table = Table(title="LLM providers")
    for column in ("provider", "model", "ok", "latency", "tokens in/out", "json mode", "error"):
        table.add_column(column)
    for r in results:
        table.add_row(r.provider, r.model, "yes" if r.ok else "NO",
                      f"{r.latency_s:.2f}s" if r.ok else "-",
                      f"{r.prompt_tokens}/{r.completion_tokens}" if r.ok else "-", r.json_text,
                      r.error)
    return table

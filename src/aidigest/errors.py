"""One exception hierarchy: every error aidigest raises on purpose is an ``AidigestError``.

Each message names the input at fault and says how to fix it; the CLI prints the message
(never a traceback) and exits non-zero. Secrets never appear in messages.
"""

from __future__ import annotations


class AidigestError(Exception):
    """Base of every deliberate aidigest error."""


class ConfigError(AidigestError):
    """The configuration file is missing, unreadable or invalid."""


class InputError(AidigestError):
    """User-supplied input (a JSONL line, a slot, a time) is malformed."""


class SlotError(InputError):
    """A slot string could not be parsed."""


class StoreError(AidigestError):
    """The SQLite store cannot be opened, migrated or written."""


class SourceError(AidigestError):
    """A source failed to fetch or parse; recorded per source, never aborts a run."""


class MissingSecretError(ConfigError):
    """An environment variable named in the config for a secret is not set."""

    def __init__(self, env_name: str, purpose: str) -> None:
        super().__init__(
            f"environment variable {env_name} is not set ({purpose}); "
            f"export {env_name}=... or change the *_env key in aidigest.toml"
        )
        self.env_name = env_name


class WriterError(AidigestError):
    """The writer could not produce a valid item (the offline writer is the fallback)."""


class PublishError(AidigestError):
    """Writing the digest into the site (or committing/pushing it) failed."""


class AlreadyRunningError(AidigestError):
    """Another aidigest process holds the run lock for this store."""


class Interrupted(KeyboardInterrupt):
    """The run was asked to stop (Ctrl-C, SIGTERM, a scheduler stop) and is ending now.

    Deliberately NOT an AidigestError (nor an Exception): a stage's ``except Exception`` that
    keeps one bad source or item from aborting a run must not swallow a stop request.
    """

"""A derived table kept on disk between runs, so a fresh process does not rebuild it.

Listing the characters OpenCC changes (:mod:`.normalize`: 20,000 characters converted one by
one) is about 0.1 s of CPU in every run; the list depends only on the installed OpenCC version.
(Parsing CC-CEDICT was measured too: reading a stored table costs what parsing the file does,
about 0.2 s, so it is not cached.) :func:`load` returns the stored value under ``name`` when its
``key`` (package versions, a format number) matches, otherwise it builds the value and tries to
store it for the next run.

The folder is ``$AIDIGEST_CACHE_DIR``, else ``$XDG_CACHE_HOME/aidigest``, else
``~/.cache/aidigest``. A folder that cannot be written, a missing or unreadable file, or a
file written by another version only costs the rebuild: never an error, never a wrong value
(a file is written to a temporary name and renamed into place, so readers never see half of
one). Values are ``marshal`` data (plain str/int/tuple/dict/list only).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["cache_dir", "load", "package_version"]

T = TypeVar("T")


def cache_dir() -> Path:
    """Where cached tables live (see the module's docstring)."""
    explicit = os.environ.get("AIDIGEST_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aidigest"


def package_version(name: str) -> str:
    """The installed version of distribution ``name``, or ``"none"``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


def load(name: str, key: str, build: Callable[[], T]) -> T:
    """The value cached as ``name`` when it was stored under ``key``; else ``build()``, which
    is then stored (best effort) under ``key`` unless it is empty (a table that could not be
    read is rebuilt next time, not remembered)."""
    path = cache_dir() / f"{name}.marshal"
    found = _read(path, key)
    if found is not None:
        return found
    value = build()
    if value:
        _write(path, key, value)
    return value


def _read(path: Path, key: str) -> Any:
    try:
        with path.open("rb") as handle:
            stored_key, value = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return value if stored_key == key else None


def _write(path: Path, key: str, value: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            marshal.dump((key, value), handle)
        os.replace(tmp, path)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)

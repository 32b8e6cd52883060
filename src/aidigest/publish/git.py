"""Commit a published post to the site's git repository and optionally push it.

Only the post's own path is added and committed (other changes in the work tree are left
alone). A push the remote rejects because another worker pushed first (several hosts, each
with its own clone of the site, pushing to one remote) fetches, rebases the local commits onto
the remote branch and pushes again, a few times. A failed push is reported, never fatal: the
commit stays in the local repository and the next run's push sends it along with the new one.

Does NOT create repositories, configure remotes or credentials, or resolve conflicts (a rebase
that conflicts is aborted and reported); the site must already be inside a git work tree.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from aidigest.errors import PublishError


@dataclass
class GitOutcome:
    """What happened: the new commit (None if the post was unchanged) and the push result."""

    commit: str | None = None
    pushed: bool = False
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _git(repo: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "echo", "LC_ALL": "C"}
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              timeout=timeout, env=env, check=False)
    except FileNotFoundError:
        raise PublishError("git is not installed; install it or set [publish] git = false") from None
    except subprocess.TimeoutExpired:
        raise PublishError(f"git {args[0]} in {repo} took longer than {timeout:g} s") from None


def _tail(done: subprocess.CompletedProcess[str]) -> str:
    lines = (done.stderr or done.stdout).strip().splitlines()
    return " / ".join(lines[-3:]) or f"exit status {done.returncode}"


def _identity(repo: Path, timeout: float) -> list[str]:
    """``-c user.*`` options when git has no identity configured (e.g. on a fresh server)."""
    if _git(repo, "config", "user.email", timeout=timeout).stdout.strip():
        return []
    return ["-c", "user.name=aidigest", "-c", "user.email=aidigest@localhost"]


def commit_post(repo: Path, post: Path, message: str, timeout: float = 60.0) -> str | None:
    """``git add`` + ``git commit`` of ``post`` alone; the new commit id, or None if unchanged."""
    top = _git(repo, "rev-parse", "--show-toplevel", timeout=timeout)
    if top.returncode != 0:
        raise PublishError(
            f"{repo} is not inside a git repository; run 'git init' there (and add a remote "
            "to push) or set [publish] git = false"
        )
    root = Path(top.stdout.strip())
    rel = os.path.relpath(post.resolve(), root.resolve())
    added = _git(root, "add", "--", rel, timeout=timeout)
    if added.returncode != 0:
        raise PublishError(f"git add {rel} failed: {_tail(added)}")
    if _git(root, "diff", "--cached", "--quiet", "--", rel, timeout=timeout).returncode == 0:
        return None
    done = _git(root, *_identity(root, timeout), "commit", "-q", "-m", message, "--", rel,
                timeout=timeout)
    if done.returncode != 0:
        raise PublishError(f"git commit of {rel} failed: {_tail(done)}")
    return _git(root, "rev-parse", "HEAD", timeout=timeout).stdout.strip() or None


PUSH_ATTEMPTS = 4
_RACED = ("[rejected]", "non-fast-forward", "fetch first", "failed to update ref",
          "cannot lock ref", "incorrect old value")


def push(repo: Path, remote: str, branch: str | None, timeout: float = 60.0) -> None:
    """Push HEAD to ``remote`` (to ``branch`` if given, else the current branch's name). When
    another clone pushed first, fetch, rebase onto the remote branch and push again."""
    target = f"HEAD:refs/heads/{branch}" if branch else "HEAD"
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        done = _git(repo, "push", "--quiet", remote, target, timeout=timeout)
        if done.returncode == 0:
            return
        raced = any(sign in (done.stderr or "") for sign in _RACED)
        if not raced or attempt == PUSH_ATTEMPTS:
            raise PublishError(f"git push to {remote} failed: {_tail(done)}")
        _rebase_onto_remote(repo, remote, branch, timeout)


def _rebase_onto_remote(repo: Path, remote: str, branch: str | None, timeout: float) -> None:
    """Fetch ``remote`` and replay the local commits on top of its branch."""
    if branch is None:
        current = _git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", timeout=timeout)
        branch = current.stdout.strip() or "HEAD"
    fetched = _git(repo, "fetch", "--quiet", remote, timeout=timeout)
    if fetched.returncode != 0:
        raise PublishError(f"git fetch from {remote} failed: {_tail(fetched)}")
    rebased = _git(repo, *_identity(repo, timeout), "rebase", "--quiet", f"{remote}/{branch}",
                   timeout=timeout)
    if rebased.returncode != 0:
        _git(repo, "rebase", "--abort", timeout=timeout)
        raise PublishError(f"git rebase onto {remote}/{branch} failed (the local commits are "
                           f"kept; resolve it in {repo}): {_tail(rebased)}")


def unpushed(repo: Path, remote: str, branch: str | None, timeout: float = 60.0) -> int | None:
    """Local commits not yet on ``remote`` as far as its remote-tracking ref knows (updated by
    every successful push); None if that is unknown (never pushed, or not a git work tree)."""
    if branch is None:
        current = _git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", timeout=timeout)
        if current.returncode != 0:
            return None
        branch = current.stdout.strip()
    ref = f"refs/remotes/{remote}/{branch}"
    if _git(repo, "rev-parse", "--verify", "--quiet", ref, timeout=timeout).returncode != 0:
        return None
    count = _git(repo, "rev-list", "--count", f"{ref}..HEAD", timeout=timeout)
    return int(count.stdout.strip()) if count.returncode == 0 else None


def push_pending(repo: Path, remote: str, branch: str | None, timeout: float = 60.0) -> GitOutcome:
    """Push commits left behind by a failed push of an earlier run (a run that publishes
    nothing new); nothing happens when the remote is known to be up to date."""
    outcome = GitOutcome()
    try:
        if unpushed(repo, remote, branch, timeout) == 0:
            return outcome
        push(repo, remote, branch, timeout)
    except PublishError as exc:
        outcome.errors.append(f"{exc}; the commits are kept locally and the next run pushes them")
        return outcome
    outcome.pushed = True
    outcome.notes.append(f"git: pushed pending commits to {remote}")
    return outcome


def publish_git(
    repo: Path, post: Path, message: str, *, push_to: str | None, branch: str | None = None,
    timeout: float = 60.0,
) -> GitOutcome:
    """Commit the post, then push if ``push_to`` names a remote; never raises for git trouble."""
    outcome = GitOutcome()
    try:
        outcome.commit = commit_post(repo, post, message, timeout)
    except PublishError as exc:
        outcome.errors.append(str(exc))
        return outcome
    outcome.notes.append(
        f"git: committed {post.name} as {outcome.commit[:10]}" if outcome.commit
        else f"git: {post.name} unchanged; nothing to commit"
    )
    if push_to:
        try:
            push(repo, push_to, branch, timeout)
            outcome.pushed = True
            outcome.notes.append(f"git: pushed to {push_to}")
        except PublishError as exc:
            outcome.errors.append(
                f"{exc}; the commit is kept locally and the next run pushes it again"
            )
    return outcome

"""What happens after a post is written: the optional git commit/push and the notifications,
each recorded in the run report as a note (success) or a warning (failure: the post is
published all the same); and, for a run that publishes nothing, the push of commits an earlier
failed push left behind.

Does NOT write or build the site, and never raises for a failing follow-up: the post is
already published when these run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aidigest.config import Config
from aidigest.models import Digest, RunReport
from aidigest.publish.git import GitOutcome, publish_git, push_pending
from aidigest.publish.notify import notify_all


def commit_message(cfg: Config, digest: Digest) -> str:
    """``[publish] commit_message`` filled with the slot; the default names slot and title."""
    try:
        return cfg.publish.commit_message.format(
            slot_key=digest.slot.key, slot_label=digest.slot.label, title=digest.title)
    except (KeyError, IndexError, ValueError):
        return f"digest {digest.slot.key}: {digest.title}"


def after_publish(
    cfg: Config, digest: Digest, post: Path, report: RunReport, say: Callable[[str], None],
) -> None:
    """git (if ``[publish] git``), then every configured ``[notify]`` channel; the
    notification's ``"warning"`` carries every warning of the run so far (a failed source,
    the build, git, items written offline), so it says what ``status`` and ``report`` say."""
    if cfg.publish.git:
        outcome = publish_git(
            cfg.site_path, post, commit_message(cfg, digest),
            push_to=cfg.publish.remote if cfg.publish.push else None,
            branch=cfg.publish.branch, timeout=cfg.publish.git_timeout,
        )
        _record(outcome, report, say)
    warning = "; ".join(report.warnings) or None
    notify_event(cfg, digest, post, report, say, event="published", reason=warning)


def notify_event(
    cfg: Config, digest: Digest, post: Path, report: RunReport, say: Callable[[str], None],
    *, event: str, reason: str | None = None,
) -> None:
    """Every configured ``[notify]`` channel, told ``event`` (published | held | draft);
    each result becomes a note (sent) or a warning (failed) in ``report``."""
    for result in notify_all(cfg.notify, digest, post, event, reason):
        if result.error:
            report.warn(f"notify {result.channel} failed: {result.error}")
        else:
            report.note(f"notify {result.channel}: sent")
        say(f"notify: {result.channel} {'FAILED' if result.error else 'sent'}")


def retry_push(cfg: Config, report: RunReport, say: Callable[[str], None]) -> None:
    """For a run that publishes nothing: push what a failed push of an earlier run left."""
    if cfg.publish.git and cfg.publish.push:
        _record(push_pending(cfg.site_path, cfg.publish.remote, cfg.publish.branch,
                             cfg.publish.git_timeout), report, say)


def _record(outcome: GitOutcome, report: RunReport, say: Callable[[str], None]) -> None:
    for note in outcome.notes:
        report.note(note)
        say(note)
    for problem in outcome.errors:
        report.warn(problem)
        say(f"git: {problem}")

"""Publishing into a git work tree pushed to a local bare repository: the commit names the
slot; a push to an unreachable remote is reported, the commit kept, and the next run pushes it."""

from __future__ import annotations

import subprocess
from importlib import resources
from pathlib import Path

from aidigest.config import Config, config_from_dict
from aidigest.pipeline import RunOptions, run_slot
from aidigest.publish import init_site
from aidigest.publish.git import publish_git
from aidigest.slots import parse_slot
from aidigest.store import open_store

SLOT = parse_slot("2025-12-07T08")


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _site_repo(tmp_path: Path, remote: Path) -> Path:
    site = tmp_path / "site"
    init_site(site)
    git("init", "-q", "-b", "main", cwd=site)
    git("config", "user.email", "test@example.com", cwd=site)
    git("config", "user.name", "test", cwd=site)
    git("add", ".", cwd=site)
    git("commit", "-q", "-m", "starter site", cwd=site)
    git("remote", "add", "origin", str(remote), cwd=site)
    return site


def _config(tmp_path: Path) -> Config:
    sample = resources.files("aidigest").joinpath("data", "sample_posts.jsonl").read_text("utf-8")
    (tmp_path / "sample.jsonl").write_text(sample, encoding="utf-8")
    return config_from_dict({
        "sources": [{"name": "sample", "kind": "jsonl", "path": "sample.jsonl"}],
        "stories": {"embeddings": False},
        "publish": {"build": False, "git": True, "push": True, "git_timeout": 30},
    }, tmp_path)


def test_commit_names_the_slot_failed_push_is_retried_next_run(tmp_path: Path) -> None:
    bare = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(bare), cwd=tmp_path)
    site = _site_repo(tmp_path, tmp_path / "unreachable" / "nowhere.git")
    cfg = _config(tmp_path)
    with open_store(cfg.store_path) as store:
        first = run_slot(cfg, store, RunOptions(SLOT, fetch=True)).report
    assert first.outcome == "published-with-warnings"
    assert any("git push to origin failed" in e and "next run" in e for e in first.warnings)
    assert first.errors == []  # published all the same: a warning, not an error
    log = git("log", "--format=%s", cwd=site).splitlines()
    assert log[0].startswith("digest 2025-12-07T08: 2025.12.07.08 ") and len(log) == 2
    assert git("status", "--porcelain", cwd=site) == ""

    git("remote", "set-url", "origin", str(bare), cwd=site)
    with open_store(cfg.store_path) as store:
        second = run_slot(cfg, store, RunOptions(SLOT, force=True)).report
    assert second.outcome == "published", second.warnings
    assert "git: pushed to origin" in second.notes
    remote_log = git("log", "--format=%s", "main", cwd=bare).splitlines()
    assert remote_log[-1] == "starter site"
    assert sum(s.startswith("digest 2025-12-07T08:") for s in remote_log) >= 1
    assert git("rev-parse", "main", cwd=bare) == git("rev-parse", "HEAD", cwd=site)
    # the commit of the failed run reached the remote too (nothing was lost)
    first_commit = git("log", "--format=%H", "--reverse", cwd=site).splitlines()[1]
    git("merge-base", "--is-ancestor", first_commit, "main", cwd=bare)


def test_only_the_post_is_committed_and_an_unchanged_post_is_not(tmp_path: Path) -> None:
    site = _site_repo(tmp_path, tmp_path / "none.git")
    post = site / "content" / "posts" / "a.md"
    post.write_text("one\n", encoding="utf-8")
    (site / "unrelated.txt").write_text("not mine\n", encoding="utf-8")
    made = publish_git(site, post, "digest a", push_to=None)
    assert made.commit and not made.errors
    assert git("show", "--name-only", "--format=", "HEAD", cwd=site) == "content/posts/a.md"
    again = publish_git(site, post, "digest a", push_to=None)
    assert again.commit is None and "nothing to commit" in again.notes[0]


def test_site_outside_git_is_reported_not_raised(tmp_path: Path) -> None:
    site = tmp_path / "plain"
    init_site(site)
    post = site / "content" / "posts" / "a.md"
    post.write_text("x\n", encoding="utf-8")
    outcome = publish_git(site, post, "m", push_to="origin")
    assert outcome.errors and "not inside a git repository" in outcome.errors[0]


def test_a_run_that_publishes_nothing_still_pushes_what_a_failed_push_left(tmp_path: Path) -> None:
    bare = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(bare), cwd=tmp_path)
    site = _site_repo(tmp_path, tmp_path / "unreachable" / "nowhere.git")
    cfg = _config(tmp_path)
    with open_store(cfg.store_path) as store:
        assert run_slot(cfg, store, RunOptions(SLOT, fetch=True)).report.outcome == \
            "published-with-warnings"
        again = run_slot(cfg, store, RunOptions(SLOT)).report  # the slot is done; push retried
    assert again.outcome == "skipped"
    assert any("git push to origin failed" in e and "next run" in e for e in again.warnings)

    git("remote", "set-url", "origin", str(bare), cwd=site)
    later = SLOT.next().next().next()  # a slot without posts: nothing new to publish
    with open_store(cfg.store_path) as store:
        empty = run_slot(cfg, store, RunOptions(later)).report
        quiet = run_slot(cfg, store, RunOptions(SLOT)).report
    assert empty.outcome == "empty" and not empty.warnings, empty.warnings
    assert "git: pushed pending commits to origin" in empty.notes
    assert git("rev-parse", "main", cwd=bare) == git("rev-parse", "HEAD", cwd=site)
    assert git("log", "-1", "--format=%s", "main", cwd=bare).startswith("digest 2025-12-07T08:")
    assert quiet.outcome == "skipped" and not quiet.warnings  # up to date: no push, no warning
    assert not any("pushed" in n for n in quiet.notes)


def test_a_push_that_races_another_clone_rebases_onto_the_remote_and_retries(tmp_path: Path) -> None:
    bare = tmp_path / "remote.git"
    git("init", "-q", "--bare", "-b", "main", str(bare), cwd=tmp_path)
    seed = _site_repo(tmp_path, bare)
    git("push", "-q", "origin", "main", cwd=seed)
    clones = []
    for name in ("a", "b"):
        git("clone", "-q", str(bare), name, cwd=tmp_path)
        clones.append(tmp_path / name)
    posts = []
    for clone, slot in zip(clones, ("2025-12-07T04", "2025-12-07T08"), strict=True):
        post = clone / "content" / "posts" / f"{slot}.md"
        post.write_text(f"---\ntitle: {slot}\n---\n", encoding="utf-8")
        posts.append(post)
    first = publish_git(clones[0], posts[0], "digest 2025-12-07T04", push_to="origin")
    second = publish_git(clones[1], posts[1], "digest 2025-12-07T08", push_to="origin")
    assert first.pushed and second.pushed, second.errors
    assert git("log", "--format=%s", "main", cwd=bare).splitlines()[:2] == [
        "digest 2025-12-07T08", "digest 2025-12-07T04"]
    assert git("status", "--porcelain", cwd=clones[1]) == ""

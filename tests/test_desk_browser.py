"""The desk in a real browser: Debian's Chromium driven by Selenium through Debian's
chromium-driver (no browser download). Open the desk on the sample window, edit an item in
the form, approve it, and check the published file and its built page; a hostile post's page
runs no script; a form sent without its CSRF token is refused and changes nothing.
Screenshots go to a temporary folder; `make screenshots` (pytest --screenshots docs/desk)
writes the README's docs/desk/*.png."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from aidigest.config import config_from_dict, load_config
from aidigest.desk.server import running
from aidigest.pipeline import RunOptions, run_slot
from aidigest.publish import find_hugo, init_site
from aidigest.slots import parse_slot
from aidigest.store import open_store
from test_desk import SLOT, drafted, good_summary  # noqa: F401  (fixture)
from test_hostile import _posts

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (test extra)")
from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and Path(p).exists()), None)
DRIVER = shutil.which("chromedriver") or next(
    (p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver") if Path(p).exists()), None)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)"),
    pytest.mark.skipif(DRIVER is None, reason="chromedriver not installed (apt-get install chromium-driver)"),
]
PROBE = ('探针<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
         '<svg onload="window.__pwned=3"></svg> OpenAI GPT-9 model release')


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never download anything
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1200,1800", "--no-first-run", "--disable-background-networking",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def shots(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Where screenshots go: ``--screenshots DIR`` (``make screenshots``), else a temp folder."""
    chosen = request.config.getoption("--screenshots")
    return Path(chosen) if chosen else tmp_path / "shots"


def _shot(driver: WebDriver, shots: Path, name: str) -> None:
    shots.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1200, min(max(int(height) + 120, 900), 2400))
    assert driver.save_screenshot(str(shots / name))


def _wait_text(driver: WebDriver, element_id: str, text: str) -> None:
    """Wait (the form's POST and redirect, a publish with its Hugo build) for ``text``."""

    def shown(d: WebDriver) -> bool:
        try:
            return text in d.find_element(By.ID, element_id).text
        except (NoSuchElementException, StaleElementReferenceException):
            return False

    WebDriverWait(driver, 120, poll_frequency=0.2).until(shown)


def _state(project: Path) -> dict[str, object]:
    with open_store(project / "aidigest.db") as store:
        row = store.get_digest(SLOT)
    assert row is not None
    return row


def test_edit_and_approve_in_the_browser(
    drafted: Path, browser: WebDriver, shots: Path  # noqa: F811
) -> None:
    cfg = load_config(drafted / "aidigest.toml")
    edited = good_summary(drafted)  # faithful to item 1's story: the quality gate passes it
    term = edited.split("**")[1]
    with running(cfg) as url:
        browser.get(url + "/")
        link = browser.find_element(By.CSS_SELECTOR, f'#slots a[href="/slots/{SLOT}"]')
        assert "draft" in browser.find_element(By.ID, "slots").text
        _shot(browser, shots, "index.png")
        link.click()
        assert browser.find_element(By.ID, "state").text == "draft"
        item = browser.find_element(By.ID, "item-1")
        item.find_element(By.CSS_SELECTOR, "details.edit > summary").click()
        form = item.find_element(By.CSS_SELECTOR, "form.edit-form")
        title = form.find_element(By.NAME, "title")
        title.clear()
        title.send_keys("浏览器里改写的标题")
        summary = form.find_element(By.NAME, "summary")
        summary.clear()
        summary.send_keys(edited)
        _shot(browser, shots, "edit.png")
        form.find_element(By.CSS_SELECTOR, "button.save").click()
        _wait_text(browser, "message", "item 1 saved")
        assert "浏览器里改写的标题" in browser.find_element(By.ID, "item-1").text
        browser.find_element(By.ID, "publish").click()
        _wait_text(browser, "state", "published")
        _shot(browser, shots, "slot.png")
    row = _state(drafted)
    text = Path(str(row.path)).read_text(encoding="utf-8")
    assert row.state == "published" and "draft: true" not in text
    assert "1.  [浏览器里改写的标题-" in text and f"**{term}**" in text
    if find_hugo():
        page = drafted / "site" / "public" / "posts" / "2025-12-07t08" / "index.html"
        html = page.read_text(encoding="utf-8")
        assert "浏览器里改写的标题" in html and f"<strong>{term}</strong>" in html


def test_form_without_token_is_refused(drafted: Path, browser: WebDriver) -> None:  # noqa: F811
    cfg = load_config(drafted / "aidigest.toml")
    before = _state(drafted)
    with running(cfg) as url:
        browser.get(f"{url}/slots/{SLOT}")
        browser.execute_script(
            "document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
        browser.find_element(By.ID, "publish").click()
        _wait_text(browser, "error", "forbidden")
        browser.get(f"{url}/slots/{SLOT}")
        browser.execute_script(
            "document.querySelectorAll('input[name=csrf]').forEach(e => e.value = 'forged')")
        browser.find_element(By.CSS_SELECTOR, "#item-1 .item-actions form:nth-of-type(3) button").click()
        _wait_text(browser, "error", "forbidden")
    assert _state(drafted) == before


def test_hostile_post_runs_no_script(tmp_path: Path, browser: WebDriver, shots: Path) -> None:
    rows = _posts()
    rows.append({"id": "1997000000099999999", "url": "https://x.com/probe/status/1997000000099999999",
                 "author": {"handle": "probe", "name": '<img src=x onerror="window.__pwned=4">'},
                 "created_at": "2025-12-06T23:30:00Z", "text": PROBE,
                 "metrics": {"likes": 900000, "reposts": 90000}})
    source = tmp_path / "hostile.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    init_site(tmp_path / "site")
    cfg = config_from_dict({"sources": [{"name": "h", "kind": "jsonl", "path": str(source)}],
                            "digest": {"items": {"min": 1, "max": 12}},
                            "stories": {"embeddings": False},
                            "publish": {"build": False, "mode": "review"}}, tmp_path)
    with open_store(cfg.store_path) as store:
        result = run_slot(cfg, store, RunOptions(parse_slot(SLOT), fetch=True))
    assert result.report.outcome == "draft", result.report
    with running(cfg) as url:
        browser.get(f"{url}/slots/{SLOT}")
        for details in browser.find_elements(By.CSS_SELECTOR, "details > summary"):
            details.click()  # open every story: the hostile texts are on screen
        assert browser.execute_script("return typeof window.__pwned") == "undefined"
        scripts = browser.find_elements(By.TAG_NAME, "script")
        assert scripts == [], [s.get_attribute("outerHTML")[:300] for s in scripts]
        assert browser.find_elements(By.CSS_SELECTOR, "main img, main svg, main iframe") == []
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "<script>window.__pwned=1</script>" in body  # shown as text
        assert not [a for a in browser.find_elements(By.TAG_NAME, "a")
                    if (a.get_attribute("href") or "").lower().startswith("javascript")]
        # a post's bidi overrides (U+202E) stay inside it and cannot reorder the page around it
        assert browser.execute_script(
            "return getComputedStyle(document.querySelector('.post-text')).unicodeBidi") == "isolate"
        assert browser.find_elements(By.CSS_SELECTOR, ".posts bdi")
        _shot(browser, shots, "hostile.png")


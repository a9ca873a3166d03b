"""The reference viewer (clients/viewer) in headless chromium, through the gateway of
`make run` with the demo data: login, my sessions, a session's timeline with real
thumbnails and its statistics, a data collection's processing and images.

Screenshots of each view go to the test's artifact folder (ISPYB_TEST_ARTIFACTS, else
var/test-artifacts)/test_viewer. Each view's requests are counted from the browser's
resource timing entries; docs/front-ends.md#the-reference-viewer lists the same counts
(test_the_documented_counts_are_the_measured_ones keeps them equal).
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pytest

from tests.gateway.support import ROOT, RunningStack
from tests.gateway.webdriver import Browser

SERVICES = ["core", "em", "auth"]
ARTIFACTS = Path(os.environ.get("ISPYB_TEST_ARTIFACTS") or ROOT / "var" / "test-artifacts")
FRONT_ENDS = ROOT / "docs" / "front-ends.md"

# What each view needs with the demo data (the documented counts): API calls + images.
EXPECTED = {
    "login": {"api": 1, "images": 0},  # GET /auth/config
    "home": {"api": 4, "images": 0},  # the login, options, proposals, sessions
    # events, statistics; 4 sweeps' snapshots, a robot action's, an energy scan's, an XRF's
    "session": {"api": 2, "images": 7},
    "data-collection": {"api": 4, "images": 1},  # sweep, processing, images, 1 snapshot URL
}


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = ARTIFACTS / "test_viewer"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def stack(tmp_path_factory, tokens):
    stack = RunningStack(tmp_path_factory.mktemp("viewer-var"), SERVICES, tokens, real_auth=True)
    output = stack.start()
    stack.output = output
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    browser = Browser(tmp_path_factory.mktemp("viewer-chromium"))
    yield browser
    browser.close()


def screenshot(browser: Browser, path: Path) -> None:
    path.write_bytes(base64.b64decode(browser._session("GET", "/screenshot")))


def requests_of_view(browser: Browser) -> list[dict]:
    return browser.script(
        "return performance.getEntriesByType('resource').map(e => ({name: e.name, "
        "type: e.initiatorType, size: e.transferSize, body: e.encodedBodySize}))"
    )


def counted(browser: Browser) -> dict:
    """A view's API calls (fetch entries) and images: those of the page, since an image
    whose signed URL the browser already holds (the timeline's snapshot, opened again
    within the same second) comes from its memory cache without an entry."""
    entries = requests_of_view(browser)
    api = [e for e in entries if e["type"] == "fetch"]
    images = [e for e in entries if e["type"] == "img"]
    shown = browser.script("return document.querySelectorAll('#main img').length")
    assert len(images) <= shown
    return {
        "api": len(api),
        "images": shown,
        "apiBytes": sum(e["body"] for e in api),
        "imageBytes": sum(e["body"] for e in images),
    }


def wait_for_view(browser: Browser, view: str) -> None:
    browser.wait_for(f"body[data-view='{view}'][data-ready='true']")


def go(browser: Browser, hash_: str, view: str) -> None:
    """Show the view of ``hash_`` (drawn again when it is already the current one)."""
    browser.script(
        "document.body.dataset.ready = 'false';"
        "if (location.hash === arguments[0])"
        "  window.dispatchEvent(new HashChangeEvent('hashchange'));"
        "else location.hash = arguments[0];",
        hash_,
    )
    wait_for_view(browser, view)


def images_loaded(browser: Browser, css: str) -> list[int]:
    """naturalWidth of each image matching css, once every one has finished loading."""
    script = (
        "const images = [...document.querySelectorAll(arguments[0])];"
        "return images.every(i => i.complete) ? images.map(i => i.naturalWidth) : null;"
    )
    for _ in range(150):
        widths = browser.script(script, css)
        if widths is not None:
            return widths
        browser.script("return new Promise(r => setTimeout(r, 100))")
    raise AssertionError(f"images {css} did not load")


@pytest.fixture(scope="module")
def measured(stack, browser, artifacts):
    """Walk through the viewer as a person would; the counts of each view."""
    base = f"http://127.0.0.1:{stack.gateway_port}"
    counts = {}
    browser.open(f"{base}/viewer/")
    wait_for_view(browser, "login")
    counts["login"] = counted(browser)
    screenshot(browser, artifacts / "1-login.png")
    forms = browser.find_all("form.login-form[data-plugin='local']")
    assert forms, "the login form is built from /auth/config"

    browser.script("performance.clearResourceTimings()")
    browser.script(
        "const form = document.querySelector(\"form.login-form[data-plugin='local']\");"
        "form.username.value = 'alice'; form.password.value = 'demo-alice';"
    )
    browser.click(browser.find_all("form.login-form[data-plugin='local'] button")[0])
    wait_for_view(browser, "home")
    # chromedriver logs each command, the demo password typed above too: its log goes
    # (the secret watch reads every log the tests leave).
    browser.log.unlink(missing_ok=True)
    counts["home"] = counted(browser)
    screenshot(browser, artifacts / "2-sessions.png")

    browser.script("performance.clearResourceTimings()")
    link = next(a for a in browser.find_all("a.session-link") if browser.text(a) == "mx1001-1")
    browser.click(link)
    wait_for_view(browser, "session")
    widths = images_loaded(browser, "li.event img.thumbnail")
    counts["session"] = counted(browser)
    counts["session"]["thumbnailWidths"] = widths
    screenshot(browser, artifacts / "3-session-timeline.png")

    browser.script("performance.clearResourceTimings()")
    link = next(a for a in browser.find_all("a.dc-link") if "lyso_1" in browser.text(a))
    browser.click(link)
    wait_for_view(browser, "data-collection")
    widths = images_loaded(browser, "#dc-images img")
    counts["data-collection"] = counted(browser)
    counts["data-collection"]["snapshotWidths"] = widths
    screenshot(browser, artifacts / "4-data-collection.png")
    (artifacts / "request-counts.json").write_text(json.dumps(counts, indent=2))
    return counts


def test_run_prints_the_viewers_url(stack):
    assert f"http://127.0.0.1:{stack.gateway_port}/viewer/" in stack.output


def test_the_viewer_logs_in_and_lists_my_sessions(measured, browser):
    go(browser, "#/", "home")
    visits = [browser.text(a) for a in browser.find_all("a.session-link")]
    assert {"mx1001-1", "mx1001-2", "mx999-1"} <= set(visits)
    proposals = [
        browser.attribute(s, "data-proposal") for s in browser.find_all("section.proposal")
    ]
    assert sorted(proposals) == ["mx1001", "mx999"]


def test_the_timeline_shows_real_thumbnails_best_results_and_statistics(measured, browser):
    widths = measured["session"]["thumbnailWidths"]
    assert len(widths) == 7 and all(width > 0 for width in widths)
    go(browser, "#/sessions/mx1001-1", "session")
    events = browser.find_all("li.event")
    # The demo's four sweeps (no SSX in this selection), a robot action, an energy scan
    # and an XRF spectrum, each with its image.
    assert len(events) == 7
    types = sorted(browser.attribute(e, "data-type") for e in events)
    assert types == ["dataCollection"] * 4 + ["energyScan", "robotAction", "xrfSpectrum"]
    # Signed URLs in <img src>, no token: same origin, under the gateway.
    sources = [browser.attribute(img, "src") for img in browser.find_all("li.event img")]
    assert len(sources) == 7
    assert all(re.search(r"\?expires=\d+&signature=[0-9a-f]{64}$", s) for s in sources)
    assert any("/robot-actions/" in s and "/snapshots/before?" in s for s in sources)
    assert any("/energy-scans/" in s for s in sources)
    assert any("/xrf-spectra/" in s for s in sources)
    best = [browser.text(p) for p in browser.find_all("li.event p.best")]
    assert any("1.45 Å" in text and "P 43 21 2" in text for text in best)
    statistics = browser.text(browser.find_all("#statistics")[0])
    assert "Collecting" in statistics and "16 min" in statistics
    assert "Data collections" in statistics and "4 (0 failed, 0 aborted)" in statistics
    assert "resolution (Å)" in statistics


def test_a_data_collection_opens_its_processing_and_images(measured, browser):
    assert measured["data-collection"]["snapshotWidths"] == [320]
    go(browser, "#/data-collections/1", "data-collection")
    runs = browser.find_all("article.processing-run")
    assert len(runs) >= 1
    text = browser.text(runs[0])
    assert "success" in text and "P 43 21 2" in text and "overall" in text
    assert browser.find_all("#dc-images img.snapshot")


def test_each_view_needs_the_documented_requests(measured):
    for view, expected in EXPECTED.items():
        assert {k: measured[view][k] for k in expected} == expected, (view, measured[view])


def test_the_documented_counts_are_the_measured_ones(measured):
    text = FRONT_ENDS.read_text()
    section = text[text.index("## The reference viewer") :]
    for view, expected in EXPECTED.items():
        row = re.search(rf"^\| {re.escape(view)} \|(.*)$", section, re.M)
        assert row, f"docs/front-ends.md has no row for the view {view}"
        cells = [cell.strip() for cell in row.group(1).split("|")]
        assert cells[0] == str(expected["api"]) and cells[1] == str(expected["images"]), view

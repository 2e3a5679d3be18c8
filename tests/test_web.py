"""The chat page in a real browser (Debian's Chromium driven by Playwright) against the real
app under uvicorn: streaming answers, citation chips, the source panel, follow-ups,
abstention and sources that disagree. Harness: tests/browser.py.

Needs `apt-get install -y chromium` and `pip install playwright` (no `playwright install`:
the system Chromium is used). Without them the tests skip, or fail when CI is set.
Screenshots go to tests/artifacts/; RAG_UPDATE_SCREENSHOT=1 also rewrites the README's
docs/screenshot-desktop.png."""

from __future__ import annotations

import json
import os
import re

import httpx
import pytest

from tests.browser import (
    DESKTOP,
    DOCS_SCREENSHOT,
    TEHRAN,
    TOKEN,
    api_answer,
)
from tests.support import SEEDS

pytestmark = pytest.mark.browser  # and `live`, from the live_server fixture


def test_answer_streams_in_with_citation_chips(open_page):
    ui = open_page()
    page = ui.page
    with page.expect_response("**/api/ask/stream") as streamed:
        ui.ask(TEHRAN)
    response = streamed.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = re.findall(r"^event: (\w+)$", response.text(), re.M)
    assert events[0] == "sources" and "delta" in events and events[-1] == "answer"

    answer = ui.last_answer()
    assert "answer--abstained" not in (answer.get_attribute("class") or "")
    assert answer.get_attribute("aria-busy") == "false"
    assert "their own decision" in answer.locator(".answer__text").inner_text()
    chips = answer.locator("button.chip")
    assert chips.count() >= 1
    assert re.fullmatch(r"Source 1: .+", chips.first.get_attribute("aria-label") or "")
    # The cited sources are listed under the answer.
    assert answer.locator(".source-item").count() >= 1
    # Hovering a chip previews the source: outlet or title, and the quote.
    chips.first.hover()
    popover = page.locator("#popover")
    popover.wait_for(state="visible")
    assert "their own decision" in popover.inner_text()
    assert "Reported by" in popover.inner_text()
    ui.screenshot("answer-desktop.png")


def test_chip_opens_the_article_with_the_quote_highlighted(open_page, live_server):
    expected = api_answer(live_server, TEHRAN)["citations"][0]
    assert expected["also_reported_by"], "the seeds report this fact in several articles"
    ui = open_page()
    page = ui.page
    ui.ask(TEHRAN)
    ui.last_answer().locator("button.chip").first.click()

    panel = page.locator("#panel")
    panel.wait_for(state="visible")
    mark = panel.locator("mark")
    mark.wait_for(state="visible")
    assert mark.count() == 1 and mark.inner_text() == expected["quote"]
    assert mark.is_visible() and mark.evaluate(
        "m => { const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
    )
    assert f"Reported by {len(expected['also_reported_by']) + 1} sources" in panel.inner_text()
    others = panel.locator(".also-item")
    assert others.count() == len(expected["also_reported_by"]) >= 1
    ui.screenshot("source-panel-desktop.png")
    if os.environ.get("RAG_UPDATE_SCREENSHOT"):  # the committed one changes only on request
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOT))

    # One click away: the other article, its own span highlighted.
    other = expected["also_reported_by"][0]
    others.first.click()
    page.wait_for_function(
        "quote => document.querySelector('#panel mark')?.textContent === quote", arg=other["quote"]
    )
    assert panel.locator("mark").is_visible()
    assert other["title"] in panel.locator(".article__title").inner_text()
    ui.screenshot("also-reported-desktop.png")

    # Escape closes the panel and gives the focus back to the chip.
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('chip')")

    dark = open_page(DESKTOP, color_scheme="dark")
    dark.ask(TEHRAN)
    dark.last_answer().locator("button.chip").first.click()
    dark.page.locator("#panel mark").wait_for(state="visible")
    dark.screenshot("source-panel-desktop-dark.png")


def test_follow_up_sends_the_conversation(open_page):
    ui = open_page()
    page = ui.page
    first = "Which Iraqi groups are leading the attacks on Israel?"
    ui.ask(first)
    first_answer = ui.last_answer().locator(".answer__text").inner_text()
    with page.expect_request("**/api/ask/stream") as sent:
        ui.ask("When was the first one founded?")
    history = json.loads(sent.value.post_data or "{}")["history"]
    assert [turn["role"] for turn in history] == ["user", "assistant"]
    assert history[0]["content"] == first
    assert history[1]["content"].startswith(first_answer[:40])
    last = ui.last_answer()
    assert "2003" in last.inner_text()
    # A "when" question leads with its date, set apart, then the cited quote.
    assert last.locator(".answer__short").inner_text() == "2003"


def test_abstained_answer_looks_different_and_has_no_chips(open_page):
    ui = open_page()
    ui.ask("What was Iraq's GDP growth rate in 2024?")
    answer = ui.last_answer()
    assert "answer--abstained" in (answer.get_attribute("class") or "")
    assert "don't cover" in answer.inner_text()
    assert answer.locator(".chip").count() == 0
    assert answer.locator(".sources").count() == 0
    assert answer.evaluate("a => getComputedStyle(a).borderTopStyle") == "dashed"
    ui.screenshot("abstained-desktop.png")


def test_sources_that_disagree_are_shown_apart_with_each_version_cited(open_page, live_server):
    """A copy of a seed article that names another adviser: the page shows both versions
    in a distinct box, each with its source's chip, and the answer text below."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    original = (SEEDS / "000_9333b7dd7e7da588.txt").read_text("utf-8")
    payload = {
        "title": "A copy that names another adviser",
        "text": original.replace("Qasim al-Araji", "Faleh al-Fayyadh"),
    }
    added = httpx.post(f"{live_server}/api/documents", json=payload, headers=auth, timeout=120)
    assert added.status_code in (200, 201), added.text
    document_id = added.json()["document_id"]
    try:
        ui = open_page()
        ui.ask("What is the name of Prime Minister Sudani's national security adviser?")
        box = ui.last_answer().locator(".answer__conflict")
        assert box.locator(".answer__conflict-title").inner_text() == "Sources disagree"
        versions = box.locator("li")
        assert versions.count() == 2
        assert {versions.nth(i).inner_text().split("\u2009")[0] for i in range(2)} == {
            "Qasim al-Araji",
            "Faleh al-Fayyadh",
        }
        assert box.locator(".chip").count() == 2
        assert box.evaluate("b => getComputedStyle(b).borderLeftStyle") == "solid"
        ui.screenshot("conflict-desktop.png")
    finally:
        deleted = httpx.delete(f"{live_server}/api/documents/{document_id}", headers=auth)
        assert deleted.status_code == 200, deleted.text

"""Filters and the article list in a real browser (harness: tests/browser.py), against a
live server whose index holds the seeds plus the dated corpus of tests/data/dated: outlet
and date filters on every question, the newest article first for a "latest" question, and
searching, sorting and paging the articles. Skips without Chromium, fails in CI."""

from __future__ import annotations

import json
import shutil

import pytest

from rag.index.maintain import IndexTarget, add_documents
from rag.ingest.bulk import load_inputs
from rag.ingest.chunking import ChunkerParams
from rag.ingest.entities import SpacyAnnotator
from rag.types import DocumentMeta
from tests.browser import DESKTOP, NARROW
from tests.support import DATA

pytestmark = pytest.mark.browser  # and `live`, from the live_server fixture

PAY = "What pay rise did the crane drivers accept?"
LATEST = "What is the latest on the Saltmarsh port strike?"
EN = {"locale": "en-US", "timezone_id": "UTC"}  # dates and numbers as the asserts spell them


@pytest.fixture(scope="module")
def live_index_dir(tmp_path_factory, seed_index_dir, embedder):
    """Overrides conftest's: the seed index plus the eight dated articles (13 in all)."""
    directory = tmp_path_factory.mktemp("live-dated") / "index"
    shutil.copytree(seed_index_dir, directory)
    articles = load_inputs([DATA / "dated" / "wire.jsonl"], DocumentMeta()).documents
    add_documents(
        IndexTarget(directory, embedder, ChunkerParams(), annotator=SpacyAnnotator()), articles
    )
    return directory


def expect(locator):
    from playwright.sync_api import expect as playwright_expect  # only once Chromium is there

    return playwright_expect(locator)


def ask_and_capture(ui, question: str) -> dict:
    """Ask through the page; returns the JSON body the page sent."""
    with ui.page.expect_request("**/api/ask/stream") as sent:
        ui.ask(question)
    return json.loads(sent.value.post_data or "{}")


def kickers(ui) -> list[str]:
    """The "outlet · date" line of each source listed under the last answer."""
    return ui.last_answer().locator(".source-item__kicker").all_inner_texts()


def test_an_outlet_filter_holds_for_every_question_until_it_is_removed(open_page):
    ui = open_page(DESKTOP, **EN)
    page = ui.page
    toggle = page.locator("#filters-button")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    outlet = page.locator(".filters__outlet", has_text="Harbour Times")
    expect(outlet).to_contain_text("3")  # its article count
    assert page.evaluate("document.activeElement.type") == "checkbox"  # focus moved in
    page.get_by_role("checkbox", name="Harbour Times").check()
    page.keyboard.press("Escape")
    expect(page.locator("#filters-panel")).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "filters-button"
    expect(page.locator("#filters-active .filter-chip")).to_have_text(["Harbour Times×"])
    expect(toggle).to_have_attribute("aria-label", "Filters, 1 active")

    sent = ask_and_capture(ui, PAY)
    assert sent["filters"] == {"outlets": ["Harbour Times"]}
    assert "Harbour Times" in page.locator(".turn__scope").last.inner_text()
    first = kickers(ui)
    assert first and all(k.startswith("Harbour Times") for k in first), first
    # A follow-up carries the filter as well as the conversation.
    sent = ask_and_capture(ui, "How many ships were waiting?")
    assert sent["filters"] == {"outlets": ["Harbour Times"]} and len(sent["history"]) == 2
    follow_up = kickers(ui)
    assert follow_up and all(k.startswith("Harbour Times") for k in follow_up), follow_up

    # Removing the chip removes the filter: the key is left out, other outlets come back.
    page.get_by_role("button", name="Remove filter: outlet Harbour Times").click()
    expect(page.locator("#filters-active")).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "filters-button"
    page.locator("#new-chat").click()
    sent = ask_and_capture(ui, PAY)
    assert "filters" not in sent
    assert page.locator(".turn__scope").count() == 0
    assert any(k.startswith("Metro Wire") for k in kickers(ui)), kickers(ui)


def test_dates_that_match_nothing_and_a_reversed_range(open_page):
    ui = open_page(DESKTOP, **EN)
    page = ui.page
    page.locator("#filters-button").click()
    page.locator("#filters-from").fill("2030-01-01")
    page.locator("#filters-from").press("Enter")  # must not send the (empty) question
    expect(page.locator("#composer-error")).to_be_hidden()
    page.locator("#filters-done").click()
    expect(page.locator("#filters-active")).to_have_text("From Jan 1, 2030×")

    sent = ask_and_capture(ui, PAY)
    assert sent["filters"] == {"published_from": "2030-01-01"}
    answer = ui.last_answer()
    assert "answer--abstained" in (answer.get_attribute("class") or "")
    expect(answer).to_contain_text("No indexed article matches the filters")
    assert answer.locator(".chip").count() == 0
    answer.get_by_role("button", name="clear the filters").click()
    expect(page.locator("#filters-active")).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "question"

    # From after to: the server refuses (422) and says why where errors are shown.
    page.locator("#filters-button").click()
    page.locator("#filters-from").fill("2025-04-01")
    page.locator("#filters-to").fill("2025-03-01")
    page.locator("#filters-done").click()
    turns = page.locator(".turn").count()
    page.locator("#question").fill(PAY)
    page.locator("#question").press("Enter")
    error = page.locator("#composer-error")
    expect(error).to_contain_text("published_from is after published_to")
    expect(error).to_contain_text("filters")
    assert page.locator(".turn").count() == turns and page.locator("#question").input_value() == PAY
    ui.screenshot("filters-refused-desktop.png")

    # Clear all: questions go out unfiltered again and are answered.
    page.get_by_role("button", name="Clear all filters").click()
    assert "filters" not in ask_and_capture(ui, PAY)
    expect(ui.last_answer()).to_contain_text("5 percent")


def test_a_latest_question_cites_the_newest_strike_article_first_with_its_date(open_page):
    ui = open_page(DESKTOP, **EN)
    ui.ask(LATEST)
    answer = ui.last_answer()
    assert "answer--abstained" not in (answer.get_attribute("class") or "")
    first = answer.locator(".source-item").first
    newest = {
        "Saltmarsh port clears backlog": "Coast Courier · Apr 2, 2025",  # strike-5
        "Saltmarsh crane strike ends after vote": "Metro Wire · Mar 22, 2025",  # strike-4
    }
    title = first.locator(".source-item__title").inner_text()
    assert title in newest, title
    assert first.locator(".source-item__kicker").inner_text() == newest[title]
    assert first.is_visible()
    ui.screenshot("latest-desktop.png")


def test_the_article_list_searches_sorts_pages_and_scopes_questions(open_page):
    ui = open_page(DESKTOP, **EN)
    page = ui.page
    page.locator("#documents-button").click()
    panel = page.locator("#panel")
    intro, items, titles = (
        panel.locator(".doc-list__intro"),
        panel.locator(".doc-item"),
        panel.locator(".doc-item__title"),
    )
    expect(intro).to_have_text("13 articles are indexed. Answers quote only these.")
    expect(panel.locator(".doc-pager__range")).to_have_text("1–13 of 13")
    expect(titles.first).to_have_text("Bluewater Lines delays Northholm ferry")  # newest

    page.locator("#doc-search").fill("saltmarsh strike")  # debounced
    expect(intro).to_have_text("2 articles match “saltmarsh strike”.")
    assert sorted(titles.all_inner_texts()) == [
        "Saltmarsh crane strike ends after vote",
        "Saltmarsh port strike enters second week",
    ]
    page.locator("#doc-search").fill("")
    page.locator("#doc-search").press("Enter")
    expect(items).to_have_count(13)

    page.locator("#doc-sort").select_option("oldest")
    expect(titles.first).to_have_text("New ferry route links Saltmarsh and Northholm")  # ferry-1
    page.locator("#doc-page-size").select_option("10")
    range_ = panel.locator(".doc-pager__range")
    previous = panel.get_by_role("button", name="← Previous")
    after = panel.get_by_role("button", name="Next →")
    expect(range_).to_have_text("1–10 of 13")
    expect(items).to_have_count(10)
    expect(previous).to_be_disabled()
    after.click()
    expect(range_).to_have_text("11–13 of 13")
    expect(items).to_have_count(3)
    expect(after).to_be_disabled()
    assert page.evaluate("document.activeElement.textContent") == "← Previous"
    ui.screenshot("articles-page-2-desktop.png")

    # An article opens from page 2, and "All articles" comes back to page 2.
    opened = titles.first.inner_text()
    items.first.click()
    expect(panel.locator(".article__title")).to_have_text(opened)
    page.locator("#panel-back").click()
    expect(range_).to_have_text("11–13 of 13")

    # "Ask only this article" scopes the next question to it.
    previous.click()
    expect(range_).to_have_text("1–10 of 13")
    panel.locator(".doc-item", has_text="Crane drivers walk out at Saltmarsh port").click()
    panel.get_by_role("button", name="Ask only this article").click()
    expect(panel).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "question"
    expect(page.locator("#filters-active")).to_have_text(
        "Only “Crane drivers walk out at Saltmarsh port”×"
    )
    sent = ask_and_capture(ui, "How many drivers joined the strike?")
    assert sent["filters"] == {"document_ids": ["strike-1"]}
    sources = ui.last_answer().locator(".source-item__title").all_inner_texts()
    assert sources and set(sources) == {"Crane drivers walk out at Saltmarsh port"}
    expect(ui.last_answer().locator(".answer__text")).to_contain_text("140")


def test_filters_and_articles_fit_a_narrow_screen(open_page):
    ui = open_page(NARROW, **EN)
    page = ui.page
    width = "document.documentElement.scrollWidth"
    page.locator("#filters-button").click()
    page.get_by_role("checkbox", name="Coast Courier").check()
    page.locator("#filters-from").fill("2025-03-01")
    expect(page.locator("#filters-active .filter-chip")).to_have_count(2)
    composer = page.locator("#composer").bounding_box()
    assert composer is not None and composer["y"] >= 0  # the open panel stays on screen
    assert page.evaluate(width) <= NARROW["width"]
    ui.screenshot("filters-narrow.png")
    page.locator("#filters-done").click()
    page.locator("#documents-button").click()
    page.locator("#doc-search").wait_for()
    expect(page.locator(".doc-pager__range")).to_have_text("1–13 of 13")
    assert page.evaluate(width) <= NARROW["width"]
    ui.screenshot("articles-narrow.png")

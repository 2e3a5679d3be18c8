"""The chat page in a real browser when things are hard: hostile documents, a narrow
screen, errors, the keyboard and copying (harness: tests/browser.py; skips without
Chromium, fails in CI)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.browser import (
    DESKTOP,
    NARROW,
    TEHRAN,
    TOKEN,
    api_answer,
)

pytestmark = pytest.mark.browser  # and `live`, from the live_server fixture


def test_hostile_markup_in_a_document_is_shown_as_text(open_page, live_server):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    payload = {
        "title": "XSS <script>alert(1)</script>",
        "text": "Hostile markup <img src=x onerror=alert(1)> and <script>alert(2)</script> "
        "appeared in Basra on Monday. Officials removed it.",
    }
    added = httpx.post(f"{live_server}/api/documents", json=payload, headers=auth, timeout=60)
    assert added.status_code in (200, 201), added.text
    document_id = added.json()["document_id"]
    try:
        ui = open_page()
        page = ui.page
        page.locator("#documents-button").click()
        entry = page.locator(".doc-item", has_text="XSS <script>alert(1)</script>")
        entry.click()
        panel = page.locator("#panel")
        panel.locator(".article__text").wait_for()
        assert "<img src=x onerror=alert(1)>" in panel.locator(".article__text").inner_text()
        assert panel.locator(".article__title").inner_text() == payload["title"]
        assert panel.locator("img").count() == 0
        assert page.locator('img[src="x"]').count() == 0
        assert panel.locator("script").count() == 0
        page.wait_for_timeout(200)  # an injected handler would have fired by now
        ui.screenshot("hostile-document-desktop.png")
        # Back to the list, and the seeds are there too.
        page.locator("#panel-back").click()
        page.locator(".doc-item").nth(5).wait_for()
    finally:
        deleted = httpx.delete(f"{live_server}/api/documents/{document_id}", headers=auth)
        assert deleted.status_code == 200, deleted.text


def test_narrow_screen_has_no_horizontal_scroll(open_page):
    ui = open_page(NARROW)
    page = ui.page
    width = "document.documentElement.scrollWidth"
    assert page.evaluate(width) <= NARROW["width"]
    ui.screenshot("welcome-narrow.png")
    ui.ask(TEHRAN)
    assert page.evaluate(width) <= NARROW["width"]
    ui.screenshot("answer-narrow.png")
    ui.last_answer().locator("button.chip").first.click()
    panel = page.locator("#panel")
    panel.locator("mark").wait_for(state="visible")
    box = panel.bounding_box()
    assert box is not None and box["x"] == 0 and box["width"] == NARROW["width"]  # full screen
    assert page.evaluate(width) <= NARROW["width"]
    ui.screenshot("source-panel-narrow.png")
    page.locator("#panel-close").click()
    panel.wait_for(state="hidden")
    page.locator("#documents-button").click()
    page.locator(".doc-item").first.wait_for()
    assert page.evaluate(width) <= NARROW["width"]
    ui.screenshot("documents-narrow.png")


def _expect_inline_error(ui, question: str, contains: str) -> None:
    page = ui.page
    page.locator("#question").fill(question)
    page.locator("#question").press("Enter")
    error = page.locator("#composer-error")
    error.wait_for(state="visible")
    assert contains in error.inner_text()
    assert page.locator("#question").input_value() == question
    assert page.locator(".turn").count() == 0  # the failed exchange is not kept
    assert page.locator("#send").is_enabled()


def test_errors_are_shown_inline_and_the_question_is_kept(open_page):
    ui = open_page()
    page = ui.page
    route = "**/api/ask/stream"

    def server_error(route):
        body = {"error": {"code": "internal", "message": "boom"}}
        route.fulfill(status=500, content_type="application/json", body=json.dumps(body))

    page.route(route, server_error)
    _expect_inline_error(ui, "Why did Tehran rebuff Baghdad? (500)", "boom")
    ui.screenshot("error-desktop.png")
    page.unroute(route)

    page.route(route, lambda route: route.abort())
    _expect_inline_error(ui, "Why did Tehran rebuff Baghdad? (offline)", "reach the server")
    page.unroute(route)

    def invalid(route):
        body = {"error": {"code": "validation_error", "message": "too long", "field": "question"}}
        route.fulfill(status=422, content_type="application/json", body=json.dumps(body))

    page.route(route, invalid)
    _expect_inline_error(ui, "Why did Tehran rebuff Baghdad? (422)", "too long")
    page.unroute(route)

    def error_event(route):
        data = json.dumps({"error": {"code": "internal", "message": "stream broke"}})
        body = (
            f"event: sources\ndata: {json.dumps({'sources': []})}\n\nevent: error\ndata: {data}\n\n"
        )
        route.fulfill(status=200, content_type="text/event-stream", body=body)

    page.route(route, error_event)
    _expect_inline_error(ui, "Why did Tehran rebuff Baghdad? (event)", "stream broke")
    page.unroute(route)

    # Typing clears the error; the real server then answers.
    ui.ask(TEHRAN)
    assert page.locator("#composer-error").is_hidden()
    assert page.locator(".turn").count() == 1


def test_keyboard_new_chat_and_copy(open_page, live_server):
    origin = live_server
    ui = open_page(DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    ui.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page = ui.page
    box = page.locator("#question")
    box.click()
    page.keyboard.type("line one")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("line two")
    assert box.input_value() == "line one\nline two"
    assert page.locator(".turn").count() == 0

    box.fill("")
    page.keyboard.type(TEHRAN)
    page.keyboard.press("Enter")
    page.locator(".answer:not(.answer--pending)").wait_for()
    assert box.input_value() == ""
    assert page.locator(".turn__question").inner_text() == TEHRAN

    ui.last_answer().get_by_role("button", name="Copy the answer with its sources").click()
    ui.last_answer().locator(".answer__actions .button", has_text="Copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "their own decision" in copied and "\n[1] " in copied
    citation = api_answer(live_server, TEHRAN)["citations"][0]
    assert f'[1] {citation["outlet"]} — {citation["title"]}: "{citation["quote"]}"' in copied

    page.locator("#new-chat").click()
    assert page.locator(".turn").count() == 0
    assert page.locator("#welcome").is_visible()
    assert page.locator("#new-chat").is_disabled()
    # An example question is one click away, and the history starts afresh.
    with page.expect_request("**/api/ask/stream") as sent:
        page.locator(".example").first.click()
    assert json.loads(sent.value.post_data or "{}")["history"] == []
    page.locator(".answer:not(.answer--pending)").wait_for()

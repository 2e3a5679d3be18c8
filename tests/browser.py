"""The browser harness of the page tests: Chromium via Playwright, a page wrapper that
records JavaScript errors and dialogs, and the API answer a page should show. The
`browser` and `open_page` fixtures (conftest.py) build on it."""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import ROOT

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DOCS_SCREENSHOT = ROOT / "docs" / "screenshot-desktop.png"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "s3cret-token"
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 375, "height": 800}
TIMEOUT_MS = 15_000
TEHRAN = "Why did Tehran rebuff Baghdad?"


def browser_missing() -> str | None:
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing: .venv/bin/pip install playwright"
    return None


@contextlib.contextmanager
def chromium() -> Iterator:
    """Headless system Chromium; skips (fails in CI) when it or Playwright is missing."""
    reason = browser_missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    playwright = sync_playwright().start()
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield launched
    finally:
        launched.close()
        playwright.stop()


class Page:
    """A page on a fresh context, with the JS errors and dialogs it produced."""

    def __init__(self, browser, base: str, viewport: dict, **options) -> None:
        self.context = browser.new_context(viewport=viewport, **options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

        def on_dialog(dialog) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        self.page.on("dialog", on_dialog)
        self.page.goto(base)
        self.page.locator("#status", has_text="articles").wait_for()

    def ask(self, question: str) -> None:
        """Type a question, press Enter and wait until the final answer is rendered."""
        page = self.page
        done = page.locator(".answer:not(.answer--pending)").count() + 1
        page.locator("#question").fill(question)
        page.locator("#question").press("Enter")
        page.locator(".answer:not(.answer--pending)").nth(done - 1).wait_for()

    def last_answer(self):
        return self.page.locator(".answer").last

    def screenshot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / name))


@contextlib.contextmanager
def pages(browser, base: str) -> Iterator:
    """A factory of pages on `base`; on exit, closes them and fails on any JavaScript error
    or dialog they produced."""
    made: list[Page] = []

    def factory(viewport: dict = DESKTOP, **options) -> Page:
        made.append(Page(browser, base, viewport, **options))
        return made[-1]

    yield factory
    for page in made:
        page.context.close()
    for page in made:
        assert page.errors == [], f"JavaScript errors on the page: {page.errors}"
        assert page.dialogs == [], f"dialogs opened: {page.dialogs}"


def api_answer(base: str, question: str, history: list | None = None) -> dict:
    response = httpx.post(
        f"{base}/api/ask", json={"question": question, "history": history or []}, timeout=30
    )
    response.raise_for_status()
    return response.json()

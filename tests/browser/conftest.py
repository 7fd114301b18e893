"""Real-browser tests: Debian's Chromium driven by Playwright.

These never skip. Without /usr/bin/chromium they fail, and `make browser`
(part of `make test`) installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# refuses to run inside one unless told that this thread is not async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


class ConsoleLog(list):
    def errors(self) -> list[str]:
        return [m.text for m in self if m.type == "error"]


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(browser: Browser, console: ConsoleLog) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.on("console", lambda message: console.append(message))
    page.on("pageerror", lambda error: console.append(_PageError(str(error))))
    yield page
    context.close()


class _PageError:
    type = "error"

    def __init__(self, text: str) -> None:
        self.text = text


__all__ = ["ConsoleMessage"]

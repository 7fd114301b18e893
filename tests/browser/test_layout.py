"""Reflow (WCAG 1.4.10) and resize (1.4.4) in Chromium."""

from __future__ import annotations

import pytest

from tests.browser.pages import PUBLIC_PAGES, add_reviewed_guide

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def content(guides):
    add_reviewed_guide()


def _horizontal_overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("name", sorted(PUBLIC_PAGES))
def test_pages_reflow_at_320px_without_horizontal_scrolling(live_server, content, browser, name):
    """At 320 CSS pixels wide everything fits; nothing scrolls sideways."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server.url + PUBLIC_PAGES[name])
    assert _horizontal_overflow(page) <= 0
    context.close()


@pytest.mark.parametrize("name", sorted(PUBLIC_PAGES))
def test_pages_work_at_200_percent_zoom(live_server, content, browser, name):
    """A 1280px window at 200% zoom is 640 CSS pixels: no sideways scroll, text stays readable."""
    context = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    page = context.new_page()
    page.goto(live_server.url + PUBLIC_PAGES[name])
    assert _horizontal_overflow(page) <= 0
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 16
    context.close()


def test_touch_targets_are_at_least_24px(live_server, content, browser):
    """Buttons, fields and stand-alone links are at least 24 by 24 CSS pixels."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server.url + "/articles/reviewed-guide/")
    small = page.evaluate(
        """() => [...document.querySelectorAll(
                'button, input:not([type=hidden]), .site-nav a, .footer-links a, .breadcrumb a, .site-name, .urgent-help a')]
            .map(el => el.getBoundingClientRect())
            .filter(box => box.width < 24 || box.height < 24).length"""
    )
    assert small == 0
    context.close()


def test_print_stylesheet_hides_navigation_and_shows_link_addresses(live_server, content, page):
    """Printed guides have no navigation, and links show where they go."""
    page.emulate_media(media="print")
    page.goto(live_server.url + "/articles/reviewed-guide/")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".site-footer").is_hidden()
    after = page.evaluate(
        """() => getComputedStyle(document.querySelector('.sources a'), '::after').content"""
    )
    assert "https://example.org/diazepam" in after

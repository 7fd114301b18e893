"""axe-core (bundled by axe-playwright-python) in Chromium on every public
page type. Any violation of WCAG 2.0/2.1/2.2 A and AA rules fails."""

from __future__ import annotations

import itertools

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.pages import PUBLIC_PAGES, add_reviewed_guide

pytestmark = pytest.mark.django_db(transaction=True)

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def content(guides):
    add_reviewed_guide()


@pytest.mark.parametrize("name", sorted(PUBLIC_PAGES))
def test_public_page_has_no_wcag_violations(live_server, content, page, name):
    """axe finds zero WCAG 2.2 A/AA violations."""
    page.goto(live_server.url + PUBLIC_PAGES[name])
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("name", sorted(PUBLIC_PAGES))
def test_public_page_has_one_h1_and_no_skipped_heading_levels(live_server, content, page, name):
    """Headings go h1, h2, h3... without jumping a level."""
    page.goto(live_server.url + PUBLIC_PAGES[name])
    levels = page.eval_on_selector_all(
        "h1, h2, h3, h4, h5, h6", "els => els.map(e => +e.tagName[1])"
    )
    assert levels.count(1) == 1
    assert levels[0] == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, levels


@pytest.mark.parametrize("name", sorted(PUBLIC_PAGES))
def test_public_page_has_landmarks_and_a_working_skip_link(live_server, content, page, name):
    """The first Tab reaches a visible skip link that moves focus to main."""
    page.goto(live_server.url + PUBLIC_PAGES[name])
    for role in ("banner", "main", "contentinfo"):
        expect(page.get_by_role(role)).to_have_count(1)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_focus_is_visible_on_every_link_and_control_of_an_article(live_server, content, page):
    """Each focused element gets a visible indicator and is not hidden by anything."""
    page.goto(live_server.url + "/articles/reviewed-guide/")
    for _ in range(25):
        page.keyboard.press("Tab")
        state = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                const box = el.getBoundingClientRect();
                const x = box.left + Math.min(box.width / 2, 5), y = box.top + box.height / 2;
                const top = document.elementFromPoint(x, y);
                return {
                    tag: el.tagName,
                    indicator: style.backgroundColor === 'rgb(255, 235, 59)'
                        || style.outlineColor === 'rgb(255, 235, 59)',
                    unobscured: !!top && (el === top || el.contains(top) || top.contains(el)),
                };
            }"""
        )
        if state["tag"] == "BODY":
            break
        assert state["indicator"], state
        assert state["unobscured"], state


def test_pages_are_readable_without_javascript(live_server, content, browser):
    """Nothing needs JavaScript: with it off, the guide and search still work."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_label("Search the health guides").first.fill("sleep")
    page.get_by_role("button", name="Search").first.click()
    page.get_by_role("link", name="Diazepam for Sleep", exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Diazepam for Sleep")
    context.close()


def test_motion_is_reduced_when_the_reader_asks(live_server, content, page):
    """prefers-reduced-motion switches off animation and smooth scrolling."""
    page.emulate_media(reduced_motion="reduce")
    page.goto(live_server.url + "/articles/reviewed-guide/")
    behaviour = page.evaluate("getComputedStyle(document.documentElement).scrollBehavior")
    assert behaviour == "auto"

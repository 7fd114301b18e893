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


# The admin pages the project adds (issue 13, Deliver 9) ---------------------------

ADMIN_PAGES = {
    "dashboard": "/admin/",
    "review queue": "/admin/articles/reviewqueue/",
    "versions": "/admin/articles/article/{pk}/versions/",
}


def wcag_violations(page, context: str | None = None) -> tuple[int, str]:
    """axe's WCAG 2.2 A/AA violations on the page (or the part ``context``
    selects): their number and report."""
    results = Axe().run(
        page,
        context=context,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    return results.violations_count, results.generate_report()


@pytest.fixture
def change_in_review(guides):
    """A live seed guide with a change an editor submitted, and the
    clinician ``cleo`` to review it; returns the guide."""
    from articles import workflow
    from articles.models import Article
    from tests.factories import edit, make_clinician, make_editor

    editor = make_editor("eddie")
    make_clinician("cleo")
    article = Article.objects.get(slug="diazepam-for-sleep")
    edit(article, editor, title=article.title + " (adults)",
         body=article.body.replace("Diazepam", "Diazepam (Valium)", 1)
         + "\n\n- Never share diazepam with anyone else.\n")  # fmt: skip
    workflow.submit(article=Article.objects.get(pk=article.pk), user=editor)
    return article


def admin_log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


@pytest.mark.parametrize("name", sorted(ADMIN_PAGES))
def test_admin_page_has_no_wcag_violations(live_server, change_in_review, page, name):
    """axe finds zero WCAG 2.2 A/AA violations on the clinician's dashboard,
    review queue and versions page, with every disclosure opened (the diffs
    and their Markdown tables included)."""
    admin_log_in(page, live_server.url, "cleo")
    page.goto(live_server.url + ADMIN_PAGES[name].format(pk=change_in_review.pk))
    page.eval_on_selector_all("details", "els => els.forEach(e => { e.open = true; })")
    count, report = wcag_violations(page)
    assert count == 0, report


def test_a_clinician_reads_the_rendered_diff_then_opens_the_source(
    live_server, change_in_review, page
):
    """From the review queue, the guide's change shows as readers will see
    it: a visible legend, added words underlined and removed ones struck
    through; one click shows the Markdown source diff."""
    admin_log_in(page, live_server.url, "cleo")
    page.goto(live_server.url + "/admin/articles/reviewqueue/")
    page.get_by_role("link", name="Review", exact=True).click()
    diff = page.locator(".review-diff")
    legend = diff.locator(".diff-legend")
    expect(legend).to_be_visible()
    expect(legend).to_have_text("Underlined: added; struck through: removed.")
    added = diff.locator(".diff-field-body ins.diff-mark", has_text="Valium").first
    expect(added).to_be_visible()
    assert added.evaluate("e => getComputedStyle(e).textDecorationLine") == "underline"
    expect(diff.locator(".diff-field-title ins.diff-mark")).to_contain_text("(adults)")
    expect(diff.locator(".diff-field-body li", has_text="Never share diazepam")).to_be_visible()
    source = diff.locator("details.diff-source table.diff", has_text="Never share diazepam")
    expect(source).to_be_hidden()
    diff.get_by_text("Markdown source, line by line").click()
    expect(source).to_be_visible()
    expect(source).to_contain_text("Never share diazepam with anyone else.")
    count, report = wcag_violations(page, ".review-diff")
    assert count == 0, report

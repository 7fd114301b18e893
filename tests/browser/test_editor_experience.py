"""The guide editor in Chromium as an editor uses it (issue 13, Deliver 3, 5
and 9; faults 1, 4 and 5): writing beside a live preview and live
readability, Tab leaving the body, "Save and submit for review" in one
click, the unsaved-changes warning, and the change form at 1280×800 and
1920×1080 with nothing cut off.

Screenshots go to $TEST_ARTEFACTS_DIR, or else to ``artefacts/`` under
pytest's base temporary folder (``--basetemp=DIR`` makes it DIR/artefacts)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from articles import workflow
from articles.models import Article
from tests.browser.test_accessibility import WCAG_TAGS
from tests.browser.test_review_workflow import log_in
from tests.factories import make_article, make_editor

pytestmark = pytest.mark.django_db(transaction=True)

BODY = (
    '!!! warning "Important"\n    Do not drive if diazepam makes you sleepy.\n\n'
    "## About diazepam\n\nDiazepam is a medicine used for anxiety and muscle spasms.\n\n"
    "## Side effects\n\nYou may feel sleepy, dizzy or unsteady.\n"
)


@pytest.fixture
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(
        os.environ.get("TEST_ARTEFACTS_DIR") or tmp_path_factory.getbasetemp() / "artefacts"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_form(browser: Browser, base: str, article: Article, width: int = 1280,
              height: int = 800) -> Page:  # fmt: skip
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    log_in(page, base, "eddie")
    page.goto(f"{base}/admin/articles/article/{article.pk}/change/")
    return page


@pytest.fixture
def guide(db) -> Article:
    editor = make_editor("eddie")
    return make_article(live=False, author=editor, body=BODY, slug="diazepam-guide")


def box(page: Page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box(timeout=5000)
    assert found is not None, f"{selector} is not displayed"
    return found


def test_the_editor_writes_beside_a_preview_and_readability_that_follow_the_typing(
    live_server, browser, guide, console
):
    page = open_form(browser, live_server.url, guide)
    text, preview = box(page, "#id_body"), box(page, ".markdownx-preview")
    side = box(page, ".guide-editor-side")
    # Side by side at 1280 px: the figures and preview start right of the
    # text, level with it, and the preview is in the first screen.
    assert preview["x"] >= text["x"] + text["width"]
    assert abs(side["y"] - text["y"]) < 60
    assert preview["y"] < text["y"] + 300
    assert text["width"] >= 380

    body = page.locator("#id_body")
    body.click()
    body.press("Control+End")
    body.press_sequentially("\n\n## Pregnancy\n\nAsk your doctor before taking it.")
    live = page.locator(".markdownx-preview")
    expect(live.get_by_role("heading", name="Pregnancy")).to_be_visible()
    expect(live.locator(".admonition.warning")).to_have_count(1)
    expect(page.locator(".editor-readability .readability-overall")).to_contain_text("SMOG grade")
    page.get_by_text("By section", exact=True).click()
    sections = page.locator(".editor-readability .readability-sections")
    expect(sections.get_by_role("rowheader", name="Pregnancy")).to_be_visible()
    # A section over the target says so in words beside its grade.
    body.press_sequentially("\n\n## Pharmacology\n\nBenzodiazepine pharmacokinetics "
                            "necessitate individualised anticonvulsant consideration.")  # fmt: skip
    expect(sections).to_contain_text("above the target of 10")
    assert console.errors() == []


def test_tab_moves_focus_out_of_the_body_and_ctrl_brackets_indent(live_server, browser, guide):
    """WCAG 2.1.2: markdownx turned Tab into a tab character, a keyboard
    trap. Keyboard only: Tab into the body, type, Tab out, Shift+Tab back."""
    page = open_form(browser, live_server.url, guide)
    page.locator("#id_summary").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#id_body")).to_be_focused()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nIndent me")
    page.keyboard.press("Tab")
    expect(page.locator("#id_body")).not_to_be_focused()
    assert "\t" not in page.locator("#id_body").input_value()
    page.keyboard.press("Shift+Tab")
    if not page.evaluate("document.activeElement.id === 'id_body'"):
        page.keyboard.press("Shift+Tab")  # past the preview region, itself a stop
    expect(page.locator("#id_body")).to_be_focused()

    page.keyboard.press("Control+BracketRight")
    assert page.locator("#id_body").input_value() == BODY + "\n    Indent me"
    page.keyboard.press("Control+BracketLeft")
    assert page.locator("#id_body").input_value() == BODY + "\nIndent me"
    help_text = page.locator("#id_body_helptext")
    expect(help_text).to_contain_text("Tab moves to the next field")
    expect(help_text).to_contain_text("Ctrl+]")


def test_focus_on_the_preview_and_the_topics_box_is_clearly_visible(live_server, browser, guide):
    """WCAG 2.4.7 and 1.4.11: the preview's focus outline was light yellow
    on white (about 1.2:1) and the topics box showed focus only by a
    slightly darker border. Both now get a dark 3 px outline."""
    page = open_form(browser, live_server.url, guide)
    page.locator("#id_body").focus()
    for _ in range(4):  # past the figures' "By section" to the preview region
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('markdownx-preview')"):
            break
    outline = "(el) => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
    expect(page.locator(".markdownx-preview")).to_be_focused()
    assert page.locator(".markdownx-preview").evaluate(outline) == [
        "solid",
        "3px",
        "rgb(11, 12, 12)",
    ]
    page.keyboard.press("Shift+Tab")
    page.locator("#id_topics + .select2 .select2-search__field").focus()
    assert page.locator("#id_topics + .select2 .select2-selection").evaluate(outline) == [
        "solid",
        "3px",
        "rgb(11, 12, 12)",
    ]


def test_save_and_submit_for_review_in_one_click(live_server, browser, guide, console):
    page = open_form(browser, live_server.url, guide)
    body = page.locator("#id_body")
    body.fill(BODY + "\nNever share diazepam.\n")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Submit for clinical review")
    guide.refresh_from_db()
    assert guide.status == Article.Status.IN_REVIEW
    assert "Never share diazepam." in workflow.latest_revision(guide).body
    expect(page.get_by_role("button", name="Save and submit for review")).to_have_count(0)
    assert console.errors() == []


def test_leaving_a_changed_form_warns_and_saving_does_not(live_server, browser, guide):
    page = open_form(browser, live_server.url, guide)
    dialogs: list[str] = []

    def dismiss(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.locator("#id_summary").fill("A summary typed and not yet saved.")
    page.locator(".breadcrumbs").get_by_role("link", name="Home").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    expect(page.locator("#id_summary")).to_have_value("A summary typed and not yet saved.")

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert dialogs == ["beforeunload"]
    # Saved: leaving asks nothing.
    page.locator(".breadcrumbs").get_by_role("link", name="Home").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
    assert dialogs == ["beforeunload"]


def _inside_the_content_column(page: Page, selectors: list[str]) -> None:
    viewport = page.viewport_size
    assert viewport is not None
    column = content_column(page)
    assert column["x"] + column["width"] <= viewport["width"]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    for selector in selectors:
        found = box(page, selector)
        assert found["x"] >= column["x"] - 1, selector
        assert found["x"] + found["width"] <= column["x"] + column["width"] + 1, selector


def content_column(page: Page) -> dict:
    """The content box of #content: the column the form's parts must stay in."""
    return page.evaluate(
        """(() => {
            const e = document.querySelector('#content'), s = getComputedStyle(e);
            const r = e.getBoundingClientRect();
            const left = parseFloat(s.paddingLeft), right = parseFloat(s.paddingRight);
            return {x: r.left + left, y: r.top, width: r.width - left - right, height: r.height};
        })()"""
    )


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


MAIN_ELEMENTS = [
    ".review-panel", ".object-tools", "#article_form fieldset", "#id_title", "#id_body",
    ".markdownx-preview", ".editor-readability", "#id_body_helptext", ".submit-row",
    ".save-and-submit", "#references-group table",
]  # fmt: skip


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)])
def test_the_change_form_fits_its_content_column_with_nothing_cut_off(
    live_server, browser, guide, artefacts, width, height
):
    """At 1280 px the object tools floated beside the first fieldset and the
    body showed about 360 of its 610 px (fault 1)."""
    page = open_form(browser, live_server.url, guide, width, height)
    page.wait_for_selector(".markdownx-preview h2")
    # A row of the sources table, which made the page 1,644 px wide at 1280.
    page.locator("#references-group .add-row a").click()
    page.screenshot(path=artefacts / f"change-form-{width}x{height}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "scrolls sideways"
    tools, fieldset = box(page, ".object-tools"), box(page, "#article_form fieldset")
    column = content_column(page)
    assert not _overlap(tools, fieldset)
    # Not squeezed beside the tools: the fieldset spans the column, and the
    # body and its preview end inside it (they were cut off at its edge).
    assert fieldset["width"] >= column["width"] - 2
    text = box(page, "#id_body")
    for selector in ("#id_body", ".markdownx-preview"):
        edge = box(page, selector)
        assert edge["x"] + edge["width"] <= fieldset["x"] + fieldset["width"] + 1, selector
    # The body keeps at least a third of the column (two panes side by side).
    assert text["width"] >= column["width"] / 3
    _inside_the_content_column(page, [*MAIN_ELEMENTS, "#references-group input[type=url]"])
    visible = page.evaluate(
        "(() => { const e = document.querySelector('#id_body');"
        " return e.clientWidth >= e.scrollWidth; })()"
    )
    assert visible, "the body's text is cut off sideways"


def test_below_about_1200_px_the_preview_stacks_under_the_text(live_server, browser, guide):
    page = open_form(browser, live_server.url, guide, 1024, 768)
    page.wait_for_selector(".markdownx-preview h2")
    text, preview = box(page, "#id_body"), box(page, ".markdownx-preview")
    assert preview["y"] >= text["y"] + text["height"]
    _inside_the_content_column(page, MAIN_ELEMENTS)


def test_a_refusal_heads_the_page_uncovered_by_the_object_tools(
    live_server, browser, guide, artefacts
):
    """Fault 4: saving while in review showed nothing on screen; the error
    was under the open diff. Now it is in the first screen, and no button
    covers it."""
    workflow.submit(article=guide, user=guide.revisions.get().created_by)
    page = open_form(browser, live_server.url, guide)
    page.locator("#id_summary").fill("Changed while in review.")
    page.get_by_role("button", name="Save and continue editing").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("in clinical review")
    expect(summary).to_be_in_viewport()
    page.screenshot(path=artefacts / "change-form-refused-1280x800.png")
    summary_box = box(page, ".error-summary")
    assert summary_box["y"] + summary_box["height"] <= 800
    assert not _overlap(summary_box, box(page, ".object-tools"))
    expect(page.locator(".field-summary .errorlist")).to_contain_text("in clinical review")
    expect(page.locator("#id_summary")).to_have_value("Changed while in review.")
    summary.get_by_role("link", name="Summary").click()
    expect(page.locator("#id_summary")).to_be_focused()
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    assert results.violations_count == 0, results.generate_report()


def test_preview_as_readers_will_see_it_is_one_click_from_the_form(live_server, browser, guide):
    """Fault 3: the staff preview of the working copy was linked from nowhere."""
    page = open_form(browser, live_server.url, guide)
    page.get_by_role("link", name="Preview as readers will see it").click()
    expect(page).to_have_url(f"{live_server.url}/articles/diazepam-guide/preview/")
    expect(page.locator(".article-body")).to_contain_text("Diazepam is a medicine used for")
    expect(page.get_by_role("link", name="View on site")).to_have_count(0)


@pytest.mark.parametrize("path", ["change", "add", "add-template"])
def test_the_change_and_add_forms_have_no_wcag_violations(live_server, browser, guide, path):
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    log_in(page, live_server.url, "eddie")
    url = {
        "change": f"/admin/articles/article/{guide.pk}/change/",
        "add": "/admin/articles/article/add/",
        "add-template": "/admin/articles/article/add/?template=medicine",
    }[path]
    page.goto(live_server.url + url)
    expect(page.locator(".readability-overall")).to_contain_text("Whole guide")
    if path != "add":
        expect(page.locator(".markdownx-preview h2").first).to_be_visible()
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    assert results.violations_count == 0, results.generate_report()

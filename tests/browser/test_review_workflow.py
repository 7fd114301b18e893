"""The clinical review workflow end to end, through the admin in Chromium."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from articles.models import Article
from tests.factories import make_clinician, make_editor

pytestmark = pytest.mark.django_db(transaction=True)
SLUG = "diazepam-for-sleep"
NEW_SENTENCE = "Never share diazepam with anyone else, even if their symptoms seem similar."


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


def open_change_form(page: Page, base: str) -> None:
    article = Article.objects.get(slug=SLUG)
    page.goto(f"{base}/admin/articles/article/{article.pk}/change/")


def test_editor_submits_clinician_approves_and_the_public_sees_it(
    live_server, guides, browser: Browser, console
):
    base = live_server.url
    make_editor("eddie")
    make_clinician("cleo")
    editor = browser.new_page()
    public = browser.new_page()

    # 1. An editor changes a published guide and submits it; the public page is unchanged.
    log_in(editor, base, "eddie")
    open_change_form(editor, base)
    body = editor.locator("#id_body")
    body.fill(body.input_value() + "\n\n" + NEW_SENTENCE + "\n")
    editor.click("input[name=_continue]")
    expect(editor.locator(".messagelist")).to_contain_text("was changed successfully")
    editor.get_by_role("button", name="Submit for clinical review").click()
    expect(editor.locator(".messagelist")).to_contain_text("Submit for clinical review")
    public.goto(f"{base}/articles/{SLUG}/")
    expect(public.locator(".article-body")).not_to_contain_text(NEW_SENTENCE)

    # 2. The same editor finds no approve button, and a forged POST is refused.
    expect(editor.get_by_role("button", name="Approve and publish")).to_have_count(0)
    token = next(c["value"] for c in editor.context.cookies() if c["name"] == "csrftoken")
    article = Article.objects.get(slug=SLUG)
    forged = editor.request.post(
        f"{base}/admin/articles/article/{article.pk}/workflow/approve/",
        form={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/admin/"},
    )
    assert "Only members of “Clinical reviewers” can approve articles." in forged.text()
    assert Article.objects.get(slug=SLUG).status == Article.Status.IN_REVIEW
    public.goto(f"{base}/articles/{SLUG}/")
    expect(public.locator(".article-body")).not_to_contain_text(NEW_SENTENCE)

    # 3. A clinician sees the diff and approves.
    clinician = browser.new_page()
    log_in(clinician, base, "cleo")
    clinician.goto(f"{base}/admin/articles/reviewqueue/")
    clinician.get_by_role("link", name="Review", exact=True).click()
    diff = clinician.locator(".review-diff")
    expect(diff).to_contain_text("Differences from the live version")
    expect(diff.locator("ins.diff-mark").first).to_be_visible()
    expect(diff.locator(".diff-rendered")).to_contain_text("Never share diazepam")
    # The seed guide is above the SMOG target: the form asks for the reason, and
    # the browser refuses to send it without one.
    reason = clinician.get_by_label("Reason for approving above the SMOG target (required)")
    clinician.get_by_role("button", name="Approve and publish").click()
    expect(clinician.locator(".messagelist")).to_have_count(0)
    reason.fill("Medicine names keep it above the target.")
    clinician.get_by_role("button", name="Approve and publish").click()
    expect(clinician.locator(".messagelist")).to_contain_text("Approve and publish")

    # 4. The public page shows the new text and the review.
    public.goto(f"{base}/articles/{SLUG}/")
    expect(public.locator(".article-body")).to_contain_text(NEW_SENTENCE)
    today = timezone.localdate().strftime("%-d %B %Y")
    expect(public.locator(".trust-block")).to_contain_text("Reviewed by Dr Cleo, MBChB, MRCGP")
    expect(public.locator(".trust-block")).to_contain_text(f"Page last reviewed: {today}")
    expect(public.locator(".trust-block")).not_to_contain_text("not yet been reviewed")
    assert console.errors() == []


def test_two_sessions_editing_the_same_article_never_lose_text(live_server, guides, browser):
    base = live_server.url
    make_editor("eddie")
    make_editor("olive")
    first, second = browser.new_page(), browser.new_page()
    log_in(first, base, "eddie")
    log_in(second, base, "olive")
    open_change_form(first, base)
    open_change_form(second, base)

    first.fill("#id_summary", "Eddie's summary.")
    first.click("input[name=_continue]")
    expect(first.locator(".messagelist")).to_contain_text("was changed successfully")

    second.fill("#id_summary", "Olive's summary, written at the same time.")
    second.click("input[name=_continue]")
    expect(second.locator(".errornote, .errorlist").first).to_be_visible()
    expect(second.locator("body")).to_contain_text("eddie changed this article at")
    expect(second.locator("#id_summary")).to_have_value(
        "Olive's summary, written at the same time."
    )
    assert Article.objects.get(slug=SLUG).summary == "Eddie's summary."

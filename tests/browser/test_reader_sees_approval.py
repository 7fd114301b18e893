"""A returning reader in Chromium sees an approval at once (issue 11, fault 8):
public pages say "public, max-age=0, must-revalidate", so the browser checks
its copy's validators instead of reusing it by heuristic freshness (a tenth
of the page's age: about three days for a seed guide last changed a month
ago)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from articles import workflow
from articles.models import Article
from tests.factories import edit, make_clinician, make_editor

pytestmark = pytest.mark.django_db(transaction=True)
SLUG = "diazepam-for-sleep"
CORRECTED = "Take the lowest dose that works, for the shortest time."
NOTE = "We corrected the advice on how long to take diazepam."


def approve_latest(article: Article, reviewer) -> None:
    """Approve what the clinician read: the latest version. The one call to
    adapt when approve() asks for more of what was read (number, hash)."""
    article = Article.objects.get(pk=article.pk)
    latest = workflow.latest_revision(article)
    # The seed guide is above the SMOG target: the clinician gives a reason.
    workflow.approve(article=article, reviewer=reviewer, version=latest.number,
                     content_hash=latest.content_hash,
                     smog_reason="Medicine names keep it above the target.")  # fmt: skip


def test_a_returning_reader_sees_a_correction_as_soon_as_it_is_approved(
    live_server, guides, browser: Browser
):
    editor, clinician = make_editor("eddie"), make_clinician("cleo")
    reader = browser.new_context().new_page()
    guide = f"{live_server.url}/articles/{SLUG}/"

    reader.goto(guide)
    expect(reader.locator(".article-body")).not_to_contain_text(CORRECTED)
    reader.goto(live_server.url + "/")

    article = Article.objects.get(slug=SLUG)
    edit(article, editor, body=article.body + "\n\n" + CORRECTED + "\n", correction_note=NOTE)
    workflow.submit(article=Article.objects.get(slug=SLUG), user=editor)
    approve_latest(article, clinician)

    # The reader comes back to the guide by its link, as a reader would.
    reader.get_by_role("link", name=article.live_title).first.click()
    expect(reader).to_have_url(guide)
    expect(reader.locator(".article-body")).to_contain_text(CORRECTED)
    expect(reader.locator(".corrections")).to_contain_text(NOTE)
    # And by a plain reload of the page.
    reader.reload()
    expect(reader.locator(".article-body")).to_contain_text(CORRECTED)

"""“Confirm still accurate” (issue 13, item 4): the periodic review of a
live guide with no pending change, as its own clearly labelled step."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from articles import workflow
from articles.models import Article, Review
from tests.factories import approve, edit, make_article, make_clinician, make_editor

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
LABEL = "Confirm still accurate"


def read(article: Article) -> dict:
    latest = workflow.latest_revision(article)
    return {"version": latest.number, "content_hash": latest.content_hash}


def written_by_a_clinician(clinician) -> Article:
    """A live guide whose live text ``clinician`` wrote part of, approved by another."""
    editor = make_editor("ed")
    article = make_article(live=False, author=editor)
    edit(article, clinician, body="The clinician's dose advice.")
    workflow.submit(article=article, user=editor)
    approve(article, make_clinician("checker"))
    return Article.objects.get(pk=article.pk)


def panel(client, user, article: Article) -> str:
    client.force_login(user)
    return client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()


def test_a_clinician_is_offered_confirm_still_accurate_on_a_live_unchanged_guide(client):
    article = make_article(author=make_editor("ed"))
    html = panel(client, make_clinician("other"), article)
    assert LABEL in html
    assert "workflow/confirm_accurate/" in html
    assert "Approve and publish" not in html, "nothing new to publish"


def test_it_is_not_offered_with_a_pending_change_or_to_editors(client):
    editor = make_editor("ed")
    article = make_article(author=editor)
    assert LABEL not in panel(client, editor, article), "editors do not review"
    edit(article, editor, body="A pending change.")
    assert LABEL not in panel(client, make_clinician("other"), article)


def test_it_is_not_offered_to_the_author_of_the_live_text(client):
    clinician = make_clinician("writer")
    article = written_by_a_clinician(clinician)
    assert LABEL not in panel(client, clinician, article)


def test_confirming_records_a_review_of_the_live_version_and_moves_the_dates(client):
    with time_machine.travel(datetime(2024, 6, 1, 12, tzinfo=LONDON), tick=False):
        article = make_article(author=make_editor("ed"))
    clinician = make_clinician("other")
    client.force_login(clinician)
    with time_machine.travel(datetime(2025, 5, 20, 12, tzinfo=LONDON), tick=False):
        response = client.post(f"/admin/articles/article/{article.pk}/workflow/confirm_accurate/",
                               {**read(article), "comment": "Checked against NICE."})  # fmt: skip
    assert response.status_code == 302
    after = Article.objects.get(pk=article.pk)
    assert after.live_version == article.live_version
    assert after.live_body_html == article.live_body_html
    assert after.status == Article.Status.PUBLISHED
    assert after.reviewed_by == clinician
    assert str(after.next_review_due) == "2026-05-20"
    review = Review.objects.filter(article=article).first()
    assert review.revision.number == article.live_version
    assert review.decision == Review.Decision.APPROVED
    assert review.comment == "Checked against NICE."


def test_the_author_of_the_live_text_cannot_confirm_it():
    clinician = make_clinician("writer")
    article = written_by_a_clinician(clinician)
    with pytest.raises(workflow.WorkflowError, match="wrote part of the live text"):
        workflow.confirm_still_accurate(article=article, reviewer=clinician, **read(article))


def test_a_guide_with_a_pending_change_cannot_be_confirmed():
    editor = make_editor("ed")
    article = make_article(author=editor)
    live = {"version": article.live_version,
            "content_hash": article.live_revision.content_hash}  # fmt: skip
    edit(article, editor, body="A pending change.")
    with pytest.raises(workflow.WorkflowError, match="no live text to confirm"):
        workflow.confirm_still_accurate(article=article, reviewer=make_clinician("cl"), **live)


def test_confirming_needs_the_version_read():
    article = make_article(author=make_editor("ed"))
    with pytest.raises(workflow.WorkflowError, match="content hash"):
        workflow.confirm_still_accurate(article=article, reviewer=make_clinician("cl"),
                                        version=article.live_version, content_hash="0" * 64)  # fmt: skip
    assert Review.objects.filter(article=article).count() == 1

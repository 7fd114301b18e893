"""Holes found in the review workflow (issue 13 and 15 features): four eyes
on a periodic review of pasted-back text, deleting a guide an outside
review link names, and text a workflow step's comment cannot hold."""

from __future__ import annotations

import pytest

from articles import workflow
from articles.models import Article, Review
from outside_review import services
from outside_review.models import ReviewLink
from tests.factories import approve, edit, make_article, make_clinician, make_editor, make_user

pytestmark = pytest.mark.django_db


def read(article: Article) -> dict:
    latest = workflow.latest_revision(article)
    return {"version": latest.number, "content_hash": latest.content_hash}


def step_url(article: Article, step: str) -> str:
    return f"/admin/articles/article/{article.pk}/workflow/{step}/"


def pasted_back_guide(author, checker):
    """A live guide whose live text ``author`` (a clinician) wrote: an editor
    pasted it back after another change, and ``checker`` approved it."""
    editor = make_editor("ed")
    article = make_article(live=False, author=editor)
    edit(article, author, body="The author's own dose advice.\n")
    workflow.submit(article=article, user=editor)
    approve(article, checker)  # v2, the author's text, live
    edit(article, editor, body="Something else entirely.\n")
    workflow.submit(article=article, user=editor)
    approve(article, author)  # v3: the author did not write this change
    edit(article, editor, body="The author's own dose advice.\n")  # v4 repeats v2
    workflow.submit(article=article, user=editor)
    with pytest.raises(workflow.WorkflowError):
        approve(article, author)  # four eyes sees the pasted-back text
    approve(article, checker)
    return Article.objects.get(pk=article.pk)


def test_the_author_of_pasted_back_live_text_cannot_confirm_it(client):
    author, checker = make_clinician("author"), make_clinician("checker")
    article = pasted_back_guide(author, checker)
    assert not workflow.STEPS["confirm_accurate"].available(article, author)
    with pytest.raises(workflow.WorkflowError):
        workflow.confirm_still_accurate(article=article, reviewer=author, **read(article))
    with pytest.raises(workflow.WorkflowError):
        workflow.approve(article=article, reviewer=author, **read(article))
    assert Review.objects.filter(article=article, reviewer=author).count() == 1  # v3 only


@pytest.mark.parametrize("who", ["editor", "superuser"])
def test_a_draft_with_a_review_link_is_not_a_500_when_deleted(client, who):
    clinician = make_clinician("clin")
    editor = make_editor("ed")
    draft = make_article(live=False, author=editor)
    services.create_link(revision=services.latest_revision(draft), created_by=clinician)
    client.force_login(editor if who == "editor" else make_user("root", superuser=True))
    response = client.post(f"/admin/articles/article/{draft.pk}/delete/", {"post": "yes"})
    assert response.status_code in (200, 302, 403)
    assert ReviewLink.objects.filter(article=draft).exists(), "links are never deleted"
    with pytest.raises(workflow.WorkflowError, match="kept"):
        workflow.delete(article=draft, user=make_user("root", superuser=True))


def test_a_nul_in_a_workflow_comment_is_not_a_500(client):
    editor = make_editor("ed")
    live = make_article(author=editor)
    pending = make_article(author=editor, live=False)
    workflow.submit(article=pending, user=editor)
    client.force_login(make_clinician("other"))
    response = client.post(step_url(live, "confirm_accurate"), {**read(live), "comment": "a\x00b"})
    assert response.status_code in (302, 400)
    response = client.post(step_url(pending, "request_changes"), {"comment": "fix\x00 this"})
    assert response.status_code in (302, 400)

"""Who may do what, through the admin as people use it: the permission
matrix for anonymous users, editors, clinicians and superusers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from articles import workflow
from articles.models import Article
from tests.factories import make_article, make_clinician, make_editor, make_user

pytestmark = pytest.mark.django_db
Status = Article.Status
ACTORS = ["anonymous", "editor", "clinician", "superuser"]


def actor_user(actor: str) -> User | None:
    return {
        "anonymous": lambda: None,
        "editor": lambda: make_editor("ed"),
        "clinician": lambda: make_clinician("cl"),
        "superuser": lambda: make_user("su", superuser=True),
    }[actor]()


def change_form_data(article: Article, **changes: str) -> dict[str, object]:
    data: dict[str, object] = {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "body": article.body,
        "correction_note": "",
        "review_interval_months": "",
        "expected_version": article.lock_version,
        # The sources inline's management form (shown to users who may edit sources).
        "references-TOTAL_FORMS": "0",
        "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def read(article: Article) -> dict[str, object]:
    """What a reviewer's approve form carries: the version read and its hash."""
    latest = workflow.latest_revision(article)
    return {"version": latest.number, "content_hash": latest.content_hash}


def submitted(author: User) -> Article:
    article = make_article(live=False, author=author)
    workflow.submit(article=article, user=make_editor("submitter"))
    return Article.objects.get(pk=article.pk)


def act(action: str, actor: str, client) -> bool:
    """Perform ``action`` as ``actor`` through HTTP; True if it took effect."""
    user = actor_user(actor)
    if user is not None:
        client.force_login(user)
    author = make_editor("author")
    admin = "/admin/articles/article"

    if action == "view a draft":
        article = make_article(live=False, author=author)
        return client.get(f"{admin}/{article.pk}/change/").status_code == 200
    if action == "edit":
        article = make_article(live=False, author=author)
        client.post(f"{admin}/{article.pk}/change/", change_form_data(article, body="Edited."))
        return Article.objects.get(pk=article.pk).body == "Edited."
    if action == "submit":
        article = make_article(live=False, author=author)
        client.post(f"{admin}/{article.pk}/workflow/submit/")
        return Article.objects.get(pk=article.pk).status == Status.IN_REVIEW
    if action == "approve their own change":
        article = submitted(user or author)
        client.post(f"{admin}/{article.pk}/workflow/approve/", read(article))
        return Article.objects.get(pk=article.pk).status == Status.PUBLISHED
    if action == "approve someone else's change":
        article = submitted(author)
        client.post(f"{admin}/{article.pk}/workflow/approve/", read(article))
        return Article.objects.get(pk=article.pk).status == Status.PUBLISHED
    if action == "request changes":
        article = submitted(author)
        client.post(f"{admin}/{article.pk}/workflow/request_changes/", {"comment": "Fix it."})
        return Article.objects.get(pk=article.pk).status == Status.CHANGES_REQUESTED
    if action == "archive":
        article = make_article(author=author)
        # From the confirmation page (the button asks first, issue 13).
        client.post(f"{admin}/{article.pk}/workflow/archive/", {"confirmed": "yes"})
        return Article.objects.get(pk=article.pk).status == Status.ARCHIVED
    if action == "delete a published article":
        article = make_article(author=author)
        client.post(f"{admin}/{article.pk}/delete/", {"post": "yes"})
        return not Article.objects.filter(pk=article.pk).exists()
    if action == "delete a never-published draft":
        article = make_article(live=False, author=author)
        client.post(f"{admin}/{article.pk}/delete/", {"post": "yes"})
        return not Article.objects.filter(pk=article.pk).exists()
    raise AssertionError(action)


# action: (anonymous, editor, clinician, superuser)
# Changed by issue 11 (fault 6): a superuser is not a clinician, so may not
# approve or request changes.
MATRIX = {
    "view a draft": (False, True, True, True),
    "edit": (False, True, True, True),
    "submit": (False, True, False, True),
    "approve their own change": (False, False, False, False),
    "approve someone else's change": (False, False, True, False),
    "request changes": (False, False, True, False),
    "archive": (False, True, False, True),
    "delete a published article": (False, False, False, False),
    "delete a never-published draft": (False, True, False, True),
}
CASES = [
    pytest.param(action, actor, allowed, id=f"{actor} {'may' if allowed else 'may not'} {action}")
    for action, row in MATRIX.items()
    for actor, allowed in zip(ACTORS, row, strict=True)
]


@pytest.mark.parametrize(("action", "actor", "allowed"), CASES)
def test_permission_matrix(client, action, actor, allowed):
    """Each role can do exactly what its row allows; every refusal leaves
    the article as it was."""
    assert act(action, actor, client) is allowed


def test_an_editor_sees_no_approve_button_and_a_forged_post_is_refused(client):
    editor = make_editor("ed")
    article = make_article(live=False, author=editor)
    workflow.submit(article=article, user=editor)
    client.force_login(editor)
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "workflow/approve/" not in html
    response = client.post(f"/admin/articles/article/{article.pk}/workflow/approve/",
                           read(article), follow=True)  # fmt: skip
    assert "Only members of “Clinical reviewers” can approve articles." in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_a_clinician_sees_why_they_cannot_approve_their_own_change(client):
    clinician = make_clinician("cl")
    article = submitted(clinician)
    client.force_login(clinician)
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "workflow/approve/" not in html
    assert "another clinician must approve it" in html
    response = client.post(f"/admin/articles/article/{article.pk}/workflow/approve/",
                           read(article), follow=True)  # fmt: skip
    assert "another clinician must approve it" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_workflow_urls_refuse_get(client):
    client.force_login(make_user("su", superuser=True))
    article = make_article(live=False)
    response = client.get(f"/admin/articles/article/{article.pk}/workflow/submit/")
    assert response.status_code == 405

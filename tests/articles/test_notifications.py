"""Workflow emails (articles.notifications): one email per step, to the
people the step concerns, never to the person who acted (issue 13)."""

from __future__ import annotations

import logging

import pytest
from django.core import mail

from articles import workflow
from tests.factories import approve, edit, make_article, make_clinician, make_editor, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """An editor who writes, two clinicians who review, one inactive
    clinician and one without an address."""
    inactive = make_clinician("gone")
    inactive.is_active = False
    inactive.save()
    silent = make_clinician("silent")
    silent.email = ""
    silent.save()
    return {"editor": make_editor("eddie"), "cleo": make_clinician("cleo"),
            "cora": make_clinician("cora")}  # fmt: skip


def recipients_of(message) -> set[str]:
    return set(message.to) | set(message.cc) | set(message.bcc)


def test_submitting_emails_the_clinical_reviewers_once(people, django_capture_on_commit_callbacks):
    article = make_article(live=False, author=people["editor"], title="Hay fever")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(article=article, user=people["editor"])
    assert len(mail.outbox) == 1, "one email per event"
    (message,) = mail.outbox
    assert recipients_of(message) == {"cleo@example.org", "cora@example.org"}
    assert "Hay fever" in message.subject
    assert f"/admin/articles/article/{article.pk}/change/" in message.body


def test_submitting_does_not_email_the_clinician_who_wrote_the_change(
    people, django_capture_on_commit_callbacks
):
    """A clinician who wrote the change submits it: neither they (who acted)
    nor any other author is asked to review it; the other clinician is."""
    article = make_article(live=False, author=people["cleo"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(article=article, user=make_user("lead", perms=("articles.submit_article",)))
    (message,) = mail.outbox
    assert recipients_of(message) == {"cora@example.org"}


def test_requesting_changes_emails_the_authors_of_the_change_with_the_comment(
    people, django_capture_on_commit_callbacks
):
    second = make_editor("second")
    article = make_article(live=False, author=people["editor"])
    edit(article, second, body="A second editor's addition.")
    workflow.submit(article=article, user=people["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(article=article, reviewer=people["cleo"],
                                 comment="Check the dose for children.")  # fmt: skip
    (message,) = mail.outbox
    assert recipients_of(message) == {"eddie@example.org", "second@example.org"}
    assert "Check the dose for children." in message.body
    assert "Dr Cleo" in message.body, "the reviewer is named by their public name"


def test_approval_emails_the_authors_of_the_pending_change_only(
    people, django_capture_on_commit_callbacks
):
    """Authors of the approved change hear of it; authors of earlier,
    already approved versions do not."""
    first = make_editor("first")
    article = make_article(author=first)  # live, approved
    edit(article, people["editor"], body="New advice.")
    workflow.submit(article=article, user=people["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(article, people["cleo"])
    (message,) = mail.outbox
    assert recipients_of(message) == {"eddie@example.org"}
    assert "Approved" in message.subject


def test_a_periodic_review_emails_nobody(people, django_capture_on_commit_callbacks):
    article = make_article(author=people["editor"], reviewer=people["cora"])
    with django_capture_on_commit_callbacks(execute=True):
        approve(article, people["cleo"])
    assert mail.outbox == []


def test_the_person_who_acted_is_never_emailed(people, django_capture_on_commit_callbacks):
    """A clinician who edited a guide and then requests changes to it (with
    another editor's change) is not told of their own request."""
    article = make_article(live=False, author=people["editor"])
    edit(article, people["cleo"], body="The clinician's own edit.")
    workflow.submit(article=article, user=people["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(article=article, reviewer=people["cleo"], comment="Redo.")
    (message,) = mail.outbox
    assert "cleo@example.org" not in recipients_of(message)
    assert recipients_of(message) == {"eddie@example.org"}


def test_steps_that_concern_nobody_send_nothing(people, django_capture_on_commit_callbacks):
    article = make_article(author=people["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.archive(article=article, user=people["editor"])
        workflow.restore(article=article, user=people["editor"])
    assert mail.outbox == []


def test_nothing_is_sent_before_the_step_commits(people, django_capture_on_commit_callbacks):
    article = make_article(live=False, author=people["editor"])
    with django_capture_on_commit_callbacks() as callbacks:
        workflow.submit(article=article, user=people["editor"])
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


def test_a_mail_failure_is_logged_and_the_step_stands(
    people, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("articles.notifications.send_mail", broken)
    article = make_article(live=False, author=people["editor"])
    with (
        caplog.at_level(logging.ERROR, logger="articles.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        workflow.submit(article=article, user=people["editor"])
    article.refresh_from_db()
    assert article.status == article.Status.IN_REVIEW
    assert "not sent" in caplog.text

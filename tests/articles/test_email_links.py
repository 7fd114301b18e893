"""Every email the project sends links with full addresses on
``settings.SITE_URL``: a mail client makes no link of a bare path, and the
cron commands that send most of them have no request to take a host from."""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from articles import workflow
from articles.models import Article
from tests.factories import approve, edit, make_article, make_clinician, make_editor

pytestmark = pytest.mark.django_db
SITE = "https://guides.example.org"
LINK = re.compile(r"(?:(?<=\s)|^)(?:https?://\S+|/\S*)", re.M)


def every_kind_of_email(django_capture_on_commit_callbacks) -> list[mail.EmailMessage]:
    """One email of each kind: submit, request changes, approve (workflow),
    each stage of the review cycle, and the daily digest."""
    editor, cleo, cora = make_editor("eddie"), make_clinician("cleo"), make_clinician("cora")
    article = make_article(live=True, author=editor, reviewer=cora)
    with django_capture_on_commit_callbacks(execute=True):
        edit(article, editor, body=article.body + "\nMore.\n")
        workflow.submit(article=article, user=editor)
        workflow.request_changes(article=article, reviewer=cleo, comment="Cite it.")
        workflow.submit(article=article, user=editor)
        approve(article, cleo)
    workflow.set_clinical_owner(article=article, owner=cleo, user=cora)
    due = datetime.date(2027, 6, 30)
    Article.objects.filter(pk=article.pk).update(next_review_due=due)
    for days in (-90, -30, 0, 14, 30):
        moment = datetime.datetime.combine(due + datetime.timedelta(days=days),
                                           datetime.time(6, 15, tzinfo=datetime.UTC))  # fmt: skip
        with time_machine.travel(moment, tick=False):
            call_command("review_cycle", stdout=StringIO())
            call_command("review_digest", stdout=StringIO(), stderr=StringIO())
    return list(mail.outbox)


def test_every_email_links_with_full_addresses_on_the_site_url(
    settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = SITE
    messages = every_kind_of_email(django_capture_on_commit_callbacks)
    subjects = " | ".join(message.subject for message in messages)
    for kind in ("For clinical review", "Changes requested", "Approved", "Clinical review digest",
                 "Clinical review:"):  # fmt: skip
        assert kind in subjects, f"no {kind!r} email among: {subjects}"
    for message in messages:
        links = LINK.findall(message.body)
        assert links, f"{message.subject!r} has no link"
        for link in links:
            assert link.startswith(f"{SITE}/"), f"{message.subject!r} links {link!r}"

"""The daily digest (issue 13, Deliver 2): each clinical reviewer is emailed
once a day the guides due or overdue for review that are theirs, by an
idempotent command for cron; nobody with nothing due is emailed."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from articles import workflow
from articles.models import Article
from tests.factories import make_article, make_clinician, make_editor

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2027, 6, 1)


def due_on(article: Article, day: datetime.date | None) -> Article:
    Article.objects.filter(pk=article.pk).update(next_review_due=day)
    return Article.objects.get(pk=article.pk)


@pytest.fixture
def guides():
    """Olive owns one guide overdue and one due in ten days; Oscar owns one
    due in a year; one overdue guide has no owner; Nina owns nothing."""
    olive, oscar, nina = make_clinician("olive"), make_clinician("oscar"), make_clinician("nina")
    editor = make_editor("eddie")
    owned = {
        "overdue": (olive, TODAY - datetime.timedelta(days=3)),
        "soon": (olive, TODAY + datetime.timedelta(days=10)),
        "later": (oscar, TODAY + datetime.timedelta(days=365)),
        "orphan": (None, TODAY - datetime.timedelta(days=40)),
    }
    made = {}
    for title, (owner, due) in owned.items():
        article = make_article(author=editor, reviewer=nina, title=f"Guide {title}")
        if owner is not None:
            workflow.set_clinical_owner(article=article, owner=owner, user=nina)
        made[title] = due_on(article, due)
    return made


def run_on(day: datetime.date, *args: str) -> list[str]:
    out = StringIO()
    moment = datetime.datetime.combine(day, datetime.time(6, 20, tzinfo=datetime.UTC))
    with time_machine.travel(moment, tick=False):
        call_command("review_digest", *args, stdout=out)
    return out.getvalue().splitlines()


def digest_to(username: str):
    (message,) = [m for m in mail.outbox if m.to == [f"{username}@example.org"]]
    return message


def test_each_clinician_gets_the_guides_that_are_theirs_once(guides):
    lines = run_on(TODAY)
    assert sorted(lines) == [f"{TODAY} digest nina 1", f"{TODAY} digest olive 3",
                             f"{TODAY} digest oscar 1"]  # fmt: skip
    olive = digest_to("olive")
    assert "3 guide(s) due, 2 overdue" in olive.subject
    assert "Guide overdue: overdue by 3 day(s)" in olive.body
    assert "Guide soon: due 11 June 2027, in 10 day(s)" in olive.body
    assert "Guide orphan: overdue by 40 day(s)" in olive.body, "an unowned guide is everyone's"
    assert "Guide later" not in olive.body, "a year away is not due"
    assert f"/admin/articles/article/{guides['soon'].pk}/change/" in olive.body
    assert "Guide orphan" in digest_to("oscar").body
    assert "Guide overdue" not in digest_to("oscar").body, "another clinician's guide"


def test_running_twice_the_same_day_sends_no_second_digest(guides):
    run_on(TODAY)
    sent = len(mail.outbox)
    assert run_on(TODAY) == []
    assert len(mail.outbox) == sent
    assert len(run_on(TODAY + datetime.timedelta(days=1))) == 3, "the next day, again"


def test_nobody_with_nothing_due_is_emailed(guides):
    due_on(guides["orphan"], TODAY + datetime.timedelta(days=200))
    lines = run_on(TODAY)
    assert [line.split()[2] for line in lines] == ["olive"]
    assert [m.to for m in mail.outbox] == [["olive@example.org"]]


def test_nothing_due_sends_nothing(guides):
    for article in guides.values():
        due_on(article, TODAY + datetime.timedelta(days=200))
    assert run_on(TODAY) == []
    assert mail.outbox == []


def test_inactive_clinicians_and_editors_get_no_digest(guides):
    workflow.clinicians().filter(username="olive").update(is_active=False)
    run_on(TODAY)
    recipients = {address for m in mail.outbox for address in m.to}
    assert recipients == {"nina@example.org", "oscar@example.org"}
    assert "Guide overdue" in digest_to("nina").body, "an inactive owner's guides are everyone's"


def test_a_failed_send_is_tried_again_on_the_next_run(guides, monkeypatch):
    from articles import notifications

    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(notifications, "send_mail", refuse)
    assert run_on(TODAY) == []
    monkeypatch.undo()
    assert len(run_on(TODAY)) == 3


def test_today_can_be_given_and_must_be_a_date(guides):
    assert len(run_on(TODAY + datetime.timedelta(days=1), "--today", str(TODAY))) == 3
    with pytest.raises(CommandError, match="--today must be a date"):
        call_command("review_digest", "--today", "tomorrow")

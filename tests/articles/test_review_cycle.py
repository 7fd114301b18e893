"""Issue 15, item 2: the review cycle (manage.py review_cycle) at every
threshold, with frozen time: reminders to the clinical owner 90 and 30 days
before and on the due date, escalation 14 days after, the lapse notice 30
days after, each once, and lifted by the next review."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from articles import workflow
from articles.models import Article, ReviewDigest, ReviewReminder
from tests.factories import approve, make_article, make_clinician, make_editor

pytestmark = pytest.mark.django_db
DUE = datetime.date(2027, 6, 30)


@pytest.fixture
def guide():
    owner = make_clinician("olive")
    owner.email = "olive@example.org"
    owner.save()
    other = make_clinician("oscar")
    other.email = "oscar@example.org"
    other.save()
    article = make_article(reviewer=other)
    Article.objects.filter(pk=article.pk).update(next_review_due=DUE)
    workflow.set_clinical_owner(article=article, owner=owner, user=other)
    return Article.objects.get(pk=article.pk)


def run_on(day: datetime.date) -> list[str]:
    out = StringIO()
    with time_machine.travel(
        datetime.datetime.combine(day, datetime.time(6, 15, tzinfo=datetime.UTC)), tick=False
    ):
        call_command("review_cycle", stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.parametrize(
    ("days_late", "stage", "to"),
    [
        (-91, None, None),
        (-90, "before_90", ["olive"]),
        (-31, "before_90", ["olive"]),
        (-30, "before_30", ["olive"]),
        (-1, "before_30", ["olive"]),
        (0, "due", ["olive"]),
        (13, "due", ["olive"]),
        (14, "escalated", ["olive", "oscar"]),
        (29, "escalated", ["olive", "oscar"]),
        (30, "lapsed", ["olive", "oscar"]),
    ],
)
def test_each_threshold_sends_its_step_once_to_the_right_people(guide, days_late, stage, to):
    day = DUE + datetime.timedelta(days=days_late)
    lines = run_on(day)
    if stage is None:
        assert lines == []
        assert mail.outbox == []
        return
    assert lines == [f"{day} {stage} {guide.live_slug} -> {','.join(to)}"]
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted(f"{name}@example.org" for name in to)
    assert guide.live_title in mail.outbox[0].subject
    # Twice in a day, or the next day at the same stage: nothing more.
    assert run_on(day) == []
    assert len(mail.outbox) == 1
    assert ReviewReminder.objects.filter(article=guide).count() == 1


def test_a_full_cycle_sends_each_stage_once_and_lapses_without_unpublishing(guide):
    sent = []
    day = DUE - datetime.timedelta(days=100)
    while day <= DUE + datetime.timedelta(days=40):
        sent += [line.split()[1] for line in run_on(day)]
        day += datetime.timedelta(days=1)
    assert sent == ["before_90", "before_30", "due", "escalated", "lapsed"]
    assert len(mail.outbox) == 5
    article = Article.objects.get(pk=guide.pk)
    assert article.review_lapsed_on == DUE + datetime.timedelta(days=30)
    assert article.live_version is not None
    assert Article.objects.published().filter(pk=guide.pk).exists()


def test_a_late_start_sends_only_the_latest_stage(guide):
    assert [line.split()[1] for line in run_on(DUE - datetime.timedelta(days=10))] == ["before_30"]


def test_the_next_review_lifts_the_lapse_and_starts_a_new_cycle(guide):
    run_on(DUE + datetime.timedelta(days=30))
    assert Article.objects.get(pk=guide.pk).review_lapsed_on is not None
    with time_machine.travel(datetime.datetime(2027, 8, 1, 9, tzinfo=datetime.UTC), tick=False):
        approve(Article.objects.get(pk=guide.pk), make_clinician("olive"))
    article = Article.objects.get(pk=guide.pk)
    assert article.review_lapsed_on is None
    assert article.next_review_due == datetime.date(2028, 8, 1)
    assert run_on(datetime.date(2028, 5, 3))[0].split()[1] == "before_90"


def test_with_the_lapse_action_none_the_page_is_left_alone(guide, settings):
    settings.ARTICLE_REVIEW_LAPSE_ACTION = "none"
    assert run_on(DUE + datetime.timedelta(days=31))[0].split()[1] == "lapsed"
    assert Article.objects.get(pk=guide.pk).review_lapsed_on is None


def test_without_an_owner_every_clinician_is_reminded(guide):
    workflow.set_clinical_owner(article=guide, owner=None, user=make_clinician("oscar"))
    assert run_on(DUE)[0].endswith("-> olive,oscar")


def test_drafts_and_archived_guides_are_not_in_the_cycle():
    draft = make_article(live=False)
    Article.objects.filter(pk=draft.pk).update(next_review_due=DUE)
    assert run_on(DUE + datetime.timedelta(days=40)) == []


def test_a_bad_date_is_a_message_not_a_traceback():
    with pytest.raises(CommandError, match="--today must be a date"):
        call_command("review_cycle", "--today", "tomorrow")


def test_only_a_clinician_or_administrator_changes_the_owner_and_it_is_recorded(guide):
    editor = make_editor("ed")
    with pytest.raises(workflow.WorkflowError, match="Only a clinician"):
        workflow.set_clinical_owner(article=guide, owner=make_clinician("oscar"), user=editor)
    with pytest.raises(workflow.WorkflowError, match="not an active member"):
        workflow.set_clinical_owner(article=guide, owner=editor, user=make_clinician("oscar"))
    workflow.set_clinical_owner(
        article=guide, owner=make_clinician("oscar"), user=make_clinician("olive")
    )
    history = guide.history.order_by("history_date")
    changes = [(h.clinical_owner.username if h.clinical_owner else None, h.history_user.username)
               for h in history if h.history_user]  # fmt: skip
    assert changes[-2:] == [("olive", "oscar"), ("oscar", "olive")]


def test_a_clinician_sets_the_owner_on_the_change_form_and_an_editor_cannot(client, guide):
    from django.contrib.auth import get_user_model

    from tests.articles.test_permissions import change_form_data

    users = get_user_model().objects
    oscar, editor = users.get(username="oscar"), make_editor("ed")
    url = f"/admin/articles/article/{guide.pk}/change/"
    client.force_login(editor)
    response = client.post(url, change_form_data(guide, owner=str(oscar.pk)))
    assert response.status_code == 302
    assert Article.objects.get(pk=guide.pk).clinical_owner.username == "olive"  # ignored
    client.force_login(oscar)
    current = Article.objects.get(pk=guide.pk)
    response = client.post(url, change_form_data(current, owner=str(editor.pk)))
    assert response.status_code == 200  # an editor cannot own a guide: the form says so
    assert "Select a valid choice" in response.content.decode()
    response = client.post(url, change_form_data(current, owner=str(oscar.pk)))
    assert response.status_code == 302
    article = Article.objects.get(pk=guide.pk)
    assert article.clinical_owner == oscar
    assert article.history.first().history_user == oscar


@pytest.mark.parametrize("command", ["review_cycle", "review_digest"])
def test_a_run_as_of_a_later_day_is_refused_unless_it_is_a_dry_run(guide, command):
    """A rehearsal of next year with --today would send real emails, show
    readers an overdue notice now and use up next year's steps: refused, and
    --dry-run lists the steps without taking them."""
    lapse_day = (DUE + datetime.timedelta(days=31)).isoformat()
    with time_machine.travel(datetime.datetime(2027, 1, 5, 9, tzinfo=datetime.UTC), tick=False):
        with pytest.raises(CommandError, match="is after today"):
            call_command(command, "--today", lapse_day, stdout=StringIO())
        out = StringIO()
        call_command(command, "--today", lapse_day, "--dry-run", stdout=out)
    assert "(dry run: not " in out.getvalue()
    assert mail.outbox == []
    assert not ReviewReminder.objects.exists()
    assert not ReviewDigest.objects.exists()
    assert Article.objects.get(pk=guide.pk).review_lapsed_on is None

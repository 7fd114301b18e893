"""The daily review cycle: reminders, escalation and the lapse notice.

Run once a day by cron (see the README):

    15 6 * * *  cd /srv/healthsite && .venv/bin/python manage.py review_cycle

For each live guide, by how many days its review is due (``next_review_due``;
a guide never reviewed is due since it was first published):

- 90, 30 and 0 days before (``ARTICLE_REVIEW_REMINDER_DAYS``): the guide's
  clinical owner is emailed (every clinical reviewer when it has none, or the
  owner is no longer an active clinical reviewer). Only
  the latest stage reached is sent: a cycle that starts late does not send
  the earlier reminders after the later one.
- ``ARTICLE_REVIEW_ESCALATION_DAYS`` (14) after: every clinical reviewer.
- ``ARTICLE_REVIEW_LAPSE_DAYS`` (30) after, with the lapse action "notice":
  the page tells readers it is overdue and carries ``noindex``
  (``workflow.lapse_review``); everyone is emailed. Never unpublished.

Each step is recorded (``ReviewReminder``) once per guide and due date, so
running the command twice in a day sends nothing twice. stdout lists the
steps taken, one per line (``<date> <stage> <slug> -> <usernames>``);
``--today`` runs it as of an earlier day (a catch-up); ``--dry-run`` lists
the steps a run would take (any day, a rehearsal of next year included) and
sends, records and changes nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandParser
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles import workflow
from articles.management.commands._run_date import add_options, run_date
from articles.models import Article, ReviewReminder
from articles.notifications import absolute_url

Stage = ReviewReminder.Stage
_BEFORE = {90: Stage.DAYS_90, 30: Stage.DAYS_30, 0: Stage.DUE}
_REMINDERS = set(_BEFORE.values())


def due_date(article: Article) -> datetime.date:
    """When the guide's review is due: ``next_review_due``, or for a live
    guide no clinician has reviewed, the day it was first published."""
    if article.next_review_due is not None:
        return article.next_review_due
    published = article.published_at or article.created_at
    return timezone.localtime(published).date()


def stage_for(days_late: int) -> str | None:
    """The cycle stage a guide whose review is ``days_late`` days overdue
    (negative: days before the due date) has reached, or None before the
    first reminder."""
    if days_late >= settings.ARTICLE_REVIEW_LAPSE_DAYS:
        return Stage.LAPSED
    if days_late >= settings.ARTICLE_REVIEW_ESCALATION_DAYS:
        return Stage.ESCALATED
    reached = [days for days in settings.ARTICLE_REVIEW_REMINDER_DAYS if -days_late <= days]
    if not reached:
        return None
    return _BEFORE.get(min(reached), Stage.DUE)


class Command(BaseCommand):
    help = "Send review reminders and escalations and apply the lapse notice; safe to rerun."

    def add_arguments(self, parser: CommandParser) -> None:
        add_options(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        today = run_date(options["today"], dry_run=dry_run)
        reviewers = list(workflow.clinicians())
        guides = Article.objects.published().select_related("clinical_owner").order_by("pk")
        for article in guides:
            due = due_date(article)
            stage = stage_for((today - due).days)
            if stage is None:
                continue
            owner = article.clinical_owner
            # An owner who has left "Clinical reviewers" (or been deactivated)
            # can no longer review: everyone is reminded instead.
            if owner is not None and stage in _REMINDERS and owner in reviewers:
                recipients = [owner]
            else:
                recipients = reviewers
            names = ",".join(user.get_username() for user in recipients) or "(nobody)"
            if dry_run:
                if not ReviewReminder.objects.filter(article=article, due_date=due,
                                                     stage=stage).exists():  # fmt: skip
                    self.stdout.write(f"{today} {stage} {article.live_slug} -> {names} "
                                      "(dry run: not taken)")  # fmt: skip
                continue
            if not self._record(article, due, stage, recipients):
                continue  # taken on an earlier run
            if stage == Stage.LAPSED:
                workflow.lapse_review(article=article, today=today)
            self._email(article, due, stage, recipients)
            self.stdout.write(f"{today} {stage} {article.live_slug} -> {names}")

    def _record(self, article: Article, due: datetime.date, stage: str, recipients: list) -> bool:
        """Record the step; False when it was recorded before."""
        try:
            with transaction.atomic():
                ReviewReminder.objects.create(
                    article=article,
                    due_date=due,
                    stage=stage,
                    recipients=[user.get_username() for user in recipients],
                )
        except IntegrityError:
            return False
        return True

    def _email(self, article: Article, due: datetime.date, stage: str, recipients: list) -> None:
        addresses = [user.email for user in recipients if user.email]
        if not addresses:
            return
        label = Stage(stage).label
        lines = [
            f"{article.live_title}",
            f"Clinical review due: {due.isoformat()}.",
            f"{label}.",
        ]
        if stage == Stage.LAPSED and settings.ARTICLE_REVIEW_LAPSE_ACTION == "notice":
            lines.append(
                "The page now tells readers that it is overdue for clinical review and asks "
                "search engines not to index it, until a clinician reviews it."
            )
        lines.append(f"Public page: {absolute_url(article.get_absolute_url())}")
        # One email per step, to everyone it concerns at once.
        send_mail(
            f"Clinical review: {article.live_title} ({label.lower()})",
            "\n".join(lines),
            None,
            addresses,
        )

"""Report guides whose clinical review is overdue or due soon.

Exit status 0 when nothing is overdue, 1 when something is, so cron or a
monitoring check can alert on it. A live guide that no clinician has ever
reviewed is overdue: it is due now."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F
from django.utils import timezone

from articles import workflow
from articles.models import Article


class Command(BaseCommand):
    help = "List guides whose clinical review is overdue or due soon; exit 1 if any is overdue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=settings.ARTICLE_REVIEW_DUE_SOON_DAYS,
            help="How many days ahead counts as due soon.",
        )  # fmt: skip
        parser.add_argument(
            "--email", action="store_true", help="Also email the clinical reviewers."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        overdue = list(
            Article.objects.review_overdue(today).order_by(
                F("next_review_due").asc(nulls_first=True), "pk"
            )
        )
        soon = list(
            Article.objects.review_due_within(options["days"], today).order_by("next_review_due")
        )
        lines = [f"Overdue ({len(overdue)}):"]
        # A live guide no clinician has reviewed is due now.
        lines += [f"  {a.next_review_due or 'never reviewed'}  {a.live_slug}  {a.live_title}"
                  for a in overdue]  # fmt: skip
        lines += [f"Due within {options['days']} days ({len(soon)}):"]
        lines += [f"  {a.next_review_due}  {a.live_slug}  {a.live_title}" for a in soon]
        report = "\n".join(lines)
        self.stdout.write(report)
        if options["email"] and (overdue or soon):
            recipients = list(
                workflow.clinicians().exclude(email="").values_list("email", flat=True)
            )
            if recipients:
                send_mail("Health guides due for clinical review", report, None, recipients)
        if overdue:
            raise CommandError(f"{len(overdue)} guide(s) are overdue for review.", returncode=1)

"""The daily digest of guides due for clinical review.

Run from cron once a day, after ``review_cycle`` (see the README):

    20 6 * * *  cd /srv/healthsite && .venv/bin/python manage.py review_digest

Each active clinical reviewer with an address gets one email listing the
live guides whose review is overdue or due within
``ARTICLE_REVIEW_DUE_SOON_DAYS`` that are theirs (owned by them, or owned by
no active clinician); nobody with nothing due is emailed. A digest sent
is remembered for the day (``articles.notifications``), so running the
command again the same day sends nothing twice. stdout lists the digests
sent, one per line (``<date> digest <username> <number of guides>``);
``--today`` runs it as of an earlier day; ``--dry-run`` lists the digests
that would be sent (any day) and sends and records nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from articles.management.commands._run_date import add_options, run_date
from articles.models import ReviewDigest
from articles.notifications import digests, send_review_digests


class Command(BaseCommand):
    help = "Email each clinical reviewer the guides due for review; once a day, safe to rerun."

    def add_arguments(self, parser: CommandParser) -> None:
        add_options(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        today = run_date(options["today"], dry_run=options["dry_run"])
        if options["dry_run"]:
            sent = set(ReviewDigest.objects.filter(day=today).values_list("user_id", flat=True))
            for user, guides in digests(today):
                if user.pk not in sent:
                    self.stdout.write(f"{today} digest {user.get_username()} {len(guides)} "
                                      "(dry run: not sent)")  # fmt: skip
            return
        for user, guides in send_review_digests(today):
            self.stdout.write(f"{today} digest {user.get_username()} {len(guides)}")

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
``--today`` runs it as of another day.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from articles.notifications import send_review_digests


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date like 2026-11-30, not {value!r}.") from None


class Command(BaseCommand):
    help = "Email each clinical reviewer the guides due for review; once a day, safe to rerun."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Run as of this date (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _date(options["today"]) if options["today"] else timezone.localdate()
        for user, guides in send_review_digests(today):
            self.stdout.write(f"{today} digest {user.get_username()} {len(guides)}")

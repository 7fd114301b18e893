"""The ``--today`` and ``--dry-run`` options of the cron commands
(``review_cycle``, ``review_digest``), which take real steps once per day."""

from __future__ import annotations

import datetime

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone


def add_options(parser: CommandParser) -> None:
    parser.add_argument(
        "--today",
        help="Run as of this date (YYYY-MM-DD): a past day to catch up, or with --dry-run any day.",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="List what would be done, send and record nothing.",
    )


def run_date(value: str | None, *, dry_run: bool) -> datetime.date:
    """The day to run as: ``value`` (an ISO date) or the site's today.

    Raises CommandError for a value that is not a date, and for a day after
    today without ``dry_run``: a run takes real steps (emails, the lapse
    notice) and records them as taken, so a rehearsal of next year would use
    up next year's reminders and show readers an overdue notice today."""
    today = timezone.localdate()
    if not value:
        return today
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date like 2026-11-30, not {value!r}.") from None
    if day > today and not dry_run:
        raise CommandError(
            f"--today {day} is after today ({today}): a run sends real emails and records its "
            "steps as taken, so they would not be taken on that day. Add --dry-run to see what "
            "would happen then."
        )
    return day

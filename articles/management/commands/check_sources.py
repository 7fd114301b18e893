"""Check that every cited source still answers, as cron would run it:

    30 5 * * 1  cd /srv/healthsite && .venv/bin/python manage.py check_sources

First joins to the register any reference it lacks (loaded from a fixture
or a backup), then checks each source some guide cites (articles.source_check:
bounded concurrency, a timeout per request, HEAD then GET, at most a few
redirects, robots.txt respected, a User-Agent naming the site) and records
its state, last answer and time. Safe to run again: a run only records what
it found. One JSON log line per source on stderr; the summary on stdout.
A dead or moved source makes every live guide citing it due for review
(the dashboard's "Sources to check").

When two or more sources are checked and not one answers at all (no
address resolves, every connection fails or times out), the fault is most
likely the server's own network: nothing is recorded, and the command
fails with a message, so one night without a network never marks every
source dead.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from articles import source_check
from articles.models import Article, Reference, Source, link_references

logger = logging.getLogger("articles.sources")


class Command(BaseCommand):
    help = (
        "Check every source the guides cite (robots.txt respected), record whether it answers, "
        "is dead or moved, and print a summary. Guides citing a dead or moved source become due "
        "for review."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers", type=int, default=None,
            help="Requests at once (default: DJANGO_SOURCE_CHECK_WORKERS).",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        linked = link_references()
        cited = Source.objects.filter(
            pk__in=Reference.objects.filter(source__isnull=False).values("source")
        )
        urls = list(cited.order_by("url").values_list("url", flat=True))
        results = source_check.check_all(urls, workers=options["workers"])
        checked = [result for result in results if result.state is not None]
        if len(checked) >= 2 and all(result.no_answer for result in checked):
            raise CommandError(
                f"None of the {len(checked)} sources checked answered at all (for example "
                f"{checked[0].url}: {checked[0].status}): this server's network or name "
                "resolution is probably down. Nothing was recorded."
            )
        source_check.record(results)
        recorded = dict(cited.values_list("url", "state"))
        for result in results:
            fields = {"url": result.url, "status": result.status, "found": result.state,
                      "recorded": recorded.get(result.url),
                      "moved_to": result.moved_to}  # fmt: skip
            logger.info("source %(url)s: %(status)s", fields, extra={"fields": fields})
        counts = dict.fromkeys(Source.State.values, 0)
        for row in cited.order_by().values("state").annotate(n=Count("pk")):
            counts[row["state"]] = row["n"]
        flagged = Article.objects.citing_broken_sources().count()
        self.stdout.write(
            f"Checked {len(urls)} source(s) ({linked} reference(s) newly joined to the register): "
            f"{counts['ok']} ok, {counts['moved']} moved, {counts['dead']} dead, "
            f"{counts['unchecked']} unchecked. {flagged} live guide(s) cite a dead or moved "
            "source and are due for review."
        )

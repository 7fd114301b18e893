"""Import Markdown files with YAML front matter as drafts or new working
versions. Nothing imported is published: it goes through clinical review."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from articles.content_io import import_documents, iter_markdown_files

PROGRESS_FROM = 20


class Command(BaseCommand):
    help = (
        "Import .md files (or folders of them) with front matter: title, slug, summary. "
        "New slugs become drafts; known slugs get a new working version if their text changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--user", required=True, help="Recorded as the author of the changes.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, save nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user called {options['user']!r}.") from None
        total = sum(1 for _ in iter_markdown_files(options["paths"]))
        bar = tqdm(total=total, unit="file", disable=total < PROGRESS_FROM, file=self.stderr)
        report = import_documents(
            options["paths"], user=user, dry_run=options["dry_run"], progress=bar.update
        )
        bar.close()
        for _source, reason in report.failed:
            self.stderr.write(self.style.ERROR(f"Skipped {reason}"))
        prefix = "Dry run, nothing saved: " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{report.summary()}.")
        if report.failed:
            raise CommandError(f"{len(report.failed)} file(s) could not be imported.")

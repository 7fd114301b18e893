"""Load content fixtures with full validation: the supported way to load
content (``loaddata`` skips model validation and loads anything)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.content_io import CONTENT_FIELDS, ContentError, load_fixture


class Command(BaseCommand):
    help = (
        "Validate and load content fixtures (default: fixtures/guides.json), all or nothing: "
        f"{', '.join(sorted(CONTENT_FIELDS))} only. Guides load as drafts; nothing is "
        "published, approved or given an account (a clinician approves in the workflow). "
        "Safe to run again: objects already stored must match, and are left as they are. "
        "To restore a whole backup, use restore_backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fixtures", nargs="*", default=["guides"])

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for name in options["fixtures"]:
            path = find_fixture(name)
            try:
                total += load_fixture(path)
            except ContentError as error:
                raise CommandError(f"Nothing was loaded. {error}") from None
        self.stdout.write(self.style.SUCCESS(f"Loaded {total} new object(s)."))


def find_fixture(name: str) -> Path:
    """A fixture named by path, or by name in ``settings.FIXTURE_DIRS``."""
    path = Path(name)
    if path.is_file():
        return path
    for directory in settings.FIXTURE_DIRS:
        candidate = Path(directory) / (name if name.endswith(".json") else f"{name}.json")
        if candidate.is_file():
            return candidate
    raise CommandError(f"No fixture called {name!r} (looked in {settings.FIXTURE_DIRS}).")

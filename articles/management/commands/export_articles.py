"""Export guides as Markdown files with YAML front matter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from articles.content_io import export_documents


class Command(BaseCommand):
    help = (
        "Write one <slug>.md per guide into DIR: the live version of each published guide, "
        "or every working copy with --working. import_articles reads them back unchanged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--working", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        written = export_documents(options["directory"], working=options["working"])
        self.stdout.write(self.style.SUCCESS(f"Wrote {written} file(s) to {options['directory']}."))

"""Make (or remove) synthetic guides for benchmarks and load tests."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from articles.models import Article
from articles.signals import send_public_changed_on_commit
from devtools.generation import generate, generated_articles, remove_generated


class Command(BaseCommand):
    help = (
        "Make sure COUNT generated guides exist (800-3,000 words each, with headings, lists, "
        "sources and topics), or remove them all with --delete. Generated guides are drafts "
        "unless --publish is given: published ones are live WITHOUT clinical review, so use "
        "--publish only on a benchmark database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=0)
        parser.add_argument("--publish", action="store_true")
        parser.add_argument("--delete", action="store_true")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["delete"]:
            total = generated_articles().count()
            with tqdm(total=total, unit="article", file=self.stderr) as bar:
                removed = remove_generated(progress=bar.update)
            send_public_changed_on_commit(Article, pages_validated=False)
            self.stdout.write(f"Removed {removed} generated article(s).")
            return
        if options["count"] <= 0:
            raise CommandError("Give --count N (N > 0), or --delete.")
        if options["publish"]:
            self.stderr.write(
                self.style.WARNING("Publishing generated text without clinical review.")
            )
        with tqdm(total=options["count"], unit="article", file=self.stderr) as bar:
            created = generate(
                count=options["count"], publish=options["publish"], seed=options["seed"],
                progress=bar.update,
            )  # fmt: skip
        send_public_changed_on_commit(Article, pages_validated=False)
        self.stdout.write(f"Created {created} generated article(s); {options['count']} wanted.")

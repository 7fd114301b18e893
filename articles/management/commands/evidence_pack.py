"""Write the clinical-governance evidence pack of guides (articles.evidence).

    manage.py evidence_pack diazepam-for-anxiety --out packs/
    manage.py evidence_pack --sample 5 --seed 2026 --out packs/   # an auditor's random job bags
    manage.py evidence_pack diazepam-for-anxiety --json            # the JSON on stdout

Each guide gives two files in ``--out`` (created if missing):
``<slug>-evidence.html`` (self-contained, printable to PDF) and
``<slug>-evidence.json`` (docs/schemas/evidence-pack.schema.json). The paths
written go to stdout, one per line; with ``--json`` and one guide, the JSON
itself does. Exit status 1 with a message naming the problem for an unknown
slug, a bad sample size or an output folder that cannot be written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from articles import evidence
from articles.models import Article


class Command(BaseCommand):
    help = "Write the evidence pack (HTML and JSON) of guides, by slug or as a random sample."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="Guides by public or working slug.")
        parser.add_argument("--out", default=".", help="Folder for the files (default: here).")
        parser.add_argument(
            "--sample", type=int, help="A random sample of this many guides that have been live."
        )
        parser.add_argument("--seed", type=int, help="Makes --sample repeatable.")
        parser.add_argument(
            "--json", action="store_true", help="Print one guide's JSON to stdout; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        guides = self._guides(options["slugs"], options["sample"], options["seed"])
        if options["json"]:
            if len(guides) != 1:
                raise CommandError("--json prints one guide: name exactly one slug.")
            self.stdout.write(json.dumps(evidence.build(guides[0]), indent=2, ensure_ascii=False))
            return
        out = Path(options["out"])
        try:
            out.mkdir(parents=True, exist_ok=True)
            for guide in guides:
                # Both made before either is written: no pack is left half-written.
                pack = evidence.build(guide)
                files = {
                    ".html": evidence.to_html(pack),
                    ".json": json.dumps(pack, indent=2, ensure_ascii=False) + "\n",
                }
                stem = out / f"{pack['guide']['slug']}-evidence"
                for suffix, text in files.items():
                    stem.with_suffix(suffix).write_text(text, encoding="utf-8")
                    self.stdout.write(str(stem.with_suffix(suffix)))
        except OSError as error:
            raise CommandError(f"Cannot write to {out}: {error.strerror}.") from None

    def _guides(self, slugs: list[str], size: int | None, seed: int | None) -> list[Article]:
        if size is not None:
            if slugs:
                raise CommandError("Name slugs or ask for --sample, not both.")
            if size < 1:
                raise CommandError(f"--sample must be at least 1 (got {size}).")
            # Guides that have reached the public: the ones an assessor can see.
            pool = Article.objects.exclude(published_at=None)
            if not pool.exists():
                raise CommandError("No guide has been published yet: there is nothing to sample.")
            return evidence.sample(pool, size, seed=seed)
        if not slugs:
            raise CommandError("Name at least one guide by its slug, or use --sample N.")
        guides = []
        for slug in slugs:
            guide = Article.objects.filter(Q(live_slug=slug) | Q(slug=slug)).first()
            if guide is None:
                raise CommandError(f"No guide has the slug {slug!r}.")
            guides.append(guide)
        return guides

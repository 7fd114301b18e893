#!/usr/bin/env python
"""
Evidence pack: how long `manage.py evidence_pack` takes for a guide with a
long history (issue 15's goal: 50 versions in under 10 s).

Builds, in a throwaway test database, one guide of the seed guide's length
with ``--versions`` versions (default 50) written by two editors, every
other one approved by one of two clinicians (so half are approved, each with
its readability figures and a diff against the previous approval), then
times the whole command (building the pack, the HTML and the JSON, writing
both files), the best and the median of ``--repeat`` runs.

    .venv/bin/python bench/evidence_pack.py              # prints, appends to bench/RESULTS.md
    .venv/bin/python bench/evidence_pack.py --no-record  # prints only

Exit status 1 if the median is 10 s or more.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import get_runner  # noqa: E402

GOAL_SECONDS = 10.0


def build_history(versions: int):  # type: ignore[no-untyped-def]
    from articles import workflow
    from articles.models import Article
    from tests.factories import approve, make_clinician, make_editor
    from tests.seeds import SEEDS, SEEDS_DIR

    editors = [make_editor("bench-ann"), make_editor("bench-bob")]
    clinicians = [make_clinician("bench-carol"), make_clinician("bench-dev")]
    body = (SEEDS_DIR / SEEDS["valium-diazepam"]).read_text(encoding="utf-8")
    article = Article(
        title="Diazepam (Valium)", slug="bench-evidence", summary="About diazepam.", body=body
    )
    workflow.save_working_copy(article=article, user=editors[0], expected_version=None)
    for number in range(2, versions + 1):
        article = Article.objects.get(pk=article.pk)
        article.body = f"{body}\n\nChange {number}: take the tablet with water."
        workflow.save_working_copy(
            article=article, user=editors[number % 2], expected_version=article.lock_version
        )
        if number % 2 == 0:
            workflow.submit(article=Article.objects.get(pk=article.pk), user=editors[number % 2])
            approve(Article.objects.get(pk=article.pk), clinicians[(number // 2) % 2])
    return Article.objects.get(pk=article.pk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--versions", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    runner = get_runner(settings)(verbosity=0)
    databases = runner.setup_databases()
    try:
        article = build_history(args.versions)
        approved = article.reviews.filter(decision="approved").count()
        timings = []
        with tempfile.TemporaryDirectory() as out:
            for _ in range(args.repeat):
                start = time.perf_counter()
                call_command("evidence_pack", article.live_slug, "--out", out, stdout=StringIO())
                timings.append(time.perf_counter() - start)
            sizes = {path.suffix: path.stat().st_size for path in Path(out).iterdir()}
    finally:
        runner.teardown_databases(databases)

    median = statistics.median(timings)
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    report = "\n".join([
        f"## Evidence pack ({stamp})",
        "",
        f"Command: `.venv/bin/python bench/evidence_pack.py`; a guide of the seed guide's length "
        f"with {args.versions} versions, {approved} of them approved; `manage.py evidence_pack` "
        f"timed {args.repeat} times (wall clock, SQLite, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores).",
        "",
        f"- Median {median:.2f} s, best {min(timings):.2f} s; goal: under {GOAL_SECONDS:.0f} s.",
        f"- Files: HTML {sizes.get('.html', 0):,} bytes, JSON {sizes.get('.json', 0):,} bytes.",
        "",
    ])  # fmt: skip
    print(report)
    if not args.no_record:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as results:
            results.write("\n" + report)
    return 0 if median < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())

"""Run a workflow step from the command line, as a named user. Calls the same
functions as the admin, so the same rules apply (four-eyes included).

``show`` prints what a clinician approves: the latest version's number and
content hash, then its content. ``approve`` needs both back
(``--revision N --hash H``), so an approval belongs to what was read."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles import workflow
from articles.models import Article

# ``show`` reads; every other choice names a step of workflow.STEPS, with "-"
# for "_" (``request-changes``).
STEPS = {name.replace("_", "-"): name for name in workflow.STEPS}


class Command(BaseCommand):
    help = (
        "Show a guide's latest version, or take a workflow step (submit, approve, confirm "
        "still accurate, request changes, archive, restore, confirm its rendering) as a given "
        "user. Approval and confirming need --revision and --hash from `show`, and "
        "--smog-reason when `show` says needs_smog_reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("step", choices=["show", *STEPS])
        parser.add_argument("slug", help="The guide's slug (working or public).")
        parser.add_argument("--user", help="The username acting (every step but show).")
        parser.add_argument("--comment", default="")
        # --version is taken by Django's own option (the Django version).
        parser.add_argument("--revision", type=int, help="approve: the version number you read.")
        parser.add_argument("--hash", default="", help="approve: that version's content hash.")
        parser.add_argument(
            "--smog-reason", default="",
            help="approve: one line (at most 200 characters) saying why a version above the "
                 "site's SMOG target is approved as it is; required then (`show` gives the "
                 "grade and the target).",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        article = (
            Article.objects.filter(slug=slug).first()
            or Article.objects.filter(live_slug=slug).first()
        )
        if article is None:
            raise CommandError(f"No article with slug {slug!r}.")
        step, comment = options["step"], options["comment"]
        if step == "show":
            self._show(article)
            return
        if not options["user"]:
            raise CommandError(f"{step} needs --user: the username acting.")
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user called {options['user']!r}.") from None
        # The step's parameters, by the options that give them.
        given = {"version": options["revision"], "content_hash": options["hash"],
                 "comment": comment, "smog_reason": options["smog_reason"]}  # fmt: skip
        chosen = workflow.STEPS[STEPS[step]]
        parameters = {name: given[name] for name in chosen.parameters}
        if "version" in parameters and (options["revision"] is None or not options["hash"]):
            raise CommandError(
                f"{step} needs --revision N --hash H: the version you read and its content "
                f"hash (see `manage.py workflow show {article.slug}`)."
            )
        try:
            chosen.run(article=article, actor=user, **parameters)
        except workflow.WorkflowError as error:
            raise CommandError(str(error)) from None
        article.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(f"{article.slug}: {article.get_status_display().lower()}.")
        )

    def _show(self, article: Article) -> None:
        latest = workflow.latest_revision(article)
        if latest is None:
            raise CommandError(f"{article.slug} has no version.")
        figures = workflow.plain_english(latest)
        data = {
            "status": article.status,
            "live_version": article.live_version,
            "version": latest.number,
            "content_hash": latest.content_hash,
            "smog_grade": figures.grade,
            "smog_target": figures.target,
            "needs_smog_reason": figures.above_target,
            **latest.snapshot(),
        }
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))

"""Run a workflow step from the command line, as a named user. Calls the same
functions as the admin, so the same rules apply (four-eyes included)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles import workflow
from articles.models import Article

STEPS = ["submit", "approve", "request-changes", "archive", "restore"]


class Command(BaseCommand):
    help = "Submit, approve, request changes to, archive or restore a guide as a given user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("step", choices=STEPS)
        parser.add_argument("slug")
        parser.add_argument("--user", required=True, help="The username acting.")
        parser.add_argument("--comment", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            article = Article.objects.get(slug=options["slug"])
        except Article.DoesNotExist:
            raise CommandError(f"No article with slug {options['slug']!r}.") from None
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user called {options['user']!r}.") from None
        step, comment = options["step"], options["comment"]
        try:
            if step == "submit":
                workflow.submit(article=article, user=user)
            elif step == "approve":
                workflow.approve(article=article, reviewer=user, comment=comment)
            elif step == "request-changes":
                workflow.request_changes(article=article, reviewer=user, comment=comment)
            elif step == "archive":
                workflow.archive(article=article, user=user)
            else:
                workflow.restore(article=article, user=user)
        except workflow.WorkflowError as error:
            raise CommandError(str(error)) from None
        article.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(f"{article.slug}: {article.get_status_display().lower()}.")
        )

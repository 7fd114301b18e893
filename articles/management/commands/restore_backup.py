"""Restore a whole backup made by ``dumpdata``: the one command that loads
public state, approvals and accounts, so it is named for what it does and
records who ran it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from articles.content_io import ContentError, restore_backup
from articles.models import Article

logger = logging.getLogger("articles.restore")


class Command(BaseCommand):
    help = (
        "Restore a JSON backup made by dumpdata (--natural-foreign --natural-primary) into a "
        "database without guides: guides WITH their live copies and public state, every "
        "version, clinical reviews, reviewer profiles, accounts, groups and the article "
        "history, validated, all or nothing. --user names who is restoring; it is logged and "
        "recorded in each restored guide's admin history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path)
        parser.add_argument(
            "--user",
            required=True,
            help="Username of the person restoring (an account in the database or the backup).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path, username = options["backup"], options["user"]
        logger.warning("restore_backup: %s is restoring %s", username, path)
        try:
            with transaction.atomic():
                counts = restore_backup(path)
                user = get_user_model().objects.filter(username=username).first()
                if user is None:
                    raise ContentError(
                        f"No account called {username!r} in the database or the backup; "
                        "--user must name the person restoring."
                    )
                self._record(user, path)
        except ContentError as error:
            raise CommandError(f"Nothing was restored. {error}") from None
        for label, count in sorted(counts.items()):
            self.stdout.write(f"{label}\t{count}")
        logger.warning("restore_backup: %s restored %s (%d objects)", username, path,
                       sum(counts.values()))  # fmt: skip
        self.stderr.write(self.style.SUCCESS(f"Restored {sum(counts.values())} object(s)."))

    @staticmethod
    def _record(user: Any, path: Path) -> None:
        content_type = ContentType.objects.get_for_model(Article)
        LogEntry.objects.bulk_create(
            LogEntry(
                user=user, content_type=content_type, object_id=str(pk),
                object_repr=title[:200], action_flag=ADDITION,
                change_message=f"Restored from backup {path.name} by {user.get_username()}.",
            )
            for pk, title in Article.objects.values_list("pk", "title")
        )  # fmt: skip

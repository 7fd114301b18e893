"""The demonstration site of ``make run``: the seed guides, loaded as
content and then published the only way anything is published, by a
clinician's approval in the workflow."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from articles import workflow
from articles.content_io import ContentError, load_fixture, read_json
from articles.management.commands.load_guides import find_fixture
from articles.models import (
    CLINICAL_REVIEWERS_GROUP,
    EDITORS_GROUP,
    Article,
    ReviewerProfile,
    Revision,
    Topic,
)

DEMO_EDITOR = "demo-editor"
DEMO_REVIEWER = "demo-reviewer"
# Shown to readers under "Reviewed by": it must not pass for a real clinician.
DEMO_REVIEWER_NAME = "Demonstration reviewer (sample content, not a clinician)"


class Command(BaseCommand):
    help = (
        "For a demonstration or development site only: load the seed guides "
        "(fixtures/guides.json) with load_guides' rules, then submit each one that is not yet "
        f"live as {DEMO_EDITOR!r} and approve it as --reviewer (default {DEMO_REVIEWER!r}, an "
        f"account that cannot log in, shown publicly as {DEMO_REVIEWER_NAME!r}). Safe to run "
        "again. Never run it on a production site: there a clinician approves every guide."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fixture", nargs="?", default="guides")
        parser.add_argument(
            "--reviewer", default=DEMO_REVIEWER, help="An existing clinician's username."
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        path = find_fixture(options["fixture"])
        try:
            load_fixture(path)
            slugs = [
                entry["fields"]["slug"] for entry in read_json(path)
                if entry.get("model") == "articles.article"
            ]  # fmt: skip
        except ContentError as error:
            raise CommandError(f"Nothing was loaded. {error}") from None
        editor = _demo_account(DEMO_EDITOR, EDITORS_GROUP)
        if options["reviewer"] == DEMO_REVIEWER:
            reviewer = _demo_account(DEMO_REVIEWER, CLINICAL_REVIEWERS_GROUP)
            ReviewerProfile.objects.get_or_create(
                user=reviewer, defaults={"display_name": DEMO_REVIEWER_NAME}
            )
        else:
            reviewer = get_user_model().objects.filter(username=options["reviewer"]).first()
            if reviewer is None:
                raise CommandError(f"No user called {options['reviewer']!r}.")
        topic_slugs = [
            entry["fields"]["slug"] for entry in read_json(path)
            if entry.get("model") == "articles.topic"
        ]  # fmt: skip
        for topic in Topic.objects.filter(slug__in=topic_slugs):
            latest = workflow.latest_topic_revision(topic)
            if latest is None or latest.number == topic.live_version:
                continue
            if topic.revisions.filter(created_by__isnull=False).exists():
                continue  # someone has edited it: a clinician reviews that, not the demo
            try:
                workflow.approve_topic(topic=topic, reviewer=reviewer, version=latest.number,
                                       content_hash=latest.content_hash)  # fmt: skip
            except workflow.WorkflowError as error:
                raise CommandError(f"topic {topic.slug}: {error}") from None
        published = 0
        # Only guides exactly as the fixture loaded them, never published and
        # never edited by anyone: the demonstration reviewer approves the
        # seeds, not an editor's later change (which a clinician reviews).
        untouched = Article.objects.filter(
            slug__in=slugs, live_version__isnull=True, published_at__isnull=True
        ).exclude(revisions__created_by__isnull=False)
        for article in untouched:
            try:
                if article.status != Article.Status.IN_REVIEW:
                    workflow.submit(article=article, user=editor)
                # Loading gives every guide a version (content_io._complete_new_drafts).
                version = cast(Revision, workflow.latest_revision(article))
                # The seeds name medicines and conditions that keep them above
                # the SMOG target: the demonstration reviewer says so.
                reason = ("Demonstration guide: the names of its medicines and conditions keep "
                          "it above the target." if workflow.plain_english(version).above_target
                          else "")  # fmt: skip
                workflow.approve(article=article, reviewer=reviewer, version=version.number,
                                 content_hash=version.content_hash,
                                 smog_reason=reason)  # fmt: skip
            except workflow.WorkflowError as error:
                raise CommandError(f"{article.slug}: {error}") from None
            published += 1
        self.stdout.write(self.style.SUCCESS(
            f"{len(slugs)} seed guide(s); {published} published now, approved by "
            f"{reviewer.get_username()}."
        ))  # fmt: skip


def _demo_account(username: str, group: str) -> Any:
    """A role account nobody can log in as: it exists to act in the workflow."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save()
    user.groups.add(Group.objects.get(name=group))
    return user

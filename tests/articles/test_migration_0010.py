"""Migration 0010 on existing data: live guides keep their address, topics,
sources and reviewer; old versions keep hashes that match their reviews;
existing topics become their own approved version 1."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("articles", "0009_public_partial_indexes")]


@pytest.fixture
def migrator():
    """Migrations run here without the migrate command, so its post_migrate
    handlers must be run afterwards: on SQLite, rebuilding the article table
    drops the search triggers that the handler puts back."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    from articles.apps import _ensure_search_index

    _ensure_search_index(using=connection.alias)


@pytest.mark.django_db(transaction=True)
def test_migration_0010_keeps_what_readers_saw_and_every_review_valid(migrator):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    User = apps.get_model("auth", "User")
    Article = apps.get_model("articles", "Article")
    Revision = apps.get_model("articles", "Revision")
    Review = apps.get_model("articles", "Review")
    Topic = apps.get_model("articles", "Topic")
    Reference = apps.get_model("articles", "Reference")
    ReviewerProfile = apps.get_model("articles", "ReviewerProfile")

    import hashlib
    import json

    def old_hash(title, summary, body):
        payload = json.dumps([title, summary, body], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    reviewer = User.objects.create(username="dr")
    ReviewerProfile.objects.create(user=reviewer, display_name="Dr Old", credentials="MBBS",
                                   registration_body="GMC", registration_number="1")  # fmt: skip
    topic = Topic.objects.create(name="Anxiety", slug="anxiety", description="About anxiety.")
    article = Article.objects.create(
        title="T", slug="old-address", summary="S", body="B", status="published", live_version=1,
        live_title="T", live_summary="S", approved_revision_number=1,
    )  # fmt: skip
    article.topics.add(topic)
    Reference.objects.create(article=article, order=1, title="NICE")
    revision = Revision.objects.create(article=article, number=1, title="T", summary="S",
                                       body="B", content_hash=old_hash("T", "S", "B"))  # fmt: skip
    Review.objects.create(article=article, revision=revision, content_hash=revision.content_hash,
                          reviewer=reviewer, decision="approved")  # fmt: skip

    executor = MigrationExecutor(connection)
    # Through 0010 and every later migration: the assertions use today's
    # models, whose columns the later migrations add.
    executor.migrate(executor.loader.graph.leaf_nodes())

    from articles.models import Article as LiveArticle
    from articles.models import Topic as LiveTopic

    migrated = LiveArticle.objects.get(slug="old-address")
    assert migrated.live_slug == "old-address"
    assert list(migrated.live_topics.values_list("slug", flat=True)) == ["anxiety"]
    assert [s["title"] for s in migrated.live_sources] == ["NICE"]
    assert migrated.live_reviewer == {
        "name": "Dr Old",
        "credentials": "MBBS",
        "registration_body": "GMC",
        "registration_number": "1",
    }
    old = migrated.revisions.get()
    assert (old.hash_scheme, old.slug, old.topics) == (1, "old-address", ["anxiety"])
    assert old.hash_is_intact()
    assert migrated.reviews.get().content_hash == old.compute_hash()
    assert migrated.reviews.get().reviewer_name == "Dr Old"
    topic = LiveTopic.objects.get(slug="anxiety")
    assert (topic.live_version, topic.live_name, topic.live_description) == (
        1,
        "Anxiety",
        "About anxiety.",
    )
    assert topic.revisions.get().compute_hash() == topic.revisions.get().content_hash

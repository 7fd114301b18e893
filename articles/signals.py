"""Derived data only. Business rules never live in signals; they live in
articles.workflow. These receivers exist because ``loaddata`` saves with
``raw=True``, which skips ``Model.save()`` and the workflow, and loaded
content must come out hashed and rendered exactly as the workflow would."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from articles.cache import invalidate_public_pages, invalidate_rendered_pages
from articles.models import (
    LIVE_FIELDS,
    TOPIC_LIVE_FIELDS,
    Article,
    Reference,
    Review,
    ReviewerProfile,
    Revision,
    Topic,
    TopicRevision,
)


@receiver(pre_save, sender=Revision, dispatch_uid="articles.hash_loaded_revision")
@receiver(pre_save, sender=TopicRevision, dispatch_uid="articles.hash_loaded_topic_revision")
def hash_loaded_revision(
    sender: type[Revision] | type[TopicRevision], instance: Revision | TopicRevision, raw: bool,
    **kwargs: Any,
) -> None:  # fmt: skip
    if raw:
        instance.content_hash = instance.compute_hash()


@receiver(pre_save, sender=Article, dispatch_uid="articles.render_loaded_article")
def render_loaded_article(
    sender: type[Article], instance: Article, raw: bool, **kwargs: Any
) -> None:
    if raw:
        instance.sync_live_copy(corrections=False, topics=False)
        instance.next_review_due = instance.compute_next_review_due()
        # Loaded content may replace what the public sees.
        transaction.on_commit(invalidate_public_pages, robust=True)


@receiver(post_save, sender=Article, dispatch_uid="articles.link_loaded_live_topics")
def link_loaded_live_topics(
    sender: type[Article], instance: Article, raw: bool, **kwargs: Any
) -> None:
    if raw:
        instance.sync_live_topics()


@receiver(post_save, sender=Revision, dispatch_uid="articles.render_loaded_live_version")
@receiver(post_save, sender=Review, dispatch_uid="articles.loaded_review_of_live_version")
def render_loaded_live_version(
    sender: type[Revision] | type[Review], instance: Revision | Review, raw: bool, **kwargs: Any
) -> None:
    # Fixtures list an article before its versions and reviews, so the live
    # copy (text, topics, reviewer) can only be derived once they arrive.
    if raw:
        article = Article.objects.get(pk=instance.article_id)
        revision = instance if sender is Revision else instance.revision
        if article.live_version == revision.number:
            article.sync_live_copy(corrections=False)
            Article.objects.filter(pk=article.pk).update(
                **{name: getattr(article, name) for name in LIVE_FIELDS
                   if name != "live_corrections"}
            )  # fmt: skip


@receiver(post_save, sender=TopicRevision, dispatch_uid="articles.loaded_topic_version")
def loaded_topic_version(
    sender: type[TopicRevision], instance: TopicRevision, raw: bool, **kwargs: Any
) -> None:
    if raw:
        topic = Topic.objects.get(pk=instance.topic_id)
        if topic.live_version == instance.number:
            topic.sync_live_copy()
            Topic.objects.filter(pk=topic.pk).update(
                **{name: getattr(topic, name) for name in TOPIC_LIVE_FIELDS}
            )


@receiver(pre_save, sender=Topic, dispatch_uid="articles.loaded_topic")
def loaded_topic(sender: type[Topic], instance: Topic, raw: bool, **kwargs: Any) -> None:
    if raw:
        instance.sync_live_copy()


@receiver(post_save, sender=Topic, dispatch_uid="articles.topic_saved")
@receiver(post_delete, sender=Topic, dispatch_uid="articles.topic_deleted")
@receiver(post_save, sender=Reference, dispatch_uid="articles.reference_saved")
@receiver(post_delete, sender=Reference, dispatch_uid="articles.reference_deleted")
@receiver(m2m_changed, sender=Article.topics.through, dispatch_uid="articles.topics_changed")
@receiver(post_save, sender=ReviewerProfile, dispatch_uid="articles.reviewer_saved")
def refresh_pages_after_related_change(**kwargs: Any) -> None:
    # Topics, sources and reviewers' public names show on public pages
    # without being part of the reviewed text, so cached and rendered pages
    # must go.
    transaction.on_commit(invalidate_rendered_pages, robust=True)

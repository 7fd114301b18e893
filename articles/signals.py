"""The domain events ``public_changed`` and ``workflow_step_done``, and
receivers for derived data only.

Business rules never live in signals; they live in articles.workflow. The
receivers below exist because ``loaddata`` saves with ``raw=True``, which
skips ``Model.save()`` and the workflow, and loaded content must come out
hashed and rendered exactly as the workflow would; and because topics,
sources and reviewers' profiles are still public as soon as they are saved."""

from __future__ import annotations

import functools
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver

from articles.models import (
    LIVE_FIELDS,
    TOPIC_LIVE_FIELDS,
    Article,
    Review,
    Revision,
    Topic,
    TopicRevision,
)

public_changed = Signal()
"""What the public sees has changed. Sent once the change is committed, by
articles.workflow for every step that changes public state, and for data
that is public as soon as it is saved. The page cache's only trigger of
invalidation (pagecache/, settings.PAGE_CACHE_INVALIDATED_BY).

Arguments: ``sender``, the model class whose public data changed, and
``pages_validated`` (bool, default False): True when the change moves the
validators (``ETag``, ``Last-Modified``) of every page that shows it, so
pages whose validators did not move may be reused."""


workflow_step_done = Signal()
"""A step of the article workflow (``articles.workflow.STEPS``) succeeded.
Sent once the step is committed, never for a refused step, by the workflow
function itself, whoever called it (admin, command, import, test).

Arguments: ``sender`` (:class:`~articles.models.Article`), ``step`` (the
step's name, a key of ``STEPS``), ``article`` (the guide as the step left
it), ``revision`` (the version the step acted on: the one submitted,
approved, sent back or confirmed, the one that was live for an archive, the
latest for a restore; None if the guide has none) and ``actor`` (the user
who took the step)."""


def send_public_changed_on_commit(sender: type, *, pages_validated: bool) -> None:
    """Send :data:`public_changed` after the current transaction commits
    (at once outside one). ``robust``: a failing receiver (a cache outage)
    must not turn an already committed change into an error page."""
    transaction.on_commit(
        functools.partial(public_changed.send, sender=sender, pages_validated=pages_validated),
        robust=True,
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
        # Loaded content may replace anything the public sees.
        send_public_changed_on_commit(Article, pages_validated=False)


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
        revision = instance if isinstance(instance, Revision) else instance.revision
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

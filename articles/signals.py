"""The domain event ``public_changed``, and receivers for derived data only.

Business rules never live in signals; they live in articles.workflow. The
receivers below exist because ``loaddata`` saves with ``raw=True``, which
skips ``Model.save()`` and the workflow, and loaded content must come out
hashed and rendered exactly as the workflow would; and because topics,
sources and reviewers' profiles are still public as soon as they are saved."""

from __future__ import annotations

import functools
from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import Signal, receiver

from articles.models import Article, Reference, ReviewerProfile, Revision, Topic, content_hash

public_changed = Signal()
"""What the public sees has changed. Sent once the change is committed, by
articles.workflow for every step that changes public state, and for data
that is public as soon as it is saved. The page cache's only trigger of
invalidation (pagecache/, settings.PAGE_CACHE_INVALIDATED_BY).

Arguments: ``sender``, the model class whose public data changed, and
``pages_validated`` (bool, default False): True when the change moves the
validators (``ETag``, ``Last-Modified``) of every page that shows it, so
pages whose validators did not move may be reused."""


def send_public_changed_on_commit(sender: type, *, pages_validated: bool) -> None:
    """Send :data:`public_changed` after the current transaction commits
    (at once outside one). ``robust``: a failing receiver (a cache outage)
    must not turn an already committed change into an error page."""
    transaction.on_commit(
        functools.partial(public_changed.send, sender=sender, pages_validated=pages_validated),
        robust=True,
    )


@receiver(pre_save, sender=Revision, dispatch_uid="articles.hash_loaded_revision")
def hash_loaded_revision(
    sender: type[Revision], instance: Revision, raw: bool, **kwargs: Any
) -> None:
    if raw:
        instance.content_hash = content_hash(instance.title, instance.summary, instance.body)


@receiver(pre_save, sender=Article, dispatch_uid="articles.render_loaded_article")
def render_loaded_article(
    sender: type[Article], instance: Article, raw: bool, **kwargs: Any
) -> None:
    if raw:
        instance.sync_live_copy(corrections=False)
        instance.next_review_due = instance.compute_next_review_due()
        # Loaded content may replace anything the public sees.
        send_public_changed_on_commit(Article, pages_validated=False)


@receiver(post_save, sender=Revision, dispatch_uid="articles.render_loaded_live_version")
def render_loaded_live_version(
    sender: type[Revision], instance: Revision, raw: bool, **kwargs: Any
) -> None:
    # Fixtures list an article before its versions, so the live text can
    # only be rendered once its version has arrived.
    if raw:
        article = Article.objects.get(pk=instance.article_id)
        if article.live_version == instance.number:
            article.sync_live_copy(corrections=False)
            Article.objects.filter(pk=article.pk).update(
                live_title=article.live_title,
                live_summary=article.live_summary,
                live_body_html=article.live_body_html,
                live_headings=article.live_headings,
                live_text=article.live_text,
            )


@receiver(post_save, sender=Topic, dispatch_uid="articles.topic_saved")
@receiver(post_delete, sender=Topic, dispatch_uid="articles.topic_deleted")
@receiver(post_save, sender=Reference, dispatch_uid="articles.reference_saved")
@receiver(post_delete, sender=Reference, dispatch_uid="articles.reference_deleted")
@receiver(m2m_changed, sender=Article.topics.through, dispatch_uid="articles.topics_changed")
@receiver(post_save, sender=ReviewerProfile, dispatch_uid="articles.reviewer_saved")
def refresh_pages_after_related_change(sender: type, **kwargs: Any) -> None:
    # Topics, sources and reviewers' public names show on public pages
    # without being part of the reviewed text or of the pages' validators.
    send_public_changed_on_commit(sender, pages_validated=False)

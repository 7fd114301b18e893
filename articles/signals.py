"""Derived data only. Business rules never live in signals; they live in
services. A receiver is used here because ``loaddata`` saves with
``raw=True``, which skips ``Model.save()``, and fixtures must come out
rendered just like admin edits."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from articles.cache import invalidate_public_pages
from articles.models import Article


@receiver(pre_save, sender=Article, dispatch_uid="articles.render_body")
def render_article_body(sender: type[Article], instance: Article, **kwargs: Any) -> None:
    instance.render_body()


# TEMPORARY until the workflow services call invalidate_public_pages(): every
# saved or deleted article may change a public page, so drop the page cache
# once the transaction commits.
@receiver(post_save, sender=Article, dispatch_uid="articles.invalidate_pages_on_save")
@receiver(post_delete, sender=Article, dispatch_uid="articles.invalidate_pages_on_delete")
def invalidate_pages_after_article_change(
    sender: type[Article], instance: Article, **kwargs: Any
) -> None:
    transaction.on_commit(invalidate_public_pages, robust=True)

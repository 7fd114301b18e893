"""Derived data only. Business rules never live in signals; they live in
services. A receiver is used here because ``loaddata`` saves with
``raw=True``, which skips ``Model.save()``, and fixtures must come out
rendered just like admin edits."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_save
from django.dispatch import receiver

from articles.models import Article


@receiver(pre_save, sender=Article, dispatch_uid="articles.render_body")
def render_article_body(sender: type[Article], instance: Article, **kwargs: Any) -> None:
    instance.render_body()

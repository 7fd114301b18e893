"""An Atom feed of published guides, newest first."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from articles.models import Article
from articles.text import strip_xml_illegal

FEED_SIZE = 50


class LatestArticlesFeed(Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return settings.SITE_NAME

    def subtitle(self) -> str:
        return "Health guides checked by clinicians."

    def link(self) -> str:
        return reverse("articles:list")

    def items(self) -> QuerySet[Article]:
        return (
            Article.objects.published()
            .only(
                "slug", "live_slug", "live_title", "live_summary", "published_at", "live_updated_at"
            )
            .order_by("-published_at", "-pk")[:FEED_SIZE]
        )

    # XML 1.0 cannot carry some characters at all; one in a title made the
    # whole feed a 500. Forms and loaders refuse them; this is the last guard.
    def item_title(self, article: Article) -> str:
        return strip_xml_illegal(article.live_title)

    def item_description(self, article: Article) -> str:
        return strip_xml_illegal(article.live_summary)

    def item_pubdate(self, article: Article) -> datetime | None:
        return article.published_at

    def item_updateddate(self, article: Article) -> datetime | None:
        return article.live_updated_at

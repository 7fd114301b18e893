"""sitemap.xml: an index of paginated sections, so it scales past the
50,000-URL limit of one sitemap file. Only published articles appear."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.urls import reverse

from articles.models import Article, Topic


class ArticleSitemap(Sitemap):
    # Small pages keep each response small and equally fast at any size.
    limit = 1000

    def items(self) -> QuerySet[Article]:
        return (
            # A guide whose review lapsed carries noindex: not offered to crawlers.
            Article.objects.published()
            .filter(review_lapsed_on__isnull=True)
            .only("slug", "live_slug", "live_updated_at")
            .order_by("pk")
        )

    def lastmod(self, article: Article) -> datetime | None:
        return article.live_updated_at

    def get_latest_lastmod(self) -> datetime | None:
        # One aggregate instead of Django's default walk over every item.
        return Article.objects.published().aggregate(m=Max("live_updated_at"))["m"]


class TopicSitemap(Sitemap):
    # Small pages keep each response small and equally fast at any size.
    limit = 1000

    def items(self) -> QuerySet[Topic]:
        return Topic.objects.with_guides().only("slug", "live_updated_at").order_by("pk")

    def lastmod(self, topic: Topic) -> datetime | None:
        return topic.live_updated_at

    def get_latest_lastmod(self) -> datetime | None:
        return self.items().aggregate(m=Max("live_updated_at"))["m"]


class PageSitemap(Sitemap):
    def items(self) -> list[str]:
        return ["articles:list", "articles:topics"]

    def location(self, name: str) -> str:
        return reverse(name)


SITEMAPS = {"pages": PageSitemap, "articles": ArticleSitemap, "topics": TopicSitemap}

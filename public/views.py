"""Public, read-only views. They only read ``Article.objects.published()``
and only its live copy (the ``live_*`` fields), never the working copy. The
one exception is the staff preview, which sends ``X-Robots-Tag: noindex``
and is never cached."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Count, Func, IntegerField, Max, OuterRef, QuerySet, Subquery
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseServerError,
)
from django.template import loader
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import to_locale
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView, TemplateView

from articles import search as search_engine
from articles.models import Article, SlugRedirect, Topic, sources_snapshot
from articles.rendering import URGENT_CARE_LEVELS, care_card_levels, render
from pagecache.store import conditional_page
from public import seo

if TYPE_CHECKING:
    from collections.abc import Mapping

    from django.http import HttpResponseBase

    # What the mixin goes before: a view whose get() builds the page.
    _PageView = TemplateView
else:
    _PageView = object

logger = logging.getLogger(__name__)

NOINDEX = "noindex, nofollow"


def urgent_help_for(body_html: str) -> dict[str, Any] | None:
    """The generic urgent-help block (``settings.URGENT_HELP``) for a guide
    whose sanitised body is ``body_html``, or None when the guide's own
    urgent or immediate care card already says when and whom to call: the
    page gives that advice once, where the guide's text calls for it."""
    if care_card_levels(body_html) & set(URGENT_CARE_LEVELS):
        return None
    return cast("dict[str, Any]", settings.URGENT_HELP)


def _published_in_topic() -> QuerySet[Article]:
    return Article.objects.published().filter(live_topics=OuterRef("pk")).order_by()


class ConditionalGetMixin(_PageView):
    """``ETag`` and ``Last-Modified`` derived from the live data, checked
    before the page is built, so a conditional GET costs one cheap query and
    gets a 304 when nothing public has changed. They come from public data
    only (``live_version``, ``live_updated_at``, topics), never from a
    draft's ``updated_at``."""

    def validators(self) -> tuple[str, datetime | None]:
        raise NotImplementedError

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tag, last_modified = self.validators()
        return conditional_page(
            request,
            tag=tag,
            last_modified=last_modified,
            build=lambda: super(ConditionalGetMixin, self).get(request, *args, **kwargs),
        )


def _newest_public_change() -> QuerySet[Article, Mapping[str, Any]]:
    """The newest ``live_updated_at`` of any article, as a one-row queryset.
    Approving and archiving set it, so it moves when a guide appears, changes
    or leaves the public site, and never when a draft is saved. Read through
    its index (``article_live_updated_idx``)."""
    return (
        Article.objects.filter(live_updated_at__isnull=False)
        .order_by("-live_updated_at")
        .values("live_updated_at")[:1]
    )


def _site_state() -> tuple[int, datetime | None]:
    """(published count, newest public change), in one query: the count
    through the partial index of published guides, the newest change through
    the ``live_updated_at`` index. An aggregate over the table reads every
    row instead: about a second at 100,000 guides on SQLite."""
    return _SITE_STATE.first() or (0, None)


_SITE_STATE = (
    Article.objects.filter(live_updated_at__isnull=False)
    .order_by("-live_updated_at")
    .annotate(
        published=Subquery(
            Article.objects.published()
            .order_by()
            .annotate(n=Func("pk", function="COUNT"))
            .values("n"),
            output_field=IntegerField(),
        )
    )
    .values_list("published", "live_updated_at")
)


def _stamp(*values: object) -> str:
    return "|".join(v.isoformat() if isinstance(v, datetime) else str(v) for v in values)


class BoundedPaginator(Paginator):
    """Counts and offsets at most ``max_pages`` pages, however many guides
    there are; deeper guides are reached through search, topics and the
    sitemap. Keeps deep pages and the COUNT(*) cheap at 100,000 guides."""

    max_pages = 100
    # Always a queryset here: the count is SQL, bounded.
    object_list: QuerySet[Any]

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.per_page * self.max_pages].count()


class ArticleListView(ConditionalGetMixin, ListView):
    queryset = Article.objects.published().only("slug", "live_slug", "live_title", "live_summary")
    context_object_name = "articles"
    template_name = "public/article_list.html"
    paginate_by = 50
    paginator_class = BoundedPaginator

    def get_queryset(self) -> QuerySet[Article]:
        return super().get_queryset().order_by("live_title", "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["canonical_url"] = self.request.build_absolute_uri(reverse("articles:list"))
        return context

    def validators(self) -> tuple[str, datetime | None]:
        published, changed = _site_state()
        return _stamp("list", self.request.GET.get("page", "1"), published, changed), changed


def _topics_changed() -> Subquery:
    # The public text of a topic changes only on its approval.
    return Subquery(
        Topic.objects.public()
        .filter(live_articles=OuterRef("pk"))
        .order_by("-live_updated_at")
        .values("live_updated_at")[:1]
    )


class ArticleDetailView(ConditionalGetMixin, DetailView):
    context_object_name = "article"
    template_name = "public/article_detail.html"

    def get_queryset(self) -> QuerySet[Article]:
        return Article.objects.published().defer("title", "summary", "body", "correction_note")

    def get_object(self, queryset: QuerySet[Article] | None = None) -> Article:
        # The public address is the approved version's slug.
        queryset = self.get_queryset() if queryset is None else queryset
        try:
            return queryset.get(live_slug=self.kwargs["slug"])
        except Article.DoesNotExist:
            raise Http404(_("No guide at this address.")) from None

    # (pk, live version, when the live copy changed, newest topic change,
    # last review, review lapsed) of the public articles. The page shows who
    # reviewed it and when, and whether its review has lapsed, so a periodic
    # review (no new text) and a lapse move its validators too.
    # Built once: filtering a built QuerySet costs half as much as building
    # it again on every page-cache miss.
    stamps = (
        Article.objects.published()
        .annotate(topics_changed=_topics_changed())
        .values_list(
            "pk", "live_version", "live_updated_at", "topics_changed", "last_reviewed",
            "review_lapsed_on",
        )
    )  # fmt: skip

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.stamp = self.stamps.filter(live_slug=kwargs["slug"]).first()
        if self.stamp is None:
            moved = (
                SlugRedirect.objects.filter(
                    old_slug=kwargs["slug"], article__in=Article.objects.published()
                )
                .select_related("article")
                .only("article__slug", "article__live_slug")
                .first()
            )
            if moved is None:
                raise Http404(_("No guide at this address."))
            return HttpResponsePermanentRedirect(moved.article.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def validators(self) -> tuple[str, datetime | None]:
        # get() found the stamp before anything asks for validators (none: 404).
        stamp = cast(
            "tuple[int, int | None, datetime | None, Any, datetime | None, date | None]",
            self.stamp,
        )
        pk, live_version, live_updated_at, topics_changed, last_reviewed, lapsed_on = stamp
        changed = max(filter(None, [live_updated_at, topics_changed, last_reviewed]), default=None)
        # A lapse is a day, not a moment: it is in the ETag, and a client
        # holding only Last-Modified revalidates within the micro-cache's second.
        return _stamp("article", pk, live_version, changed, lapsed_on), changed

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        article = self.object
        context["topics"] = list(
            article.live_topics.public().only(
                "slug",
                "live_name",
                "live_nonproprietary_name",
                "live_alternate_names",
                "live_drug_class",
            )
        )
        context["references"] = article.live_sources
        context["reviewer"] = article.live_reviewer
        context["corrections"] = [
            {"created_at": datetime.fromisoformat(c["created_at"]), "public_note": c["public_note"]}
            for c in article.live_corrections
        ]
        context["urgent_help"] = urgent_help_for(article.live_body_html)
        context["crumbs"] = [(reverse("articles:topics"), _("Topics"))] + [
            (topic.get_absolute_url(), topic.live_name) for topic in context["topics"][:1]
        ]
        context["canonical_url"] = self.request.build_absolute_uri(article.get_absolute_url())
        context["json_ld"] = seo.medical_web_page(
            article,
            url=context["canonical_url"],
            topics=context["topics"],
            site_name=settings.SITE_NAME,
            site_url=self.request.build_absolute_uri("/"),
            language=to_locale(settings.LANGUAGE_CODE).replace("_", "-"),
        )
        return context


class ArticlePreviewView(PermissionRequiredMixin, DetailView):
    """The working copy, rendered on the fly for staff. Never public: it is
    not indexed, not cached, and says so on the page."""

    permission_required = "articles.view_article"
    login_url = reverse_lazy("admin:login")
    queryset = Article.objects.all()
    context_object_name = "article"
    template_name = "public/article_preview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["preview"] = render(self.object.body)
        # What the page will list once this working copy is approved.
        context["references"] = sources_snapshot(list(self.object.references.all()))
        context["topics"] = list(self.object.topics.order_by("name"))
        # Placed as the published page would place it.
        context["urgent_help"] = urgent_help_for(context["preview"].html)
        return context

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)
        response["X-Robots-Tag"] = NOINDEX
        add_never_cache_headers(response)
        return response


class TopicListView(ConditionalGetMixin, ListView):
    context_object_name = "topics"
    template_name = "public/topic_list.html"
    paginate_by = 100

    def get_queryset(self) -> QuerySet[Topic]:
        return (
            Topic.objects.with_guides()
            .only("live_name", "slug", "live_description")
            .order_by("live_name", "pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["canonical_url"] = self.request.build_absolute_uri(reverse("articles:topics"))
        return context

    def validators(self) -> tuple[str, datetime | None]:
        topics = Topic.objects.public().aggregate(n=Count("pk"), changed=Max("live_updated_at"))
        published, guides_changed = _site_state()
        changed = max(filter(None, [topics["changed"], guides_changed]), default=None)
        page = self.request.GET.get("page", "1")
        return _stamp("topics", page, topics["n"], published, changed), changed


class TopicDetailView(ConditionalGetMixin, DetailView):
    context_object_name = "topic"
    template_name = "public/topic_detail.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Topic]:
        in_topic = _published_in_topic().values("live_topics").annotate(n=Count("pk")).values("n")
        return Topic.objects.public().annotate(
            guide_count=Subquery(in_topic, output_field=IntegerField()),
            guides_changed=Subquery(_newest_public_change()),
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def get_object(self, queryset: QuerySet[Topic] | None = None) -> Topic:
        if getattr(self, "object", None) is not None:
            return self.object
        return super().get_object(queryset)

    def validators(self) -> tuple[str, datetime | None]:
        topic = self.object
        changed = max(filter(None, [topic.live_updated_at, topic.guides_changed]))
        page = self.request.GET.get("page", "1")
        return _stamp("topic", topic.pk, page, topic.guide_count, changed), changed

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        guides = (
            Article.objects.published()
            .filter(live_topics=self.object)
            .only("slug", "live_slug", "live_title", "live_summary")
            .order_by("live_title", "pk")
        )
        page = BoundedPaginator(guides, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            articles=page.object_list, page_obj=page, is_paginated=page.has_other_pages()
        )
        context["canonical_url"] = self.request.build_absolute_uri(self.object.get_absolute_url())
        context["crumbs"] = [(reverse("articles:topics"), _("Topics"))]
        return context


class SearchView(TemplateView):
    template_name = "public/search.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "")
        words = search_engine.terms(query)
        results = search_engine.search_page(query) if words else search_engine.SearchResults()
        context.update(
            query=query[: search_engine.MAX_QUERY_CHARS],
            query_too_long=len(query) > search_engine.MAX_QUERY_CHARS,
            searched=bool(words),
            blank=not query.strip(),
            hits=results.hits,
            unmatched=results.unmatched,
            suggestion=results.suggestion,
            limit=search_engine.RESULTS_LIMIT,
        )
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        # Search results are not pages in their own right.
        response["X-Robots-Tag"] = NOINDEX
        return response


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /markdownx/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap-index'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


# Served if even the 500 template fails (a broken static manifest, say).
FALLBACK_500 = (
    '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
    "<title>Sorry, there is a problem with the service</title></head><body><main>"
    "<h1>Sorry, there is a problem with the service</h1><p>Try again later.</p>"
    '<p><a href="/">Go to the health guides</a></p></main></body></html>'
)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page in the site layout, without a RequestContext: no context
    processor (and so no database query) runs when things are already
    failing."""
    context = {"site_name": settings.SITE_NAME, "urgent_help": settings.URGENT_HELP}
    try:
        return HttpResponseServerError(loader.get_template("500.html").render(context))
    except Exception:
        logger.exception("The 500 template could not be rendered")
        return HttpResponseServerError(FALLBACK_500, content_type="text/html; charset=utf-8")

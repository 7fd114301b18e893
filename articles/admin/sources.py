"""The source register: every web page the guides cite, whether it still
answers (``manage.py check_sources``) and which guides cite it. Read-only:
sources join the register when a guide cites them, and only the check
changes their state."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from articles.models import BROKEN_SOURCE_STATES, Source

# The dashboard's "Sources to check" links here.
ATTENTION_PARAMETER = "attention"


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = ATTENTION_PARAMETER

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("yes", _("Dead or moved"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(state__in=BROKEN_SOURCE_STATES)
        return queryset


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "link", "state", "last_status", "last_checked", "guide_count"]
    list_filter = [NeedsAttentionFilter, "state"]
    search_fields = ["url", "title", "publisher"]
    fields = ("title", "publisher", "link", "state", "last_status", "last_checked", "failures",
              "moved_to", "citing_guides")  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(guides=Count("references__article",
                                                                   distinct=True))  # fmt: skip

    @admin.display(description=_("web address"), ordering="url")
    def link(self, obj: Source) -> str:
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', obj.url, obj.url)

    @admin.display(description=_("guides citing it"), ordering="guides")
    def guide_count(self, obj: Any) -> int:
        return obj.guides

    @admin.display(description=_("guides citing it"))
    def citing_guides(self, obj: Source) -> str:
        articles = (
            obj.references.select_related("article")
            .order_by("article__title")
            .values_list("article__pk", "article__title")
            .distinct()
        )
        if not articles:
            return "–"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a></li>',
                ((reverse("admin:articles_article_change", args=[pk]), title)
                 for pk, title in articles),
            ),
        )  # fmt: skip

    # Whoever may see guides may see what they cite; nobody edits the register.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("articles.view_article")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("articles.view_article")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

from __future__ import annotations

from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin

from articles.admin_content import ReferenceInline
from articles.models import Article


@admin.register(Article)
class ArticleAdmin(MarkdownxModelAdmin):
    list_display = ["title", "status", "updated_at", "published_at"]
    list_filter = ["status"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "updated_at"
    fields = ["title", "slug", "summary", "body", "correction_note", "review_interval_months",
              "topics"]  # fmt: skip
    inlines = [ReferenceInline]
    readonly_fields = ["status"]

"""Admin for the search synonyms clinicians curate (articles.search)."""

from __future__ import annotations

from django.contrib import admin

from articles.models import SearchSynonym


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    list_display = ("term", "expansions", "updated_at")
    search_fields = ("term", "expansions")
    ordering = ("term",)

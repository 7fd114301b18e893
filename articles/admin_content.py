"""Admin for the public site's content structure: topics, and the sources
edited inline on an article. Kept apart from the workflow admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from articles.models import Reference, Topic
from articles.text import NormalisedTextFormMixin


class NormalisedTextForm(NormalisedTextFormMixin, forms.ModelForm):
    """Base form of every admin form that saves public text."""


class ReferenceInline(admin.TabularInline):
    model = Reference
    form = NormalisedTextForm
    fields = ["order", "title", "publisher", "url", "date_accessed"]
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    verbose_name = _("source")
    verbose_name_plural = _("sources (shown to readers under “Sources”)")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = NormalisedTextForm
    list_display = ["name", "slug", "drug_class", "article_count"]
    search_fields = ["name", "slug", "nonproprietary_name", "alternate_names"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "description"]}),
        (
            _("If the topic is a medicine"),
            {"fields": ["nonproprietary_name", "alternate_names", "drug_class"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description=_("articles"), ordering="article_total")
    def article_count(self, topic: Topic) -> int:
        return topic.article_total

"""The review cycle's record (``manage.py review_cycle``), read-only: which
reminder, escalation or lapse was taken for which guide and due date, and
who was emailed. Only the command writes it."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from articles.models import ReviewReminder


@admin.register(ReviewReminder)
class ReviewReminderAdmin(admin.ModelAdmin):
    list_display = ["created_at", "stage", "article", "due_date", "emailed_to"]
    list_filter = ["stage"]
    list_select_related = ["article"]
    search_fields = ["article__title", "article__live_title"]
    date_hierarchy = "created_at"

    @admin.display(description="emailed to")
    def emailed_to(self, step: ReviewReminder) -> str:
        return ", ".join(step.recipients)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

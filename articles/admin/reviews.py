"""Clinicians' records: the review queue, reviewer profiles and the
read-only list of reviews."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from articles import workflow
from articles.admin.content import NormalisedTextForm
from articles.admin.history import ReadOnlyHistoryMixin
from articles.admin.labels import state_column
from articles.diffing import person_name
from articles.models import Article, Review, ReviewerProfile, ReviewQueue
from healthsite.staff import staff_user


@admin.register(ReviewQueue)
class ReviewQueueAdmin(admin.ModelAdmin):
    """ "My review queue": what a clinician may approve, oldest first. Its
    page is titled "Review queue" and counts guides to review (the model's
    verbose names would read "Select my review queue to view", "1 my review
    queue"; templates/admin/articles/reviewqueue/pagination.html)."""

    list_display = ["title", state_column, "submitted_at", "changed_by", "last_reviewer",
                    "render_change_note", "open_link"]  # fmt: skip
    list_display_links = None

    class Media:
        css = {"all": ["css/admin-a11y.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return ReviewQueue.objects.review_queue_for(staff_user(request)).select_related(
            "updated_by__reviewer_profile", "reviewed_by__reviewer_profile"
        )

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict | None = None) -> HttpResponse:  # fmt: skip
        return super().changelist_view(request, {"title": _("Review queue"),
                                                 **(extra_context or {})})  # fmt: skip

    @admin.display(description=_("last changed by"), ordering="updated_by")
    def changed_by(self, obj: Article) -> str:
        return person_name(obj.updated_by)

    @admin.display(description=_("last reviewed by"), ordering="reviewed_by")
    def last_reviewer(self, obj: Article) -> str:
        return person_name(obj.reviewed_by)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return workflow.is_clinician(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return workflow.is_clinician(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("review"))
    def open_link(self, obj: Article) -> str:
        url = reverse("admin:articles_article_change", args=[obj.pk])
        if obj.status == Article.Status.PUBLISHED:
            # Live and unchanged, but never reviewed or past its review date.
            return format_html('<a href="{}">{}</a>', url,
                               _("Periodic review due: confirm still accurate"))  # fmt: skip
        return format_html('<a href="{}">{}</a>', url, _("Review"))


class ReviewerProfileForm(NormalisedTextForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        candidate = ReviewerProfile(
            pk=self.instance.pk,
            **{name: cleaned.get(name, "") for name in
               ("display_name", "registration_body", "registration_number")},
        )  # fmt: skip
        conflict = workflow.reviewer_identity_conflict(candidate)
        if conflict:
            raise forms.ValidationError(conflict, code="identity")
        return cleaned


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(ReadOnlyHistoryMixin, SimpleHistoryAdmin):
    """Only the clinician themself or an administrator edits a profile, and
    every edit is kept in its history. Readers see the name recorded with
    each review, so an edit never changes who reviewed a published page."""

    form = ReviewerProfileForm
    list_display = ["display_name", "credentials", "job_title", "user"]
    list_select_related = ["user"]
    search_fields = ["display_name", "user__username", "registration_number"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A clinician's profile is always their own.
        return [] if request.user.is_superuser else ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        if request.user.is_superuser:
            return True
        return (
            workflow.is_clinician(request.user)
            and super().has_add_permission(request)
            and not ReviewerProfile.objects.filter(user=staff_user(request)).exists()
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return super().has_change_permission(request)
        return workflow.may_edit_profile(profile=obj, user=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: ReviewerProfile, form: Any,
                   change: bool) -> None:  # fmt: skip
        if not request.user.is_superuser:
            obj.user = staff_user(request)
        workflow.save_reviewer_profile(profile=obj, user=request.user)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """A read-only record: reviews are written only by the workflow."""

    list_display = ["article", "revision", "decision", "reviewer", "created_at", "smog_grade",
                    "smog_reason"]  # fmt: skip
    list_filter = ["decision"]
    list_select_related = ["article", "revision__article", "reviewer"]
    search_fields = ["article__title", "reviewer__username", "comment"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

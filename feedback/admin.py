"""Reader feedback for editors and clinicians: urgent first, triaged with
who and when, and which guides readers' "no" answers make due for review."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from feedback.models import Feedback, SafetyTerm
from feedback.review import guides_due_from_feedback, review_threshold, unresolved_no_count
from healthsite.staff import staff_user


class DueForReviewFilter(admin.SimpleListFilter):
    """Feedback on guides whose unresolved "no" answers reach the threshold."""

    title = _("guide due for review from feedback")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        due = guides_due_from_feedback().values("pk")
        if self.value() == "yes":
            return queryset.filter(article__in=due)
        if self.value() == "no":
            return queryset.exclude(article__in=due)
        return queryset


def _triage(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, status: str
) -> None:
    changed = queryset.exclude(status=status).update(
        status=status, triaged_by=request.user, triaged_at=timezone.now()
    )
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d feedback marked “%(status)s”.",
            "%(count)d feedback marked “%(status)s”.",
            changed,
        )
        % {"count": changed, "status": Feedback.Status(status).label},
        messages.SUCCESS,
    )


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = (
        "created_at", "urgent", "guide", "version", "answer", "comment_start",
        "status", "triaged_by", "triaged_at", "guide_due_for_review",
    )  # fmt: skip
    list_display_links = ("created_at",)
    list_filter = ("urgent", "status", "answer", DueForReviewFilter)
    list_select_related = ("article", "triaged_by")
    search_fields = ("comment", "article__live_title", "safety_terms")
    date_hierarchy = "created_at"
    actions = ("mark_acted_on", "mark_dismissed", "mark_new")
    fields = (
        "guide", "version", "answer", "comment", "personal_details_removed",
        "urgent", "safety_terms", "created_at", "status", "triage_note", "triaged_by",
        "triaged_at",
    )  # fmt: skip
    readonly_fields = (
        "guide", "version", "answer", "comment", "personal_details_removed",
        "urgent", "safety_terms", "created_at", "triaged_by", "triaged_at",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Feedback]:
        return (
            super()
            .get_queryset(request)
            .annotate(guide_unresolved_no=unresolved_no_count("article"))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # feedback comes from readers only

    @admin.display(description=_("guide"), ordering="article__live_title")
    def guide(self, obj: Feedback) -> str:
        url = reverse("admin:articles_article_change", args=[obj.article_id])
        return format_html('<a href="{}">{}</a>', url, obj.article.live_title)

    @admin.display(description=_("what was wrong"))
    def comment_start(self, obj: Feedback) -> str:
        return Truncator(obj.comment).chars(80)

    @admin.display(description=_("guide due for review"), boolean=True)
    def guide_due_for_review(self, obj: Feedback) -> bool:
        threshold = review_threshold()
        count = getattr(obj, "guide_unresolved_no", 0)
        return 0 < threshold <= count

    def save_model(
        self, request: HttpRequest, obj: Feedback, form: ModelForm, change: bool
    ) -> None:
        if {"status", "triage_note"} & set(form.changed_data):
            obj.triaged_by = staff_user(request)
            obj.triaged_at = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark selected feedback as acted on"), permissions=["change"])
    def mark_acted_on(self, request: HttpRequest, queryset: QuerySet) -> None:
        _triage(self, request, queryset, Feedback.Status.ACTED_ON)

    @admin.action(description=_("Dismiss selected feedback"), permissions=["change"])
    def mark_dismissed(self, request: HttpRequest, queryset: QuerySet) -> None:
        _triage(self, request, queryset, Feedback.Status.DISMISSED)

    @admin.action(description=_("Mark selected feedback as new again"), permissions=["change"])
    def mark_new(self, request: HttpRequest, queryset: QuerySet) -> None:
        _triage(self, request, queryset, Feedback.Status.NEW)


@admin.register(SafetyTerm)
class SafetyTermAdmin(admin.ModelAdmin):
    list_display = ("term", "added_by", "created_at")
    search_fields = ("term",)
    readonly_fields = ("added_by", "created_at")

    def save_model(
        self, request: HttpRequest, obj: SafetyTerm, form: ModelForm, change: bool
    ) -> None:
        if not change:
            obj.added_by = staff_user(request)
        super().save_model(request, obj, form, change)

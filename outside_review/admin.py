"""Review links (made by clinicians, revoked by an action) and the outside
experts' responses (read-only, advisory), in the admin."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles.workflow import is_clinician
from healthsite.staff import staff_user
from outside_review import services
from outside_review.forms import ReviewLinkCreateForm
from outside_review.models import OutsideReview, ReviewLink

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A new link's token, from save_model to response_add of the same request:
# shown once, kept nowhere else.
_NEW_TOKENS: weakref.WeakKeyDictionary[HttpRequest, str] = weakref.WeakKeyDictionary()

STATE_LABELS = {
    services.LinkState.ACTIVE: _("Active"),
    services.LinkState.REVOKED: _("Revoked"),
    services.LinkState.EXPIRED: _("Expired"),
    services.LinkState.SUPERSEDED: _("Void: a newer version exists"),
}


def _responses_url(article_id: int) -> str:
    return (
        reverse("admin:outside_review_outsidereview_changelist")
        + f"?article__id__exact={article_id}"
    )


@admin.register(ReviewLink)
class ReviewLinkAdmin(admin.ModelAdmin):
    list_display = (
        "created_at", "article", "version_number", "invitee", "created_by", "expires_at",
        "state", "responses",
    )  # fmt: skip
    list_filter = ("article",)
    list_select_related = ("article", "revision", "created_by")
    search_fields = ("article__title", "article__live_title", "invitee")
    date_hierarchy = "created_at"
    actions = ("revoke_links",)
    readonly_fields = (
        "article", "version_number", "invitee", "created_by", "created_at", "expires_at",
        "state", "revoked_at", "revoked_by", "responses",
    )  # fmt: skip
    add_fields = ("article", "version", "days", "invitee")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewLink]:
        return super().get_queryset(request).annotate(response_count=Count("responses"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Sending a guide outside the team is a clinical decision: being a
        # superuser is not enough.
        return is_clinician(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: ReviewLink | None = None) -> bool:
        return False  # the record of who was sent what is kept; revoke instead

    def get_fields(self, request: HttpRequest, obj: ReviewLink | None = None) -> tuple:
        return self.add_fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: ReviewLink | None = None) -> tuple:
        return () if obj is None else self.readonly_fields

    def get_form(
        self,
        request: HttpRequest,
        obj: ReviewLink | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[ModelForm]:
        if obj is None:
            kwargs["form"] = ReviewLinkCreateForm
            kwargs["fields"] = ("article", "invitee")
        return super().get_form(request, obj, change, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("days", ReviewLinkCreateForm.base_fields["days"].initial)
        return initial

    def save_model(
        self, request: HttpRequest, obj: ReviewLink, form: ModelForm, change: bool
    ) -> None:
        if change:  # nothing of a link is edited; revocation is an action
            return
        _NEW_TOKENS[request] = services.issue(
            obj, created_by=staff_user(request), days=form.cleaned_data["days"]
        )
        obj.save()

    def response_add(
        self, request: HttpRequest, obj: ReviewLink, post_url_continue: str | None = None
    ) -> HttpResponse:
        """The link's full address, shown this once: only its hash is kept."""
        token = _NEW_TOKENS.pop(request)
        url = request.build_absolute_uri(reverse("outside_review:review", args=[token]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "link": obj,
            "url": url,
            "title": _("Outside review link created"),
        }
        response = TemplateResponse(request, "admin/outside_review/link_created.html", context)
        add_never_cache_headers(response)
        return response

    @admin.display(description=_("version"), ordering="revision__number")
    def version_number(self, obj: ReviewLink) -> str:
        return f"v{obj.revision.number}"

    @admin.display(description=_("state"))
    def state(self, obj: ReviewLink) -> StrOrPromise:
        return STATE_LABELS[services.link_state(obj)]

    @admin.display(description=_("responses"))
    def responses(self, obj: ReviewLink) -> str:
        count = getattr(obj, "response_count", None)
        if count is None:
            count = obj.responses.count()
        return format_html(
            '<a href="{}">{} (all for this guide)</a>', _responses_url(obj.article_id), count
        )

    @admin.action(description=_("Revoke selected review links"), permissions=["change"])
    def revoke_links(self, request: HttpRequest, queryset: QuerySet) -> None:
        now = timezone.now()
        user = staff_user(request)
        revoked = sum(services.revoke(link, user=user, now=now) for link in queryset)
        self.message_user(
            request,
            ngettext("%(count)d link revoked.", "%(count)d links revoked.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )


@admin.register(OutsideReview)
class OutsideReviewAdmin(admin.ModelAdmin):
    """Responses as received: nothing can be added, changed or deleted
    here. ADVISORY: a response never approves or publishes anything."""

    list_display = (
        "created_at", "article", "version_label", "name", "role", "recommendation",
        "comment_start", "advisory",
    )  # fmt: skip
    list_filter = ("article", "recommendation")
    list_select_related = ("article",)
    search_fields = ("name", "role", "comment", "article__title", "article__live_title")
    date_hierarchy = "created_at"
    fields = (
        "advisory", "article", "version", "compared_with_version", "name", "role",
        "recommendation", "comment", "created_at", "link",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # responses come from the review links only

    def has_change_permission(self, request: HttpRequest, obj: OutsideReview | None = None) -> bool:
        return False  # append-only

    def has_delete_permission(self, request: HttpRequest, obj: OutsideReview | None = None) -> bool:
        return False  # append-only

    @admin.display(description=_("version"), ordering="version")
    def version_label(self, obj: OutsideReview) -> str:
        if obj.compared_with_version:
            return f"v{obj.version} (compared with live v{obj.compared_with_version})"
        return f"v{obj.version}"

    @admin.display(description=_("comment"))
    def comment_start(self, obj: OutsideReview) -> str:
        return Truncator(obj.comment).chars(80)

    @admin.display(description=_("standing"))
    def advisory(self, obj: OutsideReview) -> StrOrPromise:
        return _("ADVISORY: does not approve or publish")

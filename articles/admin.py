"""
The editorial admin. Every state change goes through articles.workflow:
saving the form, the workflow buttons, the bulk actions and deletion.
The admin only decides what to show; the workflow decides what is allowed.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from markdownx.admin import MarkdownxModelAdmin
from simple_history.admin import SimpleHistoryAdmin

import articles.admin_search  # noqa: F401 - registers the search synonyms
from articles import workflow
from articles.admin_content import NormalisedTextForm, ReferenceInline
from articles.diffing import diff_versions
from articles.models import (
    SOURCE_FIELDS,
    Article,
    Reference,
    Review,
    ReviewerProfile,
    ReviewQueue,
    Revision,
)
from articles.readability import LONG_SENTENCE_WORDS, assess
from articles.rendering import problems, render
from articles.text import NormalisedTextFormMixin

# Ids in admin URLs and forms: a database id is a positive integer that
# fits in a bigint; anything else is answered 404 or 400, never a 500.
_ID = re.compile(r"[0-9]{1,18}")


def parse_id(value: object) -> int | None:
    """``value`` as a database id, or None if it cannot be one."""
    return int(value) if isinstance(value, str) and _ID.fullmatch(value) else None


def article_or_404(object_id: str) -> Article:
    """The article of an admin URL; a non-numeric or unknown id is a 404."""
    pk = parse_id(object_id)
    if pk is None:
        raise Http404(gettext("“%(id)s” is not an article id.") % {"id": object_id})
    return get_object_or_404(Article, pk=pk)


class IdCheckedAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    """Django's autocomplete widget, re-rendering a refused form, puts every
    posted value into a ``pk__in`` query: one that is not an id (``":"``)
    raised ValueError, a 500 in place of "Select a valid choice"."""

    def optgroups(self, name: str, value: list, attr: dict | None = None) -> list:
        ids = [v for v in value if parse_id(str(v)) is not None]
        return super().optgroups(name, ids, attr)


class ArticleForm(NormalisedTextFormMixin, forms.ModelForm):
    # The version the editor started from; compared again inside the save
    # transaction by workflow.save_working_copy.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = [
            "title", "slug", "summary", "body", "correction_note", "review_interval_months",
            "topics",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.lock_version
        # A body ends with a newline; stripping it would make every
        # unchanged save a new version.
        self.fields["body"].strip = False

    def clean_body(self) -> str:
        """Refuse a body that cannot be published as written (issue 12 and 18):
        nesting or size past the render bounds, a malformed callout, an image
        without alt text. Each message names the place and shows the fix."""
        body = self.cleaned_data.get("body", "")
        if self.instance.pk and body == self.instance.body:
            return body
        found = problems(body)
        if found:
            raise forms.ValidationError(
                [forms.ValidationError(p.message, code=p.code) for p in found]
            )
        return body

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk:
            current = Article.objects.select_related("updated_by").get(pk=self.instance.pk)
            if cleaned.get("expected_version") != current.lock_version:
                who = current.updated_by.get_username() if current.updated_by else _("Someone")
                raise forms.ValidationError(
                    _(
                        "%(who)s changed this article at %(when)s, after you opened it, so "
                        "your changes were not saved. Your text is still below: copy it, "
                        "reload the page, and apply your changes again."
                    ),
                    code="conflict",
                    params={
                        "who": who,
                        "when": timezone.localtime(current.updated_at).strftime("%H:%M:%S"),
                    },
                )
            if current.status == Article.Status.IN_REVIEW:
                # Text is compared after normalisation: CRLF from the browser
                # is no change.
                changed = {
                    name
                    for name in VERSIONED_FORM_FIELDS & set(self.changed_data)
                    if name == "topics" or cleaned.get(name) != getattr(current, name)
                }
                if changed:
                    raise forms.ValidationError(
                        _("This article is in clinical review, so its text, address, topics "
                          "and correction note cannot change. Ask the reviewer to request "
                          "changes first."),
                        code="in_review",
                    )  # fmt: skip
        slug = cleaned.get("slug")
        if slug and Article.objects.filter(live_slug=slug).exclude(pk=self.instance.pk).exists():
            self.add_error(
                "slug",
                forms.ValidationError(
                    _("“%(slug)s” is the address of another published guide."),
                    code="slug_taken",
                    params={"slug": slug},
                ),
            )
        return cleaned


# Form fields that are part of a version (sources are the inline's).
VERSIONED_FORM_FIELDS = {"title", "slug", "summary", "body", "correction_note", "topics"}


def sources_from_formsets(formsets: list) -> list[dict] | None:
    """The sources the editor submitted in the change form's inline, in the
    version's form (dicts of ``SOURCE_FIELDS``), or None without the inline."""
    for formset in formsets:
        if formset.model is not Reference:
            continue
        sources = []
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("title"):
                continue
            sources.append({name: data.get(name) for name in SOURCE_FIELDS})
        return sources
    return None


class ReviewDueFilter(admin.SimpleListFilter):
    title = _("review due")
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("overdue", _("Review overdue")), ("soon", _("Due within 30 days"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        from django.conf import settings

        if self.value() == "overdue":
            return queryset.review_overdue()
        if self.value() == "soon":
            return queryset.review_due_within(settings.ARTICLE_REVIEW_DUE_SOON_DAYS)
        return queryset


class LiveFilter(admin.SimpleListFilter):
    title = _("on the public site")
    parameter_name = "live"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(live_version__isnull=False)
        if self.value() == "no":
            return queryset.filter(live_version__isnull=True)
        return queryset


# (workflow function, label, permission check for showing the button)
ACTIONS = {
    "submit": _("Submit for clinical review"),
    "approve": _("Approve and publish"),
    "request_changes": _("Request changes"),
    "archive": _("Archive (remove from the public site)"),
    "restore": _("Restore as a draft"),
    "confirm_rendering": _("Confirm the page still says what was approved"),
}


class ReadOnlyHistoryMixin:
    """django-simple-history's pages, to read only. Its history form saves a
    past row (live columns and all) past the workflow, and hiding the revert
    button does not close the endpoint: every non-GET is refused with nothing
    written, and ids that are not numbers are a 404, never a 500."""

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_view(self, request: HttpRequest, object_id: str,
                     extra_context: dict | None = None) -> HttpResponse:  # fmt: skip
        if parse_id(object_id) is None:
            raise Http404(gettext("“%(id)s” is not an id.") % {"id": object_id})
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str,
                          extra_context: dict | None = None) -> HttpResponse:  # fmt: skip
        pk = parse_id(object_id)
        if pk is None or parse_id(version_id) is None:
            raise Http404(gettext("“%(id)s” is not a history entry.")
                          % {"id": f"{object_id}/{version_id}"})  # fmt: skip
        get_object_or_404(self.model, pk=pk)
        if request.method != "GET":
            self.message_user(
                request,
                _("An old state cannot be saved from the history. To bring back earlier text, "
                  "use “Revert to this version” on the versions page; it goes to review."),
                messages.ERROR,
            )  # fmt: skip
            return HttpResponseRedirect(self.history_refused_url(pk))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def history_refused_url(self, pk: int) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])


@admin.register(Article)
class ArticleAdmin(ReadOnlyHistoryMixin, SimpleHistoryAdmin, MarkdownxModelAdmin):
    form = ArticleForm
    change_form_template = "admin/articles/article/change_form.html"
    list_display = [
        "title", "status", "is_public", "updated_at", "last_reviewed", "review_due",
    ]  # fmt: skip
    list_filter = ["status", LiveFilter, ReviewDueFilter]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["workflow_state", "review_cycle"]
    fieldsets = [
        (None, {"fields": ["workflow_state", "title", "slug", "summary", "body", "topics"]}),
        (_("Corrections"), {"fields": ["correction_note"]}),
        (_("Review cycle"), {"fields": ["review_cycle", "review_interval_months"]}),
        (None, {"fields": ["expected_version"]}),
    ]
    autocomplete_fields = ["topics"]
    inlines = [ReferenceInline]
    actions = ["submit_selected", "archive_selected"]
    history_list_display = ["status"]

    class Media:
        # The body's public stylesheet, so both previews look like the page;
        # editor.js shows a refused upload's reason instead of inserting text.
        css = {"all": ["css/admin-review.css", "css/article-body.css"]}
        js = ["js/editor.js"]

    # Columns ---------------------------------------------------------------

    @admin.display(boolean=True, description=_("public"), ordering="live_version")
    def is_public(self, obj: Article) -> bool:
        return obj.is_live

    @admin.display(description=_("next review due"), ordering="next_review_due")
    def review_due(self, obj: Article) -> str:
        if obj.next_review_due is None:
            return "-"
        if obj.next_review_due < timezone.localdate():
            return format_html(
                '<strong class="overdue">{} ({})</strong>', obj.next_review_due, gettext("overdue")
            )
        return str(obj.next_review_due)

    @admin.display(description=_("workflow"))
    def workflow_state(self, obj: Article) -> str:
        if obj.pk is None:
            return _("New draft")
        live = (
            format_html(gettext("version {} is on the public site"), obj.live_version)
            if obj.is_live
            else _("not on the public site")
        )
        return format_html("{}; {}", obj.get_status_display(), live)

    @admin.display(description=_("last review"))
    def review_cycle(self, obj: Article) -> str:
        if obj.last_reviewed is None:
            return _("Never reviewed by a clinician")
        return format_html(
            gettext("Reviewed {} by {}; next review due {} (every {} months)"),
            timezone.localtime(obj.last_reviewed).date(),
            obj.reviewed_by,
            obj.next_review_due,
            obj.review_interval,
        )

    # Saving and deleting go through the workflow ------------------------------

    def save_model(
        self, request: HttpRequest, obj: Article, form: ArticleForm, change: bool
    ) -> None:
        # Saved with its topics and sources in save_related, in one step of
        # the workflow, so the new version holds all of them.
        pass

    def save_related(
        self, request: HttpRequest, form: ArticleForm, formsets: list, change: bool
    ) -> None:
        workflow.save_working_copy(
            article=form.instance,
            user=request.user,
            expected_version=form.cleaned_data.get("expected_version"),
            topics=list(form.cleaned_data.get("topics") or []),
            sources=sources_from_formsets(formsets),
        )
        for formset in formsets:
            # What the admin's change message reads after formset.save().
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except workflow.WorkflowError as error:
            # Lost a race inside the save transaction (rolled back). Showing
            # the form again lets ArticleForm.clean explain, with the text kept.
            self.message_user(request, str(error), messages.ERROR)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except workflow.WorkflowError:
            return HttpResponseRedirect(request.path)

    def has_delete_permission(self, request: HttpRequest, obj: Article | None = None) -> bool:
        if obj is None:
            return super().has_delete_permission(request)
        return workflow.may_delete(article=obj, user=request.user)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Versions protect an article from casual deletion. When the workflow
        # allows deleting a never-published draft, its versions go with it.
        if all(workflow.may_delete(article=obj, user=request.user) for obj in objs):
            protected = []
            perms_needed = perms_needed - {str(m._meta.verbose_name) for m in (Revision, Review)}
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        workflow.delete(article=obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for article in queryset:
            workflow.delete(article=article, user=request.user)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest,
                                 **kwargs: Any) -> forms.Field | None:  # fmt: skip
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", IdCheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            ))  # fmt: skip
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        # Bulk deletion would bypass the per-article rule; delete one at a time.
        actions.pop("delete_selected", None)
        return actions

    def history_refused_url(self, pk: int) -> str:
        return reverse("admin:articles_article_versions", args=[pk])

    # Bulk actions -----------------------------------------------------------

    def _bulk(self, request: HttpRequest, queryset: QuerySet, step: str, done: str) -> None:
        succeeded = 0
        for article in queryset:
            try:
                _run_step(step, article, request)
                succeeded += 1
            except workflow.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
        if succeeded:
            self.message_user(request, done % {"count": succeeded}, messages.SUCCESS)

    @admin.action(description=_("Submit selected articles for clinical review"),
                  permissions=["submit"])  # fmt: skip
    def submit_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "submit", _("%(count)d article(s) submitted for review."))

    @admin.action(description=_("Archive selected articles"), permissions=["archive"])
    def archive_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "archive", _("%(count)d article(s) archived."))

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("articles.submit_article")

    def has_archive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("articles.archive_article")

    # Review panel, versions and workflow buttons --------------------------------

    def get_urls(self) -> list:
        wrap, prefix = self.admin_site.admin_view, "articles_article"
        own = [
            path("<path:object_id>/workflow/<str:step>/", wrap(self.workflow_view),
                 name=f"{prefix}_workflow"),
            path("<path:object_id>/versions/", wrap(self.versions_view),
                 name=f"{prefix}_versions"),
            path("<path:object_id>/versions/<int:number>/revert/", wrap(self.revert_view),
                 name=f"{prefix}_revert"),
        ]  # fmt: skip
        return own + super().get_urls()

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:  # fmt: skip
        article = self.get_object(request, object_id)
        if article is not None:
            extra_context = {**(extra_context or {}), **review_context(request, article)}
        return super().change_view(request, object_id, form_url, extra_context)

    def workflow_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        return _workflow_post(self, request, object_id, step)

    def versions_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        article = article_or_404(object_id)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        revisions = list(article.revisions.select_related("created_by").order_by("-number"))
        approvals: dict[int, list[Review]] = {}
        for review in article.reviews.select_related("reviewer", "revision"):
            approvals.setdefault(review.revision_id, []).append(review)
        rows = []
        for index, revision in enumerate(revisions):
            previous = revisions[index + 1] if index + 1 < len(revisions) else None
            rows.append({
                "revision": revision,
                "reviews": approvals.get(revision.pk, []),
                "is_live": revision.number == article.live_version,
                "hash_intact": revision.hash_is_intact(),
                "diff": diff_versions(previous.snapshot() if previous else None,
                                      revision.snapshot()),
            })  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": _("Versions of “%(title)s”") % {"title": article.title},
            "rows": rows,
            "can_revert": request.user.has_perm("articles.change_article")
            and article.status
            in {Article.Status.DRAFT, Article.Status.CHANGES_REQUESTED, Article.Status.PUBLISHED},
        }
        return TemplateResponse(request, "admin/articles/article/versions.html", context)

    def revert_view(self, request: HttpRequest, object_id: str, number: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:articles_article_versions",
                                                args=[object_id]))  # fmt: skip
        article = article_or_404(object_id)
        revision = get_object_or_404(Revision, article=article, number=number)
        try:
            new = workflow.revert(article=article, user=request.user, revision=revision)
        except workflow.WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request,
                _("The working copy is now version %(old)d's text, saved as version %(new)d.")
                % {"old": revision.number, "new": new.number},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))


def _run_step(step: str, article: Article, request: HttpRequest, **extra: Any) -> object:
    user = request.user
    if step == "submit":
        return workflow.submit(article=article, user=user)
    if step == "approve":
        return workflow.approve(article=article, reviewer=user, **extra)
    if step == "request_changes":
        return workflow.request_changes(article=article, reviewer=user, **extra)
    if step == "archive":
        return workflow.archive(article=article, user=user)
    if step == "restore":
        return workflow.restore(article=article, user=user)
    if step == "confirm_rendering":
        return workflow.confirm_rendering(article=article, reviewer=user)
    raise workflow.WorkflowError(_("Unknown workflow step."))


def _workflow_post(model_admin: ArticleAdmin, request: HttpRequest, object_id: str,
                   step: str) -> HttpResponse:  # fmt: skip
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    article = article_or_404(object_id)
    extra: dict[str, Any] = {}
    if step == "approve":
        # Missing or not a number: the workflow refuses it, after checking
        # who is asking, with a message saying what is needed.
        version = request.POST.get("version", "")
        if version and parse_id(version) is None:
            return HttpResponseBadRequest(
                gettext("“%(value)s” is not a version number: nothing was approved.")
                % {"value": version[:100]},
                content_type="text/plain; charset=utf-8",
            )
        extra["version"] = int(version) if version else None
        extra["content_hash"] = request.POST.get("content_hash", "").strip()
        extra["comment"] = request.POST.get("comment", "").strip()
    elif step == "request_changes":
        extra["comment"] = request.POST.get("comment", "")
    try:
        _run_step(step, article, request, **extra)
    except workflow.WorkflowError as error:
        model_admin.message_user(request, str(error), messages.ERROR)
    else:
        model_admin.message_user(request, _("Done: %(step)s.") % {"step": ACTIONS[step]},
                                 messages.SUCCESS)  # fmt: skip
    return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))


def available_steps(request: HttpRequest, article: Article) -> list[str]:
    """Buttons worth showing. Showing is a courtesy; the workflow enforces."""
    user, status = request.user, article.status
    steps = []
    if status in {Article.Status.DRAFT, Article.Status.CHANGES_REQUESTED} and user.has_perm(
        "articles.submit_article"
    ):
        steps.append("submit")
    if status == Article.Status.IN_REVIEW and workflow.is_clinician(user):
        if user.pk not in workflow.authors_of_pending_changes(article):
            steps.append("approve")
        steps.append("request_changes")
    latest = workflow.latest_revision(article)
    if (
        status == Article.Status.PUBLISHED
        and latest is not None
        and latest.number == article.live_version
        and workflow.is_clinician(user)
    ):
        steps.append("approve")  # the periodic review of unchanged text
    if article.is_live and user.has_perm("articles.archive_article"):
        steps.append("archive")
    if status == Article.Status.ARCHIVED and user.has_perm("articles.archive_article"):
        steps.append("restore")
    if article.render_change_note and workflow.is_clinician(user):
        steps.append("confirm_rendering")
    return steps


def review_context(request: HttpRequest, article: Article) -> dict[str, Any]:
    latest = workflow.latest_revision(article)
    live = article.live_revision
    readability = assess(article.body)
    steps = available_steps(request, article)
    return {
        "latest_revision": latest,
        "working_preview": render(latest.body if latest else article.body).html,
        "diff": diff_versions(
            live.snapshot() if live else None,
            latest.snapshot() if latest else article.working_snapshot(),
        ),
        "readability": readability,
        "long_sentence_words": LONG_SENTENCE_WORDS,
        "workflow_steps": [(step, ACTIONS[step]) for step in steps],
        "own_change_blocks_approval": (
            article.status == Article.Status.IN_REVIEW
            and workflow.is_clinician(request.user)
            and request.user.pk in workflow.authors_of_pending_changes(article)
        ),
        "approver_needs_profile": (
            "approve" in steps and workflow.public_profile(request.user) is None
        ),
        "last_request": article.reviews.filter(decision=Review.Decision.CHANGES_REQUESTED)
        .select_related("reviewer")
        .first(),
    }


@admin.register(ReviewQueue)
class ReviewQueueAdmin(admin.ModelAdmin):
    """ "My review queue": what a clinician may approve, oldest first."""

    list_display = ["title", "submitted_at", "updated_by", "render_change_note", "open_link"]
    list_select_related = ["updated_by"]
    list_display_links = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return ReviewQueue.objects.review_queue_for(request.user).select_related("updated_by")

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
            return format_html('<a href="{}">{}</a>', url, _("Periodic review (due)"))
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
            and not ReviewerProfile.objects.filter(user=request.user).exists()
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
            obj.user = request.user
        workflow.save_reviewer_profile(profile=obj, user=request.user)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """A read-only record: reviews are written only by the workflow."""

    list_display = ["article", "revision", "decision", "reviewer", "created_at"]
    list_filter = ["decision"]
    list_select_related = ["article", "revision__article", "reviewer"]
    search_fields = ["article__title", "reviewer__username", "comment"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""The guide admin: the change form, list, bulk actions and versions page.
Every state change goes through articles.workflow."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from markdownx.admin import MarkdownxModelAdmin
from markdownx.widgets import AdminMarkdownxWidget
from simple_history.admin import SimpleHistoryAdmin

from articles import editor, workflow
from articles.admin import confirm, guide_templates
from articles.admin.conflicts import ShowFormAgainOnConflict
from articles.admin.content import ReferenceInline
from articles.admin.evidence import EVIDENCE_PACKS_LABEL, download_evidence_packs, may_download
from articles.admin.history import ReadOnlyHistoryMixin
from articles.admin.ids import article_or_404, parse_id
from articles.admin.labels import state_column
from articles.admin.review_panel import review_context, workflow_post
from articles.diffing import diff_versions, version_label
from articles.models import SOURCE_FIELDS, Article, ArticleQuerySet, Reference, Review, Revision
from articles.readability import assess_sections
from articles.rendering import problems
from articles.text import NormalisedTextFormMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class IdCheckedAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    """Django's autocomplete widget, re-rendering a refused form, puts every
    posted value into a ``pk__in`` query: one that is not an id (``":"``)
    raised ValueError, a 500 in place of "Select a valid choice"."""

    def optgroups(
        self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None
    ) -> list:
        ids = [v for v in value if parse_id(str(v)) is not None]
        return super().optgroups(name, ids, attr)


class GuideBodyWidget(AdminMarkdownxWidget):
    """markdownx's editor laid out for guides: the text and its live preview
    side by side on wide screens, the live readability figures beside them
    (``articles/templates/articles/widgets/guide_body.html``: widgets are
    rendered by the form renderer, which reads app template folders only)."""

    template_name = "articles/widgets/guide_body.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["readability_url"] = reverse("admin:articles_article_readability")
        # The editor sees the target the clinician will be held to.
        context["smog_target"] = settings.ARTICLE_SMOG_TARGET
        return context


BODY_KEYS_HELP = _(
    "Keyboard: Tab moves to the next field, as everywhere. To indent lines by four spaces (a "
    "callout's text, a sub-list), press Ctrl+] (Cmd+] on a Mac); Ctrl+[ takes four spaces away."
)


class ArticleForm(NormalisedTextFormMixin, forms.ModelForm):
    # The version the editor started from; compared again inside the save
    # transaction by workflow.save_working_copy.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Not the model's (non-editable) clinical_owner: a change goes through
    # workflow.set_clinical_owner, which records who made it.
    owner = forms.ModelChoiceField(
        queryset=workflow.clinicians(),
        required=False,
        label=_("Clinical owner"),
        help_text=_(
            "The clinician reminded before the review is due. Only a clinician or an "
            "administrator can change it."
        ),
    )

    class Meta:
        model = Article
        fields = [
            "title", "slug", "summary", "body", "correction_note", "review_interval_months",
            "topics",
        ]  # fmt: skip
        widgets = {"body": GuideBodyWidget}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = workflow.clinicians()
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.lock_version
            self.fields["owner"].initial = self.instance.clinical_owner_id
        # A body ends with a newline; stripping it would make every
        # unchanged save a new version.
        cast(forms.CharField, self.fields["body"]).strip = False
        body = self.fields["body"]
        body.help_text = format_html("{} {}", body.help_text, BODY_KEYS_HELP)

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
                # By each changed field, so the refusal sits next to what the
                # editor typed as well as in the summary at the top (issue 13).
                for name in sorted(changed):
                    self.add_error(name, forms.ValidationError(
                        _("This article is in clinical review, so its text, address, topics "
                          "and correction note cannot change. Ask the reviewer to request "
                          "changes first."),
                        code="in_review",
                    ))  # fmt: skip
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


# The name of the change form's "Save and submit for review" button.
SAVE_AND_SUBMIT = "_save_and_submit"

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
        # The change list's rows come from Article.objects.
        articles = cast(ArticleQuerySet, queryset)
        if self.value() == "overdue":
            return articles.review_overdue()
        if self.value() == "soon":
            return articles.review_due_within(settings.ARTICLE_REVIEW_DUE_SOON_DAYS)
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


class ApprovedByFilter(admin.SimpleListFilter):
    """Guides a clinician approved a version of: what a reviewer, or an
    auditor asking "what did Dr X sign off?", looks for."""

    title = _("approved by")
    parameter_name = "approved_by"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        approvers = (
            Review.objects.filter(decision=Review.Decision.APPROVED)
            .values_list("reviewer_id", "reviewer__username", "reviewer_name")
            .order_by("reviewer__username")
            .distinct()
        )
        names: dict[int, str] = {}
        for pk, username, public_name in approvers:
            names.setdefault(pk, public_name or username)
        return sorted(names.items(), key=lambda item: item[1].casefold())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        pk = parse_id(value)  # "²" passes isdigit() but not int()
        if pk is None:
            return queryset.none()
        return queryset.filter(
            reviews__decision=Review.Decision.APPROVED, reviews__reviewer_id=pk
        ).distinct()


@admin.register(Article)
class ArticleAdmin(
    ReadOnlyHistoryMixin, ShowFormAgainOnConflict, SimpleHistoryAdmin, MarkdownxModelAdmin
):
    form = ArticleForm
    change_form_template = "admin/articles/article/change_form.html"
    list_display = [
        "title", state_column, "is_public", "updated_at", "last_reviewed", "review_due",
    ]  # fmt: skip
    list_filter = [
        "status", LiveFilter, ReviewDueFilter, ("topics", admin.RelatedOnlyFieldListFilter),
        ApprovedByFilter, ("clinical_owner", admin.RelatedOnlyFieldListFilter),
    ]  # fmt: skip
    # The body too (a plain icontains scan), so an editor finds a guide by
    # any phrase in it (issue 13).
    search_fields = ["title", "summary", "slug", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["workflow_state", "review_cycle"]
    fieldsets = [
        (None, {"fields": ["workflow_state", "title", "slug", "summary", "body", "topics"]}),
        (_("Corrections"), {"fields": ["correction_note"]}),
        (_("Review cycle"), {"fields": ["review_cycle", "review_interval_months", "owner"]}),
        (None, {"fields": ["expected_version"]}),
    ]
    autocomplete_fields = ["topics"]
    inlines = [ReferenceInline]
    history_list_display = ["status"]

    class Media:
        # The body's public stylesheet, so both previews look like the page;
        # editor.js keeps Tab for moving focus and shows a refused upload's
        # reason instead of inserting text; guide-form.js shows readability
        # as one types and warns before unsaved changes are lost.
        css = {"all": ["css/admin-review.css", "css/article-body.css"]}
        js = ["js/editor.js", "js/guide-form.js"]

    def view_on_site(self, obj: Article) -> str | None:
        """The public page, only when there is one: a draft's address is a 404
        (issue 13, fault 3). Its working copy has "Preview as readers will
        see it" instead."""
        return obj.get_absolute_url() if obj.is_live else None

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
    def review_cycle(self, obj: Article) -> StrOrPromise:
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

    def get_form(self, request: HttpRequest, obj: Article | None = None,
                 change: bool = False, **kwargs: Any) -> type[forms.ModelForm]:  # fmt: skip
        form = super().get_form(request, obj, change, **kwargs)
        if request.user.is_superuser or workflow.is_clinician(request.user):
            return form

        class OwnerShownOnly(form):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                # Disabled: a posted value is ignored, not trusted.
                self.fields["owner"].disabled = True

        return OwnerShownOnly

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A new guide's body from the template chosen on the add form
        (``?template=medicine``); an unknown name starts blank."""
        initial = super().get_changeform_initial_data(request)
        initial.pop("template", None)
        body = guide_templates.body_of(request.GET.get("template", ""))
        if body is not None:
            initial["body"] = body
        return initial

    def may_save_and_submit(self, request: HttpRequest, obj: Article | None) -> bool:
        """Whether to offer "Save and submit for review": the user may submit,
        and the guide is not already in review or archived. The workflow
        checks again."""
        if not workflow.STEPS["submit"].permission(request.user):
            return False
        return obj is None or obj.status not in {Article.Status.IN_REVIEW, Article.Status.ARCHIVED}

    def response_add(self, request: HttpRequest, obj: Article,
                     post_url_continue: str | None = None) -> HttpResponse:  # fmt: skip
        if SAVE_AND_SUBMIT in request.POST:
            return self._submit_saved(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Article) -> HttpResponse:
        if SAVE_AND_SUBMIT in request.POST:
            return self._submit_saved(request, obj)
        return super().response_change(request, obj)

    def _submit_saved(self, request: HttpRequest, obj: Article) -> HttpResponse:
        """The second half of "Save and submit for review": the working copy
        is saved; now the workflow's ``submit`` step. A refusal is the
        message at the top of the change form, the saved text kept."""
        self.message_user(
            request, _("“%(title)s” was saved.") % {"title": obj.title}, messages.SUCCESS
        )
        step = workflow.STEPS["submit"]
        try:
            step.run(article=obj, actor=request.user)
        except workflow.WorkflowError as error:
            self.message_user(
                request,
                _("It was not submitted for review: %(reason)s") % {"reason": error},
                messages.ERROR,
            )
        else:
            self.message_user(request, _("Done: %(step)s.") % {"step": step.label},
                              messages.SUCCESS)  # fmt: skip
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))

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
        if "owner" in form.changed_data:
            workflow.set_clinical_owner(
                article=form.instance, owner=form.cleaned_data["owner"], user=request.user
            )
        for formset in formsets:
            # What the admin's change message reads after formset.save().
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

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

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", IdCheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            ))  # fmt: skip
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_actions(self, request: HttpRequest) -> dict:
        # Our entries' labels are lazy strings and their functions return
        # responses; Django's annotation is narrower than what it accepts.
        actions: dict[str, Any] = dict(super().get_actions(request))
        # Bulk deletion would bypass the per-article rule; delete one at a time.
        actions.pop("delete_selected", None)
        for step in workflow.STEPS.values():
            if step.bulk is not None and step.permission(request.user):
                name = f"{step.name}_selected"
                actions[name] = (_bulk_action(step.name), name, step.bulk[0])
        if may_download(request.user):
            name = "download_evidence_packs"
            actions[name] = (download_evidence_packs, name, EVIDENCE_PACKS_LABEL)
        return actions

    def history_refused_url(self, pk: int) -> str:
        return reverse("admin:articles_article_versions", args=[pk])

    # Bulk actions: the workflow steps with a ``bulk`` entry ---------------------

    def bulk_step(self, request: HttpRequest, queryset: QuerySet,
                  name: str) -> HttpResponse | None:  # fmt: skip
        """Take step ``name`` for each selected article, after a confirmation
        page if the step asks first; the summary, then each refusal, as messages."""
        return confirm.bulk_step(self, request, queryset, name)

    # Review panel, versions and workflow buttons --------------------------------

    def get_urls(self) -> list:
        wrap, prefix = self.admin_site.admin_view, "articles_article"
        own = [
            path("readability/", wrap(editor.readability), name=f"{prefix}_readability"),
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
            extra_context = {
                **(extra_context or {}),
                **review_context(request, article),
                "readability_sections": assess_sections(article.body),
                "may_save_and_submit": self.may_save_and_submit(request, article),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request: HttpRequest, form_url: str = "",
                 extra_context: dict | None = None) -> HttpResponse:  # fmt: skip
        extra_context = {
            **(extra_context or {}),
            "guide_templates": guide_templates.available(),
            "chosen_template": request.GET.get("template", ""),
            "may_save_and_submit": self.may_save_and_submit(request, None),
        }
        return super().add_view(request, form_url, extra_context)

    def workflow_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        return workflow_post(self, request, object_id, step)

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
                                      revision.snapshot(), old_label=version_label(previous),
                                      new_label=version_label(revision)),
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


def _bulk_action(name: str) -> Any:
    """An admin action (``(model_admin, request, queryset)``) taking step ``name``."""

    def action(model_admin: ArticleAdmin, request: HttpRequest,
               queryset: QuerySet) -> HttpResponse | None:  # fmt: skip
        return model_admin.bulk_step(request, queryset, name)

    return action

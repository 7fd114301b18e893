"""Admin for the public site's content structure: topics, and the sources
edited inline on an article. Kept apart from the workflow admin.

Topic text follows the same four-eyes rule as a guide's: an editor's change
is a new topic version, and readers see it once a clinician who did not
write it approves it (``workflow.save_topic`` and ``workflow.approve_topic``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles import workflow
from articles.admin.conflicts import ShowFormAgainOnConflict
from articles.models import TOPIC_VERSION_FIELDS, Reference, Topic, TopicRevision
from articles.text import NormalisedTextFormMixin

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# The most sources one guide may list. Each inline row posts about eight
# fields, so settings.DATA_UPLOAD_MAX_NUMBER_FIELDS is sized from this.
MAX_SOURCES = 300


class NormalisedTextForm(NormalisedTextFormMixin, forms.ModelForm):
    """Base form of every admin form that saves public text."""


class ReferenceInline(admin.TabularInline):
    model = Reference
    form = NormalisedTextForm
    fields = ["order", "title", "publisher", "url", "date_accessed"]
    extra = 0
    max_num = MAX_SOURCES
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    verbose_name = _("source")
    verbose_name_plural = _(
        "sources (shown to readers under “Sources” once a clinician approves the change)"
    )

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        # Refuse more than max_num with the formset's own message ("Please
        # submit at most 300 forms.") instead of dropping or saving them.
        return super().get_formset(request, obj, validate_max=True, **kwargs)


class TopicForm(NormalisedTextFormMixin, forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Topic
        fields = ["name", "slug", "description", "nonproprietary_name", "alternate_names",
                  "drug_class"]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.lock_version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk:
            current = Topic.objects.select_related("updated_by").get(pk=self.instance.pk)
            if cleaned.get("expected_version") != current.lock_version:
                who = current.updated_by.get_username() if current.updated_by else _("Someone")
                raise forms.ValidationError(
                    _("%(who)s changed this topic at %(when)s, after you opened it, so your "
                      "changes were not saved. Your text is still below: copy it, reload the "
                      "page, and apply your changes again."),
                    code="conflict",
                    params={"who": who,
                            "when": timezone.localtime(current.updated_at).strftime("%H:%M:%S")},
                )  # fmt: skip
        return cleaned


class _ArticleTotal(TypedDict):
    """What TopicAdmin.get_queryset annotates each topic with."""

    article_total: int


@admin.register(Topic)
class TopicAdmin(ShowFormAgainOnConflict, admin.ModelAdmin):
    form = TopicForm
    list_display = ["name", "slug", "drug_class", "public_state", "article_count"]
    search_fields = ["name", "slug", "nonproprietary_name", "alternate_names"]
    readonly_fields = ["public_state"]
    fieldsets = [
        (None, {"fields": ["public_state", "name", "slug", "description"]}),
        (
            _("If the topic is a medicine"),
            {"fields": ["nonproprietary_name", "alternate_names", "drug_class"]},
        ),
        (None, {"fields": ["expected_version"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        latest = TopicRevision.objects.filter(topic=OuterRef("pk")).order_by("-number")
        return (
            super()
            .get_queryset(request)
            .annotate(
                article_total=Count("articles"),
                latest_version=Subquery(latest.values("number")[:1]),
            )
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Topic | None = None) -> list[str]:
        # The slug names the topic in guides' versions and readers' links.
        return ["public_state", "slug"] if obj is not None else ["public_state"]

    def get_prepopulated_fields(self, request: HttpRequest, obj: Topic | None = None) -> dict:
        return {} if obj is not None else {"slug": ["name"]}

    @admin.display(description=_("articles"), ordering="article_total")
    def article_count(self, topic: WithAnnotations[Topic, _ArticleTotal]) -> int:
        return topic.article_total

    @admin.display(description=_("on the public site"))
    def public_state(self, topic: Topic) -> str:
        if topic.pk is None:
            return _("New topic: readers see it once a clinician approves it.")
        latest = getattr(topic, "latest_version", None)
        if latest is None:
            revision = workflow.latest_topic_revision(topic)
            latest = revision.number if revision else None
        pending = latest is not None and latest != topic.live_version
        state = (
            format_html(gettext("version {} is public"), topic.live_version)
            if topic.is_live
            else gettext("not public yet")
        )
        if not pending:
            return state
        url = reverse("admin:articles_topic_review", args=[topic.pk])
        return format_html('{}; <a href="{}">{}</a>', state, url,
                           gettext("a change is waiting for a clinician's approval"))  # fmt: skip

    def save_model(self, request: HttpRequest, obj: Topic, form: TopicForm, change: bool) -> None:
        workflow.save_topic(
            topic=obj, user=request.user, expected_version=form.cleaned_data.get("expected_version")
        )

    def has_delete_permission(self, request: HttpRequest, obj: Topic | None = None) -> bool:
        # A public topic is named by guides' versions; only an administrator removes one.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_urls(self) -> list:
        own = [
            path("<int:object_id>/review/", self.admin_site.admin_view(self.review_view),
                 name="articles_topic_review"),
        ]  # fmt: skip
        return own + super().get_urls()

    def review_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The pending topic text beside the public one, and the approval
        form, which carries the version number and hash being read."""
        topic = get_object_or_404(Topic, pk=object_id)
        if not self.has_view_permission(request, topic):
            raise PermissionDenied
        if request.method == "POST":
            try:
                version = int(request.POST.get("version", ""))
                workflow.approve_topic(
                    topic=topic, reviewer=request.user, version=version,
                    content_hash=request.POST.get("content_hash", "").strip(),
                )  # fmt: skip
            except ValueError:
                self.message_user(request, _("Nothing was approved: the form did not say which "
                                             "version you read."), messages.ERROR)  # fmt: skip
            except workflow.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("The topic text is now public."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:articles_topic_change",
                                                    args=[topic.pk]))  # fmt: skip
            return HttpResponseRedirect(request.path)
        latest = workflow.latest_topic_revision(topic)
        live = (topic.revisions.filter(number=topic.live_version).first()
                if topic.live_version is not None else None)  # fmt: skip
        rows = [
            # Topic versions copy the topic's own columns, never relations.
            {"name": cast(models.Field, Topic._meta.get_field(name)).verbose_name,
             "live": getattr(live, name) if live else "", "pending": getattr(latest, name, ""),
             "changed": (getattr(live, name) if live else "") != getattr(latest, name, "")}
            for name in TOPIC_VERSION_FIELDS
        ]  # fmt: skip
        may_approve = (
            latest is not None
            and latest.number != topic.live_version
            and workflow.is_clinician(request.user)
            and request.user.pk not in workflow.topic_pending_authors(topic)
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": topic,
            "title": _("Review the text of “%(name)s”") % {"name": topic.name},
            "rows": rows,
            "latest": latest,
            "may_approve": may_approve,
        }
        return TemplateResponse(request, "admin/articles/topic/review.html", context)

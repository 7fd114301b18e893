"""Workflow steps on several guides at once (the bulk actions), and the
confirmation page asked before a step that changes what the public sees
(``Step.asks_first``: archiving), for a button and a bulk action alike.

A result is reported summary first: when some guides were refused, the
first message says how many of the selected guides the step was taken for,
and each refusal follows it (docs/decisions/0017-editorial-experience.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from articles import workflow
from articles.models import Article

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The POST field (value "yes") that says the person read the confirmation page.
CONFIRMED = "confirmed"


def confirmed(request: HttpRequest) -> bool:
    """Whether this POST comes from the confirmation page."""
    return request.POST.get(CONFIRMED) == "yes"


def confirmation_page(model_admin: admin.ModelAdmin, request: HttpRequest, step: workflow.Step,
                      articles: Iterable[Article], *, action_url: str, cancel_url: str,
                      bulk_action: str | None = None) -> TemplateResponse:  # fmt: skip
    """The page asking "are you sure?" before ``step``: names each guide,
    says what readers will see, and lists first the guides the step will
    leave as they are (refusals at the top). Its form posts back to
    ``action_url`` with ``confirmed=yes``; with ``bulk_action``, as the
    changelist's action of that name on the same guides."""
    articles = list(articles)
    will = [a for a in articles if step.available(a, request.user)]
    wont = [a for a in articles if not step.available(a, request.user)]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": gettext("Are you sure?"),
        "step": step,
        "will": will,
        "wont": wont,
        "action_url": action_url,
        "cancel_url": cancel_url,
        "bulk_action": bulk_action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "confirmed_field": CONFIRMED,
    }
    return TemplateResponse(request, "admin/articles/article/confirm_step.html", context)


def report(model_admin: admin.ModelAdmin, request: HttpRequest, step: workflow.Step,
           succeeded: int, refusals: list[str]) -> None:  # fmt: skip
    """The outcome of a bulk step, as admin messages, the summary first."""
    total = succeeded + len(refusals)
    if refusals:
        summary = ngettext(
            "%(done)d of %(total)d selected guide: “%(step)s” done; %(refused)d refused:",
            "%(done)d of %(total)d selected guides: “%(step)s” done; %(refused)d refused:",
            total,
        ) % {"done": succeeded, "total": total, "step": step.label, "refused": len(refusals)}
        model_admin.message_user(request, summary,
                                 messages.WARNING if succeeded else messages.ERROR)  # fmt: skip
    elif succeeded:
        # Only steps with a ``bulk`` entry are offered as actions (get_actions).
        done = cast("tuple[StrOrPromise, StrOrPromise]", step.bulk)[1]
        model_admin.message_user(request, done % {"count": succeeded}, messages.SUCCESS)
    for refusal in refusals:
        model_admin.message_user(request, refusal, messages.ERROR)


def bulk_step(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet,
              name: str) -> HttpResponse | None:  # fmt: skip
    """The admin action for step ``name`` on the selected guides: first the
    confirmation page when the step asks first, then the step for each
    guide, reported by :func:`report`. None: back to the list."""
    step = workflow.STEPS[name]
    if step.asks_first and not confirmed(request):
        changelist = reverse("admin:articles_article_changelist")
        return confirmation_page(model_admin, request, step, queryset.order_by("title", "pk"),
                                 action_url=changelist, cancel_url=changelist,
                                 bulk_action=f"{name}_selected")  # fmt: skip
    succeeded, refusals = 0, []
    for article in queryset:
        try:
            step.run(article=article, actor=request.user)
            succeeded += 1
        except workflow.WorkflowError as error:
            refusals.append(str(error))
    report(model_admin, request, step, succeeded, refusals)
    return None

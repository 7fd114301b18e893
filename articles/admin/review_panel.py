"""The review panel on a guide's change form: the workflow buttons (and
the POSTs behind them), the diff against the live version, the preview
and the readability notes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles import workflow
from articles.admin import confirm
from articles.admin.ids import article_or_404, parse_id
from articles.diffing import diff_versions, version_label
from articles.models import Article, Review
from articles.readability import LONG_SENTENCE_WORDS, assess
from articles.rendering import render
from articles.text import normalise_text, strip_xml_illegal


def step_parameters(step: workflow.Step, request: HttpRequest) -> dict[str, Any]:
    """The step's parameters from the POST (text with line endings
    normalised, XML-illegal characters dropped, stripped). Raises ValueError
    for a ``version`` that is not a version number; a missing one is None,
    which the workflow refuses, after checking who is asking, with a message
    saying what is needed."""
    values: dict[str, Any] = {}
    for name in step.parameters:
        value = request.POST.get(name, "")
        if name == "version":
            if value and parse_id(value) is None:
                raise ValueError(value)
            values[name] = int(value) if value else None
        else:
            # Characters no text column may hold everywhere (PostgreSQL refuses
            # NUL: a 500) are dropped, as the public outputs drop them.
            values[name] = strip_xml_illegal(normalise_text(value)).strip()
    return values


def workflow_post(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str,
                  name: str) -> HttpResponse:  # fmt: skip
    """A workflow button's POST: runs step ``name`` of ``workflow.STEPS``,
    reports the outcome as an admin message and redirects to the change
    form. A step that asks first (``Step.asks_first``) shows its
    confirmation page unless the POST says ``confirmed=yes``. Anything but
    POST is a 405; an approval's version that is not a number is a 400."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    article = article_or_404(object_id)
    step = workflow.STEPS.get(name)
    if step is None:
        model_admin.message_user(request, _("Unknown workflow step."), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
    try:
        parameters = step_parameters(step, request)
    except ValueError as error:
        return HttpResponseBadRequest(
            gettext("“%(value)s” is not a version number: nothing was approved.")
            % {"value": str(error)[:100]},
            content_type="text/plain; charset=utf-8",
        )
    change_url = reverse("admin:articles_article_change", args=[article.pk])
    if step.asks_first and not confirm.confirmed(request):
        return confirm.confirmation_page(
            model_admin, request, step, [article], action_url=request.path, cancel_url=change_url
        )
    try:
        step.run(article=article, actor=request.user, **parameters)
    except workflow.WorkflowError as error:
        model_admin.message_user(request, str(error), messages.ERROR)
        keep_typed(request, article, step, parameters)
    else:
        model_admin.message_user(request, _("Done: %(step)s.") % {"step": step.label},
                                 messages.SUCCESS)  # fmt: skip
    return HttpResponseRedirect(change_url)


# The session key of the text a refused step's form held, shown again once.
TYPED_KEY = "articles.workflow.typed"
_TYPED_FIELDS = ("comment", "smog_reason")


def keep_typed(request: HttpRequest, article: Article, step: workflow.Step,
               parameters: dict[str, Any]) -> None:  # fmt: skip
    """Keep what the clinician typed into a refused step's form (the comment,
    the reason for approving above the SMOG target) for the change form the
    redirect shows: a refusal never loses typed text."""
    typed = {name: parameters[name] for name in _TYPED_FIELDS if parameters.get(name)}
    if typed:
        request.session[TYPED_KEY] = {"article": article.pk, "step": step.name, **typed}


def typed_text(request: HttpRequest, article: Article) -> dict[str, Any]:
    """The text kept by :func:`keep_typed` for ``article`` (once: it is
    removed from the session), as ``{"step": name, "comment": …, …}``."""
    kept = request.session.pop(TYPED_KEY, None) if hasattr(request, "session") else None
    if not isinstance(kept, dict) or kept.get("article") != article.pk:
        return {}
    return kept


def available_steps(request: HttpRequest, article: Article) -> list[workflow.Step]:
    """Buttons worth showing. Showing is a courtesy; the workflow enforces."""
    return [step for step in workflow.STEPS.values() if step.available(article, request.user)]


def review_context(request: HttpRequest, article: Article) -> dict[str, Any]:
    latest = workflow.latest_revision(article)
    live = article.live_revision
    readability = assess(article.body)
    steps = available_steps(request, article)
    approving = {"approve", "confirm_accurate"} & {step.name for step in steps}
    # The version an approval would approve, against the target (measured
    # once when it is the working copy's text, as it is in review).
    approval = None
    if approving and latest is not None:
        approval = (
            workflow.PlainEnglish(readability.smog_grade, float(settings.ARTICLE_SMOG_TARGET))
            if latest.body == article.body
            else workflow.plain_english(latest)
        )
    return {
        "smog_target": settings.ARTICLE_SMOG_TARGET,
        "approval_plain_english": approval,
        "typed": typed_text(request, article),
        "latest_revision": latest,
        "working_preview": render(latest.body if latest else article.body).html,
        "diff": diff_versions(
            live.snapshot() if live else None,
            latest.snapshot() if latest else article.working_snapshot(),
            old_label=version_label(live, role=gettext("Live")),
            new_label=version_label(latest, role=gettext("Working copy")),
        ),
        "readability": readability,
        "long_sentence_words": LONG_SENTENCE_WORDS,
        "workflow_steps": steps,
        "own_change_blocks_approval": (
            article.status == Article.Status.IN_REVIEW
            and workflow.is_clinician(request.user)
            and request.user.pk in workflow.authors_of_pending_changes(article)
        ),
        "approver_needs_profile": (
            {"approve", "confirm_accurate"} & {step.name for step in steps}
            and workflow.public_profile(request.user) is None
        ),
        "last_request": article.reviews.filter(decision=Review.Decision.CHANGES_REQUESTED)
        .select_related("reviewer")
        .first(),
    }

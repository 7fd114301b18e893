"""The review panel on a guide's change form: the workflow buttons (and
the POSTs behind them), the diff against the live version, the preview
and the readability notes."""

from __future__ import annotations

from typing import Any

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
from articles.admin.ids import article_or_404, parse_id
from articles.diffing import diff_versions
from articles.models import Article, Review
from articles.readability import LONG_SENTENCE_WORDS, assess
from articles.rendering import render

# (workflow function, label, permission check for showing the button)
ACTIONS = {
    "submit": _("Submit for clinical review"),
    "approve": _("Approve and publish"),
    "request_changes": _("Request changes"),
    "archive": _("Archive (remove from the public site)"),
    "restore": _("Restore as a draft"),
    "confirm_rendering": _("Confirm the page still says what was approved"),
}


def run_step(step: str, article: Article, request: HttpRequest, **extra: Any) -> object:
    """Run the workflow step named ``step`` (a key of ``ACTIONS``) for the
    requesting user; returns what the workflow returns. Raises
    ``workflow.WorkflowError`` when the workflow refuses or the step is unknown."""
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


def workflow_post(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str,
                   step: str) -> HttpResponse:  # fmt: skip
    """A workflow button's POST: runs the step, reports the outcome as an
    admin message and redirects to the change form. Anything but POST is a
    405; an approval's version that is not a number is a 400."""
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
        run_step(step, article, request, **extra)
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

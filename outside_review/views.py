"""The page an outside expert opens from a review link: one version of one
guide, its differences from the live version, and a form for their response.

Every response of these views is personal and never cached, carries
``Referrer-Policy: same-origin`` (the address holds the token, so no link
to another site may pass it on; ``no-referrer`` would also make Chromium
send ``Origin: null`` with the form, which Django's CSRF check refuses)
and ``X-Robots-Tag: noindex``, and sets no session cookie: the visitor has
no account and nothing is kept about them but what they type. The form has
Django's usual CSRF token (the page is one link's and never cached).
ADR: docs/decisions/0018-outside-reviewers.md."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from articles.diffing import diff_versions
from articles.models import Revision
from articles.rendering import render as render_markdown
from outside_review import ratelimit, services
from outside_review.forms import ResponseForm
from outside_review.models import (
    COMMENT_MAX_CHARS,
    NAME_MAX_CHARS,
    ROLE_MAX_CHARS,
    OutsideReview,
    ReviewLink,
)
from outside_review.services import LinkNotUsableError, LinkState

PAGE = "outside_review/review_page.html"
UNAVAILABLE = "outside_review/unavailable.html"
FIELDS = ("name", "role", "comment", "recommendation")


def _link_page_headers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Add the headers every response of a link page carries, whatever its
    status (405 included)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def _unavailable(
    request: HttpRequest, reason: str, status: int, values: dict[str, str], **extra: Any
) -> HttpResponse:
    """The page that says why the link cannot be used, with whatever the
    visitor had typed so they can copy it."""
    context = {"reason": reason, "values": values, **extra}
    return render(request, UNAVAILABLE, context, status=status)


def _version_context(link: ReviewLink) -> dict[str, Any]:
    """What the page shows: the link's version rendered, and its
    differences (changed fields only) from the live version, if any."""
    revision = link.revision
    article = link.article
    live = (
        Revision.objects.filter(article=article, number=article.live_version).first()
        if article.live_version is not None
        else None
    )
    diffs = diff_versions(live.snapshot() if live else None, revision.snapshot())
    return {
        "revision": revision,
        "body_html": render_markdown(revision.body).html,
        "live_version": live.number if live else None,
        "changes": [diff for diff in diffs if diff.changed],
        "expires_at": link.expires_at,
        "recommendations": OutsideReview.Recommendation.choices,
        "limits": {"name": NAME_MAX_CHARS, "role": ROLE_MAX_CHARS, "comment": COMMENT_MAX_CHARS},
    }


@_link_page_headers
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def review_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the version, its differences from the live one, and the form.
    POST: record the response and thank the visitor, or show the form again
    with their text and what was wrong (400). A token that matches no link
    is a 404; a revoked, expired or superseded link a 410 saying which; too
    many requests from one address a 429."""
    values = (
        {name: request.POST.get(name, "") for name in FIELDS} if request.method == "POST" else {}
    )
    if not ratelimit.allow_request(request):
        response = _unavailable(request, "rate_limited", 429, values)
        response["Retry-After"] = str(ratelimit.window_seconds())
        return response
    link = services.find_link(token)
    if link is None:
        return _unavailable(request, "not_found", 404, values)
    state = services.link_state(link)
    if state is not LinkState.ACTIVE:
        return _unavailable(request, state.value, 410, values, expires_at=link.expires_at)

    context = {**_version_context(link), "values": values, "errors": []}
    if request.method != "POST":
        return render(request, PAGE, context)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        context["errors"] = [
            message for field in FIELDS for message in form.errors.get(field, [])
        ] or [_("Your response could not be read. Please try again.")]
        return render(request, PAGE, context, status=400)
    data = form.cleaned_data
    try:
        services.record_response(link=link, **{name: data[name] for name in FIELDS})
    except LinkNotUsableError as refused:
        return _unavailable(request, refused.state.value, 410, values, expires_at=link.expires_at)
    context["values"] = {name: data[name] for name in FIELDS}
    context["sent"] = True
    return render(request, PAGE, context)

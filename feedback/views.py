"""The feedback endpoint: the guide page's form posts here.

The guide page is cached and the same for every reader, so its form carries
no CSRF token. This endpoint is exempt from Django's token check and makes
the check that matters itself: the post must come from a page of this site
(``Origin``, or ``Referer`` when a browser sends no ``Origin``). Its
responses are never cached and set no cookie. ADR:
docs/decisions/0016-reader-feedback.md."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from articles.models import Article
from feedback import ratelimit
from feedback.forms import FeedbackForm
from feedback.models import COMMENT_MAX_CHARS
from feedback.services import record_feedback

TEMPLATE = "feedback/feedback_page.html"


def is_same_origin(request: HttpRequest) -> bool:
    """The request says it was sent from a page of this site: its ``Origin``
    (or, without one, its ``Referer``'s scheme and host) is this site's, or
    one of ``settings.CSRF_TRUSTED_ORIGINS``. Neither header: False."""
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        referer = urlsplit(request.META.get("HTTP_REFERER", ""))
        if not (referer.scheme and referer.netloc):
            return False
        origin = f"{referer.scheme}://{referer.netloc}"
    ours = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
    return origin.lower() == ours.lower() or origin in settings.CSRF_TRUSTED_ORIGINS


def _guide(slug: str) -> Article:
    article = (
        Article.objects.published()
        .only("pk", "live_slug", "live_title", "live_version")
        .filter(live_slug=slug)
        .first()
    )
    if article is None:
        raise Http404(_("No guide at this address."))
    return article


@csrf_exempt  # the guide page is shared by everyone: see is_same_origin
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the form on a page of its own. POST: check where it came from,
    the client's rate, then the form; record it and thank the reader, or
    show the form again with their text and what was wrong (403, 429, 400)."""
    article = _guide(slug)
    context: dict[str, Any] = {
        "article": article,
        "comment_max_chars": COMMENT_MAX_CHARS,
        "feedback_values": {},
        "feedback_errors": [],
    }
    if request.method != "POST":
        return render(request, TEMPLATE, context)
    context["feedback_values"] = {
        "answer": request.POST.get("answer", ""),
        "comment": request.POST.get("comment", ""),
    }
    if not is_same_origin(request):
        context["feedback_errors"] = [
            _(
                "Your feedback was not sent: your browser did not say it came from this "
                "site. Please send it again from this page."
            )
        ]
        return render(request, TEMPLATE, context, status=403)
    if not ratelimit.allow_post(request):
        context["feedback_errors"] = [
            _("You have sent a lot of feedback in a short time. Please try again later.")
        ]
        response = render(request, TEMPLATE, context, status=429)
        response["Retry-After"] = str(settings.FEEDBACK_RATE_WINDOW_SECONDS)
        return response
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        context["feedback_errors"] = [
            message for field in ("answer", "comment") for message in form.errors.get(field, [])
        ] or [_("Your feedback could not be read. Please try again.")]
        return render(request, TEMPLATE, context, status=400)
    data = form.cleaned_data
    record_feedback(
        article=article,
        answer=data["answer"],
        comment=data["comment"],
        version=data["version"],
        personal_details_removed=bool(data["emails_removed"] or data["phones_removed"]),
        reader=request.user,
        absolute_url=request.build_absolute_uri,
    )
    context["feedback_values"] = {"answer": data["answer"], "comment": data["comment"]}
    context["feedback_sent"] = True
    context["feedback_notes"] = _removal_notes(data["emails_removed"], data["phones_removed"])
    return render(request, TEMPLATE, context)


def _removal_notes(emails: int, phones: int) -> list[str]:
    """What the reader is told about personal details taken out of their
    comment (counts of email addresses and phone numbers)."""
    removed = []
    if emails:
        removed.append(
            ngettext("an email address", "%(count)d email addresses", emails) % {"count": emails}
        )
    if phones:
        removed.append(
            ngettext("a phone number", "%(count)d phone numbers", phones) % {"count": phones}
        )
    if not removed:
        return []
    return [
        _(
            "We removed %(what)s from your message: we cannot reply to feedback, "
            "and we do not keep personal details."
        )
        % {"what": _(" and ").join(removed)}
    ]

"""Emails about the review workflow, sent when a step is done
(``articles.signals.workflow_step_done``, connected in ``ArticlesConfig.ready``).

Who hears of what:

- ``submit``: the clinical reviewers who may approve the change (active
  members of "Clinical reviewers"; not its authors, whom four eyes bars);
- ``request_changes``: the authors of the change sent back;
- ``approve``: the authors of the change approved. A periodic review
  (the live text confirmed again) changed nobody's text: no email.

One email per event, to all its recipients at once; never to the person who
acted, and never to an inactive account or one without an address. Sent
with ``EMAIL_BACKEND`` (the console by default). A failure to send is
logged and swallowed: the step is already committed, and the admin must
not show an error page for it (docs/decisions/0017-editorial-experience.md).

The daily digest of guides due for review (:func:`send_review_digests`,
``manage.py review_digest``) is at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from articles import workflow
from articles.models import Article, Review, ReviewDigest, Revision

logger = logging.getLogger("articles.notifications")


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse`` or ``get_absolute_url``, starting with
    "/") as a full address on ``settings.SITE_URL``, for emails: mail
    clients make links only of full addresses, and cron jobs have no request
    to take the host from."""
    return f"{settings.SITE_URL}{path}"


def _addresses(users: Iterable[Any], actor: Any) -> list[str]:
    """Sorted, de-duplicated addresses of the active ``users``, without the actor's."""
    return sorted({
        user.email for user in users
        if user.is_active and user.email and user.pk != getattr(actor, "pk", None)
    })  # fmt: skip


def _users(ids: Iterable[int | None]) -> list[Any]:
    return list(get_user_model().objects.filter(pk__in=[pk for pk in ids if pk is not None]))


def _is_periodic_review(article: Article, revision: Revision) -> bool:
    """Whether the approval just made was of a version approved before:
    a periodic review of live, unchanged text."""
    approvals = article.reviews.filter(revision=revision, decision=Review.Decision.APPROVED)
    return approvals.count() > 1


def recipients(step: str, article: Article, revision: Revision | None, actor: Any) -> list[str]:
    """The email addresses to tell that ``actor`` took ``step`` on
    ``article`` (at ``revision``); empty when nobody is to be told."""
    if revision is None:
        return []
    if step == "submit":
        clinicians = workflow.clinicians()
        authors = workflow.authors_of_pending_changes(article)
        return _addresses([user for user in clinicians if user.pk not in authors], actor)
    if step == "request_changes":
        return _addresses(_users(workflow.text_authors(article, revision.number)), actor)
    if step == "approve" and not _is_periodic_review(article, revision):
        return _addresses(_users(workflow.text_authors(article, revision.number)), actor)
    return []


def _message(step: str, article: Article, revision: Revision, actor: Any) -> tuple[str, str]:
    """The subject and plain-text body of the email for ``step``."""
    who = actor.get_username() if getattr(actor, "is_authenticated", False) else "Someone"
    profile = workflow.public_profile(actor) if step != "submit" else None
    if profile is not None:
        who = profile.public_name
    link = absolute_url(reverse("admin:articles_article_change", args=[article.pk]))
    title = revision.title or article.title
    if step == "submit":
        subject = f"For clinical review: {title}"
        lines = [f"{who} submitted version {revision.number} of “{title}” for clinical review."]
    elif step == "request_changes":
        subject = f"Changes requested: {title}"
        lines = [f"{who} requested changes to version {revision.number} of “{title}”:"]
        latest = article.reviews.filter(
            revision=revision, decision=Review.Decision.CHANGES_REQUESTED
        ).first()
        if latest is not None and latest.comment:
            lines += ["", latest.comment, ""]
    else:
        subject = f"Approved and published: {title}"
        lines = [
            f"{who} approved version {revision.number} of “{title}”. Readers now see it.",
        ]
    lines.append(f"Open the guide in the admin: {link}")
    return subject, "\n".join(lines)


def notify_step_done(sender: type, *, step: str, article: Article, revision: Revision | None,
                     actor: Any, **kwargs: Any) -> None:  # fmt: skip
    """Receiver of ``workflow_step_done``: send the step's one email, if
    anyone is to be told. Never raises: a mail server outage is logged."""
    try:
        addresses = recipients(step, article, revision, actor)
        if not addresses or revision is None:  # recipients() names nobody without one
            return
        subject, body = _message(step, article, revision, actor)
        send_mail(subject, body, None, addresses)
    except Exception:
        logger.exception(
            "notification for %s of guide %s not sent", step, article.pk,
            extra={"fields": {"step": step, "guide_id": article.pk}},
        )  # fmt: skip


# The daily digest -----------------------------------------------------------------
#
# ``manage.py review_digest`` (cron, once or more a day) emails each clinical
# reviewer one list of the live guides whose review is overdue or due within
# ARTICLE_REVIEW_DUE_SOON_DAYS and that are theirs: those they own, and
# those with no active clinical owner (which are everyone's). A clinician
# with nothing due gets nothing.


def digest_guides(today: date) -> list[Article]:
    """Live guides whose review is overdue or due within
    ``ARTICLE_REVIEW_DUE_SOON_DAYS`` of ``today``, soonest due first (never
    reviewed first of all)."""
    due = Article.objects.review_overdue(today) | Article.objects.review_due_within(
        settings.ARTICLE_REVIEW_DUE_SOON_DAYS, today
    )
    guides = list(due.distinct().select_related("clinical_owner"))
    return sorted(guides, key=lambda guide: (guide.next_review_due or date.min, guide.pk))


def digests(today: date) -> list[tuple[Any, list[Article]]]:
    """(clinician, their guides) for every active clinical reviewer with an
    address and something due: guides they own, and guides whose owner is
    nobody or no longer an active clinical reviewer."""
    clinicians = list(workflow.clinicians())
    active = {user.pk for user in clinicians}
    reviewers = [user for user in clinicians if user.email]
    guides = digest_guides(today)
    result = []
    for user in reviewers:
        theirs = [
            guide for guide in guides
            if guide.clinical_owner_id == user.pk or guide.clinical_owner_id not in active
        ]  # fmt: skip
        if theirs:
            result.append((user, theirs))
    return result


def _claim_digest(today: date, user: Any) -> ReviewDigest | None:
    """Record that ``user``'s digest for ``today`` is being sent; None when
    a run (this one or another at the same time) has recorded it already.
    The row's unique (user, day) makes the claim atomic in the database,
    which a cache entry (evictable, per process) would not."""
    try:
        with transaction.atomic():
            return ReviewDigest.objects.create(user=user, day=today)
    except IntegrityError:
        return None


def digest_message(user: Any, guides: list[Article], today: date) -> tuple[str, str]:
    """The subject and plain-text body of ``user``'s digest for ``today``."""
    overdue = sum(1 for guide in guides if _days_left(guide, today) < 0)
    subject = f"Clinical review digest, {today:%-d %B %Y}: {len(guides)} guide(s) due"
    if overdue:
        subject += f", {overdue} overdue"
    lines = [f"Guides due for clinical review, as of {today:%-d %B %Y}:", ""]
    for guide in guides:
        days = _days_left(guide, today)
        if guide.next_review_due is None:
            when = "never reviewed: due now"
        elif days < 0:
            when = f"overdue by {-days} day(s) (due {guide.next_review_due:%-d %B %Y})"
        else:
            when = f"due {guide.next_review_due:%-d %B %Y}, in {days} day(s)"
        link = absolute_url(reverse("admin:articles_article_change", args=[guide.pk]))
        lines += [f"- {guide.live_title or guide.title}: {when}", f"  {link}"]
    lines += ["", "Open the guide, then “Confirm still accurate” or edit it and submit the change."]
    return subject, "\n".join(lines)


def _days_left(guide: Article, today: date) -> int:
    return (guide.next_review_due - today).days if guide.next_review_due else -1


def send_review_digests(today: date) -> list[tuple[Any, list[Article]]]:
    """Email each clinician with guides due their digest for ``today``,
    at most once a day however often this runs. Returns the digests sent.
    A failure to send is logged, and forgotten so that the next run tries
    again."""
    sent = []
    for user, guides in digests(today):
        claim = _claim_digest(today, user)
        if claim is None:
            continue
        subject, body = digest_message(user, guides, today)
        try:
            send_mail(subject, body, None, [user.email])
        except Exception:
            claim.delete()
            logger.exception(
                "review digest for %s not sent", user.get_username(),
                extra={"fields": {"user_id": user.pk, "date": today.isoformat()}},
            )  # fmt: skip
            continue
        sent.append((user, guides))
    return sent

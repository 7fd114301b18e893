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
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse

from articles import workflow
from articles.models import Article, Review, Revision

logger = logging.getLogger("articles.notifications")


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
    link = reverse("admin:articles_article_change", args=[article.pk])
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

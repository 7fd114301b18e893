"""Recording a reader's feedback, and telling clinicians about urgent
feedback at once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse

from articles import workflow
from articles.models import Article
from feedback.models import Feedback, SafetyTerm
from feedback.text import find_safety_terms

logger = logging.getLogger(__name__)


def live_version_shown(article: Article, version: int | None) -> int:
    """The version the reader says they read, if the guide has been live at
    that version (one between 1 and its live version that exists); the
    live version otherwise. A page read before a new approval is filed
    against what the reader saw."""
    # Feedback is taken only on a published guide, which has a live version.
    live = cast(int, article.live_version)
    if (
        version is not None
        and 1 <= version < live
        and article.revisions.filter(number=version).exists()
    ):
        return version
    return live


def record_feedback(
    *,
    article: Article,
    answer: str,
    comment: str,
    version: int | None,
    personal_details_removed: bool,
    reader: AbstractBaseUser | AnonymousUser,
    absolute_url: Callable[[str], str],
) -> Feedback:
    """Save one reader's feedback on the published ``article`` and, when
    its comment names a safety term, mark it urgent and email the clinical
    reviewers once the row is committed.

    ``comment`` must already be cleaned (feedback.forms.FeedbackForm).
    ``reader`` is the signed-in user who sent it, if any: they are never
    emailed about their own feedback. ``absolute_url`` turns a path into
    the full address used in the email (``request.build_absolute_uri``)."""
    terms = find_safety_terms(comment, SafetyTerm.objects.values_list("term", flat=True))
    feedback = Feedback.objects.create(
        article=article,
        version=live_version_shown(article, version),
        answer=answer,
        comment=comment,
        personal_details_removed=personal_details_removed,
        urgent=bool(terms),
        safety_terms=", ".join(terms)[:500],
    )
    if terms:
        link = absolute_url(reverse("admin:feedback_feedback_change", args=[feedback.pk]))
        transaction.on_commit(lambda: notify_clinicians(feedback, link=link, acting_user=reader))
    return feedback


def clinician_addresses(exclude: AbstractBaseUser | AnonymousUser | None = None) -> list[str]:
    """Email addresses of active clinical reviewers, without ``exclude``'s
    (the person whose action caused the email), each once, sorted."""
    users = workflow.clinicians().exclude(email="")
    if exclude is not None and exclude.is_authenticated:
        users = users.exclude(pk=exclude.pk)
        excluded = (getattr(exclude, "email", "") or "").lower()
        addresses = {e for e in users.values_list("email", flat=True) if e.lower() != excluded}
    else:
        addresses = set(users.values_list("email", flat=True))
    return sorted(addresses)


def notify_clinicians(
    feedback: Feedback, *, link: str, acting_user: AbstractBaseUser | AnonymousUser | None
) -> int:
    """Email each clinical reviewer (one message each, so no one sees the
    others' addresses) about urgent ``feedback``; the number sent. A mail
    failure is logged, never raised: the reader's feedback is already kept
    and flagged in the admin."""
    recipients = clinician_addresses(exclude=acting_user)
    if not recipients:
        logger.warning("Urgent feedback %s: no clinical reviewer has an email address", feedback.pk)
        return 0
    title = feedback.article.live_title
    subject = f"Urgent reader feedback on “{title}”: {feedback.safety_terms}"
    body = (
        f"A reader's feedback on “{title}” (version {feedback.version}) mentions: "
        f"{feedback.safety_terms}.\n\n"
        f"Was the page useful? {feedback.get_answer_display()}\n"
        f"What was wrong:\n{feedback.comment}\n\n"
        f"Triage it in the admin: {link}\n"
    )
    messages = [(subject, body, None, [address]) for address in recipients]
    try:
        return send_mass_mail(messages)
    except Exception:  # SMTP down: the admin list still shows it as urgent
        logger.exception("Could not email clinical reviewers about urgent feedback %s", feedback.pk)
        return 0

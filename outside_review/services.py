"""Making, checking and revoking review links, and recording responses.

A link's address carries a random token (256 bits); the database keeps only
its SHA-256 hash, so a copy of the database (a backup, a read replica) gives
no working link, and a guessed or altered token finds nothing."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta
from enum import Enum

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Revision
from articles.notifications import absolute_url
from articles.workflow import is_clinician
from outside_review.models import MAX_DAYS, OutsideReview, ReviewLink

logger = logging.getLogger("outside_review")

# What secrets.token_urlsafe(32) gives: 43 characters of the URL-safe alphabet.
# Anything else is refused before the database is asked.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


class LinkState(Enum):
    """Whether a link can be used now, and if not, why."""

    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"  # a newer version of the guide exists


def hash_token(token: str) -> str:
    """The stored form of a link's token: SHA-256, 64 hex digits. The
    token is random and long, so no salt or slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def latest_revision(article: Article) -> Revision | None:
    """The guide's newest saved version, or None if it has none."""
    return Revision.objects.filter(article=article).order_by("-number").first()


def issue(
    link: ReviewLink,
    *,
    created_by: User,
    days: int = MAX_DAYS,
    now: datetime | None = None,
) -> str:
    """Fill in an unsaved ``link`` (its ``revision`` set): creator, guide,
    expiry ``days`` days from ``now`` and a new token's hash; the token,
    which is returned and kept nowhere.

    Raises PermissionDenied unless ``created_by`` is a clinician, and
    ValueError unless 1 <= ``days`` <= MAX_DAYS."""
    if not is_clinician(created_by):
        raise PermissionDenied("Only clinical reviewers can create outside review links.")
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"A review link lasts from 1 to {MAX_DAYS} days, not {days}.")
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    link.article_id = link.revision.article_id
    link.created_by = created_by
    link.created_at = now
    link.expires_at = now + timedelta(days=days)
    link.token_hash = hash_token(token)
    return token


def create_link(
    *,
    revision: Revision,
    created_by: User,
    days: int = MAX_DAYS,
    invitee: str = "",
    now: datetime | None = None,
) -> tuple[ReviewLink, str]:
    """Create and save a link to ``revision``; the link and its token (the
    last part of its address, shown once). Raises as :func:`issue`."""
    link = ReviewLink(revision=revision, invitee=invitee)
    token = issue(link, created_by=created_by, days=days, now=now)
    link.save()
    return link, token


def find_link(token: str) -> ReviewLink | None:
    """The link whose token is ``token``, whatever its state; None for a
    token of the wrong shape or one that matches no link."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    return (
        ReviewLink.objects.select_related("revision", "article")
        .filter(token_hash=hash_token(token))
        .first()
    )


def link_state(link: ReviewLink, now: datetime | None = None) -> LinkState:
    """Whether ``link`` can be used at ``now`` (default: now). Revocation
    is checked first, then expiry, then whether the guide has a version
    newer than the link's."""
    if link.revoked_at is not None:
        return LinkState.REVOKED
    if link.is_expired(now):
        return LinkState.EXPIRED
    newer = Revision.objects.filter(article_id=link.article_id, number__gt=link.revision.number)
    if newer.exists():
        return LinkState.SUPERSEDED
    return LinkState.ACTIVE


def revoke(link: ReviewLink, *, user: User, now: datetime | None = None) -> bool:
    """Revoke ``link`` as ``user``; False if it was already revoked (the
    first revocation is kept)."""
    changed = ReviewLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now(), revoked_by=user
    )
    link.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return bool(changed)


class LinkNotUsableError(Exception):
    """The link was revoked, expired or superseded; ``state`` says which."""

    def __init__(self, state: LinkState) -> None:
        super().__init__(state.value)
        self.state = state


def record_response(
    *, link: ReviewLink, name: str, role: str, comment: str, recommendation: str
) -> OutsideReview:
    """Keep one outside expert's response to ``link``'s version, with the
    live version they were shown the differences from. Touches nothing of
    the guide: its status, live version and reviews stay as they were.

    The fields must already be cleaned (outside_review.forms.ResponseForm).
    Raises LinkNotUsableError if the link cannot be used now (checked again
    under a lock on the link, so a revocation in between wins)."""
    with transaction.atomic():
        locked = ReviewLink.objects.select_for_update().select_related("revision").get(pk=link.pk)
        state = link_state(locked)
        if state is not LinkState.ACTIVE:
            raise LinkNotUsableError(state)
        live_version = Article.objects.values_list("live_version", flat=True).get(
            pk=locked.article_id
        )
        response = OutsideReview.objects.create(
            link=locked,
            article_id=locked.article_id,
            version=locked.revision.number,
            compared_with_version=live_version,
            name=name,
            role=role,
            comment=comment,
            recommendation=recommendation,
        )
        transaction.on_commit(lambda: notify_response(response), robust=True)
        return response


def notify_response(response: OutsideReview) -> None:
    """Email the clinician who made the link, and the guide's clinical
    owner, that an outside expert responded (the page tells the expert it
    goes to the clinical team). One email; a failure to send is logged, the
    response is already kept."""
    link = response.link
    article = Article.objects.select_related("clinical_owner").get(pk=response.article_id)
    people = [link.created_by, article.clinical_owner]
    addresses = sorted({p.email for p in people if p is not None and p.is_active and p.email})
    if not addresses:
        return
    title = article.live_title or article.title
    recommendation = OutsideReview.Recommendation(response.recommendation).label
    path = reverse("admin:outside_review_outsidereview_change", args=[response.pk])
    body = "\n".join([
        f"{response.name} ({response.role}) responded to the review link for version "
        f"{response.version} of “{title}”: {recommendation}.",
        "", response.comment, "",
        "Advisory only: it approves and publishes nothing.",
        f"Read it in the admin: {absolute_url(path)}",
    ])  # fmt: skip
    try:
        send_mail(f"Outside review: {title} ({recommendation.lower()})", body, None, addresses)
    except Exception:
        logger.exception("outside review email not sent", extra={"fields": {"review": response.pk}})

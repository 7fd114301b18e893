"""
The clinical review workflow: the only code that changes an article's state.

    draft ──submit──▶ in review ──approve──▶ published ──archive──▶ archived
      ▲                 │    ▲                  │                      │
      │          request changes  submit        │ (edit)               │
      │                 ▼    │                  ▼                      │
      │           changes requested          draft (live copy stays)   │
      └───────────────────────────────restore──────────────────────────┘

Every function here is atomic, takes keyword-only arguments, checks who is
acting and from which state, and raises :class:`WorkflowError` with a
readable message before changing anything. The admin, the management
commands and the tests all call these functions and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from articles import rendering
from articles.models import (
    CLINICAL_REVIEWERS_GROUP,
    Article,
    Review,
    Revision,
    SlugRedirect,
)

Status = Article.Status
User = AbstractBaseUser | AnonymousUser

# Called after a commit that changed what the public sees. The page cache
# registers itself here so this module does not depend on it.
_on_public_change: list[Callable[[], None]] = []


def on_public_change(callback: Callable[[], None]) -> Callable[[], None]:
    if callback not in _on_public_change:
        _on_public_change.append(callback)
    return callback


class WorkflowError(Exception):
    """An illegal workflow step. The message is fit to show to the user."""


class EditConflictError(WorkflowError):
    """Someone else saved the article after this editor opened it."""


# Who may act ---------------------------------------------------------------


def is_clinician(user: User) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.groups.filter(name=CLINICAL_REVIEWERS_GROUP).exists()


def _require(user: User, perm: str, action: str) -> None:
    if not (user.is_authenticated and user.is_active and user.has_perm(perm)):
        raise WorkflowError(_("You do not have permission to %(action)s.") % {"action": action})


def _require_state(article: Article, allowed: set[str], action: str) -> None:
    if article.status not in allowed:
        raise WorkflowError(
            _("“%(title)s” is %(status)s, so it cannot be %(action)s.")
            % {"title": article.title, "status": article.get_status_display().lower(),
               "action": action}
        )  # fmt: skip


def authors_of_pending_changes(article: Article) -> set[int | None]:
    """Users who wrote any version since the last approved one."""
    return set(
        article.revisions.filter(number__gt=article.approved_revision_number).values_list(
            "created_by", flat=True
        )
    )


def latest_revision(article: Article) -> Revision | None:
    return article.revisions.order_by("-number").first()


def _locked(article: Article) -> Article:
    """Re-read the row under a lock, so checks and writes see one state."""
    return Article.objects.select_for_update().get(pk=article.pk)


def _public_changed() -> None:
    # robust: a cache outage must not turn a committed publish into an error.
    for callback in _on_public_change:
        transaction.on_commit(callback, robust=True)


def _save(article: Article, user: User | None) -> None:
    article._history_user = user if user is not None and user.is_authenticated else None
    article.save()


# Editing -----------------------------------------------------------------------


def check_body(article: Article) -> None:
    """Refuse a new or changed body that cannot be rendered within bounds or
    that has a malformed callout or an image without alt text
    (:func:`articles.rendering.problems`). An unchanged body is not checked
    again, so a guide saved before a rule existed can still be re-filed."""
    if article.pk is not None:
        stored = Article.objects.filter(pk=article.pk).values_list("body", flat=True).first()
        if stored == article.body:
            return
    found = rendering.problems(article.body)
    if found:
        raise WorkflowError(
            _("“%(title)s” was not saved: %(problems)s")
            % {"title": article.title, "problems": " ".join(p.message for p in found)}
        )


def save_working_copy(*, article: Article, user: User, expected_version: int | None) -> Article:
    """Save an editor's changes to the working copy (the instance holds them).

    A change of text adds a new immutable version. The live copy never
    changes here. ``expected_version`` is the ``lock_version`` the editor's
    form was built from; if someone saved in between, nothing is written.
    Raises :class:`WorkflowError` for a body :func:`check_body` refuses.
    """
    # Rendering is the slow part of a save: done before the transaction (and
    # SQLite's write lock) starts.
    check_body(article)
    return _save_working_copy(article=article, user=user, expected_version=expected_version)


@transaction.atomic
def _save_working_copy(*, article: Article, user: User, expected_version: int | None) -> Article:
    creating = article.pk is None
    _require(user, "articles.add_article" if creating else "articles.change_article",
             _("edit articles"))  # fmt: skip
    if not creating:
        # Compare-and-set: this UPDATE succeeds for exactly one of two
        # concurrent saves, on SQLite and PostgreSQL alike.
        claimed = Article.objects.filter(pk=article.pk, lock_version=expected_version).update(
            lock_version=models.F("lock_version") + 1
        )
        if not claimed:
            current = Article.objects.select_related("updated_by").get(pk=article.pk)
            who = current.updated_by.get_username() if current.updated_by else _("someone else")
            raise EditConflictError(
                _(
                    "%(who)s changed this article at %(when)s, after you opened it. Your text "
                    "has not been saved and is still in the form: copy it, reload the page, "
                    "and apply your changes again."
                )
                % {"who": who, "when": timezone.localtime(current.updated_at).strftime("%H:%M:%S")}
            )
        article.lock_version = expected_version + 1
        current = Article.objects.get(pk=article.pk)
        if current.status == Status.IN_REVIEW and article.working_hash() != current.working_hash():
            raise WorkflowError(
                _("“%(title)s” is in clinical review. Ask the reviewer to request changes "
                  "before editing it.") % {"title": current.title}
            )  # fmt: skip
        article.status = current.status
        # Public addresses: the old slug keeps answering with a 301.
        SlugRedirect.record(article=article, old_slug=current.slug)
    else:
        article.created_by = user
        article.status = Status.DRAFT
    article.updated_by = user
    _save(article, user)

    latest = latest_revision(article)
    if latest is None or latest.content_hash != article.working_hash():
        Revision.objects.create(
            article=article,
            number=(latest.number if latest else 0) + 1,
            title=article.title,
            summary=article.summary,
            body=article.body,
            correction_note=article.correction_note,
            created_by=user,
        )
        if article.status == Status.PUBLISHED:
            # The working copy now differs from the live one: it needs review.
            article.status = Status.DRAFT
            _save(article, user)
    return article


@transaction.atomic
def create_drafts(*, articles: list[Article], user: User) -> list[Article]:
    """Create many new drafts at once (imports): each with its first version,
    written in bulk so thousands of articles take a few queries per batch."""
    _require(user, "articles.add_article", _("add articles"))
    for article in articles:
        check_body(article)
        article.status = Status.DRAFT
        article.created_by = article.updated_by = user
    created = bulk_create_with_history(articles, Article, default_user=user)
    if any(article.pk is None for article in created):
        # Backends that do not return ids from bulk inserts.
        by_slug = dict(
            Article.objects.filter(slug__in=[a.slug for a in created]).values_list("slug", "pk")
        )
        for article in created:
            article.pk = by_slug[article.slug]
    Revision.objects.bulk_create(
        Revision(
            article_id=article.pk, number=1, title=article.title, summary=article.summary,
            body=article.body, correction_note=article.correction_note, created_by=user,
            content_hash=article.working_hash(),
        )
        for article in created
    )  # fmt: skip
    return created


@transaction.atomic
def revert(*, article: Article, user: User, revision: Revision) -> Revision:
    """Make an earlier version the working copy again, as a new version."""
    article = _locked(article)
    _require(user, "articles.change_article", _("edit articles"))
    _require_state(article, {Status.DRAFT, Status.CHANGES_REQUESTED, Status.PUBLISHED},
                   _("reverted"))  # fmt: skip
    if revision.article_id != article.pk:
        raise WorkflowError(_("That version belongs to another article."))
    article.title, article.summary, article.body = revision.title, revision.summary, revision.body
    save_working_copy(article=article, user=user, expected_version=article.lock_version)
    return latest_revision(article)


# Transitions -------------------------------------------------------------------


@transaction.atomic
def submit(*, article: Article, user: User) -> Article:
    """Send the working copy to the clinical reviewers."""
    article = _locked(article)
    _require(user, "articles.submit_article", _("submit articles for review"))
    _require_state(article, {Status.DRAFT, Status.CHANGES_REQUESTED}, _("submitted for review"))
    article.status = Status.IN_REVIEW
    article.submitted_at = timezone.now()
    _save(article, user)
    return article


@transaction.atomic
def approve(
    *, article: Article, reviewer: User, revision: Revision | None = None, comment: str = ""
) -> Review:
    """Approve the version under review and make it the live copy.

    ``revision`` is the version the reviewer looked at; if the text has
    changed since, the approval is refused, because an approval belongs to
    exact content.
    """
    article = _locked(article)
    if not is_clinician(reviewer):
        raise WorkflowError(_("Only members of “Clinical reviewers” can approve articles."))
    _require_state(article, {Status.IN_REVIEW}, _("approved"))
    latest = latest_revision(article)
    if revision is not None and revision.pk != latest.pk:
        raise WorkflowError(
            _("The text changed after you opened it (you reviewed version %(seen)s, the "
              "latest is %(latest)s). Review the latest version.")
            % {"seen": revision.number, "latest": latest.number}
        )  # fmt: skip
    if reviewer.pk in authors_of_pending_changes(article):
        raise WorkflowError(
            _("You wrote part of this change, so another clinician must approve it.")
        )
    now = timezone.now()
    review = _record_review(article, latest, reviewer, Review.Decision.APPROVED, comment,
                            public_note=article.correction_note, created_at=now)  # fmt: skip
    article.live_version = latest.number
    article.sync_live_copy()
    article.approved_revision_number = latest.number
    article.status = Status.PUBLISHED
    article.correction_note = ""
    article.render_change_note = ""
    article.last_reviewed = now
    article.reviewed_by = reviewer
    article.next_review_due = article.compute_next_review_due()
    article.live_updated_at = now
    article.published_at = article.published_at or now
    article.lock_version += 1
    _save(article, reviewer)
    _public_changed()
    return review


def _record_review(article: Article, revision: Revision, reviewer: User, decision: str,
                   comment: str, **extra: object) -> Review:  # fmt: skip
    """A clinician's decision on exactly this version: its id and its hash."""
    return Review.objects.create(
        article=article, revision=revision, content_hash=revision.content_hash,
        reviewer=reviewer, decision=decision, comment=comment, **extra,
    )  # fmt: skip


@transaction.atomic
def confirm_rendering(*, article: Article, reviewer: User) -> Article:
    """A clinician has read a live guide whose rendering changed with the
    renderer (migration 0011) and confirms it still says what was approved:
    the flag is cleared. Nothing public changes."""
    article = _locked(article)
    if not is_clinician(reviewer):
        raise WorkflowError(
            _("Only members of “Clinical reviewers” can confirm a guide's rendering.")
        )
    if not article.render_change_note:
        raise WorkflowError(_("This guide's rendering is not waiting for a clinician."))
    Article.objects.filter(pk=article.pk).update(render_change_note="")
    article.render_change_note = ""
    return article


@transaction.atomic
def request_changes(*, article: Article, reviewer: User, comment: str) -> Review:
    """Send the version under review back to the editors with a comment."""
    article = _locked(article)
    if not is_clinician(reviewer):
        raise WorkflowError(
            _("Only members of “Clinical reviewers” can request changes to articles.")
        )
    _require_state(article, {Status.IN_REVIEW}, _("sent back for changes"))
    if not comment.strip():
        raise WorkflowError(_("Say what needs to change: a comment is required."))
    review = _record_review(article, latest_revision(article), reviewer,
                            Review.Decision.CHANGES_REQUESTED, comment.strip())  # fmt: skip
    article.status = Status.CHANGES_REQUESTED
    _save(article, reviewer)
    return review


@transaction.atomic
def archive(*, article: Article, user: User) -> Article:
    """Take an article off the public site. Its versions and reviews stay."""
    article = _locked(article)
    _require(user, "articles.archive_article", _("archive articles"))
    if article.status == Status.ARCHIVED or not article.is_live:
        raise WorkflowError(
            _("“%(title)s” is not on the public site, so it cannot be archived. Delete a "
              "draft that was never published instead.") % {"title": article.title}
        )  # fmt: skip
    article.status = Status.ARCHIVED
    article.live_version = None
    article.sync_live_copy()
    article.live_updated_at = timezone.now()
    article.lock_version += 1
    _save(article, user)
    _public_changed()
    return article


@transaction.atomic
def restore(*, article: Article, user: User) -> Article:
    """Bring an archived article back as a draft; it needs review to go live."""
    article = _locked(article)
    _require(user, "articles.archive_article", _("restore articles"))
    _require_state(article, {Status.ARCHIVED}, _("restored"))
    article.status = Status.DRAFT
    article.lock_version += 1
    _save(article, user)
    return article


def may_delete(*, article: Article, user: User) -> bool:
    """Editors delete only drafts that never went public; what was published
    is archived instead, so nothing readers saw is lost."""
    if not (user.is_authenticated and user.is_active and user.has_perm("articles.delete_article")):
        return False
    if article.pk is None:
        return True
    if article.is_live or article.status == Status.PUBLISHED:
        return False
    if article.published_at is not None or article.status == Status.ARCHIVED:
        return user.is_superuser
    return True


@transaction.atomic
def delete(*, article: Article, user: User) -> None:
    article = _locked(article)
    if not may_delete(article=article, user=user):
        raise WorkflowError(
            _("“%(title)s” has been published, so it cannot be deleted. Archive it instead.")
            % {"title": article.title}
        )
    article.reviews.all().delete()
    # Versions are protected from casual deletion; this is the one place
    # they go, with the never-published draft they belong to.
    Revision.objects.filter(article=article).delete()
    article.delete()

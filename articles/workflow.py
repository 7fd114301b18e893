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

:data:`STEPS` names the state changes (submit, approve, …) in one registry:
the admin's buttons and bulk actions, the ``workflow`` command and the tests
iterate over it. Each step, once committed, logs one line (logger
``articles.workflow``) and sends ``articles.signals.workflow_step_done``.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from articles import rendering
from articles.models import (
    CLINICAL_REVIEWERS_GROUP,
    LIVE_FIELDS,
    SMOG_REASON_MAX_CHARS,
    SMOG_REASON_MIN_WORDS,
    Article,
    Reference,
    Review,
    ReviewerProfile,
    Revision,
    SlugRedirect,
    Source,
    Topic,
    TopicReview,
    TopicRevision,
    render_version,
    sources_snapshot,
)
from articles.readability import assess
from articles.signals import send_public_changed_on_commit, workflow_step_done

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Status = Article.Status
User = AuthUser | AnonymousUser
logger = logging.getLogger("articles.workflow")

# The working copy's own columns: the only ones an edit writes (with the
# workflow's bookkeeping in _EDIT_BOOKKEEPING). Never the live copy, the
# review dates or the reviewer, whatever the instance passed in holds.
WORKING_FIELDS = ("title", "slug", "summary", "body", "correction_note", "review_interval_months")
_EDIT_BOOKKEEPING = ("status", "lock_version", "updated_by", "updated_at")
TOPIC_WORKING_FIELDS = ("name", "description", "nonproprietary_name", "alternate_names",
                        "drug_class")  # fmt: skip


class WorkflowError(Exception):
    """An illegal workflow step. The message is fit to show to the user."""


class EditConflictError(WorkflowError):
    """Someone else saved the article after this editor opened it."""


# Who may act ---------------------------------------------------------------


def is_clinician(user: User) -> bool:
    """An active member of “Clinical reviewers”. Being a superuser does not
    make anyone a clinician."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.groups.filter(name=CLINICAL_REVIEWERS_GROUP).exists()


def public_profile(user: User) -> ReviewerProfile | None:
    """The user's reviewer profile if it gives a public name, else None."""
    if not user.is_authenticated:
        return None
    profile = ReviewerProfile.objects.filter(user=user).first()
    if profile is None or not profile.display_name.strip():
        return None
    return profile


def _require_approver(user: User, what: str) -> ReviewerProfile:
    """Approval needs a clinician with a public name: the name readers see."""
    if not is_clinician(user):
        raise WorkflowError(
            _("Only members of “Clinical reviewers” can approve %(what)s.") % {"what": what}
        )
    profile = public_profile(user)
    if profile is None:
        raise WorkflowError(
            _("Your reviewer profile has no public name, and readers are told who reviewed "
              "each page. Add your name under “Reviewer profiles” first.")
        )  # fmt: skip
    return profile


def _require(user: User, perm: str, action: str) -> None:
    if not (user.is_authenticated and user.is_active and user.has_perm(perm)):
        raise WorkflowError(_("You do not have permission to %(action)s.") % {"action": action})


def _signed_in(user: User) -> AuthUser:
    """``user`` as the account a step records (author, editor, reviewer).
    Only for a user a check (:func:`_require`, :func:`_require_approver`)
    has passed: an anonymous user never passes one, so this only tells the
    type checker what that check established."""
    return cast(AuthUser, user)


def _require_state(article: Article, allowed: set[str], action: str) -> None:
    if article.status not in allowed:
        raise WorkflowError(
            _("“%(title)s” is %(status)s, so it cannot be %(action)s.")
            % {"title": article.title, "status": article.get_status_display().lower(),
               "action": action}
        )  # fmt: skip


def _last_approval_before(article: Article, number: int) -> int:
    """The number of the last approved version before ``number`` (0: none)."""
    approved = set(
        article.reviews.filter(decision=Review.Decision.APPROVED).values_list(
            "revision__number", flat=True
        )
    )
    return max((n for n in approved if n < number), default=0)


def text_authors(article: Article, number: int, _seen: frozenset[int] = frozenset()) -> set:
    """Who wrote the content of version ``number``: the authors of every
    version since the last approval before it (the change it completed),
    and, for a revert, the authors of the content it restored, followed
    back through reverts of reverts. User ids; None for unknown authors."""
    base = _last_approval_before(article, number)
    authors: set[int | None] = set()
    for created_by, restored_from in article.revisions.filter(
        number__gt=base, number__lte=number
    ).values_list("created_by", "restored_from"):
        authors.add(created_by)
        if restored_from is not None and restored_from not in _seen:
            authors |= text_authors(article, restored_from, _seen | {number})
    return authors


def _change_authors(article: Article, versions: models.QuerySet) -> set[int | None]:
    """Who wrote ``versions`` (a change: consecutive versions of ``article``),
    the original authors of any text a revert among them restored, and of
    any earlier version whose text one of them repeats."""
    authors: set[int | None] = set()
    for number, created_by, restored_from, content_hash in versions.values_list(
        "number", "created_by", "restored_from", "content_hash"
    ):
        authors.add(created_by)
        if restored_from is not None:
            authors |= text_authors(article, restored_from)
        # Text pasted or imported back is the earlier text, whoever typed it
        # again: only the revert button records that, so match by content.
        for earlier in article.revisions.filter(
            number__lt=number, content_hash=content_hash
        ).values_list("number", flat=True):
            authors |= text_authors(article, earlier)
    return authors


def authors_of_pending_changes(article: Article) -> set[int | None]:
    """Users who wrote any version since the last approved one, and the
    original authors of any text a revert among them restored or a version
    among them repeats: none of them may approve the change."""
    return _change_authors(
        article, article.revisions.filter(number__gt=article.approved_revision_number)
    )


def live_text_authors(article: Article, number: int) -> set[int | None]:
    """Who may not confirm version ``number`` (a live version) still
    accurate: whoever four eyes barred from approving it, that is the
    authors of the change it completed, of text a revert in that change
    restored, and of earlier text one of its versions repeats (pasted or
    imported back). User ids; None for unknown authors."""
    base = _last_approval_before(article, number)
    return _change_authors(article, article.revisions.filter(number__gt=base, number__lte=number))


def latest_revision(article: Article) -> Revision | None:
    return article.revisions.order_by("-number").first()


def _locked(article: Article) -> Article:
    """Re-read the row under a lock, so checks and writes see one state."""
    return Article.objects.select_for_update().get(pk=article.pk)


def _public_changed() -> None:
    """Announce, after commit, that what the public sees has changed
    (``articles.signals.public_changed``). Every step here that changes it
    also moves the validators of the pages that show it (``live_version``,
    ``live_updated_at``)."""
    send_public_changed_on_commit(Article, pages_validated=True)


def _step_done(step: str, article: Article, revision: Revision | None, actor: User) -> None:
    """Announce a successful step once its transaction commits (at once
    outside one): one log line, then :data:`~articles.signals.workflow_step_done`.
    Nothing is announced if the step is rolled back after all. ``robust``:
    a failing receiver must not turn a committed step into an error page."""
    transaction.on_commit(functools.partial(_announce, step, article, revision, actor), robust=True)


def _announce(step: str, article: Article, revision: Revision | None, actor: User) -> None:
    fields = {
        "step": step,
        "actor": actor.get_username() if actor.is_authenticated else None,
        "actor_id": actor.pk,
        "guide_id": article.pk,
        "guide_slug": article.slug,
        "version": revision.number if revision is not None else None,
    }
    logger.info(
        "workflow: %(actor)s: %(step)s guide %(guide_id)s (%(guide_slug)s) version %(version)s",
        fields, extra={"fields": fields},
    )  # fmt: skip
    workflow_step_done.send(
        sender=Article, step=step, article=article, revision=revision, actor=actor
    )


def _save(article: Article, user: User | None, update_fields: list[str] | None = None) -> None:
    article._history_user = user if user is not None and user.is_authenticated else None
    article.save(update_fields=update_fields)


def _conflict(model_name: str, current: Article | Topic) -> EditConflictError:
    who = current.updated_by.get_username() if current.updated_by else _("someone else")
    return EditConflictError(
        _(
            "%(who)s changed this %(model)s at %(when)s, after you opened it. Your text "
            "has not been saved and is still in the form: copy it, reload the page, "
            "and apply your changes again."
        )
        % {"who": who, "model": model_name,
           "when": timezone.localtime(current.updated_at).strftime("%H:%M:%S")}
    )  # fmt: skip


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


def _claim(model: type[Article] | type[Topic], pk: int, expected_version: int | None,
           model_name: str) -> None:  # fmt: skip
    """Compare-and-set on ``lock_version``: this UPDATE succeeds for exactly
    one of two concurrent saves, on SQLite and PostgreSQL alike."""
    claimed = model.objects.filter(pk=pk, lock_version=expected_version).update(
        lock_version=models.F("lock_version") + 1
    )
    if not claimed:
        raise _conflict(model_name, model.objects.select_related("updated_by").get(pk=pk))


def _check_slug_free(article: Article) -> None:
    taken = Article.objects.filter(live_slug=article.slug).exclude(pk=article.pk)
    if article.slug and taken.exists():
        raise WorkflowError(
            _("The address “%(slug)s” belongs to another published guide. Choose another slug.")
            % {"slug": article.slug}
        )


def _snapshot(article: Article, topics: list[Topic] | None,
              sources: list[dict] | None) -> dict[str, object]:  # fmt: skip
    snapshot = article.working_snapshot()
    if topics is not None:
        snapshot["topics"] = sorted(topic.slug for topic in topics)
    if sources is not None:
        snapshot["sources"] = sources_snapshot(sources)
    return snapshot


def save_working_copy(
    *,
    article: Article,
    user: User,
    expected_version: int | None,
    topics: list[Topic] | None = None,
    sources: list[dict] | None = None,
    restored_from: int | None = None,
) -> Article:
    """Save an editor's changes to the working copy (the instance holds the
    text; ``topics`` and ``sources`` replace the article's topics and
    sources when given, each source a dict of ``SOURCE_FIELDS``).

    Writes only ``WORKING_FIELDS`` (and the workflow's status and lock), in
    one save, so one edit makes one history row; the live copy, review
    dates and reviewer are never written here, whatever the instance holds.
    A change of any public field adds a new immutable version.
    ``expected_version`` is the ``lock_version`` the editor's form was built
    from; if someone saved in between, nothing is written
    (:class:`EditConflictError`). ``restored_from``: the version a revert
    restores, recorded on the new version.
    Raises :class:`WorkflowError` for a body :func:`check_body` refuses.
    """
    # Rendering is the slow part of a save: done before the transaction (and
    # SQLite's write lock) starts.
    check_body(article)
    return _save_working_copy(article=article, user=user, expected_version=expected_version,
                              topics=topics, sources=sources,
                              restored_from=restored_from)  # fmt: skip


@transaction.atomic
def _save_working_copy(*, article: Article, user: User, expected_version: int | None,
                       topics: list[Topic] | None, sources: list[dict] | None,
                       restored_from: int | None) -> Article:  # fmt: skip
    """The edit's three jobs, in one transaction: claim the row (or create
    it), record a version if anything public changed, and save the working
    copy once (one history row per edit, whatever changed)."""
    creating = article.pk is None
    _require(user, "articles.add_article" if creating else "articles.change_article",
             _("edit articles"))  # fmt: skip
    _check_slug_free(article)
    if creating:
        current = _create_draft(article, user)
        snapshot = _snapshot(article, topics, sources)
    else:
        snapshot = _snapshot(article, topics, sources)
        current = _claim_working_copy(article, user, expected_version, snapshot)
    changed = _record_version(current, snapshot, user, restored_from)
    if not creating:
        if changed and current.status == Status.PUBLISHED:
            # The working copy now differs from the live one: it needs review.
            current.status = Status.DRAFT
        _save(current, user, update_fields=[*WORKING_FIELDS, *_EDIT_BOOKKEEPING])
    if topics is not None:
        current.topics.set(topics)
    if sources is not None:
        Reference.objects.filter(article=current).delete()
        rows = _source_rows(sources)
        # The shared register (models.Source): bulk_create skips Reference.save.
        register = Source.objects.for_urls(
            {row["url"]: (row["title"], row["publisher"]) for row in rows if row["url"]}
        )
        Reference.objects.bulk_create(
            Reference(article=current, source=register.get(source["url"]), **source)
            for source in rows
        )
    if not creating:
        article.refresh_from_db()
    return article


def _create_draft(article: Article, user: User) -> Article:
    """Save a new article, its one save: a draft with nothing public,
    whatever it was built with. A new row needs no claim."""
    for name in LIVE_FIELDS:
        # The live fields are the model's own columns, never relations.
        field = cast(models.Field, Article._meta.get_field(name))
        setattr(article, name, field.get_default())
    article.live_version = article.last_reviewed = article.reviewed_by = None
    article.next_review_due = article.published_at = article.live_updated_at = None
    article.approved_revision_number = 0
    article.created_by = article.updated_by = _signed_in(user)
    article.status = Status.DRAFT
    _save(article, user)
    return article


def _claim_working_copy(article: Article, user: User, expected_version: int | None,
                        snapshot: dict[str, object]) -> Article:  # fmt: skip
    """Claim the row's lock (:func:`_claim`) and return the stored article
    with the editor's working fields copied onto it, not yet saved. Refuses
    a change to text in clinical review."""
    _claim(Article, article.pk, expected_version, _("article"))
    current = Article.objects.get(pk=article.pk)
    if current.status == Status.IN_REVIEW and snapshot != current.working_snapshot():
        raise WorkflowError(
            _("“%(title)s” is in clinical review. Ask the reviewer to request changes "
              "before editing it.") % {"title": current.title}
        )  # fmt: skip
    for name in WORKING_FIELDS:
        setattr(current, name, getattr(article, name))
    current.updated_by = _signed_in(user)
    return current


def _record_version(article: Article, snapshot: dict[str, object], user: User,
                    restored_from: int | None) -> bool:  # fmt: skip
    """Add a new immutable version if ``snapshot`` differs from the latest
    one. True if a version was added."""
    latest = latest_revision(article)
    if latest is not None and latest.snapshot() == snapshot:
        return False
    Revision.objects.create(
        article=article, number=(latest.number if latest else 0) + 1, created_by=_signed_in(user),
        restored_from=restored_from, **snapshot,
    )  # fmt: skip
    return True


def _source_rows(sources: list[dict]) -> list[dict]:
    """Version-form sources as Reference column values."""
    rows = []
    for source in sources_snapshot(sources):
        # An ISO date or empty (models.source_snapshot).
        accessed = cast(str | None, source["date_accessed"])
        rows.append({**source, "date_accessed": date.fromisoformat(accessed) if accessed else None})
    return rows


@transaction.atomic
def create_drafts(*, articles: list[Article], user: User) -> list[Article]:
    """Create many new drafts at once (imports): each with its first version,
    written in bulk so thousands of articles take a few queries per batch."""
    _require(user, "articles.add_article", _("add articles"))
    for article in articles:
        check_body(article)
        article.status = Status.DRAFT
        article.created_by = article.updated_by = _signed_in(user)
    created = bulk_create_with_history(articles, Article, default_user=user)
    if any(article.pk is None for article in created):
        # Backends that do not return ids from bulk inserts.
        by_slug = dict(
            Article.objects.filter(slug__in=[a.slug for a in created]).values_list("slug", "pk")
        )
        for article in created:
            article.pk = by_slug[article.slug]
    revisions = []
    for article in created:
        revision = Revision(
            article_id=article.pk, number=1, title=article.title, slug=article.slug,
            summary=article.summary, body=article.body, topics=[], sources=[],
            correction_note=article.correction_note, created_by=_signed_in(user),
        )  # fmt: skip
        revision.content_hash = revision.compute_hash()
        revisions.append(revision)
    Revision.objects.bulk_create(revisions)
    return created


@transaction.atomic
def revert(*, article: Article, user: User, revision: Revision) -> Revision:
    """Make an earlier version the working copy again, as a new version that
    records which version it restores (so that version's authors still
    cannot approve it)."""
    article = _locked(article)
    _require(user, "articles.change_article", _("edit articles"))
    _require_state(article, {Status.DRAFT, Status.CHANGES_REQUESTED, Status.PUBLISHED},
                   _("reverted"))  # fmt: skip
    if revision.article_id != article.pk:
        raise WorkflowError(_("That version belongs to another article."))
    for name in ("title", "slug", "summary", "body", "correction_note"):
        setattr(article, name, getattr(revision, name))
    save_working_copy(
        article=article, user=user, expected_version=article.lock_version,
        topics=list(Topic.objects.filter(slug__in=revision.topics)),
        sources=list(revision.sources), restored_from=revision.number,
    )  # fmt: skip
    # The guide has versions: ``revision`` is one of them.
    return cast(Revision, latest_revision(article))


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
    _step_done("submit", article, latest_revision(article), user)
    return article


def approve(
    *, article: Article, reviewer: User, version: int | None, content_hash: str,
    comment: str = "", smog_reason: str = "",
) -> Review:  # fmt: skip
    """Approve the version the reviewer read and make it the live copy.

    ``version`` (the version number) and ``content_hash`` (its SHA-256, as
    shown beside it) are what the reviewer read; unless both still name the
    latest version, nothing is approved, because an approval belongs to
    exact content. A published guide whose latest version is already live
    may be approved again: that is its periodic review (offered in the
    admin as :func:`confirm_still_accurate`).

    The Markdown is rendered before the write transaction opens (SQLite in
    IMMEDIATE mode takes the write lock at BEGIN), and checked again under
    the row lock: the rendering is used only if the version is unchanged.

    A version whose SMOG grade is above ``settings.ARTICLE_SMOG_TARGET``
    needs ``smog_reason``, the clinician's one-line reason (at most
    ``SMOG_REASON_MAX_CHARS`` characters), recorded with the review; see
    :func:`plain_english`.
    """
    _require_approver(reviewer, _("articles"))
    read = _version_read(article, version, content_hash)
    return _approve(article, reviewer, read, comment, smog_reason, step="approve")


@dataclass(frozen=True)
class PlainEnglish:
    """A version's SMOG grade against the site's target at an approval."""

    grade: float
    target: float

    @property
    def above_target(self) -> bool:
        return self.grade > self.target


def plain_english(revision: Revision) -> PlainEnglish:
    """The SMOG grade of ``revision``'s body (what readers read) and the
    site's target (``settings.ARTICLE_SMOG_TARGET``)."""
    return PlainEnglish(assess(revision.body).smog_grade, float(settings.ARTICLE_SMOG_TARGET))


def _smog_reason(figures: PlainEnglish, reason: str, version: int) -> str:
    """The reason to record: ``reason`` on one line, or "" when the version
    is within the target (whatever was given). Raises WorkflowError when the version is above the
    target and no reason, too long a one or one of fewer than
    ``SMOG_REASON_MIN_WORDS`` words, is given."""
    reason = " ".join(reason.split())
    if not figures.above_target:
        return ""  # a reason given anyway would read as an approval above the target
    if not reason:
        raise WorkflowError(
            _("Version %(version)s has a SMOG grade of %(grade)s, above the site's target of "
              "%(target)g: nothing was approved. Give a one-line reason for approving it as it "
              "is (for example, a medicine's name that cannot be simpler); your comment is "
              "kept.") % {"version": version, "grade": figures.grade, "target": figures.target}
        )  # fmt: skip
    if len(reason) > SMOG_REASON_MAX_CHARS:
        raise WorkflowError(
            _("The reason for approving above the SMOG target is %(length)d characters long; "
              "keep it to one line of at most %(limit)d: nothing was approved.")
            % {"length": len(reason), "limit": SMOG_REASON_MAX_CHARS}
        )  # fmt: skip
    # A reason an auditor can read: "." or "ok" records that one was asked
    # for, not why the text is as it is.
    if len(re.findall(r"\w+", reason)) < SMOG_REASON_MIN_WORDS:
        raise WorkflowError(
            _("“%(reason)s” does not say why version %(version)s is approved above the SMOG "
              "target: give a reason of at least %(words)d words (for example, “Medicine "
              "names have no shorter words”). Nothing was approved; your comment is kept.")
            % {"reason": reason, "version": version, "words": SMOG_REASON_MIN_WORDS}
        )  # fmt: skip
    return reason


def _version_read(article: Article, version: int | None, content_hash: str) -> Revision:
    """The version a clinician says they read (its number and content hash);
    WorkflowError unless both name a version of ``article``."""
    if not isinstance(version, int) or isinstance(version, bool) or not content_hash:
        raise WorkflowError(
            _("Say which version you read: its number and its content hash are both required.")
        )
    read = Revision.objects.filter(article_id=article.pk, number=version).first()
    if read is None or read.content_hash != content_hash:
        raise WorkflowError(
            _("Version %(seen)s with that content hash is not a version of this guide. "
              "Open the guide again and review what it shows.") % {"seen": version}
        )  # fmt: skip
    return read


def _approve(article: Article, reviewer: User, read: Revision, comment: str, smog_reason: str,
             *, step: str) -> Review:  # fmt: skip
    # Measured, like the rendering, before the write lock: the version is
    # immutable, and _approve_locked makes sure it is still the latest.
    figures = plain_english(read)
    rendered = render_version(read)
    with transaction.atomic():
        return _approve_locked(article, reviewer, read, rendered, comment, step=step,
                               plain=(figures, smog_reason))  # fmt: skip


def _is_unchanged_live(article: Article, latest: Revision | None) -> bool:
    """Published, and the latest version is the live one: nothing pending."""
    return (article.status == Status.PUBLISHED and latest is not None
            and article.live_version == latest.number)  # fmt: skip


def confirm_still_accurate(*, article: Article, reviewer: User, version: int | None,
                           content_hash: str, comment: str = "",
                           smog_reason: str = "") -> Review:  # fmt: skip
    """The periodic review of a live guide with no pending change: a
    clinician confirms the live text is still accurate, without editing it.
    Records an approval of the live version (``version`` and its
    ``content_hash``, what the clinician read) and moves the last-reviewed
    and next-due dates; the text readers see stays. The four-eyes rules of
    :func:`approve` apply: who wrote the live text cannot confirm it, and
    live text above the SMOG target needs ``smog_reason``.
    Raises :class:`WorkflowError` when the guide is not live or has a
    pending change (that change is approved, or not, with :func:`approve`)."""
    _require_approver(reviewer, _("articles"))
    current = Article.objects.get(pk=article.pk)
    if not _is_unchanged_live(current, latest_revision(current)):
        raise WorkflowError(
            _("“%(title)s” is not a live guide without pending changes, so there is no live "
              "text to confirm. Review the change instead.") % {"title": current.title}
        )  # fmt: skip
    read = _version_read(article, version, content_hash)
    # _approve_locked checks the state again under the row lock.
    return _approve(article, reviewer, read, comment, smog_reason, step="confirm_accurate")


def _approve_locked(article: Article, reviewer: User, read: Revision,
                    rendered: dict[str, object], comment: str, *, step: str,
                    plain: tuple[PlainEnglish, str]) -> Review:  # fmt: skip
    article = _locked(article)
    # ``read`` is one of its versions, so it has a latest one.
    latest = cast(Revision, latest_revision(article))
    periodic = _is_unchanged_live(article, latest)
    if step == "confirm_accurate" and not periodic:
        raise WorkflowError(
            _("“%(title)s” changed after you opened it: review the change instead.")
            % {"title": article.title}
        )
    if not periodic:
        _require_state(article, {Status.IN_REVIEW}, _("approved"))
    if read.pk != latest.pk:
        raise WorkflowError(
            _("The text changed after you opened it (you reviewed version %(seen)s, the "
              "latest is %(latest)s). Review the latest version.")
            % {"seen": read.number, "latest": latest.number}
        )  # fmt: skip
    if reviewer.pk in authors_of_pending_changes(article):
        raise WorkflowError(
            _("You wrote part of this change, or the text it restores, so another clinician "
              "must approve it.")
        )  # fmt: skip
    if periodic and reviewer.pk in live_text_authors(article, latest.number):
        raise WorkflowError(
            _("You wrote part of the live text, so another clinician must review it.")
        )
    profile = _require_approver(reviewer, _("articles"))
    if read.slug != article.live_slug:
        taken = Article.objects.filter(live_slug=read.slug).exclude(pk=article.pk)
        if taken.exists():
            raise WorkflowError(
                _("The address “%(slug)s” belongs to another published guide. Ask an editor to "
                  "choose another slug.") % {"slug": read.slug}
            )  # fmt: skip
    now = timezone.now()
    # Last of the checks: who may approve, and what, come first.
    figures, smog_reason = plain[0], _smog_reason(plain[0], plain[1], latest.number)
    review = _record_review(article, latest, reviewer, Review.Decision.APPROVED, comment,
                            profile=profile, public_note=_new_correction_note(article, latest),
                            created_at=now, smog_grade=figures.grade, smog_target=figures.target,
                            smog_reason=smog_reason)  # fmt: skip
    old_slug = article.live_slug
    article.live_version = latest.number
    article.sync_live_copy(rendered=rendered)
    SlugRedirect.record(article=article, old_slug=old_slug)
    article.approved_revision_number = latest.number
    article.status = Status.PUBLISHED
    article.render_change_note = ""
    article.review_lapsed_on = None  # a review lifts the lapse notice
    article.last_reviewed = now
    article.reviewed_by = _signed_in(reviewer)
    article.next_review_due = article.compute_next_review_due()
    if not periodic:
        article.live_updated_at = now
    article.published_at = article.published_at or now
    article.lock_version += 1
    _save(article, reviewer)
    _public_changed()
    _step_done(step, article, latest, reviewer)
    return review


def _new_correction_note(article: Article, revision: Revision) -> str:
    """The note this approval publishes: the version's correction note,
    unless the last approved version already carried the same one (a note
    is published once, with the change it describes)."""
    approvals = article.reviews.filter(decision=Review.Decision.APPROVED)
    if not revision.correction_note or approvals.filter(revision=revision).exists():
        # No note, or a periodic review of a version whose note was published.
        return ""
    previous = approvals.select_related("revision").first()
    if previous is not None and previous.revision.correction_note == revision.correction_note:
        return ""
    return revision.correction_note


def _record_review(article: Article, revision: Revision, reviewer: User, decision: str,
                   comment: str, *, profile: ReviewerProfile | None,
                   **extra: object) -> Review:  # fmt: skip
    """A clinician's decision on exactly this version: its id and its hash,
    with the reviewer's public name and registration as they are now."""
    review = Review(
        article=article, revision=revision, content_hash=revision.content_hash,
        reviewer=_signed_in(reviewer), decision=decision, comment=comment, **extra,
    )  # fmt: skip
    review.record_reviewer(profile)
    review.save()
    return review


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
    _step_done("confirm_rendering", article, article.live_revision, reviewer)
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
    # Every saved guide has versions (save_working_copy, create_drafts record the first).
    latest = cast(Revision, latest_revision(article))
    review = _record_review(article, latest, reviewer, Review.Decision.CHANGES_REQUESTED,
                            comment.strip(), profile=public_profile(reviewer))  # fmt: skip
    article.status = Status.CHANGES_REQUESTED
    _save(article, reviewer)
    _step_done("request_changes", article, latest, reviewer)
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
    was_live = article.live_revision
    article.status = Status.ARCHIVED
    article.live_version = None
    article.sync_live_copy()
    article.live_updated_at = timezone.now()
    article.lock_version += 1
    _save(article, user)
    _public_changed()
    _step_done("archive", article, was_live, user)
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
    _step_done("restore", article, latest_revision(article), user)
    return article


# The steps, in one registry ------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One state change of a guide, as the admin (a button, perhaps a bulk
    action), the ``workflow`` command and the tests see it. The function
    enforces every rule; the rest only decides what to offer.

    ``name``: in admin URLs (``…/workflow/<name>/``) and, with "-" for "_",
    the command's step. ``function``: the workflow function, called as
    ``function(article=…, <actor>=user, **parameters)``. ``label``: the
    button's text. ``permission``: whether the user's role allows the step
    at all. ``confirmation``: what the step does to the public site, shown
    beside its button; None for steps that change nothing readers see.
    ``actor``: the keyword naming who acts (``user`` or ``reviewer``).
    ``parameters``: the further keywords the function takes, from the form
    or the command line. ``offered``: whether the step makes sense for this
    guide now (its state; a courtesy, the function checks again). ``bulk``:
    (description, message with ``%(count)d``) to offer it as an admin
    action on selected guides, or None. ``asks_first``: the admin asks on
    a confirmation page of its own, naming the guides and the public effect,
    before taking the step (button and bulk action alike)."""

    name: str
    function: Callable[..., object]
    label: StrOrPromise
    permission: Callable[[User], bool]
    confirmation: StrOrPromise | None
    actor: str = "user"
    parameters: tuple[str, ...] = ()
    offered: Callable[[Article, User], bool] = lambda article, user: True
    bulk: tuple[StrOrPromise, StrOrPromise] | None = None
    asks_first: bool = False

    def run(self, *, article: Article, actor: User, **parameters: object) -> object:
        """Take the step as ``actor``; raises :class:`WorkflowError` if it is refused."""
        return self.function(article=article, **{self.actor: actor}, **parameters)

    def available(self, article: Article, user: User) -> bool:
        """Whether to offer ``user`` this step for ``article`` (a button)."""
        return self.permission(user) and self.offered(article, user)


def _has_perm(perm: str) -> Callable[[User], bool]:
    return lambda user: user.has_perm(perm)


def _approval_offered(article: Article, user: User) -> bool:
    # Four eyes: no button for the change's own authors. (approve also takes
    # the periodic review; the admin offers that as confirm_accurate.)
    return (article.status == Status.IN_REVIEW
            and user.pk not in authors_of_pending_changes(article))  # fmt: skip


def _confirmation_offered(article: Article, user: User) -> bool:
    # The periodic review of the live, unchanged text; not by its authors.
    return (_is_unchanged_live(article, latest_revision(article))
            and article.live_version is not None
            and user.pk not in live_text_authors(article, article.live_version))  # fmt: skip


STEPS: Mapping[str, Step] = MappingProxyType({step.name: step for step in [
    Step("submit", submit, gettext_lazy("Submit for clinical review"),
         _has_perm("articles.submit_article"), None,
         offered=lambda article, user: article.status in {Status.DRAFT, Status.CHANGES_REQUESTED},
         bulk=(gettext_lazy("Submit selected articles for clinical review"),
               gettext_lazy("%(count)d article(s) submitted for review."))),
    Step("approve", approve, gettext_lazy("Approve and publish"), is_clinician,
         gettext_lazy("Readers see this version, with your name as its reviewer, as soon as "
                      "you approve it."),
         actor="reviewer", parameters=("version", "content_hash", "comment", "smog_reason"),
         offered=_approval_offered),
    Step("confirm_accurate", confirm_still_accurate, gettext_lazy("Confirm still accurate"),
         is_clinician,
         gettext_lazy("The live text stays as it is. Readers see your name as its reviewer and "
                      "today's date as its last review, and its next review falls due later."),
         actor="reviewer", parameters=("version", "content_hash", "comment", "smog_reason"),
         offered=_confirmation_offered),
    Step("request_changes", request_changes, gettext_lazy("Request changes"), is_clinician,
         None, actor="reviewer", parameters=("comment",),
         offered=lambda article, user: article.status == Status.IN_REVIEW),
    Step("archive", archive, gettext_lazy("Archive (remove from the public site)"),
         _has_perm("articles.archive_article"),
         gettext_lazy("Readers can no longer open or search for this guide as soon as you "
                      "archive it. Its versions and reviews are kept."),
         offered=lambda article, user: article.is_live,
         bulk=(gettext_lazy("Archive selected articles"),
               gettext_lazy("%(count)d article(s) archived.")),
         asks_first=True),
    Step("restore", restore, gettext_lazy("Restore as a draft"),
         _has_perm("articles.archive_article"), None,
         offered=lambda article, user: article.status == Status.ARCHIVED),
    Step("confirm_rendering", confirm_rendering,
         gettext_lazy("Confirm the page still says what was approved"), is_clinician, None,
         actor="reviewer", offered=lambda article, user: bool(article.render_change_note)),
]})  # fmt: skip
"""Every workflow step, in the order the admin shows its buttons."""


def may_delete(*, article: Article, user: User) -> bool:
    """Editors delete only drafts that never went public; what was published
    is archived instead, so nothing readers saw is lost. A guide that a
    record kept for good names (an outside review link: who was sent what)
    is never deleted, by anyone."""
    if not (user.is_authenticated and user.is_active and user.has_perm("articles.delete_article")):
        return False
    if article.pk is None:
        return True
    if article.is_live or article.status == Status.PUBLISHED:
        return False
    if article.published_at is not None or article.status == Status.ARCHIVED:
        return user.is_superuser and not kept_for_the_record(article)
    return not kept_for_the_record(article)


def kept_for_the_record(article: Article) -> bool:
    """Whether a row of another model that protects its reference
    (``on_delete=PROTECT``) names ``article`` or one of its versions, other
    than its own versions and reviews (which :func:`delete` removes with a
    never-published draft): an outside review link or response, for
    example. Found through the relations, so the domain imports no other
    app. One query per such relation."""
    for model, lookup in ((Article, ""), (Revision, "__article")):
        for relation in model._meta.related_objects:
            if relation.on_delete is not models.PROTECT or relation.related_model in (
                Revision,
                Review,
            ):
                continue
            related = cast("type[models.Model]", relation.related_model)
            name = relation.field.name
            if related._base_manager.filter(**{f"{name}{lookup}": article.pk}).exists():
                return True
    return False


@transaction.atomic
def delete(*, article: Article, user: User) -> None:
    """Delete a never-published draft (or, for a superuser, an archived
    guide) with its versions and reviews. Raises WorkflowError when
    :func:`may_delete` says no."""
    article = _locked(article)
    if not may_delete(article=article, user=user):
        if article.pk is not None and kept_for_the_record(article):
            raise WorkflowError(
                _("“%(title)s” is named by records that are kept for good (an outside review "
                  "link, for example), so it cannot be deleted.") % {"title": article.title}
            )  # fmt: skip
        raise WorkflowError(
            _("“%(title)s” has been published, so it cannot be deleted. Archive it instead.")
            % {"title": article.title}
        )
    article.reviews.all().delete()
    # Versions are protected from casual deletion; this is the one place
    # they go, with the never-published draft they belong to.
    Revision.objects.filter(article=article).delete()
    article.delete()


# Topics ------------------------------------------------------------------------


@transaction.atomic
def save_topic(*, topic: Topic, user: User, expected_version: int | None) -> Topic:
    """Save an editor's change to a topic's working text. A change adds an
    immutable topic version; readers keep the approved text until a
    clinician who did not write the change approves it. The slug is fixed
    once the topic exists. ``expected_version`` is the ``lock_version`` the
    editor's form was built from (:class:`EditConflictError` if someone
    saved in between)."""
    creating = topic.pk is None
    _require(user, "articles.add_topic" if creating else "articles.change_topic",
             _("edit topics"))  # fmt: skip
    if creating:
        for name in ("live_name", "live_description", "live_nonproprietary_name",
                     "live_alternate_names", "live_drug_class"):  # fmt: skip
            setattr(topic, name, "")
        topic.live_version = topic.live_updated_at = None
        topic.approved_revision_number = 0
        topic.updated_by = _signed_in(user)
        topic.save()
        current = topic
    else:
        _claim(Topic, topic.pk, expected_version, _("topic"))
        current = Topic.objects.get(pk=topic.pk)
        if topic.slug != current.slug:
            raise WorkflowError(
                _(
                    "A topic's slug cannot change once the topic exists: guides' versions and "
                    "readers' links name the topic by it."
                )
            )
        for name in TOPIC_WORKING_FIELDS:
            setattr(current, name, getattr(topic, name))
        current.updated_by = _signed_in(user)
        current.save(update_fields=[*TOPIC_WORKING_FIELDS, "lock_version", "updated_by",
                                    "updated_at"])  # fmt: skip
    latest = current.revisions.order_by("-number").first()
    snapshot = current.working_snapshot()
    if latest is None or latest.snapshot() != snapshot:
        TopicRevision.objects.create(
            topic=current, number=(latest.number if latest else 0) + 1,
            created_by=_signed_in(user),
            **snapshot,
        )  # fmt: skip
    if not creating:
        topic.refresh_from_db()
    return topic


def topic_pending_authors(topic: Topic) -> set[int | None]:
    """Who wrote the pending topic versions, and who wrote any earlier
    version whose text one of them repeats (pasted back or loaded again)."""
    pending = topic.revisions.filter(number__gt=topic.approved_revision_number)
    authors: set[int | None] = set(pending.values_list("created_by", flat=True))
    for number, content_hash in pending.values_list("number", "content_hash"):
        authors |= set(
            topic.revisions.filter(number__lt=number, content_hash=content_hash).values_list(
                "created_by", flat=True
            )
        )
    return authors


def latest_topic_revision(topic: Topic) -> TopicRevision | None:
    return topic.revisions.order_by("-number").first()


@transaction.atomic
def approve_topic(*, topic: Topic, reviewer: User, version: int, content_hash: str) -> TopicReview:
    """Approve the topic text the reviewer read (``version`` and its
    ``content_hash``) and make it what readers see."""
    profile = _require_approver(reviewer, _("topics"))
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    latest = latest_topic_revision(topic)
    if latest is None or latest.number == topic.live_version:
        raise WorkflowError(_("This topic has no change waiting for approval."))
    if latest.number != version or latest.content_hash != content_hash:
        raise WorkflowError(
            _("The topic changed after you opened it (you reviewed version %(seen)s, the "
              "latest is %(latest)s). Review the latest version.")
            % {"seen": version, "latest": latest.number}
        )  # fmt: skip
    if reviewer.pk in topic_pending_authors(topic):
        raise WorkflowError(
            _("You wrote part of this change, so another clinician must approve it.")
        )
    review = TopicReview.objects.create(
        topic=topic, revision=latest, content_hash=latest.content_hash,
        reviewer=_signed_in(reviewer),
        reviewer_name=profile.public_name,
    )  # fmt: skip
    topic.live_version = topic.approved_revision_number = latest.number
    topic.sync_live_copy()
    topic.live_updated_at = timezone.now()
    topic.save()
    _public_changed()
    return review


# Reviewer profiles ---------------------------------------------------------------


def may_edit_profile(*, profile: ReviewerProfile, user: User) -> bool:
    """Only the clinician themself, or an administrator (superuser), edits a
    reviewer profile."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return profile.user_id == user.pk and is_clinician(user)


@transaction.atomic
def reviewer_identity_conflict(profile: ReviewerProfile) -> str | None:
    """Why ``profile`` would pass for another reviewer (the same public name,
    or the same registration body and number), or None. Readers identify a
    reviewer by these, so one clinician cannot sign as another."""
    others = ReviewerProfile.objects.exclude(pk=profile.pk)
    if others.filter(display_name__iexact=(profile.display_name or "").strip()).exists():
        return _("Another reviewer already uses the public name “%(name)s”.") % {
            "name": profile.display_name
        }
    number = (profile.registration_number or "").strip()
    if (
        number
        and others.filter(
            registration_body__iexact=(profile.registration_body or "").strip(),
            registration_number__iexact=number,
        ).exists()
    ):
        return _("Another reviewer already has that registration number.")
    return None


def save_reviewer_profile(*, profile: ReviewerProfile, user: User | None) -> ReviewerProfile:
    """Save a reviewer profile, recorded in its history with who changed it.
    ``user`` None is a command run by the site's operator (create_account).
    Reviews already given keep the name recorded with them."""
    if user is not None and not may_edit_profile(profile=profile, user=user):
        raise WorkflowError(
            _("Only the clinician themself or an administrator can change a reviewer profile.")
        )
    conflict = reviewer_identity_conflict(profile)
    if conflict:
        raise WorkflowError(conflict)
    profile._history_user = user if user is not None and user.is_authenticated else None
    profile.save()
    return profile


def clinicians() -> models.QuerySet:
    """Active members of "Clinical reviewers", by username: who may own a guide."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(groups__name=CLINICAL_REVIEWERS_GROUP, is_active=True)
        .order_by("username")
    )


@transaction.atomic
def set_clinical_owner(*, article: Article, owner: User | None, user: User) -> Article:
    """Make ``owner`` (an active clinician, or None) the clinical owner of
    ``article``: the clinician the review cycle reminds. Only a clinician or
    an administrator may change it. Recorded in the guide's history with
    ``user`` as the person who changed it; nothing public changes.

    Raises WorkflowError when ``user`` may not, or ``owner`` is not an
    active clinician."""
    if not (user.is_superuser or is_clinician(user)):
        raise WorkflowError(
            _("Only a clinician or an administrator can change the clinical owner.")
        )
    if owner is not None and not (owner.is_active and is_clinician(owner)):
        raise WorkflowError(
            _("“%(name)s” is not an active member of “Clinical reviewers”, so cannot own a "
              "guide.") % {"name": owner.get_username()}
        )  # fmt: skip
    article = _locked(article)
    if article.clinical_owner_id == (owner.pk if owner else None):
        return article
    article.clinical_owner = owner
    article.updated_by = _signed_in(user)
    _save(article, user, update_fields=["clinical_owner", "updated_at", "updated_by"])
    return article


@transaction.atomic
def lapse_review(*, article: Article, today: date) -> bool:
    """Mark a live guide's review as lapsed on ``today``, when its review is
    ``ARTICLE_REVIEW_LAPSE_DAYS`` or more overdue and the lapse action is
    "notice": the page then says so and carries ``noindex`` until the next
    approval (HEALTH-CONTENT.md: never silent unpublishing). Returns whether
    it changed anything; readers' caches are told when it did."""
    article = _locked(article)
    due = article.next_review_due
    if (
        settings.ARTICLE_REVIEW_LAPSE_ACTION != "notice"
        or article.live_version is None
        or article.review_lapsed_on is not None
        or due is None
        or (today - due).days < settings.ARTICLE_REVIEW_LAPSE_DAYS
    ):
        return False
    article.review_lapsed_on = today
    _save(article, None, update_fields=["review_lapsed_on", "updated_at"])
    # The page's validators include review_lapsed_on, so a reader's
    # conditional request gets the page with the notice, not a 304.
    _public_changed()
    return True

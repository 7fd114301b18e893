"""
Health guides, their versions and their clinical reviews.

An article has two copies of everything a reader sees:

* the **working copy** (``title``, ``slug``, ``summary``, ``body``,
  ``topics``, its sources and ``correction_note``), which editors change in
  the admin; every change is kept as an immutable :class:`Revision` holding
  all of them, with one hash over all of them;
* the **live copy** (``live_version``, the number of the approved version, and
  the fields in ``LIVE_FIELDS`` and ``live_topics``, derived from it by
  :meth:`Article.sync_live_copy`), which is what the public sees. Only a
  clinician's approval in ``articles.workflow`` moves it.

Topics have the same two copies (:class:`TopicRevision`, :class:`TopicReview`).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField
from simple_history.models import HistoricalRecords

from articles.dates import add_months
from articles.rendering import plain_text, render

if TYPE_CHECKING:
    from collections.abc import Collection

    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import User

# Five years: longer than the three the NHS and PIF TICK allow, and short
# enough that the next review date is always a real date.
MAX_REVIEW_INTERVAL_MONTHS = 60

EDITORS_GROUP = "Editors"
CLINICAL_REVIEWERS_GROUP = "Clinical reviewers"


def validate_body_size(value: str) -> None:
    limit = settings.ARTICLE_BODY_MAX_CHARS
    if len(value) > limit:
        raise ValidationError(
            _("The body is %(size)d characters long; the limit is %(limit)d."),
            code="body_too_long",
            params={"size": len(value), "limit": limit},
        )


# What a version holds: everything a reader sees about a guide. Its hash
# covers all of it, so an approval belongs to exactly this content.
VERSION_FIELDS = ("title", "slug", "summary", "body", "topics", "sources", "correction_note")
# Each source of a version, in this order of keys (see source_snapshot()).
SOURCE_FIELDS = ("order", "title", "publisher", "url", "date_accessed")
# Hash schemes: 1 covered title, summary and body only (versions written
# before migration 0010); 2 covers every field in VERSION_FIELDS.
HASH_SCHEME = 2
# A clinician's reason for approving a version above the SMOG target: one line.
SMOG_REASON_MAX_CHARS = 200
SMOG_REASON_MIN_WORDS = 3


def content_hash(title: str, summary: str, body: str, **rest: object) -> str:
    """The identity of a version: an approval belongs to this hash.

    SHA-256 (hex, 64 characters) of the JSON of the version's public
    content. With only ``title``, ``summary`` and ``body`` it is scheme 1
    (versions older than migration 0010); with every other field of
    ``VERSION_FIELDS`` passed as keywords (``slug``, ``topics``: sorted topic
    slugs, ``sources``: list of :func:`source_snapshot` dicts,
    ``correction_note``) it is scheme 2. Raises ``TypeError`` for an
    unknown keyword or a scheme-2 call missing one.
    """
    if not rest:
        payload = json.dumps([title, summary, body], ensure_ascii=False)
    else:
        unknown = set(rest) - set(VERSION_FIELDS)
        missing = set(VERSION_FIELDS) - set(rest) - {"title", "summary", "body"}
        if unknown or missing:
            raise TypeError(
                f"content_hash() needs every field of VERSION_FIELDS (missing {sorted(missing)},"
                f" unknown {sorted(unknown)})"
            )
        fields = {"title": title, "summary": summary, "body": body, **rest}
        # sort_keys: a source's keys come back from PostgreSQL's jsonb in
        # another order than they were written in.
        payload = json.dumps(
            [HASH_SCHEME, [[name, fields[name]] for name in VERSION_FIELDS]],
            ensure_ascii=False,
            sort_keys=True,
        )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def source_snapshot(reference: Reference | dict) -> dict[str, object]:
    """One source as a version records it: ``order`` (int), ``title``,
    ``publisher``, ``url`` (str) and ``date_accessed`` (ISO date or None)."""
    get = reference.get if isinstance(reference, dict) else lambda name: getattr(reference, name)
    accessed = get("date_accessed")
    return {
        "order": int(get("order") or 0),
        "title": get("title") or "",
        "publisher": get("publisher") or "",
        "url": get("url") or "",
        "date_accessed": accessed.isoformat() if isinstance(accessed, date) else accessed,
    }


def sources_snapshot(references: list) -> list[dict[str, object]]:
    """Sources in reading order (``order``, then title): the form a version
    stores and the public page lists."""
    items = [source_snapshot(reference) for reference in references]
    return sorted(items, key=lambda s: (s["order"], s["title"], s["publisher"], s["url"]))


# The public copy of an article: every field here is derived from the live
# version (and its approval) by Article.sync_live_copy(), and written only by
# the workflow's approval and archive. With the empty value each takes when
# nothing is live. ``live_topics`` (many-to-many) is derived with them.
LIVE_FIELD_EMPTY: dict[str, object] = {
    "live_title": "",
    "live_slug": None,
    "live_summary": "",
    "live_body_html": "",
    "live_headings": list,
    "live_text": "",
    "live_sources": list,
    "live_corrections": list,
    "live_reviewer": dict,
}
LIVE_FIELDS: tuple[str, ...] = tuple(LIVE_FIELD_EMPTY)


def render_version(revision: Revision) -> dict[str, object]:
    """The expensive part of the public copy: the version's Markdown
    rendered and sanitised (``live_body_html``), its headings
    (``live_headings``, a list of ``{"id", "text", "level"}``) and plain text for
    search (``live_text``). Pure: reads nothing but the version, so it can
    run before a write transaction opens."""
    rendered = render(revision.body)
    return {
        "live_body_html": rendered.html,
        "live_headings": [
            {"id": h.id, "text": h.text, "level": h.level} for h in rendered.headings
        ],
        "live_text": plain_text(rendered.html),
    }


# What the public may see: articles with an approved live version. Only
# published() and the partial indexes that serve it use this.
PUBLISHED = models.Q(live_version__isnull=False)


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        """The only definition of what the public may see: articles with an
        approved live version."""
        return self.filter(PUBLISHED)

    def review_overdue(self, today: date | None = None) -> ArticleQuerySet:
        """Published guides whose review date has passed, and published
        guides no clinician has ever reviewed: those are due now."""
        today = today or timezone.localdate()
        return self.published().filter(
            models.Q(next_review_due__lt=today) | models.Q(last_reviewed__isnull=True)
        )

    def review_due_within(self, days: int, today: date | None = None) -> ArticleQuerySet:
        today = today or timezone.localdate()
        return self.published().filter(
            next_review_due__gte=today, next_review_due__lte=today + timedelta(days=days)
        )

    def citing_broken_sources(self) -> ArticleQuerySet:
        """Published guides that cite a source of the register that
        ``check_sources`` found dead or moved: due for review, like guides
        readers flagged (derived, never stored; the flag goes when the
        source answers again or the guide stops citing it)."""
        return self.published().filter(
            models.Exists(
                Reference.objects.filter(
                    article=models.OuterRef("pk"), source__state__in=BROKEN_SOURCE_STATES
                )
            )
        )

    def review_queue_for(self, user: User, today: date | None = None) -> ArticleQuerySet:
        """What ``user`` may review: articles waiting for review whose
        pending changes they did not write (the laundering check of a revert
        is made again by ``workflow.approve``), oldest submission first; then
        published guides whose review is overdue or that were never reviewed, and
        live guides whose rendering changed with the renderer (``render_change_note``)."""
        authored = Revision.objects.filter(
            article=models.OuterRef("pk"),
            created_by=user,
            number__gt=models.OuterRef("approved_revision_number"),
        )
        submitted = models.Q(status=Article.Status.IN_REVIEW) & ~models.Exists(authored)
        due = models.Q(status=Article.Status.PUBLISHED) & models.Q(
            pk__in=self.model.objects.review_overdue(today).values("pk")
        )
        # Submitted changes first (oldest first), then periodic reviews.
        rerendered = models.Q(render_change_note__gt="")
        return self.filter(submitted | due | rerendered).order_by(
            models.F("submitted_at").asc(nulls_last=True), "next_review_due", "pk"
        )


# A named base, the form django-stubs can follow to the queryset's methods.
_ArticleManagerBase = models.Manager.from_queryset(ArticleQuerySet)


class ArticleManager(_ArticleManagerBase["Article"]):
    def get_by_natural_key(self, slug: str) -> Article:
        return self.get(slug=slug)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In clinical review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    # The working copy.
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=_("The address of the page: lower-case letters, numbers and hyphens."),
    )
    summary = models.CharField(
        _("summary"),
        max_length=300,
        help_text=_("One or two plain sentences shown under the title and to search engines."),
    )
    body = MarkdownxField(
        _("body"),
        validators=[validate_body_size],
        help_text=_(
            'Markdown. Use ## for section headings and !!! warning "Important" for safety '
            "information."
        ),
    )
    correction_note = models.CharField(
        _("correction note"),
        max_length=300,
        blank=True,
        help_text=_(
            "If this change corrects clinical or factual information, say so in one sentence "
            "for readers. It is published under “Changes to this page” when a clinician "
            "approves the change."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        editable=False,
        help_text=_("Moved only by the review workflow."),
    )
    lock_version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text=_("Raised by every save, so concurrent edits are detected."),
    )

    # The live copy: set by the workflow's approval, never edited. A version
    # number rather than a foreign key, so articles and their versions have no
    # circular dependency and dump and load in one pass.
    live_version = models.PositiveIntegerField(
        _("live version"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The number of the approved version the public sees."),
    )
    live_title = models.CharField(max_length=200, blank=True, editable=False)
    live_slug = models.SlugField(
        _("public address"),
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("The slug of the approved version: the page's public address."),
    )
    live_summary = models.CharField(max_length=300, blank=True, editable=False)
    live_body_html = models.TextField(blank=True, editable=False)
    live_headings = models.JSONField(default=list, blank=True, editable=False)
    live_corrections = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text=_("Dated public correction notes from approvals, newest first."),
    )
    live_text = models.TextField(
        blank=True,
        editable=False,
        help_text=_("The live body as plain text, for search. Derived, never edited."),
    )
    live_sources = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text=_("The approved version's sources, as listed under “Sources”."),
    )
    live_reviewer = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text=_(
            "The reviewer's public name, credentials and registration as recorded with the "
            "approval of the live version."
        ),
    )
    render_change_note = models.TextField(
        _("rendering changed"),
        blank=True,
        editable=False,
        help_text=_(
            "Set when a change of the Markdown renderer changed the structure of the live "
            "page (headings, list nesting, tables): a clinician should read it again. "
            "Cleared by the next approval."
        ),
    )
    approved_revision_number = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_("The number of the last version a clinician approved (0 if none)."),
    )

    # The review cycle.
    last_reviewed = models.DateTimeField(
        _("last reviewed"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set only by a clinician's approval of the whole article."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval (months)"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the site default."),
    )
    next_review_due = models.DateField(
        _("next review due"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Last review plus the review interval."),
    )

    clinical_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clinical owner"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="owned_guides",
        help_text=_(
            "The clinician who answers for this guide and is reminded before its review is "
            "due. Changed only through the workflow; every change is kept in the history."
        ),
    )
    review_lapsed_on = models.DateField(
        _("review lapsed on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Set by review_cycle when the review is long overdue: the page then tells readers "
            "and asks search engines not to index it. Cleared by the next approval."
        ),
    )

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted for review"), null=True, editable=False)
    published_at = models.DateTimeField(_("first published"), null=True, editable=False)
    live_updated_at = models.DateTimeField(
        _("live text changed"),
        null=True,
        editable=False,
        help_text=_("When the public text last changed."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    topics: models.ManyToManyField[Topic, Any] = models.ManyToManyField(
        "Topic",
        verbose_name=_("topics"),
        blank=True,
        related_name="articles",
        help_text=_(
            "Where readers find this guide under “Topics”, once a clinician approves the change."
        ),
    )
    live_topics: models.ManyToManyField[Topic, Any] = models.ManyToManyField(
        "Topic",
        verbose_name=_("live topics"),
        blank=True,
        editable=False,
        related_name="live_articles",
        help_text=_("The approved version's topics. Derived, never edited."),
    )

    objects = ArticleManager()
    history = HistoricalRecords(
        excluded_fields=[
            "live_body_html", "live_headings", "live_text", "live_corrections", "live_sources",
            "live_reviewer", "render_change_note",
        ]
    )  # fmt: skip
    # Set before a save (articles.workflow): whom the history records as its author.
    _history_user: AbstractBaseUser | None

    class Meta:
        ordering = ["title"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [
            ("submit_article", _("Can submit articles for clinical review")),
            ("approve_article", _("Can approve or request changes to articles")),
            ("archive_article", _("Can archive and restore articles")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "in_review", "changes_requested",
                                               "published", "archived"]),
                name="article_status_valid",
                violation_error_message=_("Unknown article status."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="archived") | models.Q(live_version__isnull=True),
                name="article_archived_not_live",
                violation_error_message=_("An archived article cannot have a live version."),
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["-live_updated_at"], name="article_live_updated_idx"),
            models.Index(fields=["status", "submitted_at"], name="article_status_sub_idx"),
            models.Index(fields=["next_review_due"], name="article_review_due_idx"),
            # The public list and the feed read the first rows of these in
            # order, and counting published guides reads one of them instead
            # of the table, whose rows are long (SQLite follows each row's
            # overflow pages to reach a column after the texts). Partial, so
            # they hold published guides only: the condition is published().
            models.Index(
                fields=["live_title", "id"], condition=PUBLISHED, name="article_public_title_idx"
            ),
            models.Index(
                fields=["-published_at", "-id"], condition=PUBLISHED, name="article_public_pub_idx"
            ),
            # Last-Modified of the public lists: the newest change to any article.
            models.Index(fields=["-updated_at"], name="article_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The public address: the approved version's slug (a draft's own
        slug only until it has one)."""
        return reverse("articles:detail", kwargs={"slug": self.live_slug or self.slug})

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        super().clean_fields(exclude)
        # Non-editable fields skip Django's field validation, but loaded
        # content must still name a bad status precisely.
        if "status" not in (exclude or []) and self.status not in self.Status.values:
            raise ValidationError(
                {"status": _("“%(value)s” is not a status; use one of %(choices)s.")
                 % {"value": self.status, "choices": ", ".join(self.Status.values)}},
                code="invalid_choice",
            )  # fmt: skip

    def clean(self) -> None:
        # Not database constraints: fixtures and backups load an article
        # before the versions it points to. published() requires the live
        # version, and only the workflow sets these fields.
        if self.status == self.Status.PUBLISHED and self.live_version is None:
            raise ValidationError(
                _("A published article needs an approved live version."), code="not_live"
            )
        if (
            self.live_version is not None
            and self.pk is not None
            and not self.revisions.filter(number=self.live_version).exists()
        ):
            raise ValidationError(
                    {"live_version": _("Version %(number)d of this article does not exist.")
                     % {"number": self.live_version}},
                    code="missing_version",
                )  # fmt: skip
        interval = self.review_interval_months
        if interval is not None and not 1 <= interval <= MAX_REVIEW_INTERVAL_MONTHS:
            raise ValidationError(
                {"review_interval_months": _("A review interval is from 1 to %(max)d months.")
                 % {"max": MAX_REVIEW_INTERVAL_MONTHS}},
                code="interval",
            )  # fmt: skip

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    @property
    def is_live(self) -> bool:
        return self.live_version is not None

    @cached_property
    def live_revision(self) -> Revision | None:
        if self.live_version is None or self.pk is None:
            return None
        return self.revisions.get(number=self.live_version)

    @property
    def review_interval(self) -> int:
        return self.review_interval_months or settings.ARTICLE_REVIEW_INTERVAL_MONTHS

    def sync_live_copy(
        self,
        *,
        corrections: bool = True,
        rendered: dict[str, object] | None = None,
        topics: bool = True,
    ) -> None:
        """Derive every field in ``LIVE_FIELDS`` (and ``live_topics`` once the
        article is saved) from the live version and its approval: the one
        place the public copy is made. ``rendered`` is
        :func:`render_version` of the live version when the caller rendered
        it already (approval renders before it takes the write lock).
        ``corrections=False`` keeps the stored notes (a restore loads them
        before the reviews they came from); ``topics=False`` leaves
        ``live_topics`` for the caller (a row not yet inserted has none)."""
        self.__dict__.pop("live_revision", None)
        revision = self.live_revision
        if revision is None:
            for name, empty in LIVE_FIELD_EMPTY.items():
                if name != "live_corrections" or corrections:
                    setattr(self, name, empty() if callable(empty) else empty)
            if topics:
                self.sync_live_topics()
            return
        if rendered is None:
            rendered = render_version(revision)
        for name, value in rendered.items():
            setattr(self, name, value)
        self.live_title = revision.title
        self.live_slug = revision.slug or self.live_slug or self.slug
        self.live_summary = revision.summary
        self.live_sources = list(revision.sources)
        approvals = self.reviews.filter(decision="approved") if self.pk is not None else None
        if corrections and approvals is not None:
            self.live_corrections = [
                {"created_at": review.created_at.isoformat(), "public_note": review.public_note}
                for review in approvals.filter(public_note__gt="")
            ]
        approval = (
            approvals.filter(revision__number=revision.number).first()
            if approvals is not None
            else None
        )
        self.live_reviewer = approval.public_reviewer() if approval else {}
        if topics:
            self.sync_live_topics()

    def sync_live_topics(self) -> None:
        """Point ``live_topics`` at the live version's topics (none when not
        live). Needs a saved article; does nothing before."""
        if self.pk is None:
            return
        revision = self.live_revision
        slugs = list(revision.topics) if revision is not None else []
        self.live_topics.set(Topic.objects.filter(slug__in=slugs))

    def compute_next_review_due(self) -> date | None:
        if self.last_reviewed is None:
            return None
        reviewed_on = timezone.localtime(self.last_reviewed).date()
        return add_months(reviewed_on, self.review_interval)

    def working_snapshot(self) -> dict[str, object]:
        """The working copy as a version would hold it (``VERSION_FIELDS``).
        Topics and sources are read from the database; an unsaved article
        has none."""
        saved = self.pk is not None
        return {
            "title": self.title,
            "slug": self.slug,
            "summary": self.summary,
            "body": self.body,
            "topics": sorted(self.topics.values_list("slug", flat=True)) if saved else [],
            "sources": sources_snapshot(list(self.references.all())) if saved else [],
            "correction_note": self.correction_note,
        }

    def working_hash(self) -> str:
        # A snapshot's title, summary and body are text (VERSION_FIELDS).
        return content_hash(**cast(dict[str, Any], self.working_snapshot()))


class ReviewQueue(Article):
    """Articles in review, as a clinician's work list in the admin."""

    class Meta:
        proxy = True
        verbose_name = _("my review queue")
        verbose_name_plural = _("my review queue")


class RevisionManager(models.Manager["Revision"]):
    def get_by_natural_key(self, slug: str, number: int) -> Revision:
        return self.get(article__slug=slug, number=number)


class Revision(models.Model):
    """One saved state of an article's text. Never changed once written."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"), max_length=200, help_text=_("The public address this version would have.")
    )
    summary = models.CharField(_("summary"), max_length=300)
    body = models.TextField(_("body"), validators=[validate_body_size])
    topics = models.JSONField(
        _("topics"), default=list, blank=True, help_text=_("Slugs of the topics, sorted.")
    )
    sources = models.JSONField(
        _("sources"),
        default=list,
        blank=True,
        help_text=_("The reference list: order, title, publisher, web address, date accessed."),
    )
    correction_note = models.CharField(_("correction note"), max_length=300, blank=True)
    restored_from = models.PositiveIntegerField(
        _("restores version"),
        null=True,
        blank=True,
        help_text=_(
            "Set when this version is a revert: the number of the version whose content it "
            "restores. That version's authors count as authors of this one."
        ),
    )
    hash_scheme = models.PositiveSmallIntegerField(
        _("hash scheme"),
        default=HASH_SCHEME,
        help_text=_(
            "1: the hash covers title, summary and body (versions before topics, sources, slug "
            "and correction note were versioned); 2: it covers all of them."
        ),
    )
    content_hash = models.CharField(_("content hash"), max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saved"), default=timezone.now)

    objects = RevisionManager()

    class Meta:
        ordering = ["article", "-number"]
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(_("Versions are immutable; save a new one instead."))
        self.content_hash = self.compute_hash()
        super().save(*args, **kwargs)

    def natural_key(self) -> tuple[str, int]:
        return (*self.article.natural_key(), self.number)

    # Django's serializers read this attribute of the method; mypy has no type
    # for attributes set on a function.
    natural_key.dependencies = ["articles.article"]  # type: ignore[attr-defined]

    def snapshot(self) -> dict[str, object]:
        """The version's public content, keyed by ``VERSION_FIELDS``."""
        return {name: getattr(self, name) for name in VERSION_FIELDS}

    def compute_hash(self) -> str:
        """Recompute the content hash from the stored fields, by the version's
        own hash scheme: an auditor compares it with ``content_hash`` and with
        the hash recorded by each review of this version."""
        if self.hash_scheme == 1:
            return content_hash(self.title, self.summary, self.body)
        # A snapshot's title, summary and body are text (VERSION_FIELDS).
        return content_hash(**cast(dict[str, Any], self.snapshot()))

    def hash_is_intact(self) -> bool:
        return self.compute_hash() == self.content_hash


class Review(models.Model):
    """A clinician's decision on one exact version."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="reviews")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="reviews")
    content_hash = models.CharField(
        _("content hash"), max_length=64, help_text=_("The hash of the exact text reviewed.")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="article_reviews"
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    public_note = models.CharField(
        _("public correction note"),
        max_length=300,
        blank=True,
        help_text=_("Shown to readers under “Changes to this page”."),
    )
    # The reviewer as the public sees them, recorded at the review: a later
    # change to the profile does not change who reviewed this version, and
    # how they were named then.
    reviewer_name = models.CharField(_("reviewer's public name"), max_length=120, blank=True)
    reviewer_credentials = models.CharField(_("credentials"), max_length=120, blank=True)
    reviewer_job_title = models.CharField(_("job title"), max_length=120, blank=True)
    reviewer_registration_body = models.CharField(
        _("registration body"), max_length=120, blank=True
    )
    reviewer_registration_number = models.CharField(
        _("registration number"), max_length=40, blank=True
    )
    # Plain English at the approval: the version's SMOG grade, the site's
    # target then, and the clinician's reason when the grade was above it.
    smog_grade = models.FloatField(
        _("SMOG grade"),
        null=True,
        blank=True,
        help_text=_("The approved version's SMOG grade, measured at the approval."),
    )
    smog_target = models.FloatField(
        _("SMOG target"),
        null=True,
        blank=True,
        help_text=_("The site's SMOG target when the version was approved."),
    )
    smog_reason = models.CharField(
        _("reason for approving above the SMOG target"),
        max_length=SMOG_REASON_MAX_CHARS,
        blank=True,
        help_text=_("Required when the approved version's SMOG grade is above the target."),
    )
    created_at = models.DateTimeField(_("reviewed"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("clinical review")
        verbose_name_plural = _("clinical reviews")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision__in=["approved", "changes_requested"]),
                name="review_decision_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(decision="changes_requested") | ~models.Q(comment=""),
                name="review_changes_need_comment",
                violation_error_message=_("Say what needs to change."),
            ),
            models.CheckConstraint(
                condition=models.Q(smog_grade__isnull=True)
                | models.Q(smog_target__isnull=True)
                | models.Q(smog_grade__lte=models.F("smog_target"))
                | ~models.Q(smog_reason=""),
                name="review_above_smog_target_needs_reason",
                violation_error_message=_(
                    "An approval above the SMOG target needs the clinician's reason."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.revision}"

    def record_reviewer(self, profile: ReviewerProfile | None) -> None:
        """Copy the reviewer's public identity from their profile now."""
        for name, source in REVIEWER_SNAPSHOT.items():
            setattr(self, name, getattr(profile, source) if profile is not None else "")

    def public_reviewer(self) -> dict[str, str]:
        """The reviewer as recorded with this review, as the public sees
        them: ``name``, ``credentials``, ``job_title``,
        ``registration_body``, ``registration_number`` (empty strings
        left out). Empty when no public name was recorded."""
        if not self.reviewer_name:
            return {}
        person = {source: getattr(self, name) for name, source in REVIEWER_SNAPSHOT.items()}
        person["name"] = person.pop("display_name")
        return {key: value for key, value in person.items() if value}


class ReviewReminder(models.Model):
    """One step of a guide's review cycle, taken once per due date: a
    reminder, an escalation or a lapse (``manage.py review_cycle``). The row
    is what makes the command safe to run twice: a step with a row is done."""

    class Stage(models.TextChoices):
        DAYS_90 = "before_90", _("Reminder, 90 days before the due date")
        DAYS_30 = "before_30", _("Reminder, 30 days before the due date")
        DUE = "due", _("Reminder, on the due date")
        ESCALATED = "escalated", _("Escalated to every clinical reviewer")
        LAPSED = "lapsed", _("Review lapsed: notice shown to readers")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="review_reminders")
    due_date = models.DateField(_("review due"))
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    recipients = models.JSONField(
        _("emailed to"), default=list, blank=True, help_text=_("Usernames, in order.")
    )
    created_at = models.DateTimeField(_("taken"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("review cycle step")
        verbose_name_plural = _("review cycle steps")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "due_date", "stage"], name="review_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.article} (due {self.due_date})"


class ReviewDigest(models.Model):
    """One clinician's daily digest of guides due for review, sent once per
    day (``manage.py review_digest``). The row is what makes the command safe
    to run twice, or twice at once: a digest with a row is sent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_digests"
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["-day", "user"]
        verbose_name = _("review digest")
        verbose_name_plural = _("review digests")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="review_digest_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"Review digest for {self.user} on {self.day}"


# Review field: the ReviewerProfile field it is copied from.
REVIEWER_SNAPSHOT = {
    "reviewer_name": "display_name",
    "reviewer_credentials": "credentials",
    "reviewer_job_title": "job_title",
    "reviewer_registration_body": "registration_body",
    "reviewer_registration_number": "registration_number",
}


class ReviewerProfileManager(models.Manager["ReviewerProfile"]):
    def get_by_natural_key(self, username: str) -> ReviewerProfile:
        return self.get(user__username=username)


class ReviewerProfile(models.Model):
    """What the public sees under "Reviewed by"."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile"
    )
    display_name = models.CharField(_("display name"), max_length=120)
    credentials = models.CharField(
        _("credentials"), max_length=120, blank=True, help_text=_("For example MBChB, MRCGP.")
    )
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    registration_body = models.CharField(
        _("registration body"), max_length=120, blank=True, help_text=_("For example GMC.")
    )
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)

    objects = ReviewerProfileManager()
    history = HistoricalRecords()
    # Set before a save (articles.workflow): whom the history records as its author.
    _history_user: AbstractBaseUser | None

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("reviewer profile")
        verbose_name_plural = _("reviewer profiles")

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name

    def natural_key(self) -> tuple[str]:
        return (self.user.get_username(),)

    # Django's serializers read this attribute of the method; mypy has no type
    # for attributes set on a function.
    natural_key.dependencies = [settings.AUTH_USER_MODEL.lower()]  # type: ignore[attr-defined]


# What a topic version holds: all of a topic's public text. The slug is
# fixed when the topic is made (guides' versions name their topics by it).
TOPIC_VERSION_FIELDS = (
    "name", "slug", "description", "nonproprietary_name", "alternate_names", "drug_class",
)  # fmt: skip
TOPIC_LIVE_FIELDS = tuple(f"live_{name}" for name in TOPIC_VERSION_FIELDS if name != "slug")


def topic_hash(**fields: str) -> str:
    """SHA-256 (hex) of a topic version's text, over ``TOPIC_VERSION_FIELDS``."""
    payload = json.dumps([[name, fields[name]] for name in TOPIC_VERSION_FIELDS],
                         ensure_ascii=False)  # fmt: skip
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class TopicQuerySet(models.QuerySet["Topic"]):
    def public(self) -> TopicQuerySet:
        """Topics whose text a clinician approved: the only ones readers see."""
        return self.filter(live_version__isnull=False)

    def with_guides(self) -> TopicQuerySet:
        """Public topics with at least one published guide filed under them
        by its live version, annotated with ``guide_count``."""
        published = Article.objects.published().filter(live_topics=models.OuterRef("pk")).order_by()
        count = published.values("live_topics").annotate(n=models.Count("pk")).values("n")
        # EXISTS stops at a topic's first published guide; filtering on the
        # count would count every guide of every topic on each list and
        # sitemap query.
        return (
            self.public()
            .filter(models.Exists(published))
            .annotate(guide_count=models.Subquery(count, output_field=models.IntegerField()))
        )


# A named base, the form django-stubs can follow to the queryset's methods.
_TopicManagerBase = models.Manager.from_queryset(TopicQuerySet)


class TopicManager(_TopicManagerBase["Topic"]):
    def get_by_natural_key(self, slug: str) -> Topic:
        return self.get(slug=slug)


class Topic(models.Model):
    """A subject readers browse by. A topic about a medicine also names the
    drug, so search engines learn what the guides are about.

    Like an article, a topic has a working copy (``name``, ``description``
    and the medicine names), which editors change, and a live copy
    (``live_*``), which readers see and only a clinician's approval in
    ``articles.workflow`` sets."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_("The topic's address. Fixed once the topic is saved."),
    )
    description = models.TextField(
        _("description"), max_length=600, blank=True, help_text=_("One or two plain sentences.")
    )
    nonproprietary_name = models.CharField(
        _("generic name"),
        max_length=100,
        blank=True,
        help_text=_("Only for a medicine: its generic name, for example diazepam."),
    )
    alternate_names = models.CharField(
        _("brand and other names"),
        max_length=200,
        blank=True,
        help_text=_("Only for a medicine: comma-separated, for example Valium."),
    )
    drug_class = models.CharField(
        _("drug class"),
        max_length=100,
        blank=True,
        help_text=_("Only for a medicine: for example Benzodiazepine."),
    )
    lock_version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text=_("Raised by every save, so concurrent edits are detected."),
    )
    live_version = models.PositiveIntegerField(
        _("live version"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The number of the approved topic version readers see."),
    )
    approved_revision_number = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_("The number of the last topic version a clinician approved (0 if none)."),
    )
    live_name = models.CharField(max_length=100, blank=True, editable=False)
    live_description = models.TextField(blank=True, editable=False)
    live_nonproprietary_name = models.CharField(max_length=100, blank=True, editable=False)
    live_alternate_names = models.CharField(max_length=200, blank=True, editable=False)
    live_drug_class = models.CharField(max_length=100, blank=True, editable=False)
    live_updated_at = models.DateTimeField(
        _("live text changed"), null=True, blank=True, editable=False
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = TopicManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:topic", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    @property
    def is_live(self) -> bool:
        return self.live_version is not None

    @property
    def is_medicine(self) -> bool:
        """Public: the approved text names a generic medicine."""
        return bool(self.live_nonproprietary_name)

    @property
    def alternate_name_list(self) -> list[str]:
        """Public: the approved brand and other names."""
        return [name.strip() for name in self.live_alternate_names.split(",") if name.strip()]

    def working_snapshot(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in TOPIC_VERSION_FIELDS}

    def sync_live_copy(self) -> None:
        """Derive the ``live_*`` text from the live topic version."""
        revision = (
            self.revisions.filter(number=self.live_version).first()
            if self.live_version is not None and self.pk is not None
            else None
        )
        for name in TOPIC_LIVE_FIELDS:
            setattr(self, name, getattr(revision, name.removeprefix("live_")) if revision else "")


class TopicRevisionManager(models.Manager["TopicRevision"]):
    def get_by_natural_key(self, slug: str, number: int) -> TopicRevision:
        return self.get(topic__slug=slug, number=number)


class TopicRevision(models.Model):
    """One saved state of a topic's text. Never changed once written."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100)
    description = models.TextField(_("description"), max_length=600, blank=True)
    nonproprietary_name = models.CharField(_("generic name"), max_length=100, blank=True)
    alternate_names = models.CharField(_("brand and other names"), max_length=200, blank=True)
    drug_class = models.CharField(_("drug class"), max_length=100, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saved"), default=timezone.now)

    objects = TopicRevisionManager()

    class Meta:
        ordering = ["topic", "-number"]
        verbose_name = _("topic version")
        verbose_name_plural = _("topic versions")
        constraints = [
            models.UniqueConstraint(fields=["topic", "number"], name="topic_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.number})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(_("Versions are immutable; save a new one instead."))
        self.content_hash = self.compute_hash()
        super().save(*args, **kwargs)

    def natural_key(self) -> tuple[str, int]:
        return (*self.topic.natural_key(), self.number)

    # Django's serializers read this attribute of the method; mypy has no type
    # for attributes set on a function.
    natural_key.dependencies = ["articles.topic"]  # type: ignore[attr-defined]

    def snapshot(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in TOPIC_VERSION_FIELDS}

    def compute_hash(self) -> str:
        return topic_hash(**self.snapshot())


class TopicReview(models.Model):
    """A clinician's approval of one exact topic version."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="reviews")
    revision = models.ForeignKey(TopicRevision, on_delete=models.PROTECT, related_name="reviews")
    content_hash = models.CharField(_("content hash"), max_length=64)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="topic_reviews"
    )
    reviewer_name = models.CharField(_("reviewer's public name"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("reviewed"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("topic approval")
        verbose_name_plural = _("topic approvals")

    def __str__(self) -> str:
        return f"{self.revision} approved by {self.reviewer_name or self.reviewer}"


def normalise_url(url: str) -> str:
    """A source's web address as the register keys it: scheme and host in
    lower case, no user name or password, no default port, no fragment, and
    "/" for an empty path, so the same page cited in two ways is one source.
    "" for an address without a scheme and host, or with a bad port.
    (Migration 0017 keeps a frozen copy of this function.)"""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not scheme or not host:
        return ""
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port is None or port == default else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


class SourceManager(models.Manager["Source"]):
    def get_by_natural_key(self, url: str) -> Source:
        return self.get(url=url)

    def for_urls(self, cited: dict[str, tuple[str, str]]) -> dict[str, Source]:
        """The register's source for each web address in ``cited`` (a
        mapping of address to the citing title and publisher), registering
        the ones it lacks with that title and publisher. Keyed by the
        addresses as given; an address :func:`normalise_url` cannot key is
        left out. Three queries, however many addresses."""
        keys = {url: normalise_url(url) for url in cited}
        keys = {url: key for url, key in keys.items() if key}
        known = {source.url: source for source in self.filter(url__in=set(keys.values()))}
        new = {}
        for url, key in keys.items():
            if key not in known and key not in new:
                title, publisher = cited[url]
                new[key] = Source(url=key, title=title[:300], publisher=publisher[:200])
        if new:
            self.bulk_create(new.values(), ignore_conflicts=True)
            known.update({s.url: s for s in self.filter(url__in=list(new))})
        return {url: known[key] for url, key in keys.items() if key in known}


class Source(models.Model):
    """One web page cited by guides: the register shared by every guide
    citing it, keyed by its normalised address (:func:`normalise_url`).
    ``manage.py check_sources`` records whether it still answers; a dead or
    moved source makes every live guide citing it due for review
    (docs/decisions/0019-source-register.md)."""

    class State(models.TextChoices):
        UNCHECKED = "unchecked", _("Not checked yet")
        OK = "ok", _("Answers")
        MOVED = "moved", _("Moved permanently")
        DEAD = "dead", _("Dead")

    url = models.URLField(
        _("web address"),
        max_length=520,
        unique=True,
        help_text=_("Normalised: the same page cited in two ways is one source."),
    )
    title = models.CharField(
        _("title"), max_length=300, blank=True, help_text=_("As the first guide citing it gave it.")
    )
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=State.choices,
        default=State.UNCHECKED,
        editable=False,
        help_text=_("Set only by check_sources."),
    )
    last_checked = models.DateTimeField(_("last checked"), null=True, blank=True, editable=False)
    last_status = models.CharField(
        _("last answer"),
        max_length=120,
        blank=True,
        editable=False,
        help_text=_("The HTTP status of the last check, or why it got none."),
    )
    failures = models.PositiveSmallIntegerField(
        _("failed checks in a row"),
        default=0,
        editable=False,
        help_text=_("Checks in a row without an answer (timeouts, refused connections, server "
                    "errors): the source counts as dead after a few, not after one."),
    )  # fmt: skip
    moved_to = models.URLField(
        _("moved to"),
        max_length=520,
        blank=True,
        editable=False,
        help_text=_("Where a permanent redirect pointed at the last check."),
    )

    objects = SourceManager()

    class Meta:
        ordering = ["url"]
        verbose_name = _("source in the register")
        verbose_name_plural = _("source register")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["unchecked", "ok", "moved", "dead"]),
                name="source_state_valid",
                violation_error_message=_("Unknown source state."),
            ),
        ]
        indexes = [models.Index(fields=["state"], name="source_state_idx")]

    def __str__(self) -> str:
        return self.title or self.url

    def natural_key(self) -> tuple[str]:
        return (self.url,)

    @property
    def needs_attention(self) -> bool:
        """Dead or moved: the guides citing it are due for review."""
        return self.state in BROKEN_SOURCE_STATES


BROKEN_SOURCE_STATES = (Source.State.DEAD, Source.State.MOVED)


class ReferenceManager(models.Manager["Reference"]):
    def get_by_natural_key(self, slug: str, order: int, title: str) -> Reference:
        return self.get(article__slug=slug, order=order, title=title)


class Reference(models.Model):
    """A source a guide is based on, listed under "Sources"."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="references"
    )
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(
        _("publisher"), max_length=200, blank=True, help_text=_("For example NICE or the MHRA.")
    )
    url = models.URLField(_("web address"), max_length=500, blank=True)
    date_accessed = models.DateField(_("date accessed"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Sources are listed from the lowest number.")
    )
    # Derived from ``url`` on every save (and by articles.workflow, which
    # writes references in bulk): never part of a version or its hash.
    source = models.ForeignKey(
        Source,
        verbose_name=_("source in the register"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="references",
    )

    objects = ReferenceManager()

    class Meta:
        ordering = ["article", "order", "pk"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "order", "title"],
                name="reference_unique_per_article",
                violation_error_message=_("This article already lists that source."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.source = link_source(self)
        super().save(*args, **kwargs)

    def natural_key(self) -> tuple[str, int, str]:
        return (*self.article.natural_key(), self.order, self.title)

    # Django's serializers read this attribute of the method; mypy has no type
    # for attributes set on a function.
    natural_key.dependencies = ["articles.article"]  # type: ignore[attr-defined]


def link_source(reference: Reference) -> Source | None:
    """The register's source for ``reference``'s web address (registered
    now if new), or None for a reference without a usable address."""
    if not reference.url:
        return None
    return Source.objects.for_urls({reference.url: (reference.title, reference.publisher)}).get(
        reference.url
    )


def link_references(references: models.QuerySet[Reference] | None = None) -> int:
    """Point every reference with a web address but no source (loaded from a
    fixture or a backup, which skip ``save``) at the register. Returns how
    many were linked."""
    pending = list(
        (references if references is not None else Reference.objects.all())
        .filter(source__isnull=True)
        .exclude(url="")
    )
    linked = 0
    # In batches: SQLite caps the parameters of one query.
    for start in range(0, len(pending), 500):
        batch = pending[start : start + 500]
        found = Source.objects.for_urls({ref.url: (ref.title, ref.publisher) for ref in batch})
        batch = [ref for ref in batch if ref.url in found]
        for ref in batch:
            ref.source = found[ref.url]
        Reference.objects.bulk_update(batch, ["source"])
        linked += len(batch)
    return linked


class SlugRedirect(models.Model):
    """An address an article used to have. The old URL answers 301 to the
    article's current one. Written only by articles.workflow."""

    old_slug = models.SlugField(_("old slug"), max_length=200, unique=True)
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="old_slugs"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["old_slug"]
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.article.live_slug}"

    @classmethod
    def record(cls, *, article: Article, old_slug: str | None) -> None:
        """Remember ``old_slug`` when an article's public slug changes (on
        approval); an address in use by a live article again is no longer a
        redirect."""
        cls.objects.filter(old_slug=article.live_slug).delete()
        if old_slug and old_slug != article.live_slug:
            cls.objects.update_or_create(old_slug=old_slug, defaults={"article": article})


class SearchSynonym(models.Model):
    """Words readers use that the guides do not: a term (one to three words,
    for example "benzo" or "sleeping pills") and what search looks for as well
    (for example "benzodiazepine"). Curated by clinicians in the admin and
    read by every search, so a change works at once (articles.search)."""

    term = models.CharField(
        _("reader's word or phrase"),
        max_length=60,
        unique=True,
        help_text=_("One to three words, as readers type them, for example: sleeping pills."),
    )
    expansions = models.CharField(
        _("also search for"),
        max_length=300,
        help_text=_("Comma-separated words or phrases used in the guides, "
                    "for example: hypnotics, insomnia."),
    )  # fmt: skip
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["term"]
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")

    def __str__(self) -> str:
        return f"{self.term} → {self.expansions}"

    def clean(self) -> None:
        """Store the term as search compares it: lower case, single spaces.
        Raises ValidationError for a term of more than three words or no
        words, or no expansion."""
        words = re.findall(r"\w+", self.term.casefold())
        if not 1 <= len(words) <= 3:
            raise ValidationError({"term": _("Use one, two or three words.")})
        self.term = " ".join(words)
        if not self.expansion_list:
            raise ValidationError({"expansions": _("Give at least one word or phrase.")})

    @property
    def expansion_list(self) -> list[str]:
        """The expansions, each lower case with single spaces, empty ones dropped."""
        parts = self.expansions.split(",")
        phrases = (" ".join(re.findall(r"\w+", part.casefold())) for part in parts)
        return [phrase for phrase in phrases if phrase]

"""
Health guides, their versions and their clinical reviews.

An article has two copies of its text:

* the **working copy** (``title``, ``summary``, ``body``), which editors change
  in the admin; every change is kept as an immutable :class:`Revision`;
* the **live copy** (``live_version``, the number of the approved version, and
  the ``live_*`` fields derived from it), which is what the public sees.
  Only a clinician's approval in ``articles.workflow`` moves it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

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


def content_hash(title: str, summary: str, body: str) -> str:
    """The identity of a version's text: an approval belongs to this hash."""
    payload = json.dumps([title, summary, body], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# What the public may see: articles with an approved live version. Only
# published() and the partial indexes that serve it use this.
PUBLISHED = models.Q(live_version__isnull=False)


class ArticleQuerySet(models.QuerySet):
    def published(self) -> ArticleQuerySet:
        """The only definition of what the public may see: articles with an
        approved live version."""
        return self.filter(PUBLISHED)

    def review_overdue(self, today: date | None = None) -> ArticleQuerySet:
        today = today or timezone.localdate()
        return self.published().filter(next_review_due__lt=today)

    def review_due_within(self, days: int, today: date | None = None) -> ArticleQuerySet:
        today = today or timezone.localdate()
        return self.published().filter(
            next_review_due__gte=today, next_review_due__lte=today + timedelta(days=days)
        )

    def review_queue_for(self, user: settings.AUTH_USER_MODEL) -> ArticleQuerySet:
        """Articles waiting for review whose pending changes ``user`` did not
        write, oldest submission first, then live guides whose rendering
        changed with the renderer (``render_change_note``)."""
        authored = Revision.objects.filter(
            article=models.OuterRef("pk"),
            created_by=user,
            number__gt=models.OuterRef("approved_revision_number"),
        )
        return self.filter(
            models.Q(~models.Exists(authored), status=Article.Status.IN_REVIEW)
            | models.Q(render_change_note__gt="")
        ).order_by(models.F("submitted_at").asc(nulls_last=True), "pk")


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
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
    generated = models.BooleanField(
        default=False,
        editable=False,
        help_text=_("Synthetic text made by generate_articles for benchmarks; removable."),
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

    topics = models.ManyToManyField(
        "Topic",
        verbose_name=_("topics"),
        blank=True,
        related_name="articles",
        help_text=_("Where readers find this guide under “Topics”."),
    )

    objects = ArticleManager()
    history = HistoricalRecords(
        excluded_fields=[
            "live_body_html",
            "live_headings",
            "live_text",
            "live_corrections",
            "render_change_note",
        ]
    )

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
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean_fields(self, exclude: list[str] | None = None) -> None:
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
        if self.review_interval_months == 0:
            raise ValidationError(
                {"review_interval_months": _("A review interval must be at least one month.")},
                code="interval",
            )

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

    def sync_live_copy(self, *, corrections: bool = True) -> None:
        """Derive the public fields from the live version: the one place the
        live text is rendered. ``corrections=False`` keeps the stored notes
        (a restore loads them before the reviews they came from)."""
        if corrections and self.pk is not None:
            self.live_corrections = [
                {"created_at": review.created_at.isoformat(), "public_note": review.public_note}
                for review in self.reviews.filter(decision="approved", public_note__gt="")
            ]
        self.__dict__.pop("live_revision", None)
        revision = self.live_revision
        if revision is None:
            self.live_title = self.live_summary = self.live_body_html = self.live_text = ""
            self.live_headings = []
            return
        rendered = render(revision.body)
        self.live_title = revision.title
        self.live_summary = revision.summary
        self.live_body_html = rendered.html
        self.live_headings = [
            {"id": h.id, "text": h.text, "level": h.level} for h in rendered.headings
        ]
        self.live_text = plain_text(rendered.html)

    def compute_next_review_due(self) -> date | None:
        if self.last_reviewed is None:
            return None
        reviewed_on = timezone.localtime(self.last_reviewed).date()
        return add_months(reviewed_on, self.review_interval)

    def working_hash(self) -> str:
        return content_hash(self.title, self.summary, self.body)


class ReviewQueue(Article):
    """Articles in review, as a clinician's work list in the admin."""

    class Meta:
        proxy = True
        verbose_name = _("my review queue")
        verbose_name_plural = _("my review queue")


class RevisionManager(models.Manager):
    def get_by_natural_key(self, slug: str, number: int) -> Revision:
        return self.get(article__slug=slug, number=number)


class Revision(models.Model):
    """One saved state of an article's text. Never changed once written."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300)
    body = models.TextField(_("body"), validators=[validate_body_size])
    correction_note = models.CharField(_("correction note"), max_length=300, blank=True)
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
        self.content_hash = content_hash(self.title, self.summary, self.body)
        super().save(*args, **kwargs)

    def natural_key(self) -> tuple[str, int]:
        return (*self.article.natural_key(), self.number)

    natural_key.dependencies = ["articles.article"]


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
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.revision}"


class ReviewerProfileManager(models.Manager):
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

    natural_key.dependencies = [settings.AUTH_USER_MODEL.lower()]


class TopicQuerySet(models.QuerySet):
    def with_guides(self) -> TopicQuerySet:
        """Topics with at least one published guide, annotated with
        ``guide_count`` (published guides only)."""
        published = Article.objects.published().filter(topics=models.OuterRef("pk")).order_by()
        count = published.values("topics").annotate(n=models.Count("pk")).values("n")
        # EXISTS stops at a topic's first published guide; filtering on the
        # count would count every guide of every topic on each list and
        # sitemap query.
        return self.filter(models.Exists(published)).annotate(
            guide_count=models.Subquery(count, output_field=models.IntegerField())
        )


class TopicManager(models.Manager.from_queryset(TopicQuerySet)):
    def get_by_natural_key(self, slug: str) -> Topic:
        return self.get(slug=slug)


class Topic(models.Model):
    """A subject readers browse by. A topic about a medicine also names the
    drug, so search engines learn what the guides are about."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
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
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    generated = models.BooleanField(
        default=False, editable=False, help_text=_("Made by generate_articles, for benchmarks.")
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
    def is_medicine(self) -> bool:
        return bool(self.nonproprietary_name)

    @property
    def alternate_name_list(self) -> list[str]:
        return [name.strip() for name in self.alternate_names.split(",") if name.strip()]


class ReferenceManager(models.Manager):
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

    def natural_key(self) -> tuple[str, int, str]:
        return (*self.article.natural_key(), self.order, self.title)

    natural_key.dependencies = ["articles.article"]


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
        return f"{self.old_slug} → {self.article.slug}"

    @classmethod
    def record(cls, *, article: Article, old_slug: str) -> None:
        """Remember ``old_slug`` when an article's slug changes; an address
        in use by an article again is no longer a redirect."""
        cls.objects.filter(old_slug=article.slug).delete()
        if old_slug and old_slug != article.slug:
            cls.objects.update_or_create(old_slug=old_slug, defaults={"article": article})

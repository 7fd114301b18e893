from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField

from articles.rendering import render


class ArticleQuerySet(models.QuerySet):
    def published(self) -> ArticleQuerySet:
        """The only definition of what the public may see."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__isnull=False)


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_by_natural_key(self, slug: str) -> Article:
        return self.get(slug=slug)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

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
    body = MarkdownxField(_("body"), help_text=_("Markdown. Use ## for section headings."))
    body_html = models.TextField(editable=False, default="")
    headings = models.JSONField(editable=False, default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("first published"), null=True, blank=True)

    objects = ArticleManager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "published"]),
                name="article_status_valid",
                violation_error_message=_("Unknown article status."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="article_published_has_date",
                violation_error_message=_("A published article needs a publication date."),
            ),
        ]
        indexes = [models.Index(fields=["status", "-published_at"], name="article_status_pub_idx")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html", "headings"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def render_body(self) -> None:
        """Derive the HTML and table of contents from the Markdown. Called
        before every save, fixture loads included (see signals.py)."""
        rendered = render(self.body)
        self.body_html = rendered.html
        self.headings = [{"id": h.id, "text": h.text} for h in rendered.headings]

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

"""Review links for outside experts, and the responses they leave."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A link lasts at most this many days; a clinician may choose fewer.
MAX_DAYS = 14
NAME_MAX_CHARS = 100
ROLE_MAX_CHARS = 100
COMMENT_MAX_CHARS = 5000


class ReviewLink(models.Model):
    """An invitation to review one version of a guide, sent by a clinician
    to someone without an account. Only a SHA-256 hash of the link's random
    token is stored: the address is shown once, when the link is made.

    A link can be used while it is not revoked, not expired and no newer
    version of the guide exists (``outside_review.services.link_state``)."""

    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.PROTECT,
        related_name="outside_review_links",
        verbose_name=_("guide"),
    )
    revision = models.ForeignKey(
        "articles.Revision",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("version"),
    )
    invitee = models.CharField(
        _("sent to"),
        max_length=200,
        blank=True,
        help_text=_(
            "Optional, for your records: who you will send the link to, "
            "e.g. “community pharmacist, Leeds”."
        ),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("outside review link")
        verbose_name_plural = _("outside review links")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.revision.title} v{self.revision.number} ({self.created_at:%Y-%m-%d})"

    def clean(self) -> None:
        if self.revision_id and self.article_id and self.revision.article_id != self.article_id:
            raise ValidationError({"revision": _("This version belongs to another guide.")})

    @property
    def version(self) -> int:
        return self.revision.number

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class OutsideReview(models.Model):
    """One outside expert's response to a review link: ADVISORY only. It
    never approves, publishes or changes the guide. Never changed once
    written (append-only)."""

    class Recommendation(models.TextChoices):
        AGREE = "agree", _("Agree with this version")
        SUGGEST_CHANGES = "suggest_changes", _("Suggest changes")

    link = models.ForeignKey(
        ReviewLink, on_delete=models.PROTECT, related_name="responses", verbose_name=_("link")
    )
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.PROTECT,
        related_name="outside_reviews",
        verbose_name=_("guide"),
    )
    version = models.PositiveIntegerField(_("version reviewed"))
    compared_with_version = models.PositiveIntegerField(
        _("compared with live version"),
        null=True,
        blank=True,
        help_text=_("The approved version the reviewer was shown the differences from."),
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_CHARS)
    role = models.CharField(
        _("role"), max_length=ROLE_MAX_CHARS, help_text=_("As the reviewer gave it.")
    )
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX_CHARS)
    recommendation = models.CharField(
        _("recommendation"), max_length=20, choices=Recommendation.choices
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("outside review (advisory)")
        verbose_name_plural = _("outside reviews (advisory)")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["article", "created_at"], name="outside_review_guide_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.role}) on version {self.version}: {self.recommendation}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError(
                _("Outside reviews are kept as received; they cannot be changed.")
            )
        super().save(*args, **kwargs)

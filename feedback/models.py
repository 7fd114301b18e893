"""Reader feedback on a guide, and the safety terms that make it urgent."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

COMMENT_MAX_CHARS = 500
# A term is words of letters (any script), joined by spaces, hyphens or
# apostrophes: it becomes part of a regular expression, so nothing else.
_TERM = re.compile(r"[^\W\d_]+(?:[ '’-][^\W\d_]+)*")


class Feedback(models.Model):
    """One reader's answer to "Is this page useful?" about one version of a
    guide. Readers are anonymous: no address, cookie or account is kept."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACTED_ON = "acted_on", _("Acted on")
        DISMISSED = "dismissed", _("Dismissed")

    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="reader_feedback",
        verbose_name=_("guide"),
    )
    version = models.PositiveIntegerField(
        _("version"), help_text=_("The live version the reader was shown.")
    )
    answer = models.CharField(_("useful?"), max_length=3, choices=Answer.choices)
    comment = models.TextField(
        _("what was wrong"),
        blank=True,
        max_length=COMMENT_MAX_CHARS,
        help_text=_("As kept: email addresses and phone numbers are removed before saving."),
    )
    personal_details_removed = models.BooleanField(_("personal details removed"), default=False)
    urgent = models.BooleanField(
        _("urgent"), default=False, help_text=_("The comment mentions a safety term.")
    )
    safety_terms = models.CharField(
        _("safety terms found"), max_length=500, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("triaged by"),
    )
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True, editable=False)
    triage_note = models.CharField(
        _("what was done"),
        max_length=500,
        blank=True,
        help_text=_("For the record (and the evidence pack): for example, "
                    "“Dose table clarified in version 4” or “Not about this guide”."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("reader feedback")
        verbose_name_plural = _("reader feedback")
        # Untriaged urgent feedback first, then the rest untriaged, then
        # what was triaged; newest first within each.
        ordering = [
            models.Case(
                models.When(status="new", urgent=True, then=0),
                models.When(status="new", then=1),
                default=2,
                output_field=models.IntegerField(),
            ).asc(),
            "-created_at",
            "-pk",
        ]
        indexes = [
            models.Index(fields=["article", "status", "answer"], name="feedback_unresolved_idx"),
            models.Index(fields=["urgent", "status", "created_at"], name="feedback_triage_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_answer_display()} – version {self.version} ({self.created_at:%Y-%m-%d})"


class SafetyTerm(models.Model):
    """A word or phrase that makes feedback urgent for clinicians. Matched
    case-insensitively at the start of a word, so "dose" also finds "doses"
    and "side effect" also finds "side-effects"."""

    term = models.CharField(
        _("term"),
        max_length=80,
        unique=True,
        help_text=_(
            "Letters, with spaces or hyphens between words. Found at the start of a word, "
            "whatever the case: “dose” also finds “doses”."
        ),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("safety term")
        verbose_name_plural = _("safety terms")
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term

    def clean(self) -> None:
        self.term = " ".join((self.term or "").split()).lower()
        if not _TERM.fullmatch(self.term):
            raise ValidationError(
                {"term": _("Use letters only, with spaces or hyphens between words.")}
            )
        if SafetyTerm.objects.exclude(pk=self.pk).filter(term=self.term).exists():
            raise ValidationError({"term": _("This term is already on the list.")})

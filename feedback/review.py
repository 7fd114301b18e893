"""Guides due for review because readers said they were not useful.

A guide is flagged when its unresolved (new) "no" answers reach
``settings.FEEDBACK_REVIEW_AFTER_NO``. The flag is derived, never stored:
it does not change the guide's ``next_review_due`` or the clinicians'
review queue (docs/decisions/0016-reader-feedback.md)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from articles.models import Article
from feedback.models import Feedback

UNRESOLVED_NO = Q(status=Feedback.Status.NEW, answer=Feedback.Answer.NO)
# The same condition, seen from the guide.
_GUIDE_UNRESOLVED_NO = Q(
    reader_feedback__status=Feedback.Status.NEW, reader_feedback__answer=Feedback.Answer.NO
)


def review_threshold() -> int:
    """Unresolved "no" answers that make a guide due for review; 0 or less
    turns the flag off."""
    return settings.FEEDBACK_REVIEW_AFTER_NO


def unresolved_no_count(article_ref: str) -> Coalesce:
    """An expression: the unresolved "no" answers of the guide whose pk is
    the outer query's field ``article_ref`` ("article" in a query of
    feedback, "pk" in one of guides)."""
    counts = (
        Feedback.objects.filter(UNRESOLVED_NO, article=OuterRef(article_ref))
        .order_by()
        .values("article")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def guides_due_from_feedback(threshold: int | None = None) -> QuerySet[Article]:
    """Published guides with at least ``threshold`` (default: the setting)
    unresolved "no" answers, each annotated with ``unresolved_no``, most
    first. Empty when the threshold is 0 or less."""
    threshold = review_threshold() if threshold is None else threshold
    if threshold <= 0:
        return Article.objects.none()
    return (
        Article.objects.published()
        .annotate(unresolved_no=Count("reader_feedback", filter=_GUIDE_UNRESOLVED_NO))
        .filter(unresolved_no__gte=threshold)
        .order_by("-unresolved_no", "pk")
    )

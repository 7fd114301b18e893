"""The clinical-governance evidence pack of one guide: who wrote, who
approved and what, in one self-contained file an auditor can keep.

PIF TICK assessors pick random guides ("job bags") and ask for the evidence
behind each; the CQC asks who signed off patient information and when. The
pack answers from the records the workflow keeps, never from what a page
shows today:

- every version, with its author, time and content hash, and whether the
  stored hash still matches a recomputation from the stored fields;
- every review: decision, comment, the reviewer's name, credentials and
  registration as recorded at that moment, and the hash reviewed, checked
  against the version; for an approval, the version's SMOG grade, the site's
  target then, and the clinician's reason when it was above the target;
- for each approved version: its sources, its readability figures, and the
  difference from the previously approved version;
- the corrections published with approvals (each review's public note);
- readers' answers to "Is this page useful?" per version, when the feedback
  app is installed;
- outside experts' responses (advisory only: they approve nothing), when the
  outside_review app is installed.

``build`` returns the JSON document (its shape is the JSON Schema
``docs/schemas/evidence-pack.schema.json``); ``to_html`` turns it into one
HTML file with no external assets, printable to PDF by a browser.
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from articles import workflow
from articles.diffing import LABELS, field_lines
from articles.models import Article, Review, Revision
from articles.notifications import absolute_url
from articles.readability import assess

# 2: each review carries the SMOG grade, target and reason of an approval.
SCHEMA_VERSION = 2
SCHEMA_PATH = "docs/schemas/evidence-pack.schema.json"


def _clinician_name(user: Any) -> str | None:
    """A clinician as the pack names them: their public name, else their
    username; None for nobody."""
    if user is None:
        return None
    profile = workflow.public_profile(user)
    return profile.public_name if profile is not None else user.get_username()


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person(user: Any) -> dict[str, str] | None:
    if user is None:
        return None
    return {"username": user.get_username(), "full_name": user.get_full_name()}


def _field_diffs(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Unified diffs, field by field, of two version snapshots; fields
    without a change are left out."""
    changes = []
    for name, label in LABELS.items():
        before = field_lines(name, old.get(name, "")).splitlines()
        after = field_lines(name, new.get(name, "")).splitlines()
        if before == after:
            continue
        diff = difflib.unified_diff(before, after, "approved before", "approved", lineterm="", n=2)
        changes.append({"field": name, "label": label, "unified_diff": "\n".join(diff)})
    return changes


def _readability(body: str) -> dict[str, Any]:
    figures = assess(body)
    return {
        "smog_grade": figures.smog_grade,
        "flesch_reading_ease": figures.flesch_reading_ease,
        "flesch_kincaid_grade": figures.flesch_kincaid_grade,
        "words": figures.words,
        "sentences": figures.sentences,
        "long_sentences": len(figures.long_sentences),
    }


def _review(review: Review, versions: dict[int, Revision], *, periodic: bool) -> dict[str, Any]:
    version = versions[review.revision_id]
    return {
        "version": version.number,
        "decision": review.decision,
        # An approval of a version approved before is a periodic review
        # ("Confirm still accurate"): the text was read again, not changed.
        "periodic_review": periodic,
        "comment": review.comment,
        "reviewed_at": _when(review.created_at),
        "reviewer": {
            **(_person(review.reviewer) or {}),
            "public_name": review.reviewer_name,
            "credentials": review.reviewer_credentials,
            "job_title": review.reviewer_job_title,
            "registration_body": review.reviewer_registration_body,
            "registration_number": review.reviewer_registration_number,
        },
        "content_hash": review.content_hash,
        # The review names the text it judged by its hash: it must be the
        # hash recomputed now from the stored version.
        "hash_matches_version": review.content_hash == version.compute_hash(),
        # Plain English as the clinician saw it at the approval (the target
        # may have changed since), with their reason when above it.
        "smog_grade": review.smog_grade,
        "smog_target": review.smog_target,
        "smog_reason": review.smog_reason,
    }


def _feedback(article: Article) -> list[dict[str, int]]:
    """Readers' yes and no answers per version read, oldest version first;
    empty when the feedback app is not installed (the domain does not
    depend on it, so it is looked up by name)."""
    if not apps.is_installed("feedback"):
        return []
    feedback = apps.get_model("feedback", "Feedback")
    rows = (
        feedback.objects.filter(article=article)
        .values("version")
        .annotate(yes=Count("pk", filter=Q(answer="yes")), no=Count("pk", filter=Q(answer="no")))
        .order_by("version")
    )
    return [{"version": row["version"], "yes": row["yes"], "no": row["no"]} for row in rows]


def _feedback_comments(article: Article) -> list[dict[str, Any]]:
    """Each reader's comment, and each triaged answer, with what was done
    about it (status, who, when, note), oldest first: how feedback was
    handled, not only how much there was."""
    if not apps.is_installed("feedback"):
        return []
    feedback = apps.get_model("feedback", "Feedback")
    rows = (
        feedback.objects.filter(article=article)
        .filter(~Q(comment="") | ~Q(status="new"))
        .select_related("triaged_by")
        .order_by("created_at", "pk")
    )
    return [
        {
            "version": row.version,
            "answer": row.answer,
            "received_at": _when(row.created_at),
            "comment": row.comment,
            "urgent": row.urgent,
            "status": row.status,
            "triaged_by": row.triaged_by.get_username() if row.triaged_by else None,
            "triaged_at": _when(row.triaged_at),
            "triage_note": row.triage_note,
        }
        for row in rows
    ]


def _outside_reviews(article: Article) -> list[dict[str, Any]]:
    """Outside experts' responses, oldest first, each marked advisory (a
    response never approves or publishes anything); empty when the
    outside_review app is not installed (looked up by name, as above)."""
    if not apps.is_installed("outside_review"):
        return []
    outside_review = apps.get_model("outside_review", "OutsideReview")
    rows = outside_review.objects.filter(article=article).order_by("created_at", "pk")
    return [
        {
            "advisory": True,
            "version": row.version,
            "compared_with_live_version": row.compared_with_version,
            "name": row.name,
            "role": row.role,
            "recommendation": row.recommendation,
            "comment": row.comment,
            "received_at": _when(row.created_at),
        }
        for row in rows
    ]


def build(article: Article, *, now: datetime | None = None) -> dict[str, Any]:
    """The evidence pack of ``article`` as a JSON-serialisable dict, in
    the shape of ``docs/schemas/evidence-pack.schema.json``. Versions and
    reviews are oldest first. Reads the database only; writes nothing.

    Queries: a fixed number, whatever the number of versions."""
    versions = {
        revision.pk: revision
        for revision in Revision.objects.filter(article=article)
        .select_related("created_by")
        .order_by("number")
    }
    reviews = list(
        Review.objects.filter(article=article)
        .select_related("reviewer")
        .order_by("created_at", "pk")
    )
    approvals: dict[int, list[Review]] = {}
    for review in reviews:
        if review.decision == Review.Decision.APPROVED:
            approvals.setdefault(review.revision_id, []).append(review)

    version_entries, approved_entries = [], []
    previous: dict[str, Any] = {}
    for revision in versions.values():
        recomputed = revision.compute_hash()
        version_entries.append({
            "number": revision.number,
            "title": revision.title,
            "slug": revision.slug,
            "author": _person(revision.created_by),
            "saved_at": _when(revision.created_at),
            "restores_version": revision.restored_from,
            "hash_scheme": revision.hash_scheme,
            "content_hash": revision.content_hash,
            "hash_intact": recomputed == revision.content_hash,
            "approved": revision.pk in approvals,
        })  # fmt: skip
        if revision.pk not in approvals:
            continue
        snapshot = revision.snapshot()
        first_approval = approvals[revision.pk][0]
        approved_entries.append({
            "version": revision.number,
            "approved_at": _when(first_approval.created_at),
            "approved_by": first_approval.reviewer_name
            or first_approval.reviewer.get_username(),
            "sources": list(revision.sources),
            "topics": list(revision.topics),
            "readability": _readability(revision.body),
            "changes_since_previous_approval": _field_diffs(previous, snapshot),
        })  # fmt: skip
        previous = snapshot
    # A correction is published by the approval that records it as its
    # public note (once: a later version keeping the same note republishes
    # nothing).
    corrections = [
        {
            "version": versions[review.revision_id].number,
            "note": review.public_note,
            "published_at": _when(review.created_at),
        }
        for review in reviews
        if review.decision == Review.Decision.APPROVED and review.public_note
    ]

    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": _when(now or timezone.now()),
        "guide": {
            "id": article.pk,
            "slug": article.live_slug or article.slug,
            "title": article.live_title or article.title,
            "status": article.status,
            "live_version": article.live_version,
            "first_published_at": _when(article.published_at),
            "last_reviewed_at": _when(article.last_reviewed),
            "next_review_due": _when(article.next_review_due),
            "review_interval_months": article.review_interval,
            # The full address (DJANGO_SITE_URL): a pack is read away from the site.
            "public_url": absolute_url(article.get_absolute_url()) if article.is_live else None,
            "clinical_owner": _clinician_name(article.clinical_owner),
        },
        "versions": version_entries,
        "reviews": [
            _review(
                review,
                versions,
                periodic=(
                    review.decision == Review.Decision.APPROVED
                    and approvals[review.revision_id][0] is not review
                ),
            )
            for review in reviews
        ],
        "approved_versions": approved_entries,
        "corrections": corrections,
        "feedback": _feedback(article),
        "feedback_comments": _feedback_comments(article),
        "outside_reviews": _outside_reviews(article),
    }


def to_html(pack: dict[str, Any]) -> str:
    """One HTML document for ``pack``: styles inline, no scripts, images or
    links to other files, so it opens from disk and prints to PDF."""
    return render_to_string("admin/articles/evidence_pack.html", {"pack": pack})


def sample(articles: Iterable[Article], size: int, *, seed: int | None = None) -> list[Article]:
    """An auditor's random sample of ``size`` guides (all of them when
    there are fewer), in a stable order (by slug). ``seed`` makes it
    repeatable; without it every call draws anew.

    Raises ValueError when ``size`` is less than 1."""
    if size < 1:
        raise ValueError("The sample size must be at least 1.")
    pool: Sequence[Article] = list(articles)
    chosen = random.Random(seed).sample(list(pool), min(size, len(pool)))  # noqa: S311 - not security
    return sorted(chosen, key=lambda article: article.live_slug or article.slug)

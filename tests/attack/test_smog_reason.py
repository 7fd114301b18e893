"""Attacks on the SMOG target's reason (articles.workflow approve and
confirm_still_accurate with ``smog_reason``): what the record and the
versions page say must be true, and the reason must be one a person can read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles import workflow
from articles.models import Article, Review
from tests.factories import make_article, make_clinician, make_editor

pytestmark = pytest.mark.django_db

HARD = (
    "## Benzodiazepine dependency\n\n"
    "Benzodiazepine medication dependency necessitates individualised pharmacological "
    "evaluation. Discontinuation symptoms occasionally necessitate additional "
    "consultation. Anticonvulsant alternatives are occasionally considered appropriate.\n"
)
EASY = "## Sleep\n\nGo to bed at the same time. Keep the room dark. Ask your GP for help.\n"


def in_review(body: str) -> Article:
    editor = make_editor("ed")
    article = make_article(live=False, author=editor, body=body)
    workflow.submit(article=article, user=editor)
    return Article.objects.get(pk=article.pk)


def read(article: Article) -> dict:
    latest = workflow.latest_revision(article)
    return {"version": latest.number, "content_hash": latest.content_hash}


def test_a_reason_given_within_the_target_is_not_shown_as_an_approval_above_it(client):
    """FAILS on 7e1621e: _smog_reason keeps a reason given for a version
    within the target (a forged POST of the approve form, or ``workflow
    approve --smog-reason`` given out of habit), and the versions page and
    the evidence pack show any recorded reason as "Approved at SMOG 3.1,
    above the target of 10, because: …", a false statement in the audit
    record. Fix: record "" (or refuse) when the version is not above the
    target, and show the sentence only when smog_grade > smog_target."""
    article = in_review(EASY)
    reviewer = make_clinician("dr")
    workflow.approve(article=article, reviewer=reviewer, **read(article), smog_reason="Habit.")
    review = Review.objects.get(article=article)
    assert review.smog_grade is not None
    assert review.smog_grade <= review.smog_target
    client.force_login(reviewer)
    page = client.get(reverse("admin:articles_article_versions", args=[article.pk]))
    assert page.status_code == 200
    assert "above the target" not in page.content.decode()
    assert review.smog_reason == ""


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\u200b\u200c\u200d", "\u2060", "\ufeff", "\u00ad", "\u2800", "\u3164"],
)
def test_an_invisible_reason_does_not_count_as_a_reason(invisible):
    """FAILS on 7e1621e: the reason is normalised with str.split(), which
    does not treat zero-width characters, the soft hyphen, the Braille blank
    or the Hangul filler as space, so a "reason" nobody can see is accepted
    and the database constraint (smog_reason <> '') is met. Fix: strip
    characters of Unicode categories Cf/Zs/Mn-only and blank-looking ones
    before checking, or require at least one letter or digit."""
    article = in_review(HARD)
    with pytest.raises(workflow.WorkflowError):
        workflow.approve(
            article=article,
            reviewer=make_clinician("dr"),
            **read(article),
            smog_reason=invisible,
        )
    assert not Review.objects.filter(article=article).exists()

"""Plain English that clinicians can steer by (issue 15, item 4): a site-wide
SMOG target, and a one-line reason from the clinician for approving a
version above it, on every path that approves, kept with the review and in
the evidence pack."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import override_settings

from articles import evidence, workflow
from articles.models import Article, Review
from tests.factories import edit, make_article, make_clinician, make_editor

pytestmark = pytest.mark.django_db
SCHEMA = json.loads(Path(evidence.SCHEMA_PATH).read_text(encoding="utf-8"))

# Long words in every sentence: SMOG well above 10.
HARD = (
    "## Benzodiazepine dependency\n\n"
    "Benzodiazepine medication dependency necessitates individualised pharmacological "
    "evaluation. Discontinuation symptoms occasionally necessitate additional "
    "consultation. Anticonvulsant alternatives are occasionally considered appropriate.\n"
)
EASY = "## Sleep\n\nGo to bed at the same time. Keep the room dark. Ask your GP for help.\n"
REASON = "Drug names and their effects have no shorter words."


def in_review(body: str) -> Article:
    editor = make_editor("ed")
    article = make_article(live=False, author=editor, body=body)
    workflow.submit(article=article, user=editor)
    return Article.objects.get(pk=article.pk)


def read(article: Article) -> dict:
    latest = workflow.latest_revision(article)
    return {"version": latest.number, "content_hash": latest.content_hash}


def test_the_hard_passage_is_above_the_default_target_and_the_easy_one_within():
    """The fixtures of these tests say what their names say."""
    article = in_review(HARD)
    assert workflow.plain_english(workflow.latest_revision(article)).above_target
    easy = in_review(EASY)
    figures = workflow.plain_english(workflow.latest_revision(easy))
    assert not figures.above_target
    assert figures.target == 10


def test_approving_above_the_target_without_a_reason_is_refused_and_changes_nothing():
    article = in_review(HARD)
    with pytest.raises(workflow.WorkflowError, match="above the site's target of 10") as refused:
        workflow.approve(article=article, reviewer=make_clinician("dr"), **read(article),
                         comment="Checked against NICE.")  # fmt: skip
    assert "one-line reason" in str(refused.value)
    assert "comment is kept" in str(refused.value)
    after = Article.objects.get(pk=article.pk)
    assert after.status == Article.Status.IN_REVIEW
    assert after.live_version is None
    assert not Review.objects.filter(article=article).exists()


def test_who_may_approve_is_checked_before_the_reason():
    """The change's own author is told so, not asked for a reason."""
    clinician = make_clinician("writer")
    article = make_article(live=False, author=clinician, body=HARD)
    workflow.submit(article=article, user=make_editor("ed"))
    with pytest.raises(workflow.WorkflowError, match="another clinician"):
        workflow.approve(article=article, reviewer=clinician, **read(article))


def test_a_blank_reason_is_no_reason():
    article = in_review(HARD)
    with pytest.raises(workflow.WorkflowError, match="SMOG grade"):
        workflow.approve(article=article, reviewer=make_clinician("dr"), **read(article),
                         smog_reason="  \n ")  # fmt: skip


@pytest.mark.parametrize("reason", [".", "ok", "see above", "-- --- !!", "n/a"])
def test_a_token_reason_is_no_reason(reason):
    """An auditor must be able to read why: fewer than three words is refused."""
    article = in_review(HARD)
    with pytest.raises(workflow.WorkflowError, match="at least 3 words"):
        workflow.approve(article=article, reviewer=make_clinician("dr"), **read(article),
                         smog_reason=reason)  # fmt: skip
    assert Article.objects.get(pk=article.pk).live_version is None


def test_a_reason_longer_than_one_line_of_200_characters_is_refused():
    article = in_review(HARD)
    with pytest.raises(workflow.WorkflowError, match="at most 200"):
        workflow.approve(article=article, reviewer=make_clinician("dr"), **read(article),
                         smog_reason="x" * 201)  # fmt: skip
    assert Article.objects.get(pk=article.pk).live_version is None


def test_approving_above_the_target_with_a_reason_records_it_with_the_grade_and_target():
    article = in_review(HARD)
    review = workflow.approve(article=article, reviewer=make_clinician("dr"), **read(article),
                              smog_reason=f"  {REASON}\n")  # fmt: skip
    review.refresh_from_db()
    assert review.smog_reason == REASON, "kept on one line, trimmed"
    assert review.smog_target == 10
    assert review.smog_grade == workflow.plain_english(review.revision).grade > 10
    assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED


def test_approving_within_the_target_needs_no_reason_and_records_the_grade():
    article = in_review(EASY)
    review = workflow.approve(article=article, reviewer=make_clinician("dr"), **read(article))
    assert review.smog_reason == ""
    assert review.smog_grade is not None
    assert review.smog_grade <= review.smog_target == 10


@override_settings(ARTICLE_SMOG_TARGET=20)
def test_the_target_is_the_sites_setting():
    article = in_review(HARD)
    review = workflow.approve(article=article, reviewer=make_clinician("dr"), **read(article))
    assert review.smog_target == 20
    assert review.smog_reason == ""


def test_confirming_live_text_above_the_target_needs_a_reason_too():
    """Confirming the live text still accurate is an approval of it."""
    article = in_review(HARD)
    workflow.approve(article=article, reviewer=make_clinician("dr"), **read(article),
                     smog_reason=REASON)  # fmt: skip
    other = make_clinician("other")
    with pytest.raises(workflow.WorkflowError, match="SMOG grade"):
        workflow.confirm_still_accurate(article=article, reviewer=other, **read(article))
    review = workflow.confirm_still_accurate(article=article, reviewer=other, **read(article),
                                             smog_reason="Still the plainest wording.")  # fmt: skip
    assert review.smog_reason == "Still the plainest wording."


def test_the_database_refuses_an_approval_above_the_target_without_a_reason():
    """The rule holds even for a write that bypasses the workflow."""
    article = in_review(EASY)
    review = workflow.approve(article=article, reviewer=make_clinician("dr"), **read(article))
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(smog_grade=12.5, smog_target=10, smog_reason="")


def test_every_approving_step_of_the_registry_takes_the_reason():
    """The admin's buttons and the workflow command pass the registry's
    parameters: each step that records an approval takes ``smog_reason``."""
    approving = {"approve", "confirm_accurate"}
    for name in approving:
        assert "smog_reason" in workflow.STEPS[name].parameters
    assert not any(step.bulk for name, step in workflow.STEPS.items() if name in approving), (
        "a bulk action would approve without asking for the reason"
    )


# The admin ------------------------------------------------------------------


def change_form(client, article: Article) -> str:
    return client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()


def test_the_approve_form_asks_for_the_reason_only_above_the_target(client):
    client.force_login(make_clinician("dr"))
    html = change_form(client, in_review(HARD))
    assert 'name="smog_reason"' in html
    assert "above the site's target of 10" in html
    assert 'maxlength="200" required' in html
    assert 'name="smog_reason"' not in change_form(client, in_review(EASY))


def test_the_readability_notes_state_the_target(client):
    client.force_login(make_clinician("dr"))
    html = change_form(client, in_review(EASY))
    assert "The site's target is a SMOG grade of 10 or less" in html


def test_the_admin_refuses_an_approval_above_the_target_without_a_reason_and_keeps_the_comment(
    client,
):
    article = in_review(HARD)
    client.force_login(make_clinician("dr"))
    url = f"/admin/articles/article/{article.pk}/workflow/approve/"
    response = client.post(url, {**read(article), "comment": "Dose table checked."}, follow=True)
    html = response.content.decode()
    assert "one-line reason" in html
    assert "Dose table checked.</textarea>" in html, "the typed comment is shown again"
    assert Article.objects.get(pk=article.pk).live_version is None
    client.post(url, {**read(article), "comment": "Dose table checked.", "smog_reason": REASON})
    assert Review.objects.get(article=article).smog_reason == REASON


def test_the_kept_comment_is_shown_once_and_only_on_its_guide(client):
    article, other = in_review(HARD), in_review(HARD)
    client.force_login(make_clinician("dr"))
    client.post(f"/admin/articles/article/{article.pk}/workflow/approve/",
                {**read(article), "comment": "Kept text."})  # fmt: skip
    assert "Kept text." not in change_form(client, other)
    client.post(f"/admin/articles/article/{article.pk}/workflow/approve/",
                {**read(article), "comment": "Kept text."})  # fmt: skip
    assert "Kept text." in change_form(client, article)
    assert "Kept text." not in change_form(client, article)


# The command ----------------------------------------------------------------


def test_the_workflow_command_refuses_an_approval_above_the_target_without_a_reason(capsys):
    article = in_review(HARD)
    make_clinician("dr")
    call_command("workflow", "show", article.slug)
    shown = json.loads(capsys.readouterr().out)
    assert shown["needs_smog_reason"] is True
    assert shown["smog_target"] == 10
    options = ["--user", "dr", "--revision", str(shown["version"]), "--hash",
               shown["content_hash"]]  # fmt: skip
    with pytest.raises(CommandError, match="one-line reason"):
        call_command("workflow", "approve", article.slug, *options)
    call_command("workflow", "approve", article.slug, *options, "--smog-reason", REASON)
    assert Review.objects.get(article=article).smog_reason == REASON


# The evidence pack ------------------------------------------------------------


def test_the_evidence_pack_carries_the_grade_target_and_reason_and_validates():
    article = in_review(HARD)
    workflow.approve(article=article, reviewer=make_clinician("dr"), **read(article),
                     smog_reason=REASON)  # fmt: skip
    edit(article, make_editor("ed"), body=EASY)
    workflow.submit(article=article, user=make_editor("ed"))
    article = Article.objects.get(pk=article.pk)
    workflow.request_changes(article=article, reviewer=make_clinician("dr"), comment="Shorter.")
    pack = evidence.build(Article.objects.get(pk=article.pk))
    jsonschema.validate(pack, SCHEMA)
    approval, request = pack["reviews"]
    assert approval["smog_reason"] == REASON
    assert approval["smog_target"] == 10
    assert approval["smog_grade"] > 10
    assert request["smog_grade"] is None
    assert request["smog_reason"] == ""
    html = evidence.to_html(pack)
    assert f"above the target because: {REASON}" in html


def test_the_versions_page_shows_the_reason_with_the_review(client):
    """The guide's review history says why it was approved above the target."""
    article = in_review(HARD)
    workflow.approve(article=article, reviewer=make_clinician("dr"), **read(article),
                     smog_reason=REASON)  # fmt: skip
    client.force_login(make_clinician("auditor"))
    page = client.get(f"/admin/articles/article/{article.pk}/versions/").content.decode()
    assert "above the target of 10" in page
    assert REASON in page

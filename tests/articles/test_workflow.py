"""The clinical review workflow: states, four-eyes, exact-content approvals,
live and working copies, the review cycle and concurrent edits."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from articles import workflow
from articles.models import Article, Review, Revision
from articles.signals import workflow_step_done
from healthsite.logs import JsonFormatter
from tests.factories import (
    approve,
    edit,
    make_article,
    make_clinician,
    make_editor,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db
Status = Article.Status
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def editor():
    return make_editor("eddie")


@pytest.fixture
def clinician():
    return make_clinician("cleo")


def in_state(status: str, editor, clinician) -> Article:
    """An article brought to ``status`` through the workflow only."""
    article = make_article(live=False, author=editor)
    if status == Status.DRAFT:
        return article
    workflow.submit(article=article, user=editor)
    if status == Status.IN_REVIEW:
        return Article.objects.get(pk=article.pk)
    if status == Status.CHANGES_REQUESTED:
        workflow.request_changes(article=article, reviewer=clinician, comment="Fix the dose.")
        return Article.objects.get(pk=article.pk)
    approve(article, clinician)
    if status == Status.PUBLISHED:
        return Article.objects.get(pk=article.pk)
    workflow.archive(article=article, user=editor)
    return Article.objects.get(pk=article.pk)


def snapshot(article: Article) -> tuple:
    article = Article.objects.get(pk=article.pk)
    return (
        article.status,
        article.live_version,
        article.live_body_html,
        article.lock_version,
        article.last_reviewed,
        Revision.objects.filter(article=article).count(),
        Review.objects.filter(article=article).count(),
    )


# The happy path -------------------------------------------------------------------


def test_a_draft_goes_through_review_to_the_public_site(editor, clinician):
    """draft → in review → published, with the approval recorded."""
    article = make_article(live=False, author=editor, body="## Dose\n\nOne tablet.")
    assert not Article.objects.published().filter(pk=article.pk).exists()

    workflow.submit(article=article, user=editor)
    review = approve(article, clinician, comment="Accurate.")

    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert Article.objects.published().filter(pk=article.pk).exists()
    assert "One tablet." in article.live_body_html
    assert review.decision == Review.Decision.APPROVED
    assert review.reviewer == clinician
    assert review.revision == article.live_revision
    assert review.content_hash == article.live_revision.content_hash


def test_changes_requested_then_edited_then_resubmitted(editor, clinician):
    """in review → changes requested → (edited) → in review."""
    article = in_state(Status.CHANGES_REQUESTED, editor, clinician)
    edit(article, editor, body="Corrected text.")
    assert Article.objects.get(pk=article.pk).status == Status.CHANGES_REQUESTED
    workflow.submit(article=article, user=editor)
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_archived_articles_leave_the_public_site_and_come_back_as_drafts(editor, clinician):
    article = in_state(Status.PUBLISHED, editor, clinician)
    workflow.archive(article=article, user=editor)
    article.refresh_from_db()
    assert article.status == Status.ARCHIVED
    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert article.revisions.exists(), "archiving keeps every version"

    workflow.restore(article=article, user=editor)
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert not Article.objects.published().filter(pk=article.pk).exists()


# Illegal steps ---------------------------------------------------------------------

ALL_STATES = [Status.DRAFT, Status.IN_REVIEW, Status.CHANGES_REQUESTED, Status.PUBLISHED,
              Status.ARCHIVED]  # fmt: skip
LEGAL_FROM = {
    "submit": {Status.DRAFT, Status.CHANGES_REQUESTED},
    # From published: the periodic review of the live, unchanged text
    # (issue 11: a never-reviewed live guide is due now, so a clinician must
    # be able to review it).
    "approve": {Status.IN_REVIEW, Status.PUBLISHED},
    # The same periodic review, as the admin offers it (issue 13).
    "confirm_accurate": {Status.PUBLISHED},
    "request_changes": {Status.IN_REVIEW},
    "archive": {Status.PUBLISHED},
    "restore": {Status.ARCHIVED},
}


def test_every_step_but_confirming_a_rendering_has_its_states_here():
    """A new step in workflow.STEPS must say here which states it starts from."""
    assert set(LEGAL_FROM) == set(workflow.STEPS) - {"confirm_rendering"}


def run_step(step: str, article: Article, editor, clinician) -> object:
    """Take ``step`` as the workflow's registry describes it: a clinician
    for the reviewer's steps, the editor otherwise, approving exactly the
    latest version."""
    chosen = workflow.STEPS[step]
    latest = workflow.latest_revision(article)
    given = {"version": latest.number, "content_hash": latest.content_hash,
             "comment": "Please fix.", "smog_reason": ""}  # fmt: skip
    actor = clinician if chosen.actor == "reviewer" else editor
    return chosen.run(article=article, actor=actor,
                      **{name: given[name] for name in chosen.parameters})  # fmt: skip


ILLEGAL = [
    (step, status) for step in sorted(LEGAL_FROM) for status in ALL_STATES
    if status not in LEGAL_FROM[step]
]  # fmt: skip


@pytest.mark.parametrize(("step", "status"), ILLEGAL)
def test_every_illegal_step_from_every_state_is_refused_and_changes_nothing(
    step, status, editor, clinician
):
    """Each step is allowed only from its own states; otherwise a readable
    WorkflowError is raised and the article, its versions and reviews are
    untouched."""
    article = in_state(status, editor, clinician)
    before = snapshot(article)
    with pytest.raises(workflow.WorkflowError) as error:
        run_step(step, article, editor, clinician)
    assert article.title in str(error.value) or "cannot" in str(error.value)
    assert snapshot(article) == before


@pytest.mark.parametrize("step", sorted(LEGAL_FROM))
def test_every_legal_step_succeeds_from_its_states(step, editor, clinician):
    for status in LEGAL_FROM[step]:
        article = in_state(status, editor, clinician)
        run_step(step, article, editor, clinician)
        if status == Status.PUBLISHED and step in {"approve", "confirm_accurate"}:
            # The periodic review: the live text stays, the review date moves.
            after = Article.objects.get(pk=article.pk)
            assert after.last_reviewed > article.last_reviewed
            assert after.live_version == article.live_version
            continue
        assert Article.objects.get(pk=article.pk).status != status


# Domain events --------------------------------------------------------------------

# The state each step is tried from: its first legal state, or a live guide
# whose rendering is waiting for a clinician.
FROM_STATE = {step: sorted(LEGAL_FROM.get(step, {Status.PUBLISHED}))[0] for step in workflow.STEPS}


@pytest.fixture
def steps_done():
    """Every workflow_step_done received, as its keyword arguments."""
    received: list[dict] = []

    def receiver(sender, **kwargs):
        received.append({"sender": sender, **kwargs})

    workflow_step_done.connect(receiver, weak=False, dispatch_uid="test-steps-done")
    yield received
    workflow_step_done.disconnect(dispatch_uid="test-steps-done")


def ready_for(step: str, editor, clinician) -> Article:
    article = in_state(FROM_STATE[step], editor, clinician)
    if step == "confirm_rendering":
        Article.objects.filter(pk=article.pk).update(render_change_note="Lists changed.")
        article = Article.objects.get(pk=article.pk)
    return article


@pytest.mark.parametrize("step", list(workflow.STEPS))
def test_each_successful_step_sends_workflow_step_done_once_after_commit(
    step, editor, clinician, steps_done, django_capture_on_commit_callbacks
):
    article = ready_for(step, editor, clinician)
    acted_on = workflow.latest_revision(article)
    with django_capture_on_commit_callbacks() as callbacks:
        run_step(step, article, editor, clinician)
    assert steps_done == [], "nothing is announced before the step commits"

    for callback in callbacks:
        callback()

    assert len(steps_done) == 1
    (done,) = steps_done
    actor = clinician if workflow.STEPS[step].actor == "reviewer" else editor
    assert done["sender"] is Article
    assert done["step"] == step
    assert done["article"].pk == article.pk
    assert done["revision"] == acted_on
    assert done["actor"] == actor


@pytest.mark.parametrize("step", sorted(LEGAL_FROM))
def test_a_refused_step_sends_no_workflow_step_done(
    step, editor, clinician, steps_done, django_capture_on_commit_callbacks
):
    refused_from = next(status for status in ALL_STATES if status not in LEGAL_FROM[step])
    article = in_state(refused_from, editor, clinician)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(workflow.WorkflowError):
        run_step(step, article, editor, clinician)
    assert steps_done == []


def test_a_step_logs_one_line_with_the_actor_guide_version_and_step(
    editor, clinician, caplog, django_capture_on_commit_callbacks
):
    article = in_state(Status.IN_REVIEW, editor, clinician)
    latest = workflow.latest_revision(article)
    with (
        caplog.at_level(logging.INFO, logger="articles.workflow"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        approve(article, clinician)

    (record,) = [r for r in caplog.records if r.name == "articles.workflow"]
    line = json.loads(JsonFormatter().format(record))
    assert line["logger"] == "articles.workflow"
    assert {key: line[key] for key in
            ("step", "actor", "actor_id", "guide_id", "guide_slug", "version")} == {
        "step": "approve", "actor": "cleo", "actor_id": clinician.pk, "guide_id": article.pk,
        "guide_slug": article.slug, "version": latest.number,
    }  # fmt: skip
    assert "cleo" in line["message"]
    assert article.slug in line["message"]


def test_request_changes_needs_a_comment(editor, clinician):
    article = in_state(Status.IN_REVIEW, editor, clinician)
    before = snapshot(article)
    with pytest.raises(workflow.WorkflowError, match="comment is required"):
        workflow.request_changes(article=article, reviewer=clinician, comment="  ")
    assert snapshot(article) == before


def test_the_text_of_an_article_in_review_cannot_change(editor, clinician):
    article = in_state(Status.IN_REVIEW, editor, clinician)
    before = snapshot(article)
    with pytest.raises(workflow.WorkflowError, match="in clinical review"):
        edit(article, editor, body="Sneaky change.")
    assert snapshot(article) == before


# Four eyes ----------------------------------------------------------------------------


def test_approval_requires_membership_of_clinical_reviewers(editor):
    other_editor = make_editor("other")
    article = make_article(live=False, author=editor)
    workflow.submit(article=article, user=editor)
    before = snapshot(article)
    with pytest.raises(workflow.WorkflowError, match="Clinical reviewers"):
        approve(article, other_editor)
    assert snapshot(article) == before


def test_a_clinician_cannot_approve_a_change_they_wrote(clinician):
    article = make_article(live=False, author=clinician)
    workflow.submit(article=article, user=make_editor())
    before = snapshot(article)
    with pytest.raises(workflow.WorkflowError, match="another clinician must approve"):
        approve(article, clinician)
    assert snapshot(article) == before


def test_a_clinician_who_wrote_any_part_of_the_pending_change_cannot_approve_it(editor, clinician):
    """One edit among several is enough to disqualify the approver."""
    article = make_article(live=False, author=editor)
    edit(article, clinician, body="A clinician's wording.")
    edit(article, editor, body="The editor's final wording.")
    workflow.submit(article=article, user=editor)
    with pytest.raises(workflow.WorkflowError, match="another clinician"):
        approve(article, clinician)


def test_edits_approved_earlier_do_not_disqualify_their_author_later(editor, clinician):
    """Four eyes covers the version being approved, not the whole history."""
    second = make_clinician("sam")
    article = make_article(live=False, author=clinician)
    workflow.submit(article=article, user=editor)
    approve(article, second)
    edit(article, editor, body="A later change by the editor.")
    workflow.submit(article=article, user=editor)
    approve(article, clinician)
    assert Article.objects.get(pk=article.pk).reviewed_by == clinician


def test_a_superuser_who_is_not_a_clinician_cannot_approve(editor):
    """Issue 11, fault 6 (changed behaviour: superusers were counted as
    clinicians): being a superuser gives no clinical sign-off, for their
    own change or anyone else's."""
    boss = make_user("boss", superuser=True)
    article = make_article(live=False, author=boss)
    workflow.submit(article=article, user=boss)
    with pytest.raises(workflow.WorkflowError, match="Clinical reviewers"):
        approve(article, boss)
    other = make_article(live=False, author=editor)
    workflow.submit(article=other, user=editor)
    before = snapshot(other)
    with pytest.raises(workflow.WorkflowError, match="Clinical reviewers"):
        approve(other, boss)
    assert snapshot(other) == before
    assert Article.objects.get(pk=other.pk).status == Status.IN_REVIEW


def test_the_four_eyes_rule_applies_to_a_clinician_who_is_also_a_superuser(editor):
    boss = make_clinician("boss")
    boss.is_superuser = True
    boss.save()
    article = make_article(live=False, author=boss)
    workflow.submit(article=article, user=boss)
    with pytest.raises(workflow.WorkflowError, match="another clinician"):
        approve(article, boss)


# Approvals belong to exact content -----------------------------------------------------


def test_approving_a_version_other_than_the_latest_is_refused(editor, clinician):
    article = make_article(live=False, author=editor, body="First.")
    seen = article.revisions.get()
    edit(article, editor, body="Second.")
    workflow.submit(article=article, user=editor)
    before = snapshot(article)
    with pytest.raises(workflow.WorkflowError, match="text changed after you opened it"):
        workflow.approve(
            article=article, reviewer=clinician, version=seen.number, content_hash=seen.content_hash
        )
    assert snapshot(article) == before


def test_an_approval_records_the_hash_of_every_public_field_of_the_version(editor, clinician):
    """Changed by issue 11 (the hash covered title, summary and body only):
    the recorded hash is recomputable from the stored version's public
    fields, and differs when any one of them differs."""
    article = make_article(live=False, author=editor, title="T", summary="S", body="B",
                           correction_note="N")  # fmt: skip
    workflow.submit(article=article, user=editor)
    review = approve(article, clinician)
    from articles.models import content_hash

    fields = {"title": "T", "slug": article.slug, "summary": "S", "body": "B", "topics": [],
              "sources": [], "correction_note": "N"}  # fmt: skip
    assert review.content_hash == content_hash(**fields) == review.revision.compute_hash()
    for name in fields:
        other = {**fields, name: ["x"] if isinstance(fields[name], list) else "x"}
        assert content_hash(**other) != review.content_hash, name


def test_a_later_edit_is_not_covered_by_the_earlier_approval(editor, clinician):
    """Once the content changes, the approval no longer applies: the public
    keeps the approved text and the article needs review again."""
    article = in_state(Status.PUBLISHED, editor, clinician)
    approved_html = article.live_body_html
    edit(article, editor, body="Unreviewed new advice.")
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert article.live_body_html == approved_html
    assert article.live_revision.content_hash != article.working_hash()


# Live and working copies ------------------------------------------------------------


def test_editing_a_published_article_never_changes_what_the_public_sees(
    client, editor, clinician, django_capture_on_commit_callbacks
):
    article = make_article(author=editor, reviewer=clinician, body="Approved advice.")
    with django_capture_on_commit_callbacks(execute=True):
        edit(article, editor, title="New title", summary="New summary.", body="Unapproved advice.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Approved advice." in html
    assert "Unapproved advice." not in html
    assert "New title" not in html

    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(article=article, user=editor)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Unapproved advice." not in html

    with django_capture_on_commit_callbacks(execute=True):
        approve(article, clinician)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Unapproved advice." in html
    assert "New title" in html


def test_revert_makes_an_earlier_version_the_working_copy_as_a_new_version(editor):
    article = make_article(live=False, author=editor, body="One.")
    edit(article, editor, body="Two.")
    first = article.revisions.get(number=1)
    new = workflow.revert(article=article, user=editor, revision=first)
    article.refresh_from_db()
    assert article.body == "One."
    assert new.number == 3
    assert new.content_hash == first.content_hash


def test_revert_refuses_a_version_of_another_article(editor):
    article = make_article(live=False, author=editor)
    stranger = make_article(live=False, author=editor).revisions.get()
    with pytest.raises(workflow.WorkflowError, match="another article"):
        workflow.revert(article=article, user=editor, revision=stranger)


# Concurrent editing --------------------------------------------------------------------


def test_the_second_of_two_concurrent_saves_is_refused(editor):
    """Optimistic locking: both editors opened version N; the second save
    finds N+1 and writes nothing."""
    other = make_editor("olive")
    article = make_article(live=False, author=editor, body="Original.")
    first = Article.objects.get(pk=article.pk)
    second = Article.objects.get(pk=article.pk)
    opened_at = first.lock_version

    first.body = "Eddie's text."
    workflow.save_working_copy(article=first, user=editor, expected_version=opened_at)
    second.body = "Olive's text."
    with pytest.raises(workflow.EditConflictError, match="eddie changed this article"):
        workflow.save_working_copy(article=second, user=other, expected_version=opened_at)

    stored = Article.objects.get(pk=article.pk)
    assert stored.body == "Eddie's text."
    assert stored.revisions.count() == 2
    assert second.body == "Olive's text.", "the refused text is still in hand"


def history_rows(article: Article) -> int:
    return Article.history.filter(id=article.pk).count()


def test_each_edit_writes_one_history_row(editor):
    """django-simple-history writes a row per save: an edit, whatever it
    changes (text, topics, sources, a revert), saves the article once."""
    topic = make_topic(name="Pain")
    new = Article(title="New guide", slug="new-guide", summary="S.", body="One.\n")
    workflow.save_working_copy(article=new, user=editor, expected_version=None, topics=[topic],
                               sources=[{"title": "BNF", "url": "https://bnf.example/"}])  # fmt: skip
    assert history_rows(new) == 1

    before = history_rows(new)
    edit(new, editor, body="Two.\n")
    assert history_rows(new) == before + 1

    before = history_rows(new)
    current = Article.objects.get(pk=new.pk)
    current.title = "Renamed guide"
    workflow.save_working_copy(article=current, user=editor,
                               expected_version=current.lock_version, topics=[],
                               sources=[{"title": "NICE", "url": "https://nice.example/"}])  # fmt: skip
    assert history_rows(new) == before + 1

    before = history_rows(new)
    workflow.revert(article=new, user=editor, revision=new.revisions.get(number=1))
    assert history_rows(new) == before + 1


# The review cycle ----------------------------------------------------------------------


def test_approval_sets_last_reviewed_and_next_review_due(editor, clinician, settings):
    settings.ARTICLE_REVIEW_INTERVAL_MONTHS = 12
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=LONDON), tick=False):
        article = make_article(author=editor, reviewer=clinician)
    assert article.last_reviewed == datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)
    assert article.next_review_due == date(2027, 3, 10)
    assert article.reviewed_by == clinician


def test_an_article_can_override_the_review_interval(editor, clinician):
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=LONDON), tick=False):
        article = make_article(author=editor, reviewer=clinician, review_interval_months=6)
    assert article.next_review_due == date(2026, 9, 10)


def test_edits_move_updated_at_but_never_last_reviewed(editor, clinician):
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=LONDON), tick=False):
        article = make_article(author=editor, reviewer=clinician)
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=LONDON), tick=False):
        edit(article, editor, body="A typo fixed.")
    article.refresh_from_db()
    assert article.updated_at == datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
    assert article.last_reviewed == datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)
    assert article.next_review_due == date(2027, 3, 10)


def test_overdue_and_due_soon_querysets_use_the_next_review_date(editor, clinician):
    with time_machine.travel(datetime(2025, 1, 1, 12, 0, tzinfo=LONDON), tick=False):
        overdue = make_article(author=editor, reviewer=clinician)
    with time_machine.travel(datetime(2025, 12, 1, 12, 0, tzinfo=LONDON), tick=False):
        soon = make_article(author=editor, reviewer=clinician)
    with time_machine.travel(datetime(2026, 6, 1, 12, 0, tzinfo=LONDON), tick=False):
        make_article(author=editor, reviewer=clinician)
    today = date(2026, 11, 21)
    assert list(Article.objects.review_overdue(today)) == [overdue]
    assert list(Article.objects.review_due_within(30, today)) == [soon]


def test_review_queue_lists_articles_in_review_the_clinician_did_not_write(editor, clinician):
    with time_machine.travel(datetime(2026, 1, 2, tzinfo=LONDON)):
        older = in_state(Status.IN_REVIEW, editor, clinician)
    with time_machine.travel(datetime(2026, 1, 5, tzinfo=LONDON)):
        newer = in_state(Status.IN_REVIEW, editor, clinician)
    own = make_article(live=False, author=clinician)
    workflow.submit(article=own, user=editor)
    in_state(Status.DRAFT, editor, clinician)
    assert list(Article.objects.review_queue_for(clinician)) == [older, newer]


# Corrections ----------------------------------------------------------------------------


def test_a_correction_note_is_published_once_with_the_approval_of_its_change(
    client, editor, clinician
):
    """Changed by issue 11: the note is part of the version (its hash covers
    it), so approval no longer clears it from the working copy (that would
    make the working copy differ from the approved version). It is
    published once: a later approval of a version carrying the same note
    adds no second entry."""
    article = make_article(author=editor, reviewer=clinician)
    edit(article, editor, body="Corrected dose.", correction_note="We corrected the dose.")
    workflow.submit(article=article, user=editor)
    review = approve(article, clinician)
    assert review.public_note == "We corrected the dose."
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Changes to this page" in html
    assert "We corrected the dose." in html
    edit(article, editor, body="Corrected dose, and a typo fixed.")
    workflow.submit(article=article, user=editor)
    assert approve(article, clinician).public_note == ""
    assert len(Article.objects.get(pk=article.pk).live_corrections) == 1


# Deletion -----------------------------------------------------------------------------


def test_editors_delete_never_published_drafts(editor):
    article = make_article(live=False, author=editor)
    workflow.delete(article=article, user=editor)
    assert not Article.objects.filter(pk=article.pk).exists()


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.ARCHIVED])
def test_editors_cannot_delete_published_or_archived_articles(status, editor, clinician):
    article = in_state(status, editor, clinician)
    before = snapshot(article)
    with pytest.raises(workflow.WorkflowError, match="Archive it instead"):
        workflow.delete(article=article, user=editor)
    assert snapshot(article) == before


# The fixtures -----------------------------------------------------------------------------


def test_seed_guides_are_live_through_an_approval_by_the_named_demo_reviewer(guides, client):
    """No fixture publishes: the seeds go live by the workflow's approval, by
    a reviewer whose public name says it is not a clinician (issue 11, fault 4;
    this pinned "live but never reviewed" before)."""
    from articles.management.commands.seed_demo import DEMO_REVIEWER, DEMO_REVIEWER_NAME

    assert Review.objects.count() == 2
    for article in Article.objects.all():
        assert article.is_live
        review = article.reviews.get()
        assert review.reviewer.username == DEMO_REVIEWER
        assert review.revision.number == article.live_version
        assert review.content_hash == review.revision.content_hash
        assert not review.reviewer.has_usable_password()
        html = client.get(article.get_absolute_url()).content.decode()
        assert DEMO_REVIEWER_NAME in html


def test_the_workflow_command_refuses_self_approval(editor, clinician):
    from django.core.management.base import CommandError

    article = make_article(live=False, author=clinician)
    workflow.submit(article=article, user=editor)
    latest = workflow.latest_revision(article)
    read = ["--revision", str(latest.number), "--hash", latest.content_hash]
    with pytest.raises(CommandError, match="another clinician"):
        call_command("workflow", "approve", article.slug, "--user", clinician.username, *read)
    call_command("workflow", "approve", article.slug, "--user", make_clinician("sam").username,
                 *read)  # fmt: skip
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED


def test_the_workflow_command_takes_every_step_of_the_registry(editor, clinician):
    """Each step of workflow.STEPS runs from the command line by its name
    ("-" for "_"), with the parameters it takes from the options."""
    from articles.management.commands.workflow import STEPS as COMMAND_STEPS

    for step in workflow.STEPS:
        article = ready_for(step, editor, clinician)
        latest = workflow.latest_revision(article)
        actor = clinician if workflow.STEPS[step].actor == "reviewer" else editor
        before = snapshot(article), article.render_change_note
        call_command("workflow", step.replace("_", "-"), article.slug, "--user", actor.username,
                     "--revision", str(latest.number), "--hash", latest.content_hash,
                     "--comment", "Please fix.")  # fmt: skip
        after = Article.objects.get(pk=article.pk)
        assert (snapshot(after), after.render_change_note) != before, step
        assert COMMAND_STEPS[step.replace("_", "-")] == step

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from articles import workflow
from articles.models import Article
from tests.articles.test_permissions import change_form_data
from tests.factories import edit, make_article, make_clinician, make_editor, make_staff

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def test_change_form_loads_for_staff_with_the_markdown_editor(client):
    client.force_login(make_staff(superuser=True))
    article = make_article()
    response = client.get(f"/admin/articles/article/{article.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "markdownx-editor" in html
    assert "markdownx-preview" in html


def test_changelist_lists_articles_for_staff(client):
    client.force_login(make_staff(superuser=True))
    make_article(title="Listed guide")
    assert "Listed guide" in client.get("/admin/articles/article/").content.decode()


def test_admin_redirects_anonymous_users_to_login(client):
    response = client.get("/admin/articles/article/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_saving_the_form_creates_a_version_by_the_logged_in_user(client):
    editor = make_editor("ed")
    client.force_login(editor)
    response = client.post(
        "/admin/articles/article/add/",
        {"title": "New guide", "slug": "new-guide", "summary": "S.", "body": "Text.",
         "correction_note": "", "review_interval_months": "",
         "references-TOTAL_FORMS": "0", "references-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 302
    article = Article.objects.get(slug="new-guide")
    assert article.status == Article.Status.DRAFT
    assert article.revisions.get().created_by == editor


def test_a_stale_form_is_refused_with_the_text_kept(client):
    """Optimistic locking in the admin: the second save names who changed it
    first, writes nothing and shows the editor's own text again."""
    first, second = make_editor("first"), make_editor("second")
    article = make_article(live=False, author=first, body="Original.")
    stale = change_form_data(article, body="Second editor's careful text.")
    edit(article, first, body="First editor's text.")

    client.force_login(second)
    response = client.post(f"/admin/articles/article/{article.pk}/change/", stale)

    assert response.status_code == 200
    html = response.content.decode()
    assert "first changed this article at" in html
    assert "Second editor&#x27;s careful text." in html
    assert Article.objects.get(pk=article.pk).body == "First editor's text."


def test_editing_text_in_review_is_refused_in_the_form(client):
    editor = make_editor("ed")
    article = make_article(live=False, author=editor)
    workflow.submit(article=article, user=editor)
    article.refresh_from_db()
    client.force_login(editor)
    response = client.post(
        f"/admin/articles/article/{article.pk}/change/", change_form_data(article, body="New.")
    )
    assert "is in clinical review" in response.content.decode()
    assert Article.objects.get(pk=article.pk).body != "New."


def test_the_review_panel_shows_a_diff_against_the_live_version_and_a_preview(client):
    editor, clinician = make_editor("ed"), make_clinician("cl")
    article = make_article(author=editor, title="Old title", body="Take one tablet.")
    edit(article, editor, title="New title", body="Take two tablets.\n\n<script>x</script>")
    workflow.submit(article=article, user=editor)
    client.force_login(clinician)
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Differences from the live version" in html
    assert 'class="diff"' in html
    assert "Old&nbsp;title" in html or "Old title" in html
    assert "two&nbsp;tablets" in html or "two tablets" in html
    assert "workflow/approve/" in html
    assert "<script>x</script>" not in html, "the preview is sanitised like the public page"


def test_the_review_panel_shows_readability_and_long_sentences(client):
    long_sentence = " ".join(["word"] * 30) + "."
    article = make_article(body=f"Short one. {long_sentence}")
    client.force_login(make_staff(superuser=True))
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "SMOG grade" in html
    assert "Flesch reading ease" in html
    assert "Flesch–Kincaid grade" in html
    assert "1 sentence has more than 25 words" in html
    assert long_sentence in html


def test_the_versions_page_shows_every_version_with_author_and_approver(client):
    editor, clinician = make_editor("ed"), make_clinician("cl")
    article = make_article(author=editor, reviewer=clinician, body="One.")
    edit(article, editor, body="Two.")
    client.force_login(editor)
    html = client.get(f"/admin/articles/article/{article.pk}/versions/").content.decode()
    assert html.count('class="version-row"') == 2
    assert "v1" in html
    assert "v2" in html
    assert "Approved by cl" in html
    assert "live" in html
    assert "Revert to v1" in html


def test_reverting_from_the_versions_page_creates_a_new_version(client):
    editor = make_editor("ed")
    article = make_article(live=False, author=editor, body="One.")
    edit(article, editor, body="Two.")
    client.force_login(editor)
    client.post(f"/admin/articles/article/{article.pk}/versions/1/revert/")
    article.refresh_from_db()
    assert article.body == "One."
    assert article.revisions.count() == 3


def test_review_due_filters_find_overdue_and_due_soon_articles(client):
    with time_machine.travel(datetime(2024, 6, 1, 12, tzinfo=LONDON), tick=False):
        make_article(title="Overdue guide")  # due 2025-06-01
    with time_machine.travel(datetime(2024, 12, 15, 12, tzinfo=LONDON), tick=False):
        make_article(title="Soon guide")  # due 2025-12-15
    client.force_login(make_staff(superuser=True))
    with time_machine.travel(datetime(2025, 11, 30, 12, tzinfo=LONDON), tick=False):
        soon = client.get("/admin/articles/article/?review=soon").content.decode()
        overdue = client.get("/admin/articles/article/?review=overdue").content.decode()
    assert "Soon guide" in soon
    assert "Overdue guide" not in soon
    assert "Overdue guide" in overdue
    assert "Soon guide" not in overdue


def test_the_guide_list_filters_by_topic_approver_and_clinical_owner(client):
    """Issue 13, Deliver 7: filters for topic and reviewer beside status,
    live and due date; each filter keeps the one guide it names."""
    from tests.factories import make_topic

    cleo, cora = make_clinician("cleo"), make_clinician("cora")
    topic = make_topic(name="Sleep")
    by_cleo = make_article(title="Approved by Cleo", reviewer=cleo)
    make_article(title="Approved by Cora", reviewer=cora)
    by_cleo.topics.add(topic)
    workflow.set_clinical_owner(article=by_cleo, owner=cora, user=cleo)
    client.force_login(make_staff(superuser=True))

    def titles(query: str) -> set[str]:
        page = client.get(f"/admin/articles/article/?{query}")
        assert page.status_code == 200
        return {title for title in ("Approved by Cleo", "Approved by Cora")
                if title in page.content.decode()}  # fmt: skip

    assert titles(f"approved_by={cleo.pk}") == {"Approved by Cleo"}
    assert titles(f"approved_by={cora.pk}") == {"Approved by Cora"}
    assert titles(f"topics__id__exact={topic.pk}") == {"Approved by Cleo"}
    assert titles(f"clinical_owner__id__exact={cora.pk}") == {"Approved by Cleo"}
    assert titles("approved_by=x") == set(), "a bad value is no match, not a 500"


def test_my_review_queue_lists_only_what_the_clinician_may_approve(client):
    editor, clinician = make_editor("ed"), make_clinician("cl")
    theirs = make_article(live=False, author=editor, title="Editor's guide")
    own = make_article(live=False, author=clinician, title="Clinician's guide")
    for article in (theirs, own):
        workflow.submit(article=article, user=editor)
    client.force_login(clinician)
    html = client.get("/admin/articles/reviewqueue/").content.decode()
    assert "Editor&#x27;s guide" in html
    assert "Clinician&#x27;s guide" not in html


def test_editors_do_not_see_the_review_queue(client):
    client.force_login(make_editor("ed"))
    assert client.get("/admin/articles/reviewqueue/").status_code == 403


def test_the_changelist_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    client.force_login(make_staff(superuser=True))
    for _ in range(3):
        make_article()
    with django_assert_max_num_queries(12) as few:
        client.get("/admin/articles/article/")
    for _ in range(20):
        make_article()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/admin/articles/article/")


def test_the_buttons_and_bulk_actions_are_the_workflow_steps_with_their_confirmations(client):
    """Each button is a step of workflow.STEPS, with its label, and a step
    that changes what readers see says so beside its button."""
    editor = make_editor("ed")
    article = make_article(author=editor)  # live
    client.force_login(editor)
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    archive = workflow.STEPS["archive"]
    assert "workflow/archive/" in html
    assert str(archive.label) in html
    assert str(archive.confirmation).split(".")[0] in html
    assert 'aria-describedby="confirm-archive"' in html
    assert "workflow/approve/" not in html, "an editor is offered no approval"

    changelist = client.get("/admin/articles/article/")
    choices = [name for name, _label in changelist.context["action_form"].fields["action"].choices]
    assert choices[1:] == [f"{name}_selected" for name, step in workflow.STEPS.items()
                           if step.bulk is not None] + ["download_evidence_packs"]  # fmt: skip


def test_a_bulk_action_takes_its_step_for_each_selected_article(client):
    editor = make_editor("ed")
    drafts = [make_article(live=False, author=editor) for _ in range(2)]
    client.force_login(editor)
    response = client.post("/admin/articles/article/", {
        "action": "submit_selected", "_selected_action": [a.pk for a in drafts], "index": "0",
    }, follow=True)  # fmt: skip
    assert "2 article(s) submitted for review." in response.content.decode()
    assert {a.status for a in Article.objects.filter(pk__in=[a.pk for a in drafts])} == {
        Article.Status.IN_REVIEW
    }

"""Safe actions (issue 13, item 3): steps that change what the public sees
ask first, on a page naming the guides and the public effect; results are
reported summary first."""

from __future__ import annotations

import pytest

from articles import workflow
from articles.models import Article
from tests.conftest import visible_text
from tests.factories import make_article, make_editor

pytestmark = pytest.mark.django_db
Status = Article.Status
CHANGELIST = "/admin/articles/article/"


@pytest.fixture
def editor(client):
    user = make_editor("ed")
    client.force_login(user)
    return user


def statuses(*articles: Article) -> list[str]:
    return [Article.objects.get(pk=a.pk).status for a in articles]


def test_bulk_archive_first_shows_a_page_naming_the_guides_and_the_public_effect(client, editor):
    guides = [make_article(author=editor, title=f"Live guide {n}") for n in (1, 2)]
    response = client.post(CHANGELIST, {
        "action": "archive_selected", "_selected_action": [g.pk for g in guides], "index": "0",
    })  # fmt: skip
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "Are you sure?" in text
    assert "Live guide 1" in text
    assert "Live guide 2" in text
    assert str(workflow.STEPS["archive"].confirmation) in text
    assert statuses(*guides) == [Status.PUBLISHED, Status.PUBLISHED], "nothing archived yet"


def test_confirming_the_bulk_archive_archives_the_guides(client, editor):
    guides = [make_article(author=editor) for _ in range(2)]
    response = client.post(CHANGELIST, {
        "action": "archive_selected", "_selected_action": [g.pk for g in guides],
        "confirmed": "yes",
    }, follow=True)  # fmt: skip
    assert "2 article(s) archived." in response.content.decode()
    assert statuses(*guides) == [Status.ARCHIVED, Status.ARCHIVED]


def test_the_confirmation_page_posts_back_what_confirms_it(client, editor):
    """The page's own form, posted as the browser would, takes the step."""
    guide = make_article(author=editor)
    page = client.post(CHANGELIST, {"action": "archive_selected", "_selected_action": [guide.pk],
                                    "index": "0"}).content.decode()  # fmt: skip
    assert 'name="confirmed" value="yes"' in page
    assert 'name="action" value="archive_selected"' in page
    assert f'name="_selected_action" value="{guide.pk}"' in page
    client.post(CHANGELIST, {"action": "archive_selected", "_selected_action": [guide.pk],
                             "confirmed": "yes"})  # fmt: skip
    assert statuses(guide) == [Status.ARCHIVED]


def test_guides_the_step_cannot_be_taken_for_are_named_at_the_top(client, editor):
    live = make_article(author=editor, title="Live guide")
    draft = make_article(live=False, author=editor, title="Unpublished draft")
    html = client.post(CHANGELIST, {
        "action": "archive_selected", "_selected_action": [live.pk, draft.pk], "index": "0",
    }).content.decode()  # fmt: skip
    text = visible_text(html)
    assert "1 selected guide will be left as it is" in text
    assert text.index("Unpublished draft") < text.index("You are about to")
    assert f'name="_selected_action" value="{draft.pk}"' not in html, "not posted again"


def test_a_mixed_result_shows_its_summary_before_the_refusals(client, editor):
    live = make_article(author=editor, title="Live guide")
    draft = make_article(live=False, author=editor, title="Unpublished draft")
    response = client.post(CHANGELIST, {
        "action": "archive_selected", "_selected_action": [live.pk, draft.pk],
        "confirmed": "yes",
    }, follow=True)  # fmt: skip
    shown = [str(m) for m in response.context["messages"]]
    assert shown[0].startswith("1 of 2 selected guides")
    assert "1 refused" in shown[0]
    assert "Unpublished draft" in shown[1]
    assert statuses(live, draft) == [Status.ARCHIVED, Status.DRAFT]


def test_the_archive_button_asks_for_confirmation_first(client, editor):
    guide = make_article(author=editor, title="Hay fever")
    url = f"/admin/articles/article/{guide.pk}/workflow/archive/"
    response = client.post(url)
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "Hay fever" in text
    assert str(workflow.STEPS["archive"].confirmation) in text
    assert statuses(guide) == [Status.PUBLISHED]
    response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 302
    assert statuses(guide) == [Status.ARCHIVED]


def test_a_refused_confirmed_archive_shows_its_reason_on_the_change_form(client, editor):
    draft = make_article(live=False, author=editor)
    response = client.post(f"/admin/articles/article/{draft.pk}/workflow/archive/",
                           {"confirmed": "yes"}, follow=True)  # fmt: skip
    (message,) = list(response.context["messages"])
    assert "not on the public site" in str(message)
    assert message.level_tag == "error"


def test_steps_that_change_nothing_public_do_not_ask(client, editor):
    draft = make_article(live=False, author=editor)
    response = client.post(f"/admin/articles/article/{draft.pk}/workflow/submit/")
    assert response.status_code == 302
    assert statuses(draft) == [Status.IN_REVIEW]

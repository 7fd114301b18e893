"""Labels and names in the admin (issue 13, items 5 and 6): diffs headed by
version, author and date; the review queue's title, count, people and
states; the admin search reaching the body."""

from __future__ import annotations

import re

import pytest

from articles import workflow
from articles.diffing import diff_versions
from tests.conftest import visible_text
from tests.factories import edit, make_article, make_clinician, make_editor, make_staff

pytestmark = pytest.mark.django_db


def diff_headings(html: str) -> list[str]:
    return [visible_text(h) for h in re.findall(r'<th colspan="2" class="diff_header">(.*?)</th>',
                                               html)]  # fmt: skip


def test_the_versions_page_heads_each_comparison_with_its_two_versions(client):
    first, second = make_editor("first"), make_editor("second")
    article = make_article(author=first, body="One tablet.")
    edit(article, second, body="Two tablets.")
    client.force_login(second)
    html = client.get(f"/admin/articles/article/{article.pk}/versions/").content.decode()
    headings = diff_headings(html)
    assert "Live" not in " ".join(headings)
    assert "Working copy" not in " ".join(headings)
    assert any(h.startswith("Version 1 (first, ") for h in headings)
    assert any(h.startswith("Version 2 (second, ") for h in headings)
    assert "Nothing yet" in headings, "the first version is compared with nothing"


def test_the_review_panel_names_the_live_and_working_versions(client):
    editor = make_editor("ed")
    article = make_article(author=editor, body="One tablet.")
    edit(article, editor, body="Two tablets.")
    client.force_login(editor)
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    headings = diff_headings(html)
    assert any(h.startswith("Live: Version 1 (ed, ") for h in headings)
    assert any(h.startswith("Working copy: Version 2 (ed, ") for h in headings)


def test_diff_headings_are_escaped():
    (title, *_rest) = diff_versions({"title": "a"}, {"title": "b"}, old_label="<b>x</b>",
                                    new_label="y")  # fmt: skip
    assert "<b>x</b>" not in title.table
    assert "&lt;b&gt;x&lt;/b&gt;" in title.table


@pytest.fixture
def queue(client):
    """The review queue page of a clinician with one live guide with a
    change in review, reviewed before by a named clinician."""
    editor, earlier = make_editor("ed"), make_clinician("earlier")
    article = make_article(author=editor, reviewer=earlier, title="Hay fever")
    edit(article, editor, body="New advice.")
    workflow.submit(article=article, user=editor)
    client.force_login(make_clinician("cl"))
    return client.get("/admin/articles/reviewqueue/").content.decode()


def test_the_review_queue_is_titled_and_counted_as_a_queue(queue):
    text = visible_text(queue)
    assert "<title>Review queue |" in queue
    assert "<h1>Review queue</h1>" in queue
    assert "to view" not in text
    assert "1 guide to review" in text
    assert "my review queue" not in text.replace("My review queue", "")


def test_the_review_queue_names_reviewers_by_their_public_name(queue):
    assert "Dr Earlier, MBChB, MRCGP" in visible_text(queue)


def test_a_live_guide_with_a_change_in_review_says_so(queue):
    text = visible_text(queue)
    assert "Live, with changes in review" in text


def test_the_guide_list_says_live_with_changes_not_draft(client):
    editor = make_editor("ed")
    article = make_article(author=editor, title="Hay fever")
    edit(article, editor, body="New advice.")
    client.force_login(editor)
    text = visible_text(client.get("/admin/articles/article/").content.decode())
    assert "Live, with changes in draft" in text


def test_the_admin_search_finds_a_guide_by_a_phrase_in_its_body(client):
    make_article(title="Hay fever", body="Antihistamines such as cetirizine help.")
    make_article(title="Asthma", body="Use your reliever inhaler.")
    client.force_login(make_staff(superuser=True))
    text = visible_text(client.get("/admin/articles/article/?q=cetirizine").content.decode())
    assert "Hay fever" in text
    assert "Asthma" not in text

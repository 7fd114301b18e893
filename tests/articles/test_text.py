"""Text normalised at every entrance (issue 11, fault 9): line endings become
LF, a BOM is dropped, and a save that changes nothing makes no version."""

from __future__ import annotations

import pytest

from articles.models import Article
from articles.text import find_xml_illegal, normalise_text, strip_xml_illegal
from tests.articles.test_permissions import change_form_data
from tests.factories import make_article, make_editor


def test_normalise_text_turns_crlf_and_lone_cr_into_lf_and_drops_a_leading_bom():
    assert normalise_text("\ufeffa\r\nb\rc\n") == "a\nb\nc\n"
    assert normalise_text("a\ufeffb") == "a\ufeffb", "only a leading BOM is a byte order mark"


@pytest.mark.parametrize("value", ["", "a\r\n\r\nb", "\ufeff\ufeffx\r", "\r\r\n"])
def test_normalise_text_is_idempotent(value):
    once = normalise_text(value)
    assert normalise_text(once) == once


def test_find_xml_illegal_names_each_forbidden_character_once():
    assert find_xml_illegal("a\x0bb\x0b\x00\ufffe\uffff\ud800") == [
        "U+000B", "U+0000", "U+FFFE", "U+FFFF", "U+D800",
    ]  # fmt: skip
    assert find_xml_illegal("tab\tnewline\ncr\r é 😀 \ufffd") == []
    assert strip_xml_illegal("a\x0bb\udfff") == "ab"


@pytest.mark.django_db
def test_saving_a_live_guide_unchanged_with_browser_line_endings_makes_no_version(client):
    """Browsers post textareas with CRLF. Pressing Save on a live guide
    without changing it keeps it published, with no new version."""
    editor = make_editor("ed")
    article = make_article(author=editor, body="## Dose\n\nOne tablet.\n\nTwo lines\nhere.\n")
    versions = article.revisions.count()
    client.force_login(editor)

    response = client.post(
        f"/admin/articles/article/{article.pk}/change/",
        change_form_data(article, body=article.body.replace("\n", "\r\n")),
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.revisions.count() == versions
    assert article.status == Article.Status.PUBLISHED
    assert article.body == "## Dose\n\nOne tablet.\n\nTwo lines\nhere.\n"


@pytest.mark.django_db
def test_a_real_edit_posted_with_crlf_is_stored_with_lf(client):
    editor = make_editor("ed")
    article = make_article(author=editor, body="One.\n")
    client.force_login(editor)
    client.post(
        f"/admin/articles/article/{article.pk}/change/",
        change_form_data(article, body="\ufeffOne.\r\n\r\nTwo.\r\n"),
    )
    article.refresh_from_db()
    assert article.body == "One.\n\nTwo.\n"
    assert article.revisions.first().body == "One.\n\nTwo.\n"
    assert article.status == Article.Status.DRAFT


@pytest.mark.django_db
def test_saving_a_guide_in_review_unchanged_with_crlf_is_not_an_edit(client):
    """CRLF alone is not a change of text, so it is not refused in review."""
    from articles import workflow

    editor = make_editor("ed")
    article = make_article(live=False, author=editor, body="A\nB\n")
    workflow.submit(article=article, user=editor)
    article.refresh_from_db()
    client.force_login(editor)
    response = client.post(
        f"/admin/articles/article/{article.pk}/change/",
        change_form_data(article, body="A\r\nB\r\n"),
    )
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).status == Article.Status.IN_REVIEW

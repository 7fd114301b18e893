"""SMOG and Flesch per section of a guide (issue 15, item 4), and the
staff-only endpoint the editor calls as the body is typed."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from articles.readability import assess, assess_sections
from tests.factories import make_staff

PASSAGES = json.loads(
    (Path(__file__).parent.parent / "data" / "readability" / "passages.json").read_text()
)["passages"]
URL = "/admin/articles/article/readability/"


def reference(words: int, sentences: int, syllables: int, polysyllables: int) -> dict:
    """The published formulas (McLaughlin 1969; Flesch 1948; Kincaid et al. 1975)."""
    return {
        "smog_grade": 1.0430 * math.sqrt(polysyllables * 30 / sentences) + 3.1291,
        "flesch_reading_ease": 206.835 - 1.015 * words / sentences - 84.6 * syllables / words,
        "flesch_kincaid_grade": 0.39 * words / sentences + 11.8 * syllables / words - 15.59,
    }


@pytest.mark.parametrize("passage", PASSAGES, ids=[p["name"] for p in PASSAGES])
def test_a_sections_figures_agree_with_the_formula_on_hand_made_counts(passage):
    """Under the heading "## Dose" (one word, one syllable, read as one
    sentence), a passage's section has the hand-made counts plus the
    heading's, and the formula's figures to half a point."""
    body = "## Dose\n\n" + passage["text"].replace("\n", "\n\n")
    [section] = assess_sections(body)
    assert section.heading == "Dose"
    counts = {
        "words": passage["words"] + 1,
        "sentences": passage["sentences"] + 1,
        "syllables": passage["syllables"] + 1,
        "polysyllables": passage["polysyllables"],
    }
    for name, value in counts.items():
        assert getattr(section.figures, name) == value, name
    for figure, value in reference(**counts).items():
        assert abs(getattr(section.figures, figure) - value) <= 0.5, figure


def test_a_body_splits_at_level_two_headings_and_the_sections_add_up_to_the_whole():
    body = (
        "Diazepam is a medicine. It helps with anxiety.\n\n"
        "## How to take it\n\nTake one tablet at night.\n\n### With food\n\nEither way.\n\n"
        "```\n## not a heading, inside code\n```\n\n"
        "## Side effects\n\nYou may feel sleepy and unsteady.\n"
    )
    sections = assess_sections(body)
    assert [s.heading for s in sections] == ["", "How to take it", "Side effects"]
    whole = assess(body)
    for count in ("words", "sentences", "syllables", "polysyllables"):
        assert sum(getattr(s.figures, count) for s in sections) == getattr(whole, count), count


def test_a_body_without_words_has_no_sections_and_never_raises():
    assert assess_sections("") == []
    assert assess_sections("   \n\n") == []
    [empty] = assess_sections("## \n")
    assert empty.figures.words == 0


def test_a_heading_tag_shown_as_code_does_not_split():
    """Only headings readers see split; ``<h2>`` in code is escaped text."""
    [only] = assess_sections("Write `<h2>Title</h2>` for a heading.")
    assert only.heading == ""


@pytest.fixture
def editor_client(db) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("writer", perms=("articles.change_article",)))
    client.get("/admin/")  # sets the CSRF cookie
    return client


def _post(client: Client, content: str):
    token = client.cookies["csrftoken"].value
    return client.post(URL, {"content": content}, HTTP_X_CSRFTOKEN=token)


def test_the_endpoint_is_named_in_the_admin():
    assert reverse("admin:articles_article_readability") == URL


def test_the_endpoint_answers_overall_and_per_section_figures_for_staff_editors(editor_client):
    body = "Intro text here.\n\n## About\n\nDiazepam is a benzodiazepine medicine."
    response = _post(editor_client, body)
    assert response.status_code == 200
    data = response.json()
    whole = assess(body)
    assert data["overall"]["smog_grade"] == whole.smog_grade
    assert data["overall"]["words"] == whole.words
    assert [s["heading"] for s in data["sections"]] == ["", "About"]
    about = assess_sections(body)[1].figures
    assert data["sections"][1]["flesch_reading_ease"] == about.flesch_reading_ease
    assert data["smog_target"] == 10, "the editor's figures are shown against the target"


def test_the_endpoint_refuses_a_post_without_the_csrf_token(editor_client):
    assert editor_client.post(URL, {"content": "Text."}).status_code == 403


def test_the_endpoint_refuses_get(editor_client):
    assert editor_client.get(URL).status_code == 405


@pytest.mark.django_db
def test_the_endpoint_refuses_anonymous_and_non_staff_users():
    anonymous = Client()
    assert anonymous.post(URL, {"content": "Text."}).status_code in (302, 403)
    reader = Client()
    reader.force_login(User.objects.create_user("reader"))
    response = reader.post(URL, {"content": "Text."})
    assert response.status_code in (302, 403)
    assert "overall" not in response.content.decode()


@pytest.mark.django_db
def test_the_endpoint_refuses_staff_without_change_permission():
    client = Client()
    client.force_login(make_staff("nobody"))
    assert client.post(URL, {"content": "Text."}).status_code == 403


def test_the_endpoint_refuses_a_body_longer_than_a_guide_may_be(editor_client, settings):
    settings.ARTICLE_BODY_MAX_CHARS = 100
    response = _post(editor_client, "word " * 30)
    assert response.status_code == 400
    assert "the limit is 100" in response.json()["error"]

"""One bad character never takes a public URL down (issue 18, fault 5).

XML 1.0 forbids C0 controls other than tab, line feed and carriage return,
U+FFFE, U+FFFF and lone surrogates. Each is refused by every admin form that
saves public text, with a message naming the field; and if one reaches the
database by another road, every public URL still answers 200.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms

from articles.admin.article import ArticleForm
from articles.admin.content import NormalisedTextForm
from articles.models import TOPIC_LIVE_FIELDS, Article, Reference, ReviewerProfile, Topic
from tests.articles.test_permissions import change_form_data
from tests.factories import make_article, make_clinician, make_editor, make_topic, publish

pytestmark = pytest.mark.django_db

# Every character XML 1.0 forbids that a Python str can hold, by class: each
# C0 control (but tab, LF, CR), the two non-characters, and a lone surrogate
# from each half of the range.
C0 = [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
ILLEGAL = [*C0, "\ufffe", "\uffff", "\ud800", "\udfff"]
# What a database can store (PostgreSQL refuses NUL in text; neither can
# encode a lone surrogate as UTF-8).
STORABLE = [c for c in ILLEGAL if c != "\x00" and not 0xD800 <= ord(c) <= 0xDFFF]

ARTICLE_TEXT_FIELDS = ["title", "summary", "body", "correction_note"]


def _name(char: str) -> str:
    return f"U+{ord(char):04X}"


@pytest.mark.parametrize("char", ILLEGAL, ids=_name)
@pytest.mark.parametrize("field", ARTICLE_TEXT_FIELDS)
def test_the_article_form_refuses_each_character_naming_the_field(field, char):
    article = make_article(live=False)
    data = change_form_data(article, **{field: f"Before{char}after"})
    form = forms.modelform_factory(Article, form=ArticleForm, fields=ArticleForm.Meta.fields)(
        data, instance=article
    )
    assert not form.is_valid()
    message = " ".join(form.errors.get(field, []))
    if char == "\x00":
        # Django's own form field refuses NUL first, on the same field.
        assert "Null characters are not allowed" in message
    else:
        assert _name(char) in message
        assert field.replace("_", " ").capitalize() in message


TOPIC = {"name": "N", "slug": "n", "description": "", "nonproprietary_name": "",
         "alternate_names": "", "drug_class": ""}  # fmt: skip
REFERENCE = {"title": "T", "publisher": "", "order": 0}
PROFILE = {"display_name": "Dr X", "credentials": "", "job_title": "", "registration_body": "",
           "registration_number": "", "bio": ""}  # fmt: skip

OTHER_FORMS = [
    (Topic, TOPIC, [k for k in TOPIC if k != "slug"]),
    (Reference, REFERENCE, ["title", "publisher"]),
    (ReviewerProfile, PROFILE, list(PROFILE)),
]


@pytest.mark.parametrize("char", [*STORABLE[:3], "\x0b", "\ufffe", "\ud800"], ids=_name)
@pytest.mark.parametrize(("model", "base", "fields"), OTHER_FORMS,
                         ids=lambda v: getattr(v, "__name__", ""))  # fmt: skip
def test_topic_source_and_profile_forms_refuse_them_in_every_public_field(
    model, base, fields, char
):
    for field in fields:
        form_class = forms.modelform_factory(model, form=NormalisedTextForm, fields=list(base))
        form = form_class({**base, field: f"A{char}b"})
        assert not form.is_valid()
        assert _name(char) in " ".join(form.errors.get(field, [])), field


def test_the_issue_example_u000b_in_an_approved_title_is_refused_in_the_admin(client):
    """Word's manual line break (U+000B) pasted into a title."""
    editor = make_editor("ed")
    article = make_article(author=editor)
    client.force_login(editor)
    response = client.post(
        f"/admin/articles/article/{article.pk}/change/",
        change_form_data(article, title="Dosage\x0bfor adults"),
    )
    assert response.status_code == 200
    assert "Title contains characters that cannot be published (U+000B)" in (
        response.content.decode()
    )
    assert Article.objects.get(pk=article.pk).title != "Dosage\x0bfor adults"


# Whatever slipped through: the public URLs still answer ------------------------------


def _public_urls(article: Article, topic: Topic) -> list[str]:
    return [
        "/", article.get_absolute_url(), "/topics/", topic.get_absolute_url(),
        "/search/?q=guide", "/sitemap.xml", "/sitemap-pages.xml", "/sitemap-articles.xml",
        "/sitemap-topics.xml", "/feed/", "/robots.txt",
    ]  # fmt: skip


def _poison(char: str) -> tuple[Article, Topic]:
    """A reviewed live guide with the character in every public text field
    (the live copy of the guide, its sources, its reviewer as recorded and
    its topic's live text), written straight to the database as a restore or
    an old row could."""
    reviewer = make_clinician("cl")
    topic = make_topic(name="Topic", slug="topic", reviewer=reviewer)
    article = make_article(title="A guide", slug="poisoned", reviewer=reviewer,
                           body="## Part\n\nA guide body.")  # fmt: skip
    article = publish(article, reviewer=reviewer, topics=[topic], sources=[{"title": "Source"}])
    bad = f"x{char}y"
    Article.objects.filter(pk=article.pk).update(
        live_title=f"A guide {bad}", live_summary=f"Summary {bad}",
        live_body_html=f"<p>A guide body {bad}</p>", live_text=f"A guide body {bad}",
        live_headings=[{"id": "part", "text": f"Part {bad}", "level": 2}],
        live_corrections=[{"created_at": "2026-01-01T00:00:00+00:00", "public_note": bad}],
        live_sources=[{"order": 0, "title": f"Source {bad}", "publisher": bad, "url": "",
                       "date_accessed": None}],
        live_reviewer={"name": f"Dr {bad}", "credentials": bad, "job_title": bad},
    )  # fmt: skip
    Topic.objects.filter(pk=topic.pk).update(
        **{name: f"Topic {bad}" if name == "live_name" else bad for name in TOPIC_LIVE_FIELDS}
    )
    return Article.objects.get(pk=article.pk), topic


# Every storable character on every public URL is an exhaustive walk (make
# test); make check keeps the first three and the issue's U+000B.
@pytest.mark.parametrize(
    "char",
    [char if n < 3 or char == "\x0b" else pytest.param(char, marks=pytest.mark.slow)
     for n, char in enumerate(STORABLE)],
    ids=_name,
)  # fmt: skip
def test_every_public_url_answers_200_with_the_character_in_every_public_field(client, char):
    article, topic = _poison(char)
    for url in _public_urls(article, topic):
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        if url in {"/feed/"} or url.startswith("/sitemap"):
            body = response.content.decode()
            assert char not in body, f"{url} carries {_name(char)}"


def test_the_feed_keeps_the_text_around_a_dropped_character(client):
    article, _topic = _poison("\x0b")
    feed = client.get("/feed/").content.decode()
    assert "A guide xy" in feed
    assert re.search(r"<summary[^>]*>Summary xy</summary>", feed)
    assert article.live_title in client.get(article.get_absolute_url()).content.decode()


def _json_ld(html: str) -> Any:
    import json

    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


@pytest.mark.parametrize("char", ["\x0b", "\x01", "\uffff"], ids=_name)
def test_json_ld_stays_valid_json_with_the_character(client, char):
    article, _topic = _poison(char)
    data = _json_ld(client.get(article.get_absolute_url()).content.decode())
    assert data["name"].startswith("A guide")


def test_a_fixture_source_with_a_forbidden_character_is_refused(tmp_path, db):
    """Sources travel as JSON inside a version: their text is checked too."""
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    fixture = tmp_path / "sources.json"
    fixture.write_text(json.dumps([
        {"model": "articles.article", "fields": {"title": "T", "slug": "t", "summary": "S",
                                                  "body": "B"}},
        {"model": "articles.revision", "fields": {"article": ["t"], "number": 1, "title": "T",
                                                   "slug": "t", "summary": "S", "body": "B",
                                                   "topics": [],
                                                   "sources": [{"title": "A\u000bB"}]}},
    ]))  # fmt: skip
    with pytest.raises(CommandError, match="U\\+000B"):
        call_command("load_guides", str(fixture))
    assert not Article.objects.filter(slug="t").exists()

"""The diff a clinician reads (issue 13, Deliver 4 and fault 6): the text
as readers see it with each added word underlined and each removed word
struck through, every field of a version compared, the Markdown one click
away, versions named by number, author and date; and never a way for a
body to put markup on the reviewer's page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from articles import diffing, workflow
from articles.diffing import diff_versions, marked_words, rendered_diff, version_label
from articles.models import Article
from tests.conftest import visible_text
from tests.factories import edit, make_article, make_clinician, make_editor, publish
from tests.xss_vectors import VECTORS

pytestmark = pytest.mark.django_db

# The diff's own marks, and the footnote list's class (the renderer's own,
# which the XSS checker's vectors never produce): whatever else is left must
# pass the body checks.
_OWN_MARKS = re.compile(r'<(ins|del) class="diff-mark">|<span class="visually-hidden">|'
                        r'(?<=<ol) class="footnotes"')  # fmt: skip


def words(html: str) -> list[tuple[str, str]]:
    return list(marked_words(html))


class _Structure(HTMLParser):
    """Text found directly inside an element that may hold only elements."""

    ELEMENTS_ONLY = {"ul", "ol", "dl", "table", "thead", "tbody", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.misplaced: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in {"br", "hr", "img"}:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, tag
        assert self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip() and self.stack and self.stack[-1] in self.ELEMENTS_ONLY:
            self.misplaced.append(data)


def assert_well_formed(html: str) -> None:
    parser = _Structure()
    parser.feed(html)
    parser.close()
    assert parser.stack == [], "every element is closed"
    assert parser.misplaced == [], "no text directly inside a list or table"


def test_changed_words_are_marked_in_the_rendered_text_not_the_markdown():
    html = rendered_diff("body", "## Dose\n\nTake **one** tablet a day.",
                         "## Dose\n\nTake **two** tablets a day.")  # fmt: skip
    assert "<h2>Dose</h2>" in html, "the text as readers see it: headings rendered"
    assert "**" not in html
    assert ("del", "one") in words(html)
    assert ("ins", "two") in words(html)
    assert ("del", "tablet") in words(html)
    assert ("ins", "tablets") in words(html)
    assert "<strong>" in html
    assert ("ins", "a") not in words(html), "unchanged words are not marked"


def test_every_mark_carries_a_hidden_cue_for_screen_readers():
    html = rendered_diff("body", "Rest.", "Rest and drink water.")
    assert '<ins class="diff-mark"><span class="visually-hidden">added: </span>' in html
    html = rendered_diff("body", "Rest and drink water.", "Rest.")
    assert '<del class="diff-mark"><span class="visually-hidden">removed: </span>' in html


def test_a_removed_list_item_is_shown_as_a_struck_through_item():
    html = rendered_diff("body", "- Rest\n- Paracetamol\n- Fluids\n", "- Rest\n- Fluids\n")
    assert (
        '<li><del class="diff-mark"><span class="visually-hidden">removed: </span>Paracetamol'
        in html
    )
    assert_well_formed(html)


@pytest.mark.parametrize(("old", "new"), [
    ("| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |", "| a | b |\n|---|---|\n| 1 | 2 |"),
    ("- a\n- b\n\nText.", "Text.\n\n1. a\n2. c"),
    ("Para one.\n\nPara two.", "Para one and two."),
    ("> Quote\n\n- x\n  - y\n  - z", "> Quote changed\n\n- x\n  - z"),
    ("Term\n\n| h |\n|---|\n| old |", "Term\n\n| h |\n|---|\n| new |\n| more |"),
])  # fmt: skip
def test_the_rendered_diff_stays_well_formed(old, new):
    for before, after in ((old, new), (new, old)):
        assert_well_formed(rendered_diff("body", before, after))


def test_ids_are_dropped_so_the_page_never_repeats_one():
    """The preview and several diffs share the page: a heading's id would repeat."""
    html = rendered_diff("body", "## Side effects\n\nSome.", "## Side effects\n\nMany.")
    assert "id=" not in html


def test_an_added_image_is_marked_and_a_removed_one_named():
    html = rendered_diff("body", "![Old & new chart](https://example.org/a.png)",
                         "![New chart](https://example.org/b.png)")  # fmt: skip
    assert '<span class="visually-hidden">added image: </span><img' in html
    assert ("del", "[image: Old &amp; new chart]") in words(html), "escaped once"


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_an_attackers_markdown_stays_harmless_in_the_diff(name):
    """Each XSS vector, added to and removed from a body and a title, comes
    out as harmless as on the public page, with only the diff's own marks
    added."""
    from tests.articles.test_xss import assert_harmless

    vector = VECTORS[name]
    for field in ("body", "title"):
        for old, new in ((f"Safe text.\n\n{vector}", "Safe text."),
                         ("Safe text.", f"Safe text.\n\n{vector}"),
                         (vector, vector + " x")):  # fmt: skip
            html = rendered_diff(field, old, new)
            assert_harmless(f'<div class="article-body">{_OWN_MARKS.sub("", html)}</div>',
                            only_article_body=True)  # fmt: skip


def test_escaped_markup_in_text_is_shown_not_run():
    html = rendered_diff("title", "Hay fever", "Hay fever <script>alert(1)</script>")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_every_public_field_is_compared_word_by_word():
    old = {"title": "Hay fever", "slug": "hay-fever", "summary": "Sneezing in summer.",
           "body": "Text.", "topics": ["allergy"], "correction_note": "",
           "sources": [{"order": 1, "title": "Old guide", "publisher": "NHS", "url": "",
                        "date_accessed": None}]}  # fmt: skip
    new = {"title": "Hay fever in adults", "slug": "hay-fever-adults",
           "summary": "Sneezing in spring and summer.", "body": "Text.",
           "topics": ["allergy", "adults"], "correction_note": "We fixed a dose.",
           "sources": [{"order": 1, "title": "New guide", "publisher": "NHS", "url": "",
                        "date_accessed": None}]}  # fmt: skip
    diff = {field.name: field for field in diff_versions(old, new)}
    assert not diff["body"].changed
    assert ("ins", " in adults") in words(diff["title"].rendered)
    assert ("ins", "-adults") in words(diff["slug"].rendered)
    assert ("ins", "spring and ") in words(diff["summary"].rendered)
    assert ("ins", "\nadults") in words(diff["topics"].rendered)
    assert ("del", "Old") in words(diff["sources"].rendered)
    assert ("ins", "We fixed a dose.") in words(diff["correction_note"].rendered)


def test_a_very_large_change_is_shown_removed_then_added(monkeypatch):
    """Past MAX_WORD_PAIRS (difflib is quadratic) the old text is struck
    through and the new one underlined, whole."""
    monkeypatch.setattr(diffing, "MAX_WORD_PAIRS", 0)
    html = rendered_diff("body", "One two three.", "One two four.")
    assert words(html) == [("del", "One two three."), ("ins", "One two four.")]


def test_a_version_is_named_by_number_author_and_date():
    editor = make_editor("eddie")
    article = make_article(author=editor, live=False)
    revision = workflow.latest_revision(article)
    when = f"{revision.created_at.day} {revision.created_at:%B %Y}"
    assert version_label(revision) == f"Version 1 (eddie, {when})"
    assert version_label(revision, role="Live") == f"Live: Version 1 (eddie, {when})"
    assert version_label(None) == "Nothing yet"


def test_a_clinicians_version_is_named_by_their_public_name():
    article = make_article(author=make_clinician("cleo"), live=False)
    assert version_label(workflow.latest_revision(article)).startswith(
        "Version 1 (Dr Cleo, MBChB, MRCGP, "
    )


def test_the_change_form_shows_the_rendered_diff_with_a_legend_and_the_source_a_click_away(client):
    editor = make_editor("ed")
    article = make_article(author=editor, body="Take one tablet.")
    edit(article, editor, body="Take two tablets.")
    client.force_login(editor)
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    text = visible_text(html)
    assert "Underlined: added; struck through: removed." in text
    assert re.search(r"From Live: Version 1 \(ed, [^)]+\) to Working copy: Version 2 \(ed, ", text)
    assert '<del class="diff-mark"><span class="visually-hidden">removed: </span>one</del>' in html
    source = html.index('<details class="diff-source">')
    assert html.index('<ins class="diff-mark">') < source, "the rendered view comes first"
    assert html.index('class="diff"', source) > source, "the Markdown tables inside the source"
    assert "Body (Markdown)" in html[source:]


def test_the_versions_page_names_each_comparison_by_version_author_and_date(client):
    """Fault 6: not "Live / Working copy" for every comparison."""
    first, second = make_editor("first"), make_editor("second")
    article = make_article(author=first, body="One tablet.")
    publish(article, editor=second, body="Two tablets.")
    client.force_login(second)
    html = client.get(f"/admin/articles/article/{article.pk}/versions/").content.decode()
    text = visible_text(html)
    assert "Live:" not in text
    assert "Working copy" not in text
    assert re.search(r"What changed in version 2 From Version 1 \(first, [^)]+\) to "
                     r"Version 2 \(second, ", text)  # fmt: skip
    assert re.search(r"What changed in version 1 From Nothing yet to Version 1 \(first, ", text)
    assert ("ins", "Two") in words(html)
    assert ("del", "One") in words(html)
    assert Article.objects.get(pk=article.pk).live_version == 2


_PIECES = [
    "Take one tablet.", "two", "**bold**", "- item\n- other", "1. first\n2. second",
    "| a | b |\n|---|---|\n| 1 | 2 |", "> quoted", "## Heading", "![alt](https://e.org/i.png)",
    '!!! warning "Careful"\n    Do not drive.', "Text[^1]\n\n[^1]: A note.", "`code`",
    "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "<b>raw</b>", "~~old~~",
    "\n\n", "   - nested\n     - deeper", "<table><tr><td>cell</td></tr></table>",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(40))
def test_random_pairs_of_bodies_give_well_formed_harmless_diffs(seed):
    """Bodies drawn from pieces of Markdown (lists, tables, callouts,
    footnotes, raw HTML, attacks), changed at random: every diff is well
    formed and as harmless as the public page (600 seeds passed once)."""
    import random

    from tests.articles.test_xss import assert_harmless

    draw = random.Random(seed)
    old = "\n\n".join(draw.choices(_PIECES, k=draw.randint(0, 8)))
    new_pieces = old.split("\n\n")
    for _ in range(draw.randint(1, 4)):
        new_pieces.insert(draw.randint(0, len(new_pieces)), draw.choice(_PIECES))
        if len(new_pieces) > 1:
            new_pieces.pop(draw.randrange(len(new_pieces)))
    new = "\n\n".join(new_pieces)
    html = rendered_diff("body", old, new)
    assert_well_formed(html)
    assert_harmless(f'<div class="article-body">{_OWN_MARKS.sub("", html)}</div>',
                    only_article_body=True)  # fmt: skip

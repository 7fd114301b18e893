"""Care cards (issue 14, Deliver 3): three levels as on nhs.uk, placed in
Markdown with ``:::level`` … ``:::``, worded site-wide in
articles.rendering.CARE_CARDS; editors write only the symptoms."""

from __future__ import annotations

import re

import pytest

from articles.models import Article
from articles.rendering import (
    ALLOWED_CLASSES,
    CARE_CARDS,
    care_card_levels,
    problems,
    render,
    render_markdown,
)
from tests.articles.test_permissions import change_form_data
from tests.factories import make_article, make_editor

SYMPTOMS = "- you are so sleepy you cannot stay awake\n- your breathing is slow or shallow\n"


def _card(level: str, body: str = SYMPTOMS) -> str:
    return f":::{level}\n{body}:::\n"


@pytest.mark.parametrize(
    ("level", "heading"),
    [
        ("non-urgent", "Non-urgent advice: Speak to a GP or pharmacist if:"),
        ("urgent", "Urgent advice: Ask for an urgent GP appointment or call 111 if:"),
        ("immediate", "Immediate action required: Call 999 or go to A&amp;E now if:"),
    ],
)
def test_each_level_renders_a_card_with_the_level_in_words(level, heading):
    """The heading names the level in words (colour only repeats it), then
    the editor's list follows inside the card."""
    html = render(_card(level)).html
    assert html.startswith(f'<div class="care-card care-card--{level}">\n<h2>{heading}</h2>\n<ul>')
    assert "<li>your breathing is slow or shallow</li>" in html
    assert html.rstrip().endswith("</ul>\n</div>")
    assert care_card_levels(html) == {level}
    assert problems(_card(level)) == []


def test_the_level_is_case_insensitive_and_may_have_spaces():
    """``::: Urgent`` is the same card as ``:::urgent``."""
    assert care_card_levels(render("::: Urgent \n- x\n:::").html) == {"urgent"}


def test_the_card_heading_fits_the_outline_under_the_heading_before_it():
    """h2 before any heading, one level below the last heading after it, so
    the page's outline has no gap."""
    text = _card("urgent") + "\n## Side effects\n\n" + _card("immediate")
    text += "\n### Rare ones\n\n" + _card("non-urgent")
    html = render(text).html
    assert re.findall(r'care-card--([a-z-]+)">\n<h(\d)>', html) == [
        ("urgent", "2"),
        ("immediate", "3"),
        ("non-urgent", "4"),
    ]


def test_card_headings_are_not_listed_under_contents():
    """Contents lists the guide's sections, not the card headings (which have no id)."""
    rendered = render("## Side effects\n\n" + _card("immediate"))
    assert [heading.text for heading in rendered.headings] == ["Side effects"]


def test_the_wording_comes_only_from_the_site_and_markdown_cannot_change_it():
    """Whatever follows the level on the opening line, or any heading the
    editor writes inside, the card's own heading is the site's wording."""
    altered = render(':::urgent "Call your friend if:"\n- x\n:::').html
    assert care_card_levels(altered) == set()
    assert "Call your friend" in altered  # shown as the text it is, not as a card
    inside = render(":::immediate\n## Call your friend if:\n- x\n:::").html
    assert "<h2>Immediate action required: Call 999 or go to A&amp;E now if:</h2>" in inside
    assert inside.count("care-card--immediate") == 1


def test_every_card_has_fixed_wording_for_the_three_nhs_levels():
    """Three levels, in order of urgency, with 999 and 111 where nhs.uk has them."""
    assert list(CARE_CARDS) == ["non-urgent", "urgent", "immediate"]
    assert "999" in CARE_CARDS["immediate"].heading
    assert "111" in CARE_CARDS["urgent"].heading


@pytest.mark.parametrize(
    "raw",
    [
        '<div class="care-card care-card--immediate">Call my number</div>',
        '<div class="care-card">x</div>',
        '<div class="admonition care-card--urgent">x</div>',
        '<div class="CARE-CARD care-card--urgent">x</div>',
    ],
)
def test_raw_html_cannot_imitate_a_care_card(raw):
    """Care-card classes survive only on the renderer's own markup: typed as
    raw HTML they are removed, the text stays, and the page does not count
    the imitation as a card (so it cannot suppress the urgent-help block)."""
    html = render(raw).html
    assert "care-card" not in html.lower()
    assert "x" in html or "Call my number" in html
    assert care_card_levels(html) == set()


@pytest.mark.parametrize(
    "text",
    [
        'Write class="care-card care-card--immediate" in prose.',
        '`<div class="care-card care-card--urgent">` in code',
        '    <div class="care-card care-card--urgent">\n',
        "<p title='<div class=\"care-card care-card--urgent\">'>x</p>",
    ],
)
def test_the_class_names_typed_as_text_do_not_count_as_a_card(text):
    """Text keeps its quotes after sanitising, so a card is recognised by
    its whole opening tag, which typed text cannot produce."""
    assert care_card_levels(render(text).html) == set()


def test_the_care_card_classes_are_only_allowed_on_divs():
    """The sanitiser's allow-list names the card classes for div alone."""
    holders = {tag for tag, names in ALLOWED_CLASSES.items() if "care-card" in names}
    assert holders == {"div"}


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        (":::urgent\n- x\n", "care_card_unclosed", "“:::urgent” on line 1 is not closed"),
        (":::urgnet\n- x\n:::\n", "care_card_level", "“:::urgnet” is not a care card"),
        (":::urgent now\n- x\n:::\n", "care_card_level", "“:::urgent now” is not a care card"),
        ("Text\n\n:::\n", "care_card_level", "Line 3: “:::” closes no care card"),
        (":::immediate\n:::urgent\n- x\n:::\n:::\n", "care_card_nested", "on line 2 is inside"),
        (":::non-urgent\n:::\n", "care_card_empty", "has nothing in it"),
        ("<del>\n\n:::immediate\n- x\n:::\n\n</del>\n", "care_card_placement",
         "on line 3 is inside raw HTML"),
        ("<h2>\n\n:::urgent\n- x\n:::\n\n</h2>\n", "care_card_placement", "inside raw HTML"),
        ("A[^1].\n\n[^1]: B.\n\n    :::immediate\n    - x\n    :::\n", "care_card_placement",
         "is in a footnote"),
    ],
)  # fmt: skip
def test_bad_syntax_is_refused_at_save_with_a_message_and_still_renders(text, code, words):
    """An unclosed, unknown, nested or empty card never crashes anything:
    problems() names it for the form, and render() shows the text."""
    found = problems(text)
    assert code in [problem.code for problem in found]
    assert any(words in problem.message for problem in found), found
    html = render(text).html
    assert html
    preview = render_markdown(text)
    assert "This text cannot be saved yet" in preview


def test_a_card_fence_inside_a_code_block_is_just_code():
    """Writing about the syntax in a code block is no card and no problem."""
    text = "```\n:::urgent\n- x\n:::\n```\n"
    assert problems(text) == []
    assert care_card_levels(render(text).html) == set()


def test_a_card_may_sit_in_a_list_item_or_block_quote():
    """Indented under a list item, or quoted, a closed card is accepted."""
    for text in ("- item\n\n  :::urgent\n  - x\n  :::\n", "> :::urgent\n> - x\n> :::\n"):
        assert problems(text) == [], text
        assert care_card_levels(render(text).html) == {"urgent"}, text


def test_cards_nest_at_most_twice_and_deeper_fences_are_text():
    """Each open card scans the rest of the body for its end, so only two
    levels are read as cards (the second refused at save); thousands of
    opening fences render and are reported in a few messages."""
    html = render(":::urgent\n" * 50 + "- x\n").html
    assert html.count('<div class="care-card') == 2
    found = problems(":::urgent\n" * 3000)
    assert len(found) <= 6
    assert found[-1].code == "care_card_more"


def test_a_fence_of_four_or_more_colons_is_no_card():
    """Cards do not nest, so the longer fences that nesting needs are text."""
    assert care_card_levels(render("::::urgent\n- x\n::::\n").html) == set()
    assert "care_card_level" in [problem.code for problem in problems("::::urgent\n- x\n")]


@pytest.mark.django_db
def test_the_admin_form_keeps_the_text_and_names_an_unclosed_card(client):
    """Bad card syntax reaches the editor as a message on the form (200,
    the typed text still there), never as an error page, and nothing is saved."""
    editor = make_editor("ed")
    article = make_article(live=False, author=editor, body="Original.")
    client.force_login(editor)
    typed = "## Overdose\n\n:::immediate\n- you cannot stay awake\n"
    response = client.post(
        f"/admin/articles/article/{article.pk}/change/", change_form_data(article, body=typed)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The care card “:::immediate” on line 3 is not closed." in html
    assert "- you cannot stay awake" in html
    assert Article.objects.get(pk=article.pk).body == "Original."

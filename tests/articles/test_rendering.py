from __future__ import annotations

import re

import pytest

from articles.rendering import render, render_markdown


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("[x](javascript:alert(1))", "javascript:"),
        ("<img src=x onerror=alert(1)>", "onerror"),
        ('<a href="#" onclick="alert(1)">x</a>', "onclick"),
        ('<iframe src="https://example.org"></iframe>', "<iframe"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
        ("![x](data:image/svg+xml,<svg onload=alert(1)>)", "data:"),
        ('<div style="position:fixed">x</div>', "style="),
    ],
)
def test_sanitiser_removes_active_content(markdown, forbidden):
    """Nothing that can run script or restyle the page survives rendering as
    markup. (Issue 12: what is not an allowed tag is now shown as escaped
    text, so the check looks inside tags, not at the visible words.)"""
    markup = " ".join(re.findall(r"<[^>]*>", render_markdown(markdown))).lower()
    assert forbidden not in markup


def test_headings_keep_their_ids_for_linking():
    assert '<h2 id="what-is-diazepam">' in render_markdown("## What is diazepam?")


def test_a_level_one_heading_is_demoted_so_the_page_keeps_one_h1():
    html = render_markdown("# Title")
    assert "<h1" not in html
    assert '<h2 id="title">Title</h2>' in html


def test_author_supplied_ids_that_are_not_plain_slugs_are_dropped():
    assert "id=" not in render_markdown('<h2 id="x&quot; onmouseover=1">x</h2>')


def test_table_of_contents_lists_level_two_and_three_headings():
    """Issue 12 (every ## and ### heading has a Contents entry) replaced
    "level two only"; level four stays out."""
    rendered = render("## One\n\n### Sub\n\n#### Deep\n\n## Two & three")
    assert [(h.id, h.text, h.level) for h in rendered.headings] == [
        ("one", "One", 2),
        ("sub", "Sub", 3),
        ("two-three", "Two & three", 2),
    ]


def test_ordinary_links_and_lists_survive():
    html = render_markdown("1. [NHS](https://www.nhs.uk/)\n2. two")
    assert '<a href="https://www.nhs.uk/" rel="noopener noreferrer">NHS</a>' in html
    assert "<ol>" in html


# Safety callouts ---------------------------------------------------------------


def test_an_admonition_becomes_a_note_callout_with_its_title():
    """!!! warning "Important" renders as a role=note callout with a visible label."""
    html = render_markdown('!!! warning "Important"\n    Do not drive.')
    assert '<div class="admonition warning" role="note">' in html
    assert '<p class="admonition-title">Important</p>' in html
    assert "<p>Do not drive.</p>" in html


@pytest.mark.parametrize("kind", ["warning", "danger", "important", "note", "tip"])
def test_every_callout_kind_keeps_its_class(kind):
    """The kinds the stylesheet knows survive the sanitiser."""
    assert f'class="admonition {kind}"' in render_markdown(f'!!! {kind} "Title"\n    Text.')


def test_an_unknown_callout_kind_keeps_only_the_admonition_class():
    """Classes outside the allow-list are dropped."""
    assert '<div class="admonition" role="note">' in render_markdown('!!! custom "T"\n    Text.')


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ('<div class="admonition warning evil">x</div>', "evil"),
        ('<div class="admonition" role="button">x</div>', "role="),
        ('<p role="note">x</p>', "role="),
        ('<span class="admonition-title">x</span>', "class="),
        ('<p class="admonition-title other">x</p>', "other"),
        ('<div class="admonition" aria-hidden="true" data-x="1">x</div>', "aria-hidden"),
        ('<div class="admonition" data-x="1">x</div>', "data-x"),
        ('<h2 class="admonition">x</h2>', "class="),
    ],
)
def test_no_other_class_or_attribute_gets_through(markdown, forbidden):
    """Only admonition, the kind classes, admonition-title and role=note survive
    (as markup: a tag that is not allowed is shown as text since issue 12)."""
    assert forbidden not in " ".join(re.findall(r"<[^>]*>", render_markdown(markdown)))

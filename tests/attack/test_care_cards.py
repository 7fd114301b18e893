"""Attacks on care cards (articles/rendering.py, ``:::urgent`` fences): the
wording of a card is the site's, fixed in CARE_CARDS, and a guide with an
urgent or immediate card shows no separate urgent-help block. An editor
must not be able to change what that wording says, or how it reads."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from articles.rendering import care_card_levels, problems, render

CARD = ":::immediate\n- your lips turn blue\n:::\n"
# Elements that change what the fixed wording says or how it reads (struck
# through, shrunk, a link elsewhere, a heading around a heading).
ALTERING = {"del", "sub", "sup", "a", "h2", "h3", "h4", "h5", "h6", "b", "strong", "em", "i",
            "code", "abbr", "dt"}  # fmt: skip


class _Ancestors(HTMLParser):
    """The open elements around each care card's opening tag."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.around_cards: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div" and "care-card" in (dict(attrs).get("class") or "").split():
            self.around_cards.append(list(self.stack))
        if tag not in {"br", "hr", "img"}:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


@pytest.mark.parametrize("wrapper", ["del", "sub", "sup", 'a href="https://example.org"', "h2"])
def test_raw_html_around_a_care_card_cannot_alter_its_fixed_wording(wrapper):
    """FAILS on 7e1621e: a care card inside a raw-HTML block element is
    accepted by problems() and rendered inside it: ``<del>`` strikes through
    "Call 999 or go to A&E now if:" (and the page's own urgent-help block is
    then left out, since the guide "has" an immediate card), ``<sub>``
    shrinks it, ``<a>`` makes the whole card a link elsewhere, and ``<h2>``
    puts a div and a heading inside a heading (invalid HTML: the browser's
    tree differs from the sanitised one). Fix: in problems(), refuse a care
    card whose fence sits between an opening and a closing raw-HTML tag
    (track html_block open/close tags around container_*_open tokens), or
    render cards only at the top level, in list items and block quotes."""
    tag = wrapper.split()[0]
    body = f"<{wrapper}>\n\n{CARD}\n</{tag}>\n"
    if problems(body):
        return
    html = render(body).html
    assert "immediate" in care_card_levels(html)
    parser = _Ancestors()
    parser.feed(html)
    assert parser.around_cards
    for around in parser.around_cards:
        assert not (set(around) & ALTERING), (around, html)


def test_a_care_card_hidden_in_a_footnote_does_not_stand_in_for_the_urgent_help_block():
    """FAILS on 7e1621e: an immediate card written inside a footnote is
    accepted and counts for care_card_levels(), so the page leaves out its
    urgent-help block near the top while the guide's only "call 999" is in
    the notes under the references at the very end. Fix: refuse care cards
    inside footnotes (or count only top-level cards in care_card_levels)."""
    body = "Breathing problems[^1].\n\n[^1]: See below.\n\n    " + CARD.replace("\n", "\n    ")
    if problems(body):
        return
    html = render(body).html
    footnotes = html.partition('<ol class="footnotes">')[2]
    assert "care-card--immediate" not in footnotes, html

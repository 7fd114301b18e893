"""
Markdown to safe HTML: the one pipeline used by the public pages, the
approval, the feed and the admin's previews (``MARKDOWNX_MARKDOWNIFY_FUNCTION``
and the review panel), so what a clinician approves is what readers get.

The dialect is CommonMark (https://spec.commonmark.org/0.31.2/) with GitHub's
tables and strikethrough, footnotes (``[^1]``), our safety callouts
(``!!! warning "Important"``, Python-Markdown's admonition syntax) and care
cards (``:::urgent`` … ``:::``, fenced containers), parsed by markdown-it-py
with mdit-py-plugins. docs/decisions/0004-markdown-dialect.md says why, and
docs/decisions/0020-care-cards.md why care cards look as they do.

Three rules shape the output:

* **Nothing typed disappears.** Raw HTML is kept only when it is a tag on the
  allow-list (``ALLOWED_TAGS``); anything else that looks like a tag
  (``<your name>``, ``<script>``, ``<o:p>``) is escaped and shown as text.
  nh3 then applies the allow-list of tags, attributes, classes and URL
  schemes to everything, as the single sanitiser. What it still removes on
  purpose is listed in ``REMOVED_ON_PURPOSE``.
* **Every heading is addressable.** Markdown headings get ids made from their
  own text (any length, any script; a repeat gets ``_1``, ``_2``), so an
  anchor changes only when its own heading (or an identical one before it)
  changes. Ids written in raw HTML are kept when safe but renamed if they
  clash with a generated id, an earlier id or an id the site's templates use.
* **Bounded.** :func:`problems` names what a body may not contain (nesting
  deeper than ``MAX_NESTING``, malformed callouts, images without alt text);
  forms refuse such text at save. :func:`render` never raises: text it cannot
  render within bounds is shown as escaped paragraphs instead.
"""

from __future__ import annotations

import bisect
import functools
import html as html_lib
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.html_re import HTML_TAG_RE
from markdown_it.token import Token
from mdit_py_plugins.admon.index import admon_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from articles.text import strip_xml_illegal

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
HEADING_TAGS = {"h2", "h3", "h4", "h5", "h6"}
# Headings listed under "Contents" on the page.
CONTENTS_LEVELS = (2, 3)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "li": {"id"},
    "ol": {"start"},
    "div": {"role"},
    "td": {"align"},
    "th": {"align"},
    **{tag: {"id"} for tag in HEADING_TAGS},
}


@dataclass(frozen=True)
class CareCard:
    """One of nhs.uk's three care-card levels: ``level`` (the word after
    ``:::``), the words naming the level and the fixed ``action`` that opens
    the card. The editor writes only what follows (the symptoms)."""

    level: str
    label: str
    action: str

    @property
    def heading(self) -> str:
        """The card's heading: the level in words, then the action."""
        return f"{self.label}: {self.action}"


# The site-wide wording of care cards, in this one place: editors choose a
# level, never the words, and the clinical lead approves a change here once
# for every guide (docs/decisions/0020-care-cards.md). Levels in order of
# urgency; the numbers are the UK's, as on nhs.uk.
CARE_CARDS = {
    card.level: card
    for card in (
        CareCard("non-urgent", "Non-urgent advice", "Speak to a GP or pharmacist if:"),
        CareCard("urgent", "Urgent advice", "Ask for an urgent GP appointment or call 111 if:"),
        CareCard("immediate", "Immediate action required", "Call 999 or go to A&E now if:"),
    )
}
# Cards that send the reader to urgent help: a guide with one shows no
# separate urgent-help block (public/views.py).
URGENT_CARE_LEVELS = ("urgent", "immediate")
CARE_CARD_CLASS = "care-card"
_CARE_CARD_OPEN = frozenset(f"container_{level}_open" for level in CARE_CARDS)

# Safety callouts, care cards and the footnote list are the only classes that
# survive, so a body cannot restyle site chrome (a "skip-link" class, say)
# with raw HTML. Care-card classes survive only on the markup this module
# writes (see sanitise): typed as raw HTML they are removed.
CALLOUT_KINDS = ("warning", "danger", "important", "note", "tip")
CARE_CARD_CLASSES = frozenset(
    {CARE_CARD_CLASS} | {f"{CARE_CARD_CLASS}--{level}" for level in CARE_CARDS}
)
ALLOWED_CLASSES = {
    "div": {"admonition", *CALLOUT_KINDS, *CARE_CARD_CLASSES},
    "p": {"admonition-title"},
    "ol": {"footnotes"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

# What the pipeline removes on purpose (everything else the editor typed is
# shown). The CommonMark conformance test and the README refer to this list.
REMOVED_ON_PURPOSE = {
    "comments": "HTML comments (<!-- … -->) are notes to other editors, never published.",
    "attributes": "Attributes outside ALLOWED_ATTRIBUTES (style, on…, data-…, class values "
    "outside ALLOWED_CLASSES, care-card classes typed rather than made by a ::: fence) are "
    "dropped from allowed tags; the tag and its text stay.",
    "schemes": "Link and image addresses with a scheme outside URL_SCHEMES (javascript:, "
    "data:, file:) lose the address; the link text stays.",
    "h1": "A # heading becomes h2: the page template owns the only h1.",
    "unsafe ids": "Raw-HTML ids that are not plain words, hyphens, dots or colons are dropped.",
}

# Ids used by the site's own templates (tests/articles/test_rendering.py checks this
# list against templates/): a body must not take them.
RESERVED_IDS = frozenset({
    "main-content", "site-search", "page-contents", "page-sources", "page-trust",
    "guide-templates-label", "error-summary-heading",
    "page-urgent-help", "content-main", "content", "container", "header", "footer",
    "review-panel-heading", "approve-comment", "changes-comment", "search-page-q",
    "not-found-q", "server-error-q", "nav-sidebar", "toggle-nav-sidebar",
    "confirm-accurate-comment", "dashboard-heading", "approve-smog-reason",
    "approve-smog-reason-why", "confirm-accurate-smog-reason", "confirm-accurate-smog-reason-why",
})  # fmt: skip

# Containers (block quotes, list items, callouts, footnotes) one inside
# another. Readers cannot follow more; markdown-it-py drops text past its own
# nesting limit, and deeper structures recurse in Python.
MAX_NESTING = 12
# markdown-it-py's own limit, in token levels (about two per container): well
# above what MAX_NESTING lets through, so nothing accepted is ever cut off.
_PARSER_MAX_NESTING = 4 * MAX_NESTING + 8
# Raw HTML elements one inside another.
MAX_HTML_NESTING = 24
# Characters that start Markdown or HTML syntax. Parsing cost grows with
# them, not with prose: ordinary guides use a few hundred, and this many keeps
# every body of up to ARTICLE_BODY_MAX_CHARS within a second (measured in
# tests/articles/test_render_bounds.py).
MARKUP_CHARACTERS = "[]<>&*_`\\\\~!#|"
MAX_MARKUP_CHARS = 10_000
# Each line costs a block or a line break token; guides written as paragraphs
# have a few hundred.
MAX_LINES = 4_000

_SAFE_RAW_ID = re.compile(r"^[^\W_][\w.:-]{0,199}$")
_SAFE_NUMBER = re.compile(r"^[0-9]{1,5}$")
_SAFE_ALIGN = {"left", "right", "center"}
_TAG_NAME = re.compile(r"^</?([A-Za-z][A-Za-z0-9-]*)")
_ATTRIBUTE_NAMES = re.compile(
    r"""\s([A-Za-z_:][A-Za-z0-9:._-]*)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
)
# Attribute names a real HTML tag may carry, so that ``<b and c>`` (prose,
# not markup) is shown as typed instead of becoming bold with its words lost.
_HTML_ATTRIBUTES = frozenset({
    "abbr", "align", "alt", "border", "cellpadding", "cellspacing", "class", "colspan",
    "dir", "height", "href", "hspace", "id", "lang", "loading", "name", "rel", "reversed",
    "role", "rowspan", "scope", "src", "srcset", "start", "style", "tabindex", "target",
    "title", "type", "valign", "value", "vspace", "width", "xml:lang", "xmlns",
})  # fmt: skip
_VOID_TAGS = {"br", "hr", "img"}


@dataclass(frozen=True)
class Heading:
    """A heading of the rendered body: its ``id`` (the anchor), its plain
    ``text`` and its ``level`` (2 for ``##``)."""

    id: str
    text: str
    level: int = 2


@dataclass(frozen=True)
class Rendered:
    """Sanitised HTML and the headings listed under "Contents" (levels 2
    and 3, in document order)."""

    html: str
    headings: list[Heading] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """Why a body cannot be saved: a stable ``code`` and a ``message`` that
    names the place and says how to write it."""

    code: str
    message: str


# Slugs ----------------------------------------------------------------------


def slugify(text: str) -> str:
    """The anchor for a heading's text: lower case, accents removed from
    Latin letters (so ids match those Python-Markdown made), letters and
    digits of every script kept, everything else a single hyphen. Never
    empty: a heading of only punctuation becomes ``section``."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    value = unicodedata.normalize("NFKC", without_marks).lower()
    value = re.sub(r"[^\w\s-]", "", value).strip()
    value = re.sub(r"[-\s]+", "-", value).strip("-")
    return value or "section"


class _Ids:
    """Ids in use in one document. A repeat of ``base`` becomes ``base_1``,
    ``base_2``… (Python-Markdown's numbering, so existing anchors keep
    working); the next number per base is remembered, so thousands of equal
    headings cost linear time."""

    def __init__(self, taken: set[str] | frozenset[str] = frozenset()) -> None:
        self.taken = set(taken)
        self.next_number: dict[str, int] = {}

    def claim(self, base: str) -> str:
        candidate = base
        number = self.next_number.get(base, 0)
        if candidate in self.taken:
            number = max(number, 1)
            candidate = f"{base}_{number}"
            while candidate in self.taken:
                number += 1
                candidate = f"{base}_{number}"
            self.next_number[base] = number + 1
        self.taken.add(candidate)
        return candidate


# Raw HTML ---------------------------------------------------------------------


def _allowed_markup(tag: str) -> bool:
    """Whether one raw HTML tag (or comment) is markup to keep; anything else
    is shown as text."""
    if tag.startswith("<!--"):
        return True
    name = _TAG_NAME.match(tag)
    if name is None or name.group(1).lower() not in ALLOWED_TAGS:
        return False
    for attribute in _ATTRIBUTE_NAMES.findall(tag[name.end() :]):
        attribute = attribute.lower()
        if not (attribute in _HTML_ATTRIBUTES or attribute.startswith(("on", "data-", "aria-"))):
            return False
    return True


# A raw tag longer than this is shown as text: matching is then linear in
# the body however many "<" it holds (each match looks at most this far).
_TAG_WINDOW = 1_000


def _escape_unknown_markup(raw: str) -> str:
    """Raw HTML with every tag that is not allowed markup escaped, so the
    sanitiser keeps it as text. Comments are kept (nh3 removes them)."""
    out: list[str] = []
    position = 0
    comment_close = -2  # where the next "-->" is; -1 once there is none
    while True:
        start = raw.find("<", position)
        if start < 0:
            out.append(raw[position:])
            break
        out.append(raw[position:start])
        if raw.startswith("<!--", start):
            if comment_close != -1 and comment_close < start + 2:
                comment_close = raw.find("-->", start + 2)
            if comment_close != -1:
                out.append(raw[start : comment_close + 3])
                position = comment_close + 3
                continue
            out.append("&lt;")
            position = start + 1
            continue
        match = HTML_TAG_RE.match(raw[start : start + _TAG_WINDOW])
        if match is None:
            out.append("&lt;")
            position = start + 1
            continue
        tag = match.group(0)
        out.append(tag if _allowed_markup(tag) else html_lib.escape(tag, quote=False))
        position = start + match.end()
    return "".join(out)


def _render_html_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return _escape_unknown_markup(tokens[idx].content)


def _render_html_inline(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    return _escape_unknown_markup(tokens[idx].content)


# Callouts -----------------------------------------------------------------------


def _callout_rule(state: Any, start_line: int, end_line: int, silent: bool) -> bool:
    # Only Python-Markdown's "!!!"; mkdocs' collapsible "???" stays text, so a
    # line of question marks in prose keeps its meaning.
    start = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("!!!", start):
        return False
    from mdit_py_plugins.admon.index import admonition

    return admonition(state, start_line, end_line, silent)


def _render_callout_open(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    tokens[idx].attrSet("role", "note")
    return self.renderToken(tokens, idx, options, env)


# Care cards -----------------------------------------------------------------------


def _care_card_validator(level: str) -> Callable[[str, str], bool]:
    # Exactly ":::level" (any case, spaces around): ":::urgent now" or a
    # misspelt level stays text, and problems() names it.
    return lambda params, markup: params.strip().lower() == level


# Cards one inside another that the parser still reads as cards; deeper
# fences are text. A card nested once is reported by problems(); each level
# costs a scan of the rest of the body for its closing fence, so the levels
# are bounded here rather than by the parser's general nesting limit.
_CARE_CARD_MAX_DEPTH = 2


def _bounded_care_card_rule(rule: Any) -> Any:
    """The container plugin's block rule for one level, opening only on a
    fence of exactly three colons and at most ``_CARE_CARD_MAX_DEPTH`` cards
    deep: a body of thousands of growing fences (``::::``, ``:::::`` …) made
    the plugin scan the rest of the body once per fence."""

    def bounded(state: Any, start_line: int, end_line: int, silent: bool) -> bool:
        start = state.bMarks[start_line] + state.tShift[start_line]
        if not state.src.startswith(":::", start) or state.src.startswith("::::", start):
            return False
        if silent:
            return bool(rule(state, start_line, end_line, silent))
        depth = state.env.get("care_card_depth", 0)
        if depth >= _CARE_CARD_MAX_DEPTH:
            return False
        state.env["care_card_depth"] = depth + 1
        try:
            return bool(rule(state, start_line, end_line, silent))
        finally:
            state.env["care_card_depth"] = depth

    return bounded


def _render_care_card(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    if token.nesting == -1:
        return "</div>\n"
    card = CARE_CARDS[token.type.removeprefix("container_").removesuffix("_open")]
    # The classes carry this render's marker; sanitise() keeps them only then.
    marker = env["id_marker"]
    level = token.meta.get("heading_level", 2)
    return (
        f'<div class="{marker}{CARE_CARD_CLASS} {marker}{CARE_CARD_CLASS}--{card.level}">\n'
        f"<h{level}>{html_lib.escape(card.heading)}</h{level}>\n"
    )


def care_card_levels(html: str) -> set[str]:
    """The care-card levels in sanitised body HTML (``Article.live_body_html``).
    Only :func:`render` writes these classes, so typed HTML cannot fake one;
    the whole opening tag is matched because typed text keeps its quotes
    (only ``<``, ``>`` and ``&`` are escaped in text)."""
    return {
        level
        for level in CARE_CARDS
        if f'<div class="{CARE_CARD_CLASS} {CARE_CARD_CLASS}--{level}">' in html
    }


# Footnotes --------------------------------------------------------------------


def _footnote_number(token: Token) -> str:
    return str(token.meta["id"] + 1)


def _render_footnote_ref(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    number = _footnote_number(tokens[idx])
    sub = tokens[idx].meta.get("subId", -1)
    ref_id = f"fnref-{number}" + (f"-{sub + 1}" if sub > 0 else "")
    marker = env["id_marker"]
    return f'<sup><a href="#fn-{number}" id="{marker}{ref_id}">{number}</a></sup>'


def _render_footnote_block_open(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    return '<hr>\n<ol class="footnotes">\n'


def _render_footnote_block_close(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    return "</ol>\n"


def _render_footnote_open(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    return f'<li id="{env["id_marker"]}fn-{_footnote_number(tokens[idx])}">'


def _render_footnote_close(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    return "</li>\n"


def _render_footnote_anchor(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    number = _footnote_number(tokens[idx])
    sub = tokens[idx].meta.get("subId", -1)
    ref_id = f"fnref-{number}" + (f"-{sub + 1}" if sub > 0 else "")
    return f' <a href="#{ref_id}" title="Back to the text">\u21a9\ufe0e</a>'


# Link brackets ---------------------------------------------------------------
#
# markdown-it-py looks for the "]" of every "[" by scanning ahead, so text with
# many unclosed or deeply nested brackets costs quadratic time ("[" * 12000
# took about a second, "[" * 200000 minutes). This rule, run before the link
# and image rules, lets only a "[" with a matching "]" (found once per
# paragraph in linear time) within MAX_LINK_TEXT characters and at most
# MAX_BRACKET_DEPTH deep start a link; any other bracket is plain text, as
# it would have been anyway.

MAX_LINK_TEXT = 2_000
MAX_BRACKET_DEPTH = 8


def _link_starts(src: str) -> set[int]:
    """Positions of the "[" characters in ``src`` that may start a link."""
    code_span_end: dict[int, int] = {}
    runs = [(m.start(), m.end() - m.start()) for m in re.finditer(r"`+", src)]
    by_length: dict[int, list[int]] = {}
    for start, length in runs:
        by_length.setdefault(length, []).append(start)
    covered = 0
    for start, length in runs:
        if start < covered or (start and src[start - 1] == "\\"):
            continue
        same = by_length[length]
        following = same[bisect.bisect_right(same, start) :]
        if following:
            code_span_end[start] = following[0] + length
            covered = following[0] + length
    pairs: list[tuple[int, int]] = []
    stack: list[int] = []
    index, length = 0, len(src)
    while index < length:
        char = src[index]
        if char == "\\":
            index += 2
            continue
        if char == "`" and index in code_span_end:
            index = code_span_end[index]
            continue
        if char == "[":
            stack.append(index)
        elif char == "]" and stack:
            pairs.append((stack.pop(), index))
        index += 1
    # Matched pairs nest properly, so depth counts only enclosing pairs (an
    # unclosed "[" before a link does not make the link deeper).
    events = sorted([(start, 1, end) for start, end in pairs] + [(end, -1, 0) for _, end in pairs])
    allowed, depth = set(), 0
    for position, step, end in events:
        depth += step
        if step == 1 and depth <= MAX_BRACKET_DEPTH and end - position <= MAX_LINK_TEXT:
            allowed.add(position)
    return allowed


def _bracket_guard(state: Any, silent: bool) -> bool:
    char = state.src[state.pos]
    if char == "!":
        if state.src[state.pos + 1 : state.pos + 2] != "[":
            return False
        bracket = state.pos + 1
    elif char == "[":
        bracket = state.pos
    else:
        return False
    allowed = getattr(state, "link_starts", None)
    if allowed is None:
        allowed = state.link_starts = _link_starts(state.src)
    if bracket in allowed:
        return False
    if not silent:
        state.pending += char
    state.pos += 1
    return True


# Headings and tables ------------------------------------------------------------


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def _finish_tokens(state: Any) -> None:
    """Core rule, run last: h1 becomes h2, headings get their ids, table
    alignment becomes the ``align`` attribute (``style`` is not allowed)."""
    env = state.env
    marker = env["id_marker"]
    footnotes = env.get("footnotes", {}).get("list", {})
    ids = _Ids(RESERVED_IDS)
    for index, footnote in footnotes.items():
        number = index + 1
        ids.taken.update({f"fn-{number}", f"fnref-{number}"})
        # The second and later references to one footnote: fnref-1-2, ...
        ids.taken.update(f"fnref-{number}-{sub}" for sub in range(2, footnote.get("count", 0) + 1))
    tokens = state.tokens
    # A care card's heading sits one level under the heading before it (h2
    # before any), so the page's outline has no gaps.
    last_heading = 1
    for index, token in enumerate(tokens):
        if token.type in {"heading_open", "heading_close"} and token.tag == "h1":
            token.tag = "h2"
        if token.type in _CARE_CARD_OPEN:
            token.meta["heading_level"] = min(last_heading + 1, 6)
        if token.type == "heading_open":
            last_heading = int(token.tag[1])
            text = _inline_text(tokens[index + 1]) if index + 1 < len(tokens) else ""
            token.attrSet("id", marker + ids.claim(slugify(text)))
        elif token.type == "inline":
            for child in token.children or []:
                # GFM strikethrough is <del> (allowed); markdown-it writes <s>.
                if child.type in {"s_open", "s_close"}:
                    child.tag = "del"
        elif token.type in {"th_open", "td_open"}:
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrSet("align", style.removeprefix("text-align:"))
    env["ids"] = ids


def _markdown() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark",
        {"html": True, "linkify": False, "typographer": False, "maxNesting": _PARSER_MAX_NESTING},
    )
    md.enable(["table", "strikethrough"])
    # nh3's URL_SCHEMES is the one allow-list for addresses: a refused scheme
    # loses the address and keeps the link text, the same for Markdown links
    # and raw HTML.
    # markdown-it-py's documented hook is this attribute, replaced; its types
    # declare it a method.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.use(footnote_plugin, inline=False)
    admon_plugin(md)
    for level in CARE_CARDS:
        container_plugin(md, level, validate=_care_card_validator(level), render=_render_care_card)
        name = f"container_{level}"
        # markdown-it-py's Ruler has no getter for one rule's function.
        plugin_rule = next(rule.fn for rule in md.block.ruler.__rules__ if rule.name == name)
        md.block.ruler.at(
            name,
            _bounded_care_card_rule(plugin_rule),
            {"alt": ["paragraph", "reference", "blockquote", "list"]},
        )
    md.block.ruler.at(
        "admonition", _callout_rule, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    md.inline.ruler.before("link", "bracket_guard", _bracket_guard)
    md.core.ruler.push("finish_tokens", _finish_tokens)
    md.add_render_rule("admonition_open", _render_callout_open)
    md.add_render_rule("html_block", _render_html_block)
    md.add_render_rule("html_inline", _render_html_inline)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("footnote_block_open", _render_footnote_block_open)
    md.add_render_rule("footnote_block_close", _render_footnote_block_close)
    md.add_render_rule("footnote_open", _render_footnote_open)
    md.add_render_rule("footnote_close", _render_footnote_close)
    md.add_render_rule("footnote_anchor", _render_footnote_anchor)
    return md


_MD = _markdown()


# Sanitising -----------------------------------------------------------------------


def sanitise(html: str, *, id_marker: str | None = None, ids: _Ids | None = None) -> str:
    """``html`` through nh3 with the allow-lists above. Ids that start with
    ``id_marker`` were generated by :func:`render` and lose the marker; any
    other id is kept only if it is a safe word and is renamed (``_1``…) when
    ``ids`` (the site's reserved ids by default) already holds it."""
    ids = _Ids(RESERVED_IDS) if ids is None else ids

    def filter_attribute(tag: str, name: str, value: str) -> str | None:
        if name == "class":
            return _filter_classes(value, id_marker)
        if name == "id":
            if id_marker and value.startswith(id_marker):
                return value[len(id_marker) :]
            if not _SAFE_RAW_ID.match(value):
                return None
            return ids.claim(value)
        if name in {"width", "height", "start"}:
            return value if _SAFE_NUMBER.match(value) else None
        if name == "role":
            return value if tag == "div" and value == "note" else None
        if name == "align":
            return value if value in _SAFE_ALIGN else None
        return value

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _filter_classes(value: str, marker: str | None) -> str | None:
    """Care-card classes only with this render's marker (which is removed);
    other classes are left to nh3's ``allowed_classes``."""
    kept = []
    for name in value.split():
        if marker and name.startswith(marker):
            name = name[len(marker) :]
            if name in CARE_CARD_CLASSES:
                kept.append(name)
        elif name not in CARE_CARD_CLASSES:
            kept.append(name)
    return " ".join(kept) or None


_CONTENTS_HEADING = re.compile(r'<h([23]) id="([^"]*)">(.*?)</h\1>', re.S)


def _contents(html: str) -> list[Heading]:
    return [
        Heading(id=html_lib.unescape(anchor), text=plain_text(inner), level=int(level))
        for level, anchor, inner in _CONTENTS_HEADING.findall(html)
    ]


def _as_paragraphs(text: str) -> str:
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]
    return "\n".join(f"<p>{html_lib.escape(block)}</p>" for block in blocks)


# Bounds ---------------------------------------------------------------------------


def _container_depth(tokens: Sequence[Token]) -> tuple[int, int]:
    """The deepest nesting of containers in ``tokens`` and the 1-based line
    where the nesting first goes past ``MAX_NESTING`` (0 if it never does)."""
    containers = {
        "blockquote_open", "bullet_list_open", "ordered_list_open", "admonition_open",
        "footnote_open", *_CARE_CARD_OPEN,
    }  # fmt: skip
    depth = deepest = line = 0
    for token in tokens:
        if token.type in containers:
            depth += 1
            deepest = max(deepest, depth)
            if depth > MAX_NESTING and not line:
                line = (token.map[0] + 1) if token.map else 1
        elif token.nesting == -1 and token.type.removesuffix("_close") + "_open" in containers:
            depth -= 1
    return deepest, line


_RAW_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*)>")


def _html_depth(html: str) -> int:
    depth = deepest = 0
    for closing, name, rest in _RAW_TAG.findall(html):
        name = name.lower()
        if name not in ALLOWED_TAGS or name in _VOID_TAGS or rest.endswith("/"):
            continue
        if closing:
            depth = max(depth - 1, 0)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _parse(text: str) -> tuple[list[Token], dict[str, Any]]:
    env: dict[str, Any] = {"id_marker": f"x{secrets.token_hex(8)}-"}
    return _MD.parse(text, env), env


def _depth_problems(tokens: Sequence[Token], raw_html: str) -> list[Problem]:
    found = []
    depth, line = _container_depth(tokens)
    if depth > MAX_NESTING:
        found.append(Problem(
            "nesting",
            f"Lists, block quotes and callouts are nested more than {MAX_NESTING} deep "
            f"(from line {line}); "
            f"the limit is {MAX_NESTING}. Readers cannot follow more: flatten the structure "
            "(a list inside a list inside a list is already a lot).",
        ))  # fmt: skip
    html_depth = _html_depth(raw_html)
    if html_depth > MAX_HTML_NESTING:
        found.append(Problem(
            "html_nesting",
            f"Raw HTML tags are nested {html_depth} deep; the limit is {MAX_HTML_NESTING}. "
            "Write the structure in Markdown instead.",
        ))  # fmt: skip
    return found


def _raw_html(tokens: Sequence[Token]) -> str:
    parts = []
    for token in tokens:
        if token.type == "html_block":
            parts.append(token.content)
        for child in token.children or []:
            if child.type == "html_inline":
                parts.append(child.content)
    return "".join(parts)


def _render_tokens(tokens: list[Token], env: dict[str, Any]) -> Rendered:
    html = _MD.renderer.render(tokens, _MD.options, env)
    clean = sanitise(html, id_marker=env["id_marker"], ids=env["ids"])
    return Rendered(html=clean, headings=_contents(clean))


def _markup_problems(text: str) -> list[Problem]:
    found = []
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        found.append(Problem(
            "lines",
            f"The text has {lines} lines; the limit is {MAX_LINES}. Join lines that belong to "
            "one paragraph, or split the guide.",
        ))  # fmt: skip
    count = sum(text.count(char) for char in MARKUP_CHARACTERS)
    if count > MAX_MARKUP_CHARS:
        found.append(Problem(
            "markup",
            f"The text has {count} Markdown or HTML symbols ({' '.join(MARKUP_CHARACTERS)}); "
            f"the limit is {MAX_MARKUP_CHARS}. Split the guide, or remove symbols that are not "
            "needed.",
        ))  # fmt: skip
    return found


def _safely_parsed(text: str) -> tuple[list[Token], dict[str, Any]] | None:
    if _markup_problems(text):
        return None
    try:
        tokens, env = _parse(text)
    except RecursionError:
        return None
    if _depth_problems(tokens, _raw_html(tokens)):
        return None
    return tokens, env


# Public API -----------------------------------------------------------------------


def render(text: str) -> Rendered:
    """Render Markdown (the dialect above) to sanitised HTML plus the level 2
    and 3 headings for a table of contents.

    Never raises. Text that :func:`problems` refuses for its nesting (only
    text saved before the limit existed can reach here) is shown as escaped
    paragraphs, every word kept, rather than cut off or crashing the page.
    """
    # XML-illegal characters (a lone surrogate cannot even be encoded) are
    # refused at every entrance, naming the field (articles.text); one that
    # reached the database anyway must not crash the page.
    text = strip_xml_illegal(text or "")
    parsed = _safely_parsed(text)
    if parsed is None:
        return Rendered(html=sanitise(_as_paragraphs(text)), headings=[])
    try:
        return _render_tokens(*parsed)
    except RecursionError:
        return Rendered(html=sanitise(_as_paragraphs(text)), headings=[])


def problems(text: str) -> list[Problem]:
    """Everything that stops ``text`` being saved as a guide body, in the
    order found: size and nesting past the bounds, malformed callouts, images
    without alt text. An empty list means it may be saved. Never raises.
    XML-illegal characters are not reported here: the text entrances
    (``articles.text``) refuse them with a message naming the field."""
    return list(_problems(strip_xml_illegal(text or "")))


@functools.lru_cache(maxsize=16)
def _problems(text: str) -> tuple[Problem, ...]:
    # Cached: a save checks the same text in the form and in the workflow.
    return tuple(_find_problems(text))


def _find_problems(text: str) -> list[Problem]:
    found = _markup_problems(text)
    if found:
        return found
    try:
        tokens, env = _parse(text)
    except RecursionError:
        return [Problem("nesting", "The text is nested too deeply to render.")]
    found = _depth_problems(tokens, _raw_html(tokens))
    if found:
        return found
    found.extend(_callout_problems(tokens, text))
    found.extend(_care_card_problems(tokens, text))
    found.extend(_misplaced_care_cards(tokens, text))
    html = _render_tokens(tokens, env).html
    found.extend(_image_problems(html))
    return found


_CALLOUT_EXAMPLE = '!!! warning "Important"\n    Do not drive if diazepam makes you sleepy.'


def _callout_problems(tokens: Sequence[Token], text: str) -> list[Problem]:
    found = []
    lines = text.splitlines()
    for index, token in enumerate(tokens):
        if token.type != "admonition_open":
            continue
        has_content = False
        after_title = False
        for later in tokens[index + 1 :]:
            if later.type == "admonition_close" and later.level == token.level:
                break
            if later.type.startswith("admonition_title"):
                after_title = later.type == "admonition_title_open"
                continue
            if after_title and later.type == "inline":
                continue
            has_content = True
            break
        if not has_content:
            line = token.map[0] if token.map else 0
            first = lines[line].strip() if line < len(lines) else token.markup
            found.append(Problem(
                "callout",
                f"The callout “{first}” on line {line + 1} has no text inside it. Indent the "
                f"callout's text by four spaces on the lines under it, like this:\n"
                f"{_CALLOUT_EXAMPLE}",
            ))  # fmt: skip
    return found


_CARE_CARD_EXAMPLE = ":::urgent\n- you feel drowsy all day\n- your breathing is slow\n:::"
# The editor reads the first few and fixes the pattern; thousands of lines
# of the same message help no one.
_CARE_CARD_PROBLEMS_SHOWN = 5
_FENCE_LINE = re.compile(r"^[\s>]*:{3,}\s*(.*?)\s*$")


_HTML_OPEN = re.compile(r"<([a-zA-Z][\w-]*)\b[^>]*?(?<!/)>")
_HTML_CLOSE = re.compile(r"</([a-zA-Z][\w-]*)\s*>")
_HTML_VOID = {"br", "hr", "img", "input", "wbr", "col", "area", "source", "track", "embed"}


def _raw_html_depth(content: str) -> int:
    """Elements a raw HTML block leaves open (opened minus closed)."""
    opened = [tag for tag in _HTML_OPEN.findall(content) if tag.lower() not in _HTML_VOID]
    return len(opened) - len(_HTML_CLOSE.findall(content))


def _misplaced_care_cards(tokens: Sequence[Token], text: str) -> list[Problem]:
    """Care cards inside raw HTML (which could strike through, shrink or
    link the site's fixed wording) or in a footnote (at the page's end,
    where it cannot stand in for the urgent-help block)."""
    found = []
    lines = text.splitlines()
    raw_depth, in_footnote = 0, False
    for token in tokens:
        if token.type == "html_block":
            raw_depth = max(0, raw_depth + _raw_html_depth(token.content))
        elif token.type in {"footnote_block_open", "footnote_reference_open"}:
            in_footnote = True
        elif token.type in {"footnote_block_close", "footnote_reference_close"}:
            in_footnote = False
        elif token.type in _CARE_CARD_OPEN and (raw_depth or in_footnote):
            start = (token.map or (0, 0))[0]
            opening = lines[start].strip() if start < len(lines) else token.markup
            where = (
                "is inside raw HTML: its wording is the site's and is shown as it is, so put "
                "the card outside any HTML tags"
                if raw_depth
                else "is in a footnote, at the end of the page: put it in the guide's text, "
                "where readers need it"
            )
            found.append(Problem(
                "care_card_placement", f"The care card “{opening}” on line {start + 1} {where}."
            ))  # fmt: skip
    return found


def _care_card_problems(tokens: Sequence[Token], text: str) -> list[Problem]:
    """Care cards that are unclosed, empty, inside another card, or fences
    that open no card (an unknown level, a stray closing ``:::``)."""
    found = []
    lines = text.splitlines()
    levels = ", ".join(f":::{level}" for level in CARE_CARDS)
    depth = 0
    for index, token in enumerate(tokens):
        if token.type in _CARE_CARD_OPEN:
            start, end = token.map or (0, 0)
            opening = lines[start].strip() if start < len(lines) else token.markup
            closed = end < len(lines) and _FENCE_LINE.match(lines[end]) is not None
            if depth:
                found.append(Problem(
                    "care_card_nested",
                    f"The care card “{opening}” on line {start + 1} is inside another care card. "
                    "Close the first card with a line of ::: before opening the next.",
                ))  # fmt: skip
            elif not closed:
                found.append(Problem(
                    "care_card_unclosed",
                    f"The care card “{opening}” on line {start + 1} is not closed. End it with "
                    f"a line of just ::: after its list, like this:\n{_CARE_CARD_EXAMPLE}",
                ))  # fmt: skip
            if tokens[index + 1].type.endswith("_close"):
                found.append(Problem(
                    "care_card_empty",
                    f"The care card “{opening}” on line {start + 1} has nothing in it. List "
                    f"the symptoms between the lines, like this:\n{_CARE_CARD_EXAMPLE}",
                ))  # fmt: skip
            depth += 1
        elif token.type.startswith("container_") and token.type.endswith("_close"):
            depth -= 1
        elif token.type == "inline":
            first = token.map[0] if token.map else 0
            for offset, line in enumerate(token.content.splitlines()):
                fence = _FENCE_LINE.match(line)
                if fence is None:
                    continue
                what = (
                    f"“:::{fence.group(1)}” is not a care card"
                    if fence.group(1)
                    else "“:::” closes no care card"
                )
                found.append(Problem(
                    "care_card_level",
                    f"Line {first + offset + 1}: {what}. A care card opens with one of "
                    f"{levels} on a line of its own and closes with a line of just :::.",
                ))  # fmt: skip
    if len(found) > _CARE_CARD_PROBLEMS_SHOWN:
        more = len(found) - _CARE_CARD_PROBLEMS_SHOWN
        found = [
            *found[:_CARE_CARD_PROBLEMS_SHOWN],
            Problem("care_card_more", f"… and {more} more care-card fences like these."),
        ]
    return found


_IMG = re.compile(r"<img\b([^>]*)>")
_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')


def _image_problems(html: str) -> list[Problem]:
    found = []
    for number, match in enumerate(_IMG.finditer(html), start=1):
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        if html_lib.unescape(attributes.get("alt", "")).strip():
            continue
        src = html_lib.unescape(attributes.get("src", ""))
        found.append(Problem(
            "image_alt",
            f"Image {number} ({src or 'no address'}) has no alt text. Describe what it shows "
            f"between the square brackets, for readers who cannot see it: "
            f"![A pharmacist handing over a box of tablets]({src or 'address'})",
        ))  # fmt: skip
    return found


_BLOCK_END = re.compile(r"</(p|li|h[2-6]|td|th|dd|dt|div|blockquote|pre)>|<br>", re.I)
_TAG = re.compile(r"<[^>]*>")


def plain_text(html: str, *, blocks_on_lines: bool = False) -> str:
    """Sanitised HTML as plain text: for the search index and snippets, or,
    with ``blocks_on_lines``, one paragraph, item or heading per line (for
    finding sentences)."""
    text = html_lib.unescape(_TAG.sub("", _BLOCK_END.sub("\n", html)))
    if blocks_on_lines:
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())
    return re.sub(r"\s+", " ", text).strip()


def render_markdown(text: str) -> str:
    """The markdownx live preview hook: the same pipeline, HTML only. Text
    that cannot be saved shows the reasons above the rendering, so the editor
    sees the problem while typing rather than at save."""
    from django.conf import settings

    text = text or ""
    limit = settings.ARTICLE_BODY_MAX_CHARS
    if len(text) > limit:
        return _problem_box([Problem(
            "body_too_long", f"The body is {len(text)} characters long; the limit is {limit}."
        )])  # fmt: skip
    found = problems(text)
    rendered = render(text).html
    return (_problem_box(found) if found else "") + rendered


def _problem_box(found: list[Problem]) -> str:
    items = "".join(
        f"<li>{html_lib.escape(problem.message).replace(chr(10), '<br>')}</li>" for problem in found
    )
    return (
        '<div class="admonition danger" role="note"><p class="admonition-title">'
        "This text cannot be saved yet</p><ul>" + items + "</ul></div>"
    )

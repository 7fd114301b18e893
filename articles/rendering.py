"""
Markdown to safe HTML: the one pipeline used by the public pages, the feed and
the admin's live preview (``MARKDOWNX_MARKDOWNIFY_FUNCTION``), so an editor
previews exactly what readers will get.

Python-Markdown does not sanitise, and raw HTML in Markdown passes straight
through it, so every byte it produces goes through nh3 with an explicit
allow-list. Anything not listed here is removed.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
HEADING_TAGS = {"h2", "h3", "h4", "h5", "h6"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "div": {"role"},
    "td": {"align"},
    "th": {"align"},
    **{tag: {"id"} for tag in HEADING_TAGS},
}
# Safety callouts come from the admonition extension; these are the only
# classes that survive, so authors cannot restyle the page with raw HTML.
CALLOUT_KINDS = ("warning", "danger", "important", "note", "tip")
ALLOWED_CLASSES = {
    "div": {"admonition", *CALLOUT_KINDS},
    "p": {"admonition-title"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,80}$")
_SAFE_NUMBER = re.compile(r"^[0-9]{1,5}$")
_SAFE_ALIGN = {"left", "right", "center"}


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "id":
        return value if _SAFE_ID.match(value) else None
    if name in {"width", "height", "start"}:
        return value if _SAFE_NUMBER.match(value) else None
    if name == "role":
        # Only the callout landmark role that _Callouts adds.
        return value if tag == "div" and value == "note" else None
    if name == "align":
        return value if value in _SAFE_ALIGN else None
    return value


class _DemoteH1(Treeprocessor):
    """The page template owns the only h1, so a ``#`` heading in the body
    becomes an h2 instead of a second h1."""

    def run(self, root: Element) -> None:
        for element in root.iter("h1"):
            element.tag = "h2"


class _DemoteH1Extension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        # Priority above toc (5) so ids and the table of contents see h2.
        md.treeprocessors.register(_DemoteH1(md), "demote_h1", 30)


class _Callouts(Treeprocessor):
    """Admonitions (``!!! warning "Important"``) become notes that assistive
    technology announces as such; their title stays the visible label."""

    def run(self, root: Element) -> None:
        for element in root.iter("div"):
            if "admonition" in (element.get("class") or "").split():
                element.set("role", "note")


class _CalloutExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        md.treeprocessors.register(_Callouts(md), "callouts", 25)


@dataclass(frozen=True)
class Heading:
    id: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: list[Heading] = field(default_factory=list)


def _markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            _DemoteH1Extension(),
            _CalloutExtension(),
            "markdown.extensions.admonition",
            "markdown.extensions.sane_lists",
            "markdown.extensions.tables",
            "markdown.extensions.toc",
        ],
        extension_configs={
            "markdown.extensions.tables": {"use_align_attribute": True},
            "markdown.extensions.toc": {"toc_depth": "2-3"},
        },
        output_format="html",
    )


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render(text: str) -> Rendered:
    """Render Markdown to sanitised HTML plus the ``##`` headings for a
    table of contents."""
    md = _markdown()
    html = sanitise(md.convert(text or ""))
    headings = [
        Heading(id=token["id"], text=html_lib.unescape(token["name"]))
        for token in _flatten(md.toc_tokens)
        if token["level"] == 2 and _SAFE_ID.match(token["id"])
    ]
    return Rendered(html=html, headings=headings)


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
    """The markdownx preview hook: same pipeline, HTML only."""
    return render(text).html


def _flatten(tokens: list[dict]) -> list[dict]:
    flat: list[dict] = []
    for token in tokens:
        flat.append(token)
        flat.extend(_flatten(token.get("children", [])))
    return flat

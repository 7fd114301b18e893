"""Differences between two versions' public fields, for reviewers
comparing a working copy with the live text, or one version with the one
before.

Two views of each field:

- **rendered** (the default): the text as readers see it, the body as the
  public page's sanitised HTML, with each added word underlined (``<ins>``)
  and each removed word struck through (``<del>``), each run prefixed with
  a visually hidden "added:" or "removed:" for screen readers;
- **source**: the Markdown, line by line, in difflib's side-by-side table.

The rendered body is diffed as a stream of tags and words from
``articles.rendering.render`` (so only sanitised markup goes in), first
block by block, then word by word inside the blocks that changed; marks go
only around text, and removed text lands where text may stand (a removed
list item comes back as an item). The result goes through nh3 again, with
the public allow-lists plus the diff's own marks, before it is marked safe.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import escape as escape_text
from html import unescape
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import nh3
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from articles import rendering

if TYPE_CHECKING:  # articles.models imports nothing from here; only the type is needed
    from articles.models import Revision


@dataclass(frozen=True)
class FieldDiff:
    """One field of two versions compared: ``rendered`` (words marked, as
    readers see the field) and ``table`` (the source, line by line)."""

    label: str
    changed: bool
    table: SafeString
    rendered: str = ""  # safe markup (SafeString) from rendered_diff
    rendered_label: str = ""  # "Body" where ``label`` says "Body (Markdown)"
    name: str = ""  # the VERSION_FIELDS name


class VersionDiff(list[FieldDiff]):
    """Every field of two versions compared, in ``LABELS`` order, with the
    two versions' labels (:func:`version_label`)."""

    def __init__(self, fields: list[FieldDiff], *, old_label: str, new_label: str) -> None:
        super().__init__(fields)
        self.old_label = old_label
        self.new_label = new_label

    @property
    def changed(self) -> bool:
        """Whether any field differs."""
        return any(field.changed for field in self)


def _table(old: str, new: str, fromdesc: str = "Live", todesc: str = "Working copy") -> SafeString:
    """The side-by-side table of two texts; ``fromdesc`` and ``todesc``
    head its columns (plain text, escaped here)."""
    # HtmlDiff escapes the lines it compares, but not the column headings.
    html = difflib.HtmlDiff(wrapcolumn=60).make_table(
        old.splitlines(), new.splitlines(), fromdesc=escape(fromdesc), todesc=escape(todesc),
        context=True, numlines=2,
    )  # fmt: skip
    return mark_safe(html)  # noqa: S308 - HtmlDiff output, input and headings escaped


LABELS = {
    "title": "Title",
    "slug": "Address (slug)",
    "summary": "Summary",
    "body": "Body (Markdown)",
    "topics": "Topics",
    "sources": "Sources",
    "correction_note": "Correction note",
}
# The rendered view shows the body as readers see it, not its Markdown.
RENDERED_LABELS = {**LABELS, "body": "Body"}


def field_lines(name: str, value: object) -> str:
    """One version field as lines of text to diff: topics one per line,
    sources one per line with their parts joined by " · "."""
    if name == "topics":
        return "\n".join(cast(list[str], value))  # topic slugs
    if name == "sources":
        sources = cast(list[dict[str, object]], value)  # models.source_snapshot dicts
        return "\n".join(
            " · ".join(str(source[key] or "") for key in
                       ("order", "title", "publisher", "url", "date_accessed"))
            for source in sources
        )  # fmt: skip
    return str(value or "")


def person_name(user: Any) -> str:
    """A user as readers and colleagues know them: a reviewer's public name
    (with credentials) when they have a reviewer profile, else the
    username; "-" for nobody. Reads ``user.reviewer_profile``: select it
    with the user to keep lists to one query."""
    if user is None:
        return "-"
    try:
        profile = user.reviewer_profile
    except ObjectDoesNotExist:
        profile = None
    if profile is not None and profile.display_name.strip():
        return profile.public_name
    return user.get_username()


def _author(revision: Revision) -> str:
    """Who wrote a version (:func:`person_name`); "loaded from fixtures"
    for nobody."""
    if not revision.created_by_id:
        return gettext("loaded from fixtures")
    return person_name(revision.created_by)


def version_label(revision: Revision | None, *, role: str = "") -> str:
    """A version as a diff's heading: "Version 3 (Dr Ann Lee, 31 January
    2025)". ``revision``: a :class:`~articles.models.Revision` (its number,
    author and date), or None for "Nothing yet"; ``role`` ("Live",
    "Working copy") goes first when given: "Live: Version 3 (…)"."""
    if revision is None:
        text = gettext("Nothing yet")
    else:
        when = date_format(timezone.localtime(revision.created_at), "j F Y")
        text = gettext("Version %(number)s (%(author)s, %(date)s)") % {
            "number": revision.number, "author": _author(revision), "date": when,
        }  # fmt: skip
    return f"{role}: {text}" if role else text


# Rendered diff ----------------------------------------------------------------------

# Words, runs of white space, and each other character on its own, so that
# "tablet," and "tablets." differ in their word only.
_WORD = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
# Containers whose children are elements, never text: removed text put
# there is wrapped in the child it needs (see _wrap).
_NO_TEXT = {
    "ul": ("<li>", "</li>"), "ol": ("<li>", "</li>"), "dl": ("<dd>", "</dd>"),
    "table": ("<tbody><tr><td>", "</td></tr></tbody>"), "thead": ("<tr><td>", "</td></tr>"),
    "tbody": ("<tr><td>", "</td></tr>"), "tr": ("<td>", "</td>"), "": ("<p>", "</p>"),
}  # fmt: skip
_VOID = {"br", "hr", "img"}
# Above this many pairs of tokens compared, a changed stretch is shown as
# removed then added, not word by word (difflib is quadratic).
MAX_WORD_PAIRS = 4_000_000
_ID_FREE = {tag: attributes - {"id"} for tag, attributes in rendering.ALLOWED_ATTRIBUTES.items()}


def _clean(html: str, *, marks: bool) -> str:
    """``html`` through nh3 with the public page's allow-lists, ids dropped
    (a page may show several diffs and the preview: ids would repeat); with
    ``marks``, also the diff's ``ins``, ``del`` and visually hidden cues."""
    tags = set(rendering.ALLOWED_TAGS)
    classes = {tag: set(names) for tag, names in rendering.ALLOWED_CLASSES.items()}
    if marks:
        tags |= {"ins", "del", "span"}
        classes |= {"span": {"visually-hidden"}, "ins": {"diff-mark"}, "del": {"diff-mark"}}
    return nh3.clean(
        html, tags=tags, attributes=_ID_FREE, allowed_classes=classes,
        url_schemes=rendering.URL_SCHEMES, link_rel="noopener noreferrer", strip_comments=True,
    )  # fmt: skip


class _Token(NamedTuple):
    """A tag or a word; a tuple, so difflib hashes and compares it in C."""

    kind: str  # "open", "close", "void" or "text"
    tag: str  # the element's name; "" for text
    raw: str  # a tag as sanitised markup, or the text unescaped
    # For a word: the start tags of the enclosing elements whose attributes
    # readers follow or see (a link's address, a list's numbering), so a
    # word under a changed address or number compares as changed.
    context: str = ""

    def __str__(self) -> str:
        return self.raw if self.kind != "text" else escape_text(self.raw, quote=False)


# Elements whose attributes change what readers get without changing a word.
_CONTEXT_TAGS = {"a", "ol", "abbr"}


class _Tokeniser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[_Token] = []
        self.open: list[tuple[str, str]] = []  # (tag, start tag) of _CONTEXT_TAGS

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = "void" if tag in _VOID else "open"
        raw = self.get_starttag_text() or f"<{tag}>"
        self.tokens.append(_Token(kind, tag, raw))
        if tag in _CONTEXT_TAGS:
            self.open.append((tag, raw))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(_Token("void", tag, self.get_starttag_text() or f"<{tag}>"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID:
            self.tokens.append(_Token("close", tag, f"</{tag}>"))
        if tag in _CONTEXT_TAGS:
            for index in range(len(self.open) - 1, -1, -1):
                if self.open[index][0] == tag:
                    del self.open[index]
                    break

    def handle_data(self, data: str) -> None:
        context = "".join(raw for _tag, raw in self.open)
        self.tokens.extend(_Token("text", "", word, context) for word in _WORD.findall(data))


def _tokens(html: str) -> list[_Token]:
    parser = _Tokeniser()
    parser.feed(html)
    parser.close()
    return parser.tokens


def _blocks(tokens: list[_Token]) -> list[tuple[_Token, ...]]:
    """The tokens grouped into top-level elements (and the text between);
    white space between elements goes with the element before it, so that
    two versions never match on a line break alone."""
    blocks: list[tuple[_Token, ...]] = []
    current: list[_Token] = []
    depth = 0
    for token in tokens:
        current.append(token)
        depth += {"open": 1, "close": -1}.get(token.kind, 0)
        if depth <= 0:
            depth = 0
            if blocks and token.kind == "text" and not token.raw.strip():
                blocks[-1] += tuple(current)
            else:
                blocks.append(tuple(current))
            current = []
    if current:
        blocks.append(tuple(current))
    return blocks


class _Writer:
    """Writes the new version's markup with words marked, keeping track of
    the open elements so removed text goes where text is allowed."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.stack: list[str] = []
        self.run: list[str] = []
        self.run_kind = ""

    def tag(self, token: _Token) -> None:
        self.flush()
        if token.kind == "open":
            self.stack.append(token.tag)
        elif token.kind == "close" and token.tag in self.stack:
            while self.stack and self.stack.pop() != token.tag:
                pass
        self.out.append(str(token))

    def text(self, token: _Token, kind: str) -> None:
        """Text of the new version (``kind`` "" or "ins") or of the old one
        ("del")."""
        if kind != self.run_kind:
            self.flush()
            self.run_kind = kind
        self.run.append(str(token))

    def removed_image(self, token: _Token) -> None:
        # The alt text as written: the markup holds it escaped.
        alt = re.search(r'\balt="([^"]*)"', token.raw)
        self.text(_Token("text", "", gettext("[image: %(alt)s]") % {
            "alt": unescape(alt.group(1)) if alt else ""}), "del")  # fmt: skip

    def added_image(self, token: _Token) -> None:
        self.flush()
        self.out.append(
            f'<ins class="diff-mark"><span class="visually-hidden">'
            f"{gettext('added image:')} </span>{token.raw}</ins>"
        )

    def flush(self) -> None:
        text, kind = "".join(self.run), self.run_kind
        self.run, self.run_kind = [], ""
        if not text:
            return
        if not kind or not text.strip():
            if kind != "del":  # removed white space between removed blocks: nothing to show
                self.out.append(text)
            return
        cue = gettext("added:") if kind == "ins" else gettext("removed:")
        marked = (f'<{kind} class="diff-mark"><span class="visually-hidden">{cue} </span>'
                  f"{text}</{kind}>")  # fmt: skip
        parent = self.stack[-1] if self.stack else ""
        if kind == "del" and parent in _NO_TEXT:
            before, after = _NO_TEXT[parent]
            marked = before + marked + after
        self.out.append(marked)

    def whole(self, tokens: Sequence[_Token], kind: str) -> None:
        """A block only in one version: its markup, every word marked."""
        for token in tokens:
            if token.kind == "text":
                self.text(token, kind)
            elif token.kind == "void" and token.tag == "img" and kind:
                (self.removed_image if kind == "del" else self.added_image)(token)
            else:
                # A removed block keeps its structure: sanitised markup of
                # whole elements, so the output stays well formed.
                self.tag(token)

    def words(self, old: Sequence[_Token], new: Sequence[_Token]) -> None:
        """Changed blocks compared word by word; the new version's markup."""
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            for token in old[i1:i2] if op in {"delete", "replace"} else ():
                if token.kind == "text":
                    self.text(token, "del")
                elif token.kind == "void" and token.tag == "img":
                    self.removed_image(token)
            for token in new[j1:j2]:
                if token.kind == "text":
                    self.text(token, "" if op == "equal" else "ins")
                elif op != "equal" and token.kind == "void" and token.tag == "img":
                    self.added_image(token)
                else:
                    self.tag(token)


# Elements whose changed children are compared child by child, so that a
# removed list item or table row is shown as a whole item, struck through.
_CONTAINERS = {"ul", "ol", "dl", "table", "thead", "tbody", "tr", "blockquote", "div"}


def _children(block: tuple[_Token, ...]) -> list[tuple[_Token, ...]]:
    return _blocks(list(block[1 : _closing(block)]))


def _closing(block: tuple[_Token, ...]) -> int:
    """The index of the block's closing tag (white space may follow it)."""
    index = len(block) - 1
    while index > 0 and block[index].kind == "text":
        index -= 1
    return index


def _same_container(old: tuple[_Token, ...], new: tuple[_Token, ...]) -> bool:
    return (len(old) >= 2 and len(new) >= 2 and old[0].kind == new[0].kind == "open"
            and old[0].tag == new[0].tag and old[0].tag in _CONTAINERS
            and old[_closing(old)].kind == new[_closing(new)].kind == "close")  # fmt: skip


def _key(block: tuple[_Token, ...]) -> str:
    return "#text" if block[0].kind == "text" else block[0].tag


def _pair(writer: _Writer, old: tuple[_Token, ...], new: tuple[_Token, ...]) -> None:
    """One changed block against its counterpart of the same element."""
    if _same_container(old, new):
        writer.tag(new[0])
        _diff_blocks(writer, _children(old), _children(new))
        end = _closing(new)
        writer.tag(new[end])
        writer.whole(new[end + 1 :], "")
    elif len(old) * len(new) <= MAX_WORD_PAIRS:
        writer.words(old, new)
    else:
        writer.whole(old, "del")
        writer.whole(new, "ins")


def _diff_blocks(writer: _Writer, old_blocks: Sequence[tuple[_Token, ...]],
                 new_blocks: Sequence[tuple[_Token, ...]]) -> None:  # fmt: skip
    """Blocks of the two versions: equal ones as they are; in a changed
    stretch, blocks of the same element in the same order compared with
    each other (:func:`_pair`), the rest removed or added whole."""
    matcher = difflib.SequenceMatcher(None, old_blocks, new_blocks, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            writer.whole([token for block in new_blocks[j1:j2] for token in block], "")
            continue
        olds, news = old_blocks[i1:i2], new_blocks[j1:j2]
        by_element = difflib.SequenceMatcher(
            None, [_key(block) for block in olds], [_key(block) for block in news], autojunk=False
        )
        for kind, a1, a2, b1, b2 in by_element.get_opcodes():
            if kind == "equal":
                for old, new in zip(olds[a1:a2], news[b1:b2], strict=True):
                    _pair(writer, old, new)
                continue
            for block in olds[a1:a2]:
                writer.whole(block, "del")
            for block in news[b1:b2]:
                writer.whole(block, "ins")


@functools.lru_cache(maxsize=8)
def _body_blocks(text: str) -> tuple[tuple[_Token, ...], ...]:
    """A body as readers see it, in blocks of tokens. Cached: the versions
    page compares each version with the one before and the one after."""
    return tuple(_blocks(_tokens(_clean(rendering.render(text).html, marks=False))))


def _body_diff(old: str, new: str) -> SafeString:
    """The two bodies rendered as readers see them, words marked."""
    old_blocks, new_blocks = _body_blocks(old), _body_blocks(new)
    writer = _Writer()
    _diff_blocks(writer, old_blocks, new_blocks)
    writer.flush()
    html = _clean("".join(writer.out), marks=True)
    return mark_safe(html)  # noqa: S308 - through nh3 with the public allow-lists just above


def _text_diff(old: str, new: str) -> SafeString:
    """Two plain texts (a title, topics one per line), words marked; each
    line a line of its own."""
    writer = _Writer()
    writer.stack = ["p"]  # text is allowed everywhere in a plain text
    old_words = [_Token("text", "", word) for word in _WORD.findall(old)]
    new_words = [_Token("text", "", word) for word in _WORD.findall(new)]
    if len(old_words) * len(new_words) <= MAX_WORD_PAIRS:
        writer.words(old_words, new_words)
    else:
        for token in old_words:
            writer.text(token, "del")
        for token in new_words:
            writer.text(token, "ins")
    writer.flush()
    html = _clean("".join(writer.out), marks=True)
    return mark_safe(html)  # noqa: S308 - escaped text and the diff's marks, through nh3


def rendered_diff(name: str, old: object, new: object) -> SafeString:
    """Field ``name`` of two versions as readers see it, added words
    underlined and removed ones struck through (module docstring)."""
    if name == "body":
        return _body_diff(str(old or ""), str(new or ""))
    return _text_diff(field_lines(name, old), field_lines(name, new))


def diff_versions(old: dict | None, new: dict, *, old_label: str = "Live",
                  new_label: str = "Working copy") -> VersionDiff:  # fmt: skip
    """Compare two version snapshots (``Revision.snapshot()``: every public
    field of a version, see ``models.VERSION_FIELDS``); ``old`` is None
    before first publication. ``old_label`` and ``new_label`` name the two
    versions (:func:`version_label`)."""
    old = old or {}
    diffs = []
    for name, label in LABELS.items():
        before, after = field_lines(name, old.get(name, "")), field_lines(name, new.get(name, ""))
        changed = before != after
        diffs.append(FieldDiff(
            label=escape(label), changed=changed,
            table=_table(before, after, old_label, new_label),
            rendered=rendered_diff(name, old.get(name, ""), new.get(name, "")) if changed else "",
            rendered_label=escape(RENDERED_LABELS[name]), name=name,
        ))  # fmt: skip
    return VersionDiff(diffs, old_label=old_label, new_label=new_label)


def marked_words(html: str) -> Iterator[tuple[str, str]]:
    """The words a rendered diff marks, as ("ins" or "del", text) pairs
    without the hidden cues; for tests and the evidence pack."""
    for kind, inner in re.findall(r'<(ins|del) class="diff-mark">(.*?)</\1>', html, re.S):
        yield kind, re.sub(r'<span class="visually-hidden">.*?</span>', "", inner)

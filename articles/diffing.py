"""Side-by-side differences between two versions' public fields,
for reviewers comparing a working copy with the live text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:  # articles.models imports nothing from here; only the type is needed
    from articles.models import Revision


@dataclass(frozen=True)
class FieldDiff:
    label: str
    changed: bool
    table: SafeString


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


def version_label(revision: Revision | None, *, role: str = "") -> str:
    """A version as a diff's column heading: "Live: v3, ed, 2025-01-31".
    ``revision``: a :class:`~articles.models.Revision` (its number, author
    and date), or None for "Nothing yet"; ``role`` ("Live", "Working copy")
    goes first when given."""
    if revision is None:
        text = "Nothing yet"
    else:
        creator = revision.created_by if revision.created_by_id else None
        author = creator.get_username() if creator is not None else "unknown"
        text = f"v{revision.number}, {author}, {revision.created_at:%Y-%m-%d}"
    return f"{role}: {text}" if role else text


def diff_versions(old: dict | None, new: dict, *, old_label: str = "Live",
                  new_label: str = "Working copy") -> list[FieldDiff]:  # fmt: skip
    """Compare two version snapshots (``Revision.snapshot()``: every public
    field of a version, see ``models.VERSION_FIELDS``); ``old`` is None
    before first publication. ``old_label`` and ``new_label`` head the
    tables' columns (:func:`version_label`)."""
    old = old or {}
    diffs = []
    for name, label in LABELS.items():
        before, after = field_lines(name, old.get(name, "")), field_lines(name, new.get(name, ""))
        diffs.append(FieldDiff(label=escape(label), changed=before != after,
                               table=_table(before, after, old_label, new_label)))  # fmt: skip
    return diffs

"""Side-by-side differences between two versions' public fields,
for reviewers comparing a working copy with the live text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import cast

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class FieldDiff:
    label: str
    changed: bool
    table: SafeString


def _table(old: str, new: str) -> SafeString:
    # HtmlDiff escapes its input and adds only table markup and classes.
    html = difflib.HtmlDiff(wrapcolumn=60).make_table(
        old.splitlines(), new.splitlines(), fromdesc="Live", todesc="Working copy",
        context=True, numlines=2,
    )  # fmt: skip
    return mark_safe(html)  # noqa: S308 - HtmlDiff output, input escaped by difflib


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


def diff_versions(old: dict | None, new: dict) -> list[FieldDiff]:
    """Compare two version snapshots (``Revision.snapshot()``: every public
    field of a version, see ``models.VERSION_FIELDS``); ``old`` is None
    before first publication."""
    old = old or {}
    diffs = []
    for name, label in LABELS.items():
        before, after = field_lines(name, old.get(name, "")), field_lines(name, new.get(name, ""))
        diffs.append(FieldDiff(label=escape(label), changed=before != after,
                               table=_table(before, after)))  # fmt: skip
    return diffs

"""Side-by-side differences between two versions' title, summary and body,
for reviewers comparing a working copy with the live text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

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


def diff_versions(old: tuple[str, str, str] | None, new: tuple[str, str, str]) -> list[FieldDiff]:
    """Compare (title, summary, body) tuples; ``old`` is None before first publication."""
    old = old or ("", "", "")
    return [
        FieldDiff(label=escape(label), changed=before != after, table=_table(before, after))
        for label, before, after in zip(
            ("Title", "Summary", "Body (Markdown)"), old, new, strict=True
        )
    ]

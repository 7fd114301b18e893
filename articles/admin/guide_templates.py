"""Guide templates: Markdown files a new guide's body can start from
(issue 13, "Start right"). They live in ``settings.ARTICLE_GUIDE_TEMPLATES_DIR``
(``articles/guide_templates/`` unless an administrator points it elsewhere),
one ``NAME.md`` per template, so changing one needs no code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from articles.text import normalise_text

# A template's name is its file's stem; only these names are looked up, so a
# name from the query string can never reach outside the folder.
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")


@dataclass(frozen=True)
class GuideTemplate:
    """One template: ``name`` (``?template=NAME`` on the add form) and the
    label the add form shows."""

    name: str
    label: str


def _folder() -> Path:
    return Path(settings.ARTICLE_GUIDE_TEMPLATES_DIR)


def available() -> list[GuideTemplate]:
    """The templates in the folder, by name; none if the folder is missing."""
    folder = _folder()
    if not folder.is_dir():
        return []
    return [
        GuideTemplate(
            name=path.stem,
            label=_("%(kind)s guide") % {"kind": path.stem.replace("-", " ").capitalize()},
        )
        for path in sorted(folder.glob("*.md"))
        if _NAME.match(path.stem)
    ]


def body_of(name: str) -> str | None:
    """The Markdown of template ``name`` (line endings normalised), or None
    if there is no such template."""
    if not _NAME.match(name or "") or name not in {t.name for t in available()}:
        return None
    try:
        return normalise_text((_folder() / f"{name}.md").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None

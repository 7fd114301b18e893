"""Ids in admin URLs and forms."""

from __future__ import annotations

import re

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from articles.models import Article

# Ids in admin URLs and forms: a database id is a positive integer that
# fits in a bigint; anything else is answered 404 or 400, never a 500.
_ID = re.compile(r"[0-9]{1,18}")


def parse_id(value: object) -> int | None:
    """``value`` as a database id, or None if it cannot be one."""
    return int(value) if isinstance(value, str) and _ID.fullmatch(value) else None


def article_or_404(object_id: str) -> Article:
    """The article of an admin URL; a non-numeric or unknown id is a 404."""
    pk = parse_id(object_id)
    if pk is None:
        raise Http404(gettext("“%(id)s” is not an article id.") % {"id": object_id})
    return get_object_or_404(Article, pk=pk)

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# As Django's json_script: nothing in the data can close the <script> element.
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def iso_date(value: str | None) -> date | None:
    """An ISO date string (as versions store a source's date accessed) as a
    date for the ``date`` filter; None for anything else."""
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


@register.filter
def json_ld(data: dict[str, Any]) -> SafeString:
    """Data for a ``<script type="application/ld+json">`` element."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
    return mark_safe(text.translate(_ESCAPES))  # noqa: S308 - escaped above


@register.simple_tag(takes_context=True)
def absolute_url(context: template.Context, path: str) -> str:
    return context["request"].build_absolute_uri(path)

"""``{% editorial_dashboard %}``: the editorial dashboard of the person
signed in (articles.admin.dashboard), for the admin's index page."""

from __future__ import annotations

from typing import Any

from django import template

from articles.admin.dashboard import sections

register = template.Library()


@register.inclusion_tag("admin/articles/dashboard.html", takes_context=True)
def editorial_dashboard(context: template.Context) -> dict[str, Any]:
    """The sections for ``context["request"].user``; none without a request."""
    request = context.get("request")
    return {"sections": sections(request.user) if request is not None else []}

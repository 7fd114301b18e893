"""How many feedback posts one client may send (healthsite.ratelimit)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from healthsite.ratelimit import allow


def allow_post(request: HttpRequest) -> bool:
    """Count one feedback post from this request's client and say whether
    it is within ``settings.FEEDBACK_RATE_LIMIT`` posts per
    ``settings.FEEDBACK_RATE_WINDOW_SECONDS``; 0 turns limiting off. If the
    cache fails, the post is allowed: readers keep their voice while Redis
    is down."""
    return allow(
        request,
        scope="feedback",
        limit=settings.FEEDBACK_RATE_LIMIT,
        window_seconds=settings.FEEDBACK_RATE_WINDOW_SECONDS,
    )

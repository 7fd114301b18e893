"""How many requests one client may make to review-link pages: a fixed
window per client address, counted in the shared cache (so every app
server counts together). Tokens are unguessable; the limit bounds anyone
trying, and spam through a leaked link.

The scheme is healthsite.ratelimit's, with this app's own scope and
settings."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from healthsite.ratelimit import allow

# Requests (page views and posts together) per window, and the window.
DEFAULT_LIMIT = 30
DEFAULT_WINDOW_SECONDS = 600


def limit() -> int:
    """Requests allowed per window: ``settings.OUTSIDE_REVIEW_RATE_LIMIT``
    if set, else 30; 0 or less turns limiting off."""
    return getattr(settings, "OUTSIDE_REVIEW_RATE_LIMIT", DEFAULT_LIMIT)


def window_seconds() -> int:
    """The window, in seconds: ``settings.OUTSIDE_REVIEW_RATE_WINDOW_SECONDS``
    if set, else 600."""
    return getattr(settings, "OUTSIDE_REVIEW_RATE_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS)


def allow_request(request: HttpRequest) -> bool:
    """Count one request from this request's client and say whether it is
    within :func:`limit` per :func:`window_seconds`. If the cache fails, the
    request is allowed (and the failure logged): the token still has to be
    right, and every response is one small row at most."""
    return allow(request, scope="outside_review", limit=limit(), window_seconds=window_seconds())

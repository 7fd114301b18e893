"""Project-level views: the health check and media serving."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.core.cache.backends.base import BaseCache
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

from pagecache.breaker import CacheUnavailableError
from pagecache.store import guarded_cache, health_problems

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok"}`` (200) when the database answers ``SELECT 1``, the
    cache stores and returns a value, and no page-cache invalidation is
    waiting to be retried; otherwise ``{"status": "error"}`` (503). An open
    cache circuit breaker fails it at once, without waiting on the cache.
    The reason goes to the log, never into the response."""
    if problems := health_problems():
        logger.error("Health check failed: %s", "; ".join(problems))
        return JsonResponse({"status": "error"}, status=503)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            database_ok = cursor.fetchone() == (1,)
        key = f"healthz:{secrets.token_hex(8)}"
        token = secrets.token_hex(8)

        def round_trip(cache: BaseCache) -> bool:
            cache.set(key, token, timeout=10)
            stored = cache.get(key) == token
            cache.delete(key)
            return stored

        cache_ok = guarded_cache(round_trip)
    except CacheUnavailableError as error:
        logger.error("Health check failed: cache unavailable (%s)", error)
        return JsonResponse({"status": "error"}, status=503)
    except Exception:
        logger.exception("Health check failed")
        return JsonResponse({"status": "error"}, status=503)
    if not (database_ok and cache_ok):
        logger.error("Health check failed: database %s, cache %s", database_ok, cache_ok)
        return JsonResponse({"status": "error"}, status=503)
    return JsonResponse({"status": "ok"})


@require_safe
def media(request: HttpRequest, path: str) -> FileResponse:
    """Uploaded files, with headers that stop a browser from running them:
    ``nosniff`` keeps an image an image, and ``sandbox`` gives a file opened
    directly a unique origin with scripts off."""
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@require_safe
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin);
    point them at the site's icon instead of logging a 404 every time."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))

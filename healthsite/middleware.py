"""Response headers that Django's SecurityMiddleware does not set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy``: the site needs no camera, location or
    other powerful browser feature, so it switches them all off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.value = settings.PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        return response


class StaticCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy built once.

    django-csp rebuilds the header for every response; here it is the same
    for every response unless a view changes it (``@csp_update`` and
    friends), a template used a nonce, or URL prefixes are excluded. Those
    cases go through django-csp unchanged."""

    _PER_RESPONSE = (
        "_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
        "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro",
    )  # fmt: skip

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        super().__init__(get_response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or {}
        self.cacheable = not (policy.get("EXCLUDE_URL_PREFIXES") or report_only)
        self.header: str | None = None

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            not self.cacheable
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in self._PER_RESPONSE)
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        if self.header is None:
            self.header = build_policy(**asdict(self.get_policy_parts(request, response)))
        if self.header and HEADER not in response:
            response[HEADER] = self.header
        # django-csp's own attribute on the request, as its middleware sets it;
        # HttpRequest's types do not declare it.
        request.csp_nonce = CheckableLazyObject(  # type: ignore[attr-defined]
            self._csp_nonce_post_response
        )
        return response

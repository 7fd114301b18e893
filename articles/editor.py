"""
django-markdownx's preview and upload views, behind a staff check.

``markdownx.urls`` mounts both for anonymous users, so it is never included;
these wrappers are mounted at the paths markdownx's JavaScript posts to.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from markdownx.views import ImageUploadView, MarkdownifyView

View = Callable[..., HttpResponse]


def _staff_with_perm(perm: str, view: View) -> View:
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        if not (user.is_active and user.is_staff and user.has_perm(perm)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return require_POST(wrapped)


markdownify = _staff_with_perm("articles.change_article", MarkdownifyView.as_view())
upload = _staff_with_perm("articles.change_article", ImageUploadView.as_view())

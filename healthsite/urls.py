from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from articles import editor
from healthsite import views

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    # Never include("markdownx.urls"): it serves these views to anyone.
    path(
        settings.MARKDOWNX_URLS_PATH.lstrip("/"), editor.markdownify, name="markdownx_markdownify"
    ),
    path(settings.MARKDOWNX_UPLOAD_URLS_PATH.lstrip("/"), editor.upload, name="markdownx_upload"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
]

if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(
            r"^{}(?P<path>.+)$".format(settings.MEDIA_URL.lstrip("/")),
            views.media,
            name="media",
        )
    )

urlpatterns.append(path("", include("articles.urls")))

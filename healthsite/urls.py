from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from articles import editor

urlpatterns = [
    path("admin/", admin.site.urls),
    # Never include("markdownx.urls"): it serves these views to anyone.
    path(
        settings.MARKDOWNX_URLS_PATH.lstrip("/"), editor.markdownify, name="markdownx_markdownify"
    ),
    path(settings.MARKDOWNX_UPLOAD_URLS_PATH.lstrip("/"), editor.upload, name="markdownx_upload"),
    path("", include("articles.urls")),
]

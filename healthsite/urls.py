from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path

from articles import editor
from healthsite import views
from public.feeds import LatestArticlesFeed
from public.sitemaps import SITEMAPS
from public.views import robots_txt

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    # Never include("markdownx.urls"): it serves these views to anyone.
    path(
        settings.MARKDOWNX_URLS_PATH.lstrip("/"), editor.markdownify, name="markdownx_markdownify"
    ),
    path(settings.MARKDOWNX_UPLOAD_URLS_PATH.lstrip("/"), editor.upload, name="markdownx_upload"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Public site: sitemap index and sections, feed, robots.txt.
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap-index",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("feed/", LatestArticlesFeed(), name="feed"),
    path("robots.txt", robots_txt, name="robots"),
    path("feedback/", include("feedback.urls")),
    path("outside-review/", include("outside_review.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(
            r"^{}(?P<path>.+)$".format(settings.MEDIA_URL.lstrip("/")),
            views.media,
            name="media",
        )
    )

urlpatterns.append(path("", include("public.urls")))

handler500 = "public.views.server_error"

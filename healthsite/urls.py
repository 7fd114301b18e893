from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from articles import editor
from articles.feeds import LatestArticlesFeed
from articles.sitemaps import SITEMAPS
from articles.views import robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    # Never include("markdownx.urls"): it serves these views to anyone.
    path(
        settings.MARKDOWNX_URLS_PATH.lstrip("/"), editor.markdownify, name="markdownx_markdownify"
    ),
    path(settings.MARKDOWNX_UPLOAD_URLS_PATH.lstrip("/"), editor.upload, name="markdownx_upload"),
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
    path("", include("articles.urls")),
]

handler500 = "articles.views.server_error"

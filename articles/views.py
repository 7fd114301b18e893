"""Public, read-only views. They only read ``Article.objects.published()``."""

from __future__ import annotations

from django.views.generic import DetailView, ListView

from articles.models import Article


class ArticleListView(ListView):
    queryset = Article.objects.published().defer("body", "body_html")
    context_object_name = "articles"
    paginate_by = 50


class ArticleDetailView(DetailView):
    queryset = Article.objects.published()
    context_object_name = "article"

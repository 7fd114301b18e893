"""Public, read-only views. They only read ``Article.objects.published()``
and only its live copy (the ``live_*`` fields), never the working copy."""

from __future__ import annotations

from django.views.generic import DetailView, ListView

from articles.models import Article


class ArticleListView(ListView):
    queryset = Article.objects.published().only("slug", "live_title", "live_summary")
    context_object_name = "articles"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().order_by("live_title", "pk")


class ArticleDetailView(DetailView):
    queryset = Article.objects.published().select_related("reviewed_by__reviewer_profile")
    context_object_name = "article"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["corrections"] = self.object.reviews.filter(
            decision="approved", public_note__gt=""
        ).only("created_at", "public_note")
        return context

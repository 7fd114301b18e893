from django.urls import path

from public import views

# The namespace keeps its first name: templates, the models'
# get_absolute_url and every test reverse "articles:...".
app_name = "articles"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="list"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("articles/<slug:slug>/preview/", views.ArticlePreviewView.as_view(), name="preview"),
    path("topics/", views.TopicListView.as_view(), name="topics"),
    path("topics/<slug:slug>/", views.TopicDetailView.as_view(), name="topic"),
    path("search/", views.SearchView.as_view(), name="search"),
]

from django.urls import path

from outside_review import views

app_name = "outside_review"

urlpatterns = [
    path("<str:token>/", views.review_page, name="review"),
]

"""The public answer page behind a personal link, mounted under /enquete/ (no login)."""

from django.urls import path

from . import views

app_name = "surveys_public"

urlpatterns = [
    path("<str:token>/", views.answer, name="answer"),
]

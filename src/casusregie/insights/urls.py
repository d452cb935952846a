"""Pages of this app, mounted under /huizen/ like the other house-scoped pages."""

from django.urls import path  # noqa: F401

app_name = "insights"

urlpatterns: list = []

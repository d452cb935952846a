"""API endpoints of the documents app, included under /api/v1/."""

from django.urls import path

from . import api

HOUSE = "houses/<slug:slug>"

urlpatterns = [
    path(
        f"{HOUSE}/cases/<int:pk>/documents",
        api.CaseDocumentsView.as_view(),
        name="case-documents",
    ),
    path(f"{HOUSE}/documents/<int:pk>", api.DocumentDetailView.as_view(), name="document"),
    path(
        f"{HOUSE}/documents/<int:pk>/content",
        api.DocumentContentView.as_view(),
        name="document-content",
    ),
]

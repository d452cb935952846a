"""API endpoints of the journal app, included under /api/v1/."""

from django.urls import path

from . import api

HOUSE = "houses/<slug:slug>"

urlpatterns = [
    path(f"{HOUSE}/cases/<int:pk>/journal", api.CaseJournalView.as_view(), name="case-journal"),
    path(f"{HOUSE}/journal/<int:pk>", api.EntryDetailView.as_view(), name="journal-entry"),
    path(
        f"{HOUSE}/journal/<int:pk>/corrections",
        api.EntryCorrectionsView.as_view(),
        name="journal-corrections",
    ),
]

"""Endpoints of this app under /api/v1/, included by casusregie.api.urls."""

from django.urls import path

from . import api

HOUSE = "houses/<slug:slug>"

urlpatterns = [
    path(f"{HOUSE}/signals", api.SignalListView.as_view(), name="signals"),
    path(f"{HOUSE}/signals/already-a-case", api.AlreadyACaseView.as_view(), name="already-a-case"),
    path(f"{HOUSE}/signal-alerts", api.AlertListView.as_view(), name="signal-alerts"),
]

"""Endpoints of this app under /api/v1/, included by casusregie.api.urls."""

from django.urls import path

from . import api

HOUSE = "houses/<slug:slug>"

urlpatterns = [
    path(f"{HOUSE}/relapse-alerts", api.RelapseAlertListView.as_view(), name="relapse-alerts"),
    path(
        f"{HOUSE}/relapse-alerts/<int:pk>/decide",
        api.RelapseAlertDecideView.as_view(),
        name="relapse-alert-decide",
    ),
    path(
        f"{HOUSE}/cases/<int:pk>/aftercare/extend",
        api.ExtendAftercareView.as_view(),
        name="case-aftercare-extend",
    ),
]

"""API endpoints of the services map (decision 0048), included under /api/v1/."""

from django.urls import path

from . import services_api

HOUSE = "houses/<slug:slug>"

urlpatterns = [
    path(f"{HOUSE}/services", services_api.ServiceListView.as_view(), name="services"),
    path(f"{HOUSE}/services/<int:pk>", services_api.ServiceDetailView.as_view(), name="service"),
]

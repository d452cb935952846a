"""Endpoints of this app under /api/v1/, included by casusregie.api.urls."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

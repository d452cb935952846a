"""Endpoints of this app under /api/v1/, included by casusregie.api.urls."""

from django.urls import path

from . import api

HOUSE = "houses/<slug:slug>"
WEBHOOK = f"{HOUSE}/webhooks/<int:pk>"

urlpatterns = [
    path(f"{HOUSE}/webhooks", api.WebhookListView.as_view(), name="webhooks"),
    path(
        f"{HOUSE}/webhook-event-types",
        api.WebhookEventTypesView.as_view(),
        name="webhook-event-types",
    ),
    path(WEBHOOK, api.WebhookDetailView.as_view(), name="webhook"),
    path(
        f"{WEBHOOK}/rotate-secret",
        api.WebhookRotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    path(f"{WEBHOOK}/ping", api.WebhookPingView.as_view(), name="webhook-ping"),
    path(f"{WEBHOOK}/pause", api.WebhookPauseView.as_view(), name="webhook-pause"),
    path(f"{WEBHOOK}/resume", api.WebhookResumeView.as_view(), name="webhook-resume"),
    path(f"{WEBHOOK}/deliveries", api.WebhookDeliveriesView.as_view(), name="webhook-deliveries"),
]

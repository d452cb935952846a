"""Pages of this app, mounted under /huizen/ like the other house-scoped pages."""

from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("<slug:slug>/koppelingen/", views.clients, name="clients"),
    path("<slug:slug>/koppelingen/nieuw/", views.client_add, name="client_add"),
    path("<slug:slug>/koppelingen/<int:pk>/", views.client, name="client"),
    path("<slug:slug>/koppelingen/<int:pk>/vernieuwen/", views.client_rotate, name="rotate"),
    path("<slug:slug>/koppelingen/<int:pk>/intrekken/", views.client_revoke, name="revoke"),
    path(
        "<slug:slug>/koppelingen/<int:pk>/werkwijze/",
        views.client_confirm_method,
        name="confirm_method",
    ),
]

"""Pages of this app, mounted under /huizen/ like the other house-scoped pages."""

from django.urls import path

from . import views

app_name = "webhooks"

W = "<slug:slug>/webhooks/<int:pk>"

urlpatterns = [
    path("<slug:slug>/webhooks/", views.webhook_list, name="list"),
    path("<slug:slug>/webhooks/nieuw/", views.webhook_new, name="new"),
    path(f"{W}/", views.webhook_detail, name="detail"),
    path(f"{W}/wijzigen/", views.webhook_edit, name="edit"),
    path(f"{W}/nieuw-geheim/", views.webhook_rotate, name="rotate"),
    path(f"{W}/testbericht/", views.webhook_ping, name="ping"),
    path(f"{W}/pauzeren/", views.webhook_pause, name="pause"),
    path(f"{W}/hervatten/", views.webhook_resume, name="resume"),
    path(f"{W}/verwijderen/", views.webhook_delete, name="delete"),
]

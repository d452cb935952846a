"""Pages of the journal app."""

from django.urls import path

from . import views

app_name = "journal"

CASE = "<slug:slug>/casussen/<int:pk>/logboek"

urlpatterns = [
    path(f"{CASE}/", views.timeline, name="timeline"),
    path(f"{CASE}/nieuw/", views.entry_new, name="new"),
    path(f"{CASE}/<int:entry>/", views.entry_detail, name="entry"),
    path(f"{CASE}/<int:entry>/corrigeren/", views.entry_correct, name="correct"),
]

"""Pages of this app, mounted under /huizen/ like the other house-scoped pages."""

from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("<slug:slug>/netwerk/", views.diagnosis, name="diagnosis"),
]

"""Pages of this app, mounted under /huizen/ like the other house-scoped pages."""

from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("<slug:slug>/rapportages/", views.outcome_report, name="report"),
    path("<slug:slug>/rapportages/samenwerking/", views.collaboration, name="collaboration"),
    path("<slug:slug>/casussen/<int:pk>/politie/", views.police_count, name="police"),
]

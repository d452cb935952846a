"""Pages of this app, mounted under /huizen/ like the other house-scoped pages."""

from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("<slug:slug>/importeren/", views.index, name="index"),
    path("<slug:slug>/importeren/<int:pk>/", views.job, name="job"),
    path("<slug:slug>/importeren/<int:pk>/voortgang/", views.progress, name="progress"),
    path("<slug:slug>/importeren/<int:pk>/start/", views.start, name="start"),
    path("<slug:slug>/importeren/<int:pk>/verwerpen/", views.discard, name="discard"),
    path("<slug:slug>/importeren/<int:pk>/rapport.csv", views.report_csv, name="report_csv"),
]

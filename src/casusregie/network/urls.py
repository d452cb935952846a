"""Pages of this app, mounted under /huizen/ like the other house-scoped pages."""

from django.urls import path

from . import learning, views

app_name = "network"

urlpatterns = [
    path("<slug:slug>/netwerk/", views.diagnosis, name="diagnosis"),
    path("<slug:slug>/netwerk/leren/", learning.learning, name="learning"),
    path("<slug:slug>/netwerk/leren/export/", learning.export, name="export"),
    path("<slug:slug>/netwerk/leren/ontvangen/", learning.upload, name="upload"),
    path("<slug:slug>/netwerk/leren/lessen/", learning.add_lesson, name="add_lesson"),
    path(
        "<slug:slug>/netwerk/leren/lessen/<int:pk>/verwijderen/",
        learning.delete_lesson,
        name="delete_lesson",
    ),
]

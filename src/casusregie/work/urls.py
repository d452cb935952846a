from django.urls import path

from . import views

app_name = "work"

urlpatterns = [
    path("<slug:slug>/mijn-werk/", views.my_work, name="my_work"),
]

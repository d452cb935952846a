from django.urls import path

from . import views

app_name = "aftercare"

urlpatterns = [
    path("<slug:slug>/terugval/<int:pk>/", views.relapse_alert, name="alert"),
    path(
        "<slug:slug>/casussen/<int:pk>/nazorg/verlengen/",
        views.extend_aftercare,
        name="extend",
    ),
]

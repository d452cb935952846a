from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [
    path("berichten/", views.notification_list, name="list"),
    path("berichten/<int:pk>/", views.notification_open, name="open"),
    path("berichten/instellingen/", views.preferences, name="preferences"),
]

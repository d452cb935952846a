"""The endpoint other deployments call (no house in the path: it answers for every house of
this deployment that takes part)."""

from django.urls import path

from . import views

app_name = "signals_exchange"

urlpatterns = [path("al-een-casus/", views.exchange_answer, name="answer")]

"""Single sign-on, mounted at /inloggen/sso/ (next to the password login)."""

from django.urls import path

from . import sso

app_name = "sso"

urlpatterns = [
    path("", sso.SsoStartView.as_view(), name="start"),
    path("terug/", sso.SsoCallbackView.as_view(), name="callback"),
]

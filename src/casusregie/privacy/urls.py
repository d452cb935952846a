from django.urls import path

from . import views

app_name = "privacy"

P = "<slug:slug>/privacy"

urlpatterns = [
    path("<slug:slug>/werkwijze/", views.method, name="method"),
    path("<slug:slug>/werkwijze/bewerken/", views.method_edit, name="method_edit"),
    path("<slug:slug>/noodtoegang/", views.break_glass, name="break_glass"),
    path(f"{P}/", views.overview, name="overview"),
    path(f"{P}/signalen/<int:pk>/", views.signal_decide, name="signal"),
    path(f"{P}/signalen/nu-controleren/", views.detect_now, name="detect_now"),
    path(f"{P}/register/", views.activities, name="register"),
    path(f"{P}/register/<int:pk>/", views.activity_edit, name="activity_edit"),
    path(f"{P}/register/export/", views.register_export, name="register_export"),
    path(f"{P}/verstrekkingen/", views.disclosures, name="disclosures"),
    path(f"{P}/logboek/export/", views.log_export, name="log_export"),
    path(f"{P}/verzoeken/", views.requests, name="requests"),
    path(f"{P}/verzoeken/<int:pk>/", views.subject_request, name="request"),
    path(
        f"{P}/verzoeken/<int:pk>/antwoord.<str:fmt>",
        views.request_report,
        name="request_report",
    ),
    path(f"{P}/vernietiging/", views.destruction, name="destruction"),
    path(f"{P}/vernietiging/<int:pk>/goedkeuren/", views.destruction_approve, name="approve"),
    path(
        f"{P}/vernietiging/<int:pk>/<int:item>/bewaren/",
        views.destruction_extend,
        name="extend",
    ),
]

from django.urls import path

from . import views

app_name = "houses"

urlpatterns = [
    path("<slug:slug>/organisaties/", views.organisations, name="organisations"),
    path("<slug:slug>/organisaties/nieuw/", views.organisation_add, name="organisation_add"),
    path("<slug:slug>/organisaties/<int:pk>/", views.organisation_edit, name="organisation_edit"),
    path("<slug:slug>/mensen/", views.people, name="people"),
    path("<slug:slug>/mensen/nieuw/", views.person_add, name="person_add"),
    path("<slug:slug>/mensen/<int:pk>/", views.person, name="person"),
    path("<slug:slug>/mensen/<int:pk>/overdracht/", views.person_handover, name="person_handover"),
    path(
        "<slug:slug>/mensen/<int:pk>/vervanging/", views.person_stand_ins, name="person_stand_ins"
    ),
    path("<slug:slug>/vervangingen/<int:pk>/beeindigen/", views.stand_in_end, name="stand_in_end"),
    path("<slug:slug>/rollen/<int:pk>/beeindigen/", views.membership_end, name="membership_end"),
    path(
        "<slug:slug>/rollen/verzoeken/<int:pk>/goedkeuren/",
        views.grant_approve,
        name="grant_approve",
    ),
    path(
        "<slug:slug>/rollen/verzoeken/<int:pk>/afwijzen/",
        views.grant_reject,
        name="grant_reject",
    ),
    path("<slug:slug>/instellingen/", views.house_settings, name="settings"),
]

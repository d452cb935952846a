from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("<slug:slug>/meldingen/", views.referral_list, name="list"),
    path("<slug:slug>/meldingen/nieuw/", views.referral_new, name="new"),
    path("<slug:slug>/meldingen/<int:pk>/", views.referral_detail, name="detail"),
    path("<slug:slug>/meldingen/<int:pk>/bewerken/", views.referral_edit, name="edit"),
    path("<slug:slug>/meldingen/<int:pk>/intrekken/", views.referral_withdraw, name="withdraw"),
    path("<slug:slug>/meldingen/<int:pk>/accepteren/", views.referral_accept, name="accept"),
    path("<slug:slug>/meldingen/<int:pk>/afwijzen/", views.referral_decline, name="decline"),
    path("<slug:slug>/meldingen/<int:pk>/doorsturen/", views.referral_forward, name="forward"),
    path("<slug:slug>/toegang/", views.triage_queue, name="triage"),
    path("<slug:slug>/bekendheid/", views.known_to_list, name="known_to_list"),
    path("<slug:slug>/bekendheid/<int:pk>/", views.known_to_answer, name="known_to_answer"),
    path(
        "<slug:slug>/meldingen/<int:pk>/bekendheid/vragen/",
        views.known_to_ask_referral,
        name="known_to_ask_referral",
    ),
    path(
        "<slug:slug>/casussen/<int:pk>/bekendheid/vragen/",
        views.known_to_ask,
        name="known_to_ask",
    ),
]

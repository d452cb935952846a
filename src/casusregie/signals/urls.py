from django.urls import path

from . import views

app_name = "signals"

urlpatterns = [
    path("<slug:slug>/signalen/", views.index, name="index"),
    path("<slug:slug>/signalen/al-een-casus/", views.check, name="check"),
    path("<slug:slug>/signalen/overzicht/", views.overview, name="overview"),
    path("<slug:slug>/signalen/samenloop/<int:pk>/", views.alert_detail, name="alert"),
    path(
        "<slug:slug>/signalen/samenloop/<int:pk>/melding-vragen/",
        views.alert_request,
        name="alert_request",
    ),
    path(
        "<slug:slug>/signalen/samenloop/<int:pk>/afsluiten/", views.alert_close, name="alert_close"
    ),
    path("<slug:slug>/signalen/inlezen/", views.intake_upload, name="intake_upload"),
    path("<slug:slug>/signalen/inlezen/<int:pk>/", views.intake_detail, name="intake"),
    path(
        "<slug:slug>/signalen/inlezen/<int:pk>/voortgang/",
        views.intake_progress,
        name="intake_progress",
    ),
    path(
        "<slug:slug>/signalen/inlezen/<int:pk>/rapport.csv",
        views.intake_report,
        name="intake_report",
    ),
]

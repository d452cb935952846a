from django.urls import path

from . import views

app_name = "meetings"

M = "<slug:slug>/overleggen/<int:pk>"

urlpatterns = [
    path("<slug:slug>/overleggen/", views.meeting_list, name="list"),
    path("<slug:slug>/overleggen/nieuw/", views.meeting_new, name="new"),
    path(
        "<slug:slug>/overleggen/genodigden/<int:case>/",
        views.choose_invitees,
        name="choose_invitees",
    ),
    path(f"{M}/", views.meeting_detail, name="detail"),
    path(f"{M}/beschikbaarheid/", views.meeting_availability, name="availability"),
    path(f"{M}/inbreng/<int:item>/", views.meeting_contribution, name="contribution"),
    path(f"{M}/inplannen/", views.meeting_schedule, name="schedule"),
    path(f"{M}/annuleren/", views.meeting_cancel, name="cancel"),
    path(f"{M}/tafel/", views.table_mode, name="table"),
    path(f"{M}/tafel/aanwezigheid/", views.table_attendance, name="attendance"),
    path(f"{M}/tafel/gast/", views.table_guest, name="guest"),
    path(f"{M}/tafel/<int:item>/beeld/", views.table_picture, name="picture"),
    path(f"{M}/tafel/<int:item>/inbreng/", views.table_contribution, name="at_the_table"),
    path(f"{M}/tafel/<int:item>/besluit/", views.table_decision, name="decision"),
    path(f"{M}/tafel/<int:item>/acties/", views.table_actions, name="actions"),
    path(f"{M}/tafel/afsluiten/", views.table_close, name="close"),
    path(f"{M}/verslag/", views.minutes, name="minutes"),
    path(f"{M}/verslag/pdf/", views.minutes_pdf, name="minutes_pdf"),
]

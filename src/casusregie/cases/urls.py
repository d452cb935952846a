from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("<slug:slug>/casussen/", views.case_list, name="list"),
    path("<slug:slug>/casussen/<int:pk>/", views.case_detail, name="detail"),
    path("<slug:slug>/casussen/<int:pk>/fase/", views.case_transition, name="transition"),
    path("<slug:slug>/casussen/<int:pk>/regie/", views.case_directors, name="directors"),
    path(
        "<slug:slug>/casussen/<int:pk>/deelnemers/nieuw/",
        views.case_add_participant,
        name="add_participant",
    ),
    path("<slug:slug>/casussen/<int:pk>/deelnemers/", views.case_participants, name="participants"),
    path(
        "<slug:slug>/casussen/<int:pk>/deelnemers/<int:organisation>/beeindigen/",
        views.case_end_participation,
        name="end_participation",
    ),
    path("<slug:slug>/casussen/<int:pk>/gegevens/", views.case_details, name="details"),
    path("<slug:slug>/casussen/<int:pk>/personen/", views.case_people, name="people"),
    path(
        "<slug:slug>/casussen/<int:pk>/personen/<int:subject>/",
        views.case_correct_person,
        name="correct_person",
    ),
    path(
        "<slug:slug>/casussen/<int:pk>/personen/<int:subject>/verwijderen/",
        views.case_remove_person,
        name="remove_person",
    ),
    path("<slug:slug>/casussen/<int:pk>/zelfredzaamheid/", views.case_assess, name="assess"),
    path("<slug:slug>/casussen/<int:pk>/afsluiten/", views.case_close, name="close"),
]

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
    path("<slug:slug>/casussen/<int:pk>/zelfredzaamheid/", views.case_assess, name="assess"),
    path("<slug:slug>/casussen/<int:pk>/afsluiten/", views.case_close, name="close"),
]

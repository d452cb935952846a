"""Pages of this app, mounted under /huizen/ like the other house-scoped pages."""

from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("<slug:slug>/enquetes/", views.survey_list, name="list"),
    path("<slug:slug>/enquetes/<int:pk>/", views.survey_detail, name="detail"),
    path("<slug:slug>/enquetes/<int:pk>/vragen/", views.survey_add_item, name="add_item"),
    path(
        "<slug:slug>/enquetes/<int:pk>/vragen/<int:item>/",
        views.survey_edit_item,
        name="edit_item",
    ),
    path(
        "<slug:slug>/enquetes/<int:pk>/vragen/<int:item>/verwijderen/",
        views.survey_remove_item,
        name="remove_item",
    ),
    path("<slug:slug>/enquetes/<int:pk>/uitnodigen/", views.survey_invite, name="invite"),
]

"""Pages of the documents app."""

from django.urls import path

from . import views

app_name = "documents"

CASE = "<slug:slug>/casussen/<int:pk>/documenten"
REFERRAL = "<slug:slug>/meldingen/<int:pk>/documenten"

urlpatterns = [
    path(f"{CASE}/", views.case_documents, name="case"),
    path(f"{CASE}/toevoegen/", views.case_upload, name="case_upload"),
    path(f"{CASE}/<int:doc>/download/", views.case_download, name="case_download"),
    path(f"{CASE}/<int:doc>/verwijderen/", views.case_remove, name="case_remove"),
    path(f"{REFERRAL}/", views.referral_documents, name="referral"),
    path(f"{REFERRAL}/toevoegen/", views.referral_upload, name="referral_upload"),
    path(f"{REFERRAL}/<int:doc>/download/", views.referral_download, name="referral_download"),
    path(f"{REFERRAL}/<int:doc>/verwijderen/", views.referral_remove, name="referral_remove"),
]

from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("<slug:slug>/acties/<int:pk>/", views.action_detail, name="action"),
    path("<slug:slug>/acties/<int:pk>/terugkoppeling/", views.action_feedback, name="feedback"),
    path("<slug:slug>/acties/<int:pk>/beoordeling/", views.feedback_review, name="review"),
]

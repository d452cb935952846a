from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("<slug:slug>/casussen/<int:pk>/plan/", views.plan_page, name="plan"),
    path("<slug:slug>/casussen/<int:pk>/plan/doelen/", views.plan_add_goal, name="add_goal"),
    path(
        "<slug:slug>/casussen/<int:pk>/plan/doelen/<int:goal>/",
        views.plan_goal_status,
        name="goal_status",
    ),
    path("<slug:slug>/casussen/<int:pk>/plan/pdf/", views.plan_pdf, name="pdf"),
    path("<slug:slug>/casussen/<int:pk>/dossier/pdf/", views.case_file_pdf, name="case_file"),
    path("<slug:slug>/acties/<int:pk>/", views.action_detail, name="action"),
    path("<slug:slug>/acties/<int:pk>/terugkoppeling/", views.action_feedback, name="feedback"),
    path("<slug:slug>/acties/<int:pk>/beoordeling/", views.feedback_review, name="review"),
]

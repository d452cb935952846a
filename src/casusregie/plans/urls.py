from django.urls import path

from . import services_views, views

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

# The action lifecycle (decision 0051) and stalled plans (decision 0052).
urlpatterns += [
    path("<slug:slug>/casussen/<int:pk>/plan/acties/", views.plan_add_action, name="add_action"),
    *(
        path(
            f"<slug:slug>/acties/<int:pk>/{segment}/",
            views.action_lifecycle,
            {"name": name},
            name=f"action_{name}",
        )
        for segment, name in (
            ("wijzigen", "edit"),
            ("overdragen", "reassign"),
            ("verplaatsen", "reschedule"),
            ("annuleren", "cancel"),
            ("meer-tijd", "more_time"),
            ("weigeren", "decline"),
        )
    ),
    path(
        "<slug:slug>/acties/<int:pk>/verzoeken/<int:item>/besluit/",
        views.request_decide,
        name="request_decide",
    ),
    path("<slug:slug>/vastgelopen-plannen/", views.stalled_list, name="stalled"),
    path(
        "<slug:slug>/vastgelopen-plannen/<int:pk>/besluit/",
        views.stalled_decide,
        name="stalled_decide",
    ),
]

# The services map (sociale kaart, decision 0048).
urlpatterns += [
    path("<slug:slug>/sociale-kaart/", services_views.service_list, name="services"),
    path("<slug:slug>/sociale-kaart/nieuw/", services_views.service_add, name="service_add"),
    path(
        "<slug:slug>/sociale-kaart/importeren/",
        services_views.service_import,
        name="service_import",
    ),
    path(
        "<slug:slug>/sociale-kaart/importeren/voorbeeld.csv",
        services_views.service_import_sample,
        name="service_import_sample",
    ),
    path("<slug:slug>/sociale-kaart/<int:pk>/", services_views.service_detail, name="service"),
    path(
        "<slug:slug>/sociale-kaart/<int:pk>/wijzigen/",
        services_views.service_edit,
        name="service_edit",
    ),
    path(
        "<slug:slug>/sociale-kaart/<int:pk>/wachttijd-bevestigen/",
        services_views.service_confirm,
        name="service_confirm",
    ),
    path(
        "<slug:slug>/sociale-kaart/<int:pk>/niet-meer-aangeboden/",
        services_views.service_retire,
        name="service_retire",
    ),
]

from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("casusregie.web.urls")),
    path("", include("casusregie.accounts.urls")),
    path("inloggen/sso/", include("casusregie.integrations.sso_urls")),
    path("", include("casusregie.inbox.urls")),
    path("huizen/", include("casusregie.houses.urls")),
    path("huizen/", include("casusregie.referrals.urls")),
    path("huizen/", include("casusregie.cases.urls")),
    path("huizen/", include("casusregie.meetings.urls")),
    path("huizen/", include("casusregie.plans.urls")),
    path("huizen/", include("casusregie.journal.urls")),
    path("huizen/", include("casusregie.documents.urls")),
    path("huizen/", include("casusregie.work.urls")),
    path("huizen/", include("casusregie.privacy.urls")),
    path("huizen/", include("casusregie.integrations.urls")),
    path("huizen/", include("casusregie.webhooks.urls")),
    path("huizen/", include("casusregie.imports.urls")),
    path("huizen/", include("casusregie.insights.urls")),
    path("huizen/", include("casusregie.surveys.urls")),
    path("enquete/", include("casusregie.surveys.public_urls")),
    path("huizen/", include("casusregie.network.urls")),
    path("huizen/", include("casusregie.signals.urls")),
    path("huizen/", include("casusregie.aftercare.urls")),
    path("uitwisseling/", include("casusregie.signals.exchange_urls")),
    path("api/v1/", include("casusregie.api.urls")),
    path("taal/", set_language, name="set_language"),
]

handler404 = "casusregie.web.views.not_found"
handler500 = "casusregie.web.views.server_error"
handler403 = "casusregie.web.views.forbidden"
handler400 = "casusregie.web.views.bad_request"

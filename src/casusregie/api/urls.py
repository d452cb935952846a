"""URL wiring of the REST API v1. The endpoints live next to their app (`<app>/api.py`).

Paths are house scoped like the pages (`houses/<slug>/...`) and have no trailing slash.
"""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from casusregie.aftercare import api_urls as aftercare
from casusregie.cases import api as cases
from casusregie.documents import api_urls as documents
from casusregie.imports import api_urls as imports
from casusregie.insights import api_urls as insights
from casusregie.integrations import api_urls as integrations
from casusregie.journal import api_urls as journal
from casusregie.meetings import api as meetings
from casusregie.network import api_urls as network
from casusregie.plans import api as plans
from casusregie.plans import services_api_urls as services
from casusregie.privacy import api as privacy
from casusregie.referrals import api as referrals
from casusregie.signals import api_urls as signals
from casusregie.surveys import api_urls as surveys
from casusregie.webhooks import api_urls as webhooks

from .me import MeView
from .problems import not_found

HOUSE = "houses/<slug:slug>"
REFERRAL = f"{HOUSE}/referrals/<int:pk>"
CASE = f"{HOUSE}/cases/<int:pk>"
QUERY = f"{HOUSE}/known-to-queries/<int:pk>"
ACTION = f"{HOUSE}/actions/<int:pk>"
MEETING = f"{HOUSE}/meetings/<int:pk>"

app_name = "api"


class SchemaView(SpectacularAPIView):
    """The OpenAPI document: public, it describes the interface and holds no data."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI, its assets served by ourselves, its start script a file (our CSP)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"


urlpatterns = [
    path("schema", SchemaView.as_view(), name="schema"),
    path("docs", DocsView.as_view(), name="docs"),
    path(f"{HOUSE}/me", MeView.as_view(), name="me"),
    path(f"{HOUSE}/referrals", referrals.ReferralListView.as_view(), name="referrals"),
    path(REFERRAL, referrals.ReferralDetailView.as_view(), name="referral"),
    path(f"{REFERRAL}/submit", referrals.ReferralSubmitView.as_view(), name="referral-submit"),
    path(
        f"{REFERRAL}/withdraw", referrals.ReferralWithdrawView.as_view(), name="referral-withdraw"
    ),
    path(f"{REFERRAL}/accept", referrals.ReferralAcceptView.as_view(), name="referral-accept"),
    path(f"{REFERRAL}/decline", referrals.ReferralDeclineView.as_view(), name="referral-decline"),
    path(f"{REFERRAL}/forward", referrals.ReferralForwardView.as_view(), name="referral-forward"),
    path(f"{HOUSE}/triage-queue", referrals.TriageQueueView.as_view(), name="triage-queue"),
    path(f"{HOUSE}/cases", cases.CaseListView.as_view(), name="cases"),
    path(CASE, cases.CaseDetailView.as_view(), name="case"),
    path(f"{CASE}/transition", cases.CaseTransitionView.as_view(), name="case-transition"),
    path(f"{CASE}/directors", cases.CaseDirectorsView.as_view(), name="case-directors"),
    path(f"{CASE}/participants", cases.CaseParticipantsView.as_view(), name="case-participants"),
    path(f"{CASE}/assessments", cases.CaseAssessmentsView.as_view(), name="case-assessments"),
    path(f"{CASE}/close", cases.CaseCloseView.as_view(), name="case-close"),
    path(f"{CASE}/known-to-queries", referrals.CaseKnownToView.as_view(), name="case-known-to"),
    path(f"{HOUSE}/known-to-queries", referrals.KnownToListView.as_view(), name="known-to"),
    path(QUERY, referrals.KnownToDetailView.as_view(), name="known-to-query"),
    path(f"{QUERY}/answer", referrals.KnownToAnswerView.as_view(), name="known-to-answer"),
    path(f"{CASE}/actions", plans.CaseActionsView.as_view(), name="case-actions"),
    path(f"{CASE}/progress", plans.CaseProgressView.as_view(), name="case-progress"),
    path(f"{HOUSE}/actions", plans.ActionListView.as_view(), name="actions"),
    path(ACTION, plans.ActionDetailView.as_view(), name="action"),
    path(f"{ACTION}/feedback", plans.ActionFeedbackView.as_view(), name="action-feedback"),
    path(f"{ACTION}/edit", plans.ActionEditView.as_view(), name="action-edit"),
    path(f"{ACTION}/reassign", plans.ActionReassignView.as_view(), name="action-reassign"),
    path(f"{ACTION}/reschedule", plans.ActionRescheduleView.as_view(), name="action-reschedule"),
    path(f"{ACTION}/cancel", plans.ActionCancelView.as_view(), name="action-cancel"),
    path(f"{ACTION}/more-time", plans.ActionMoreTimeView.as_view(), name="action-more-time"),
    path(f"{ACTION}/decline", plans.ActionDeclineView.as_view(), name="action-decline"),
    path(
        f"{ACTION}/requests/<int:item>/decide",
        plans.ActionRequestDecideView.as_view(),
        name="action-request-decide",
    ),
    path(
        f"{ACTION}/feedback/<int:feedback>/review",
        plans.FeedbackReviewView.as_view(),
        name="feedback-review",
    ),
    path(f"{CASE}/plan", plans.CasePlanView.as_view(), name="case-plan"),
    path(f"{CASE}/file.pdf", plans.CaseFileView.as_view(), name="case-file"),
    path(f"{HOUSE}/meetings", meetings.MeetingListView.as_view(), name="meetings"),
    path(MEETING, meetings.MeetingDetailView.as_view(), name="meeting"),
    path(
        f"{MEETING}/availability",
        meetings.MeetingAvailabilityView.as_view(),
        name="meeting-availability",
    ),
    path(
        f"{MEETING}/contributions",
        meetings.MeetingContributionsView.as_view(),
        name="meeting-contributions",
    ),
    path(
        f"{MEETING}/agenda-items/<int:item>/contributions",
        meetings.AgendaContributionsView.as_view(),
        name="agenda-contributions",
    ),
    path(f"{MEETING}/calendar.ics", meetings.CalendarView.as_view(), name="meeting-calendar"),
    path(
        f"{HOUSE}/privacy-requests",
        privacy.SubjectRequestListView.as_view(),
        name="privacy-requests",
    ),
    path(
        f"{HOUSE}/privacy-requests/<int:pk>",
        privacy.SubjectRequestDetailView.as_view(),
        name="privacy-request",
    ),
    *integrations.urlpatterns,
    *webhooks.urlpatterns,
    *imports.urlpatterns,
    *insights.urlpatterns,
    *surveys.urlpatterns,
    *network.urlpatterns,
    *signals.urlpatterns,
    *aftercare.urlpatterns,
    *journal.urlpatterns,
    *documents.urlpatterns,
    *services.urlpatterns,
    # Anything else under /api/v1/ is a 404 problem, not the HTML "page not found".
    re_path(r"^[\s\S]*$", not_found),
]

"""REST endpoints for case meetings: the meetings a user may see, answering availability,
written input (contributions) per case on the agenda, and the calendar invitation.

Meetings, agenda items, availability and contributions come only through `policy.visible`:
a meeting the user is not invited to and has no case on is "not found". Contributions are
shown to their audience only, and reading them writes the processing log per person of the
case, as the meeting page does.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casusregie.api.base import ApiView
from casusregie.api.common import NumberedRef, PageQuery, Ref, id_field, newest_first, parse
from casusregie.api.schema import page_of
from casusregie.cases.access import case_subjects, subject_refs
from casusregie.privacy import log, policy
from casusregie.privacy.models import DataCategory, Operation

from . import actions, ics
from .access import access_meeting
from .models import (
    AgendaItem,
    Answer,
    Audience,
    Availability,
    Contribution,
    Meeting,
    MeetingStatus,
)

# --- Output ----------------------------------------------------------------------------------


class MeetingItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(MeetingStatus.choices)
    starts_at = serializers.DateTimeField(allow_null=True)
    duration_minutes = serializers.IntegerField()
    location = serializers.CharField()
    chair = Ref(allow_null=True)


class AgendaItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    case = NumberedRef()


class InvitationOut(serializers.Serializer):
    organisation = Ref()
    required = serializers.BooleanField()


class SlotOut(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()


class AvailabilityOut(serializers.Serializer):
    slot = serializers.IntegerField(source="slot_id")
    organisation = Ref(source="invitation.organisation")
    answer = serializers.ChoiceField(Answer.choices)


class MeetingOut(MeetingItemOut):
    agenda = serializers.SerializerMethodField()
    invitations = serializers.SerializerMethodField()
    slots = serializers.SerializerMethodField()
    availability = serializers.SerializerMethodField()

    @extend_schema_field(AgendaItemOut(many=True))
    def get_agenda(self, meeting: Meeting) -> Any:
        return AgendaItemOut(self.context["agenda"], many=True).data

    @extend_schema_field(InvitationOut(many=True))
    def get_invitations(self, meeting: Meeting) -> Any:
        rows = meeting.invitations.select_related("organisation").order_by("organisation__name")
        return InvitationOut(rows, many=True).data

    @extend_schema_field(SlotOut(many=True))
    def get_slots(self, meeting: Meeting) -> Any:
        return SlotOut(meeting.slots.order_by("starts_at", "pk"), many=True).data

    @extend_schema_field(AvailabilityOut(many=True))
    def get_availability(self, meeting: Meeting) -> Any:
        rows = (
            policy.visible(self.context["user"], Availability)
            .filter(slot__meeting=meeting)
            .select_related("invitation__organisation")
            .order_by("slot__starts_at", "invitation__organisation__name")
        )
        return AvailabilityOut(rows, many=True).data


class ContributionOut(serializers.Serializer):
    id = serializers.IntegerField()
    agenda_item = serializers.IntegerField(source="agenda_item_id")
    case = NumberedRef(source="agenda_item.case")
    kind = serializers.CharField()
    organisation = Ref()
    author = Ref()
    text = serializers.CharField()
    purpose = serializers.CharField()
    advice_only = serializers.BooleanField()
    audience = serializers.ChoiceField(Audience.choices)
    created_at = serializers.DateTimeField()


# --- Access ----------------------------------------------------------------------------------


def visible_agenda(request: Request, meeting: Meeting) -> list[AgendaItem]:
    return list(
        policy.visible(request.user, AgendaItem)
        .filter(meeting=meeting)
        .select_related("case")
        .order_by("position", "pk")
    )


def meeting_representation(request: Request, slug: str, pk: int) -> Any:
    """The meeting as GET shows it (also what `If-Match` is compared with)."""
    meeting = access_meeting(request.user, slug, pk)
    context = {"user": request.user, "agenda": visible_agenda(request, meeting)}
    return MeetingOut(meeting, context=context).data


class MeetingChangeView(ApiView):
    def current(self, request: Request, **kwargs: Any) -> Any:
        return meeting_representation(request, kwargs["slug"], kwargs["pk"])


# --- Reading ---------------------------------------------------------------------------------


class MeetingQuery(PageQuery):
    status = serializers.ChoiceField(MeetingStatus.choices, required=False)


class MeetingListView(ApiView):
    @extend_schema(
        parameters=[MeetingQuery],
        responses=page_of(MeetingItemOut),
        summary="Meetings you may see, newest first",
    )
    def get(self, request: Request, slug: str) -> Response:
        house = policy.access_house(request.user, slug)
        query = parse(MeetingQuery, request.query_params, request)
        rows = policy.visible(request.user, Meeting).filter(house=house).select_related("chair")
        if query.get("status"):
            rows = rows.filter(status=query["status"])
        return Response(newest_first(rows, request, query, MeetingItemOut))


class MeetingDetailView(ApiView):
    @extend_schema(responses=MeetingOut, summary="One meeting: agenda, invitations, time slots")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return Response(meeting_representation(request, slug, pk))


class ContributionQuery(serializers.Serializer):
    agenda_item = id_field(required=False)


class MeetingContributionsView(ApiView):
    @extend_schema(
        parameters=[ContributionQuery],
        responses=ContributionOut(many=True),
        summary="Written input on the agenda that you may read",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        """Reading the input is processing of the people of each case: it is logged."""
        meeting = access_meeting(request.user, slug, pk)
        query = parse(ContributionQuery, request.query_params, request)
        items = visible_agenda(request, meeting)
        if query.get("agenda_item"):
            items = [item for item in items if item.pk == query["agenda_item"]]
        rows = list(
            policy.visible(request.user, Contribution)
            .filter(agenda_item__in=items)
            .select_related("agenda_item__case", "organisation", "author")
            .order_by("created_at", "pk")
        )
        for item in items:
            if any(row.agenda_item_id == item.pk for row in rows):
                log.record(
                    actor=request.user,
                    house=meeting.house,
                    name="meeting.contributions.read",
                    operation=Operation.READ,
                    obj=item,
                    case_id=item.case_id,
                    meeting_id=meeting.pk,
                    subjects=subject_refs(case_subjects(item.case)),
                )
        return Response(ContributionOut(rows, many=True).data)


class CalendarView(ApiView):
    @extend_schema(
        responses={
            (200, "text/calendar"): OpenApiResponse(
                OpenApiTypes.BINARY, description="iCalendar (RFC 5545) invitation"
            )
        },
        summary="The meeting as a calendar invitation (ICS)",
    )
    def get(self, request: Request, slug: str, pk: int) -> Any:
        """Once a time is chosen; before that, 404 with a problem that says so."""
        meeting = access_meeting(request.user, slug, pk)
        if meeting.starts_at is None:
            raise exceptions.NotFound(_("This meeting has no time yet."))
        cancelled = meeting.status == MeetingStatus.CANCELLED
        response = HttpResponse(
            ics.invitation(meeting, cancel=cancelled), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{meeting.reference}.ics"'
        return response


# --- Writing ---------------------------------------------------------------------------------


class AvailabilityAnswerIn(serializers.Serializer):
    slot = serializers.IntegerField()
    answer = serializers.ChoiceField(Answer.choices)


class AvailabilityIn(serializers.Serializer):
    answers = AvailabilityAnswerIn(many=True, allow_empty=False)


class MeetingAvailabilityView(MeetingChangeView):
    @extend_schema(
        request=AvailabilityIn,
        responses=MeetingOut,
        summary="Answer your organisation's availability for every proposed time",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        meeting = access_meeting(request.user, slug, pk)
        data = parse(AvailabilityIn, request.data, request, meeting.house)
        answers = {row["slot"]: row["answer"] for row in data["answers"]}
        actions.do_answer_availability(meeting, answers=answers, actor=request.user)
        return Response(meeting_representation(request, slug, pk))


class ContributionIn(serializers.Serializer):
    text = serializers.CharField(max_length=20_000)
    purpose = serializers.CharField(max_length=300)
    audience = serializers.ChoiceField(Audience.choices, default=Audience.ALL_PARTICIPANTS)
    organisations = serializers.ListField(child=serializers.IntegerField(), default=list)
    advice_only = serializers.BooleanField(default=False)
    categories = serializers.ListField(
        child=serializers.ChoiceField(DataCategory.choices), default=list
    )


class AgendaContributionsView(ApiView):
    @extend_schema(
        request=ContributionIn,
        responses={201: ContributionOut},
        summary="Share written input about a case on the agenda",
    )
    def post(self, request: Request, slug: str, pk: int, item: int) -> Response:
        meeting = access_meeting(request.user, slug, pk)
        agenda_item = next((i for i in visible_agenda(request, meeting) if i.pk == item), None)
        if agenda_item is None:
            raise Http404
        data = parse(ContributionIn, request.data, request, meeting.house)
        known = {
            o.pk: o
            for o in policy.organisations_visible_to(request.user).filter(
                pk__in=data["organisations"],
                participations__case=agenda_item.case,
                participations__ended_at__isnull=True,
            )
        }
        unknown = [pk for pk in data["organisations"] if pk not in known]
        if unknown:
            raise serializers.ValidationError(
                {"organisations": [_("Only organisations taking part in the case can read it.")]}
            )
        contribution = actions.do_add_contribution(
            agenda_item,
            text=data["text"],
            purpose=data["purpose"],
            audience=data["audience"],
            organisations=list(known.values()),
            advice_only=data["advice_only"],
            categories=data["categories"],
            actor=request.user,
        )
        return Response(ContributionOut(contribution).data, status=201)

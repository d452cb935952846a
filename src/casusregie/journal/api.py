"""REST endpoints of the case journal: a case's entries (newest versions), writing one, one
entry (any version) and correcting it. Scopes `journal:read` / `journal:write`.

Entries come only through `policy.visible`, so an entry outside the user's audience is "not
found", like a URL they may not open. Reading entries writes the processing log per person of
the case, as the pages do; writing and correcting write a disclosure to each organisation the
audience reaches.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casusregie.api.base import ApiView
from casusregie.api.common import (
    MAX_ID,
    NumberedRef,
    PageQuery,
    Ref,
    id_field,
    newest_first,
    parse,
)
from casusregie.api.schema import page_of
from casusregie.cases.access import access_case, case_subjects, subject_refs
from casusregie.cases.models import Case, Subject
from casusregie.houses.models import Organisation
from casusregie.privacy import log, policy
from casusregie.privacy.models import DataCategory, Operation

from . import actions
from .access import access_entry, writes_for_author, writing_organisations
from .models import Audience, EntryKind, JournalEntry

SCOPE_RESOURCE = "journal"

# --- Output ----------------------------------------------------------------------------------


class PersonRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")


class EntryOut(serializers.Serializer):
    id = serializers.IntegerField()
    case = NumberedRef()
    kind = serializers.ChoiceField(EntryKind.choices)
    occurred_on = serializers.DateField()
    subject = PersonRef(allow_null=True)
    text = serializers.CharField()
    organisation = Ref()
    author = Ref()
    audience = serializers.ChoiceField(Audience.choices)
    audience_organisations = Ref(many=True, source="audience_organisations.all")
    purpose = serializers.CharField()
    data_categories = serializers.ListField(child=serializers.ChoiceField(DataCategory.choices))
    advice_only = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    is_current = serializers.BooleanField(
        help_text="False for an earlier version: the entry has been corrected since."
    )
    corrects = serializers.IntegerField(
        source="corrects_id", allow_null=True, help_text="The version this one replaces."
    )
    correction_reason = serializers.CharField()


def _entries(user: Any) -> Any:
    return (
        policy.visible(user, JournalEntry)
        .select_related("case", "organisation", "author", "subject")
        .prefetch_related("audience_organisations")
    )


# --- Input -----------------------------------------------------------------------------------


class JournalQuery(PageQuery):
    kind = serializers.ChoiceField(EntryKind.choices, required=False)
    organisation = id_field(required=False)
    occurred_from = serializers.DateField(required=False)
    occurred_to = serializers.DateField(required=False)


class EntryIn(serializers.Serializer):
    kind = serializers.ChoiceField(EntryKind.choices)
    occurred_on = serializers.DateField()
    text = serializers.CharField(max_length=actions.MAX_TEXT)
    purpose = serializers.CharField(max_length=300)
    audience = serializers.ChoiceField(Audience.choices, default=Audience.ALL_PARTICIPANTS)
    organisations = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), default=list
    )
    subject = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    advice_only = serializers.BooleanField(default=False)
    categories = serializers.ListField(
        child=serializers.ChoiceField(DataCategory.choices), default=list
    )


class NewEntryIn(EntryIn):
    organisation = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="On whose behalf you write, when you work for more than one organisation "
        "taking part; the first otherwise.",
    )


class CorrectionIn(EntryIn):
    reason = serializers.CharField(max_length=2000)


def _named(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    """The ids of the body as objects: organisations taking part in the case, a person of
    the case; an id that names neither is a field error."""
    known = {
        o.pk: o
        for o in Organisation.objects.filter(
            pk__in=data["organisations"],
            participations__case=case,
            participations__ended_at__isnull=True,
        )
    }
    errors: dict[str, list[str]] = {}
    if any(pk not in known for pk in data["organisations"]):
        errors["organisations"] = [_("Only organisations taking part in the case can read it.")]
    subject = None
    if data.get("subject"):
        subject = Subject.objects.filter(case_links__case=case, pk=data["subject"]).first()
        if subject is None:
            errors["subject"] = [_("Choose a person of this case.")]
    if errors:
        raise serializers.ValidationError(errors)
    return {
        "kind": data["kind"],
        "occurred_on": data["occurred_on"],
        "text": data["text"],
        "purpose": data["purpose"],
        "audience": data["audience"],
        "organisations": [known[pk] for pk in dict.fromkeys(data["organisations"])],
        "subject": subject,
        "advice_only": data["advice_only"],
        "categories": data["categories"],
    }


def _shown(request: Request, entry: JournalEntry) -> Any:
    fresh = _entries(request.user).filter(pk=entry.pk).first() or entry
    return EntryOut(fresh).data


def _log_read(request: Request, case: Case, name: str, obj: Any, people: list[Subject]) -> None:
    log.record(
        actor=request.user,
        house=case.house,
        name=name,
        operation=Operation.READ,
        obj=obj,
        case_id=case.pk,
        subjects=subject_refs(people) or [log.SubjectRef(f"case-{case.pk}", "area")],
    )


# --- Endpoints -------------------------------------------------------------------------------


class CaseJournalView(ApiView):
    scope_resource = SCOPE_RESOURCE

    @extend_schema(
        parameters=[JournalQuery],
        responses=page_of(EntryOut),
        summary="The case's journal entries you may read (newest versions), newest first",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        """Reading entries is processing of the people of the case: it is logged."""
        case = access_case(request.user, pk, house_slug=slug)
        query = parse(JournalQuery, request.query_params, request, case.house)
        rows = _entries(request.user).filter(case=case, is_current=True)
        if query.get("kind"):
            rows = rows.filter(kind=query["kind"])
        if query.get("organisation"):
            rows = rows.filter(organisation=query["organisation"])
        if query.get("occurred_from"):
            rows = rows.filter(occurred_on__gte=query["occurred_from"])
        if query.get("occurred_to"):
            rows = rows.filter(occurred_on__lte=query["occurred_to"])

        def on_page(shown: list[Any]) -> None:
            _log_read(request, case, "journal.read", case, case_subjects(case))

        return Response(newest_first(rows, request, query, EntryOut, on_page))

    @extend_schema(
        request=NewEntryIn,
        responses={201: EntryOut},
        summary="Write an entry in the case's journal, for the audience you choose",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Only people working on the case for an organisation taking part in it (or the
        house's staff) write; others get 403."""
        case = access_case(request.user, pk, house_slug=slug)
        mine = writing_organisations(request.user, case)
        if not mine:
            raise PermissionDenied
        data = parse(NewEntryIn, request.data, request, case.house)
        organisation = None
        if data.get("organisation"):
            organisation = next((o for o in mine if o.pk == data["organisation"]), None)
            if organisation is None:
                raise serializers.ValidationError(
                    {"organisation": [_("You cannot write on behalf of this organisation.")]}
                )
        entry = actions.do_write_entry(
            case, **_named(case, data), organisation=organisation, actor=request.user
        )
        return Response(_shown(request, entry), status=201)


class EntryDetailView(ApiView):
    scope_resource = SCOPE_RESOURCE

    @extend_schema(responses=EntryOut, summary="One journal entry (any version you may read)")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        entry = access_entry(request.user, slug, pk)
        found = _entries(request.user).get(pk=entry.pk)
        people = [found.subject] if found.subject else case_subjects(found.case)
        _log_read(request, found.case, "journal.entry.read", found, people)
        return Response(EntryOut(found).data)


class EntryCorrectionsView(ApiView):
    scope_resource = SCOPE_RESOURCE

    @extend_schema(
        request=CorrectionIn,
        responses={201: EntryOut},
        summary="Correct an entry: a new version with a reason (the old one is kept)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """Only the organisation that wrote the entry corrects it (others: 403), and only its
        newest version (an earlier one: 400)."""
        entry = access_entry(request.user, slug, pk)
        if not writes_for_author(request.user, entry):
            # Before reading the body: who may not correct learns nothing from its validation.
            raise PermissionDenied
        data = parse(CorrectionIn, request.data, request, entry.case.house)
        new = actions.do_correct_entry(
            entry, reason=data["reason"], **_named(entry.case, data), actor=request.user
        )
        return Response(_shown(request, new), status=201)

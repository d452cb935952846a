"""REST endpoints for documents: the documents of a case (list, multipart upload), one
document's metadata and content, and removal with a reason.

Documents come only through `policy.visible`: one the user may not read is "not found". Reading
the list, the metadata or the content writes the processing log per person of the case or
referral, as the pages do. The scopes are those of cases (`cases:read`, `cases:write`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from casusregie.api.base import ApiView, TooLarge
from casusregie.api.common import NumberedRef, Ref, id_field, parse
from casusregie.cases.access import access_case, case_subjects, subject_refs
from casusregie.journal.models import JournalEntry
from casusregie.meetings.models import Contribution
from casusregie.plans.models import Action
from casusregie.privacy import log, policy
from casusregie.privacy.models import DataCategory, Operation

from . import actions, filetypes
from .access import (
    access_document,
    documents_of_case,
    may_remove,
    open_document,
    subjects_of,
)
from .models import Audience, Document
from .responses import file_response
from .storage import DocumentUnreadable

SCOPE_RESOURCE = "cases"

# --- Output ----------------------------------------------------------------------------------


class AttachedOut(serializers.Serializer):
    kind = serializers.ChoiceField(["case", "referral", "journal_entry", "contribution", "action"])
    id = serializers.IntegerField()


class DocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    case = NumberedRef(allow_null=True)
    referral = NumberedRef(allow_null=True)
    attached_to = serializers.SerializerMethodField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField(help_text="SHA-256 of the file's bytes (hexadecimal).")
    organisation = Ref()
    uploaded_by = Ref()
    uploaded_at = serializers.DateTimeField()
    audience = serializers.ChoiceField(Audience.choices)
    audience_organisations = Ref(many=True)
    purpose = serializers.CharField()
    removed_at = serializers.DateTimeField(allow_null=True)
    removed_by = Ref(allow_null=True)
    removal_reason = serializers.CharField()

    @extend_schema_field(AttachedOut)
    def get_attached_to(self, document: Document) -> dict[str, Any]:
        for kind in ("journal_entry", "contribution", "action", "referral", "case"):
            pk = getattr(document, f"{kind}_id")
            if pk is not None:
                return {"kind": kind, "id": pk}
        raise AssertionError("a document is attached to something")  # pragma: no cover


def _log_read(request: Request, document: Document, name: str) -> None:
    log.record(
        actor=request.user,
        house=document.house,
        name=name,
        operation=Operation.READ,
        obj=document,
        case_id=document.case_id,
        subjects=subjects_of(document),
    )


def _document(request: Request, slug: str, pk: int) -> Document:
    return access_document(request.user, policy.access_house(request.user, slug), pk)


# --- The documents of a case -----------------------------------------------------------------


class DocumentIn(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    purpose = serializers.CharField(max_length=300)
    audience = serializers.ChoiceField(Audience.choices, default=Audience.ALL_PARTICIPANTS)
    organisations = serializers.ListField(child=id_field(), default=list)
    categories = serializers.ListField(
        child=serializers.ChoiceField(DataCategory.choices), default=list
    )
    journal_entry = id_field(required=False, help_text="Attach to this journal entry.")
    contribution = id_field(required=False, help_text="Attach to this meeting contribution.")
    action = id_field(required=False, help_text="Attach to this action.")


_ITEMS: dict[str, tuple[Any, str]] = {
    "journal_entry": (JournalEntry, "case"),
    "contribution": (Contribution, "agenda_item__case"),
    "action": (Action, "case"),
}


class CaseDocumentsView(ApiView):
    scope_resource = SCOPE_RESOURCE
    # A JSON body cannot carry a file: it is accepted only to answer that the file is missing.
    parser_classes = [MultiPartParser, JSONParser]

    def _check_size(self, request: Request) -> None:
        """A document may be larger than an ordinary request body: the limit is the document
        limit plus room for the form fields. Larger: 413 before anything is read."""
        limit = int(settings.DOCUMENT_MAX_MB) * 1024 * 1024 + 64 * 1024
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise TooLarge(_("The request body is larger than %(limit)d bytes.") % {"limit": limit})

    @extend_schema(responses=DocumentOut(many=True), summary="Documents of a case you may read")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        """The documents of the case and of its journal entries, contributions and actions,
        newest first; removed ones with when, by whom and why. Reading them is logged."""
        case = access_case(request.user, pk, house_slug=slug)
        rows = list(documents_of_case(request.user, case).select_related("case", "referral"))
        log.record(
            actor=request.user,
            house=case.house,
            name="document.list.read",
            operation=Operation.READ,
            obj=case,
            case_id=case.pk,
            subjects=subject_refs(case_subjects(case)),
        )
        return Response(DocumentOut(rows, many=True).data)

    @extend_schema(
        request={"multipart/form-data": DocumentIn},
        responses={201: DocumentOut},
        summary="Add a document to a case (multipart upload)",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        """The file is checked before anything is stored: size, type by content (PDF, PNG,
        JPEG, DOCX, XLSX, PPTX, ODT, ODS, DOC, XLS) and, where configured, a virus scan. A
        refused file is a 400 problem that says why. At most one of `journal_entry`,
        `contribution` and `action` names the item of the case it belongs to."""
        case = access_case(request.user, pk, house_slug=slug)
        data = parse(DocumentIn, request.data, request, case.house)
        items: dict[str, Any] = {}
        for field, (model, case_path) in _ITEMS.items():
            if data.get(field) is None:
                continue
            item = (
                policy.visible(request.user, model)
                .filter(pk=data[field], **{case_path: case})
                .first()
            )
            if item is None:
                raise serializers.ValidationError(
                    {field: [_("Choose an item of this case you can see.")]}
                )
            items[field] = item
        readers = {
            o.pk: o
            for o in policy.organisations_visible_to(request.user).filter(
                pk__in=data["organisations"],
                participations__case=case,
                participations__ended_at__isnull=True,
            )
        }
        if any(pk not in readers for pk in data["organisations"]):
            raise serializers.ValidationError(
                {"organisations": [_("Only organisations taking part in the case can read it.")]}
            )
        upload = data["file"]
        actions.check_size(upload.size)
        document = actions.do_upload_document(
            case=case,
            **items,
            name=upload.name or "",
            data=upload.read(),
            purpose=data["purpose"],
            audience=data["audience"],
            organisations=list(readers.values()),
            categories=data["categories"],
            actor=request.user,
        )
        document = access_document(request.user, case.house, document.pk)
        return Response(DocumentOut(document).data, status=201)


# --- One document ----------------------------------------------------------------------------


class RemoveIn(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False)


class DocumentDetailView(ApiView):
    scope_resource = SCOPE_RESOURCE
    parser_classes = [JSONParser]

    def current(self, request: Request, **kwargs: Any) -> Any:
        return DocumentOut(_document(request, kwargs["slug"], kwargs["pk"])).data

    @extend_schema(responses=DocumentOut, summary="One document's details (not its content)")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        document = _document(request, slug, pk)
        _log_read(request, document, "document.read")
        return Response(DocumentOut(document).data)

    @extend_schema(
        request=RemoveIn,
        responses={204: None},
        summary="Remove a document, with a reason",
    )
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        """The organisation that added it or a process director. The reason comes from the
        `reason` field or the `Change-Reason` header. The file is deleted; the details stay,
        with when, by whom and why."""
        document = _document(request, slug, pk)
        if not document.is_removed and not may_remove(request.user, document):
            raise exceptions.PermissionDenied(
                _(
                    "Only the organisation that added the document or a process director can "
                    "remove it."
                )
            )
        data = parse(RemoveIn, request.data or {}, request, document.house)
        reason = data.get("reason") or log.current_change_reason()
        if not reason.strip():
            raise serializers.ValidationError({"reason": [_("Say why the document is removed.")]})
        actions.do_remove_document(document, reason=reason, actor=request.user)
        return Response(status=204)


class DocumentContentView(ApiView):
    scope_resource = SCOPE_RESOURCE

    @extend_schema(
        responses={
            (200, content_type): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file, with the type found in its content"
            )
            for content_type in filetypes.EXTENSIONS
        },
        summary="A document's content",
    )
    def get(self, request: Request, slug: str, pk: int) -> Any:
        """The file as it was added (decrypted), as an attachment. A removed document has no
        content: 404. Reading it is logged per person of the case or referral."""
        document = _document(request, slug, pk)
        try:
            data = open_document(request.user, document)
        except DocumentUnreadable:
            raise Http404 from None
        return file_response(document, data)

"""Pieces every endpoint uses: reading input, naming related objects, keyset pages, read logs.

Objects named by id in a request body are looked up through the access policy, so an id the
user may not see is "does not exist", exactly like a URL they may not open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Model, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from casusregie.cases.access import subject_refs
from casusregie.cases.models import Case
from casusregie.houses.models import House
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# The largest id a database row can have (a 64-bit key): a larger number names nothing.
MAX_ID = 2**63 - 1


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """An id in a query or body: 1 up to MAX_ID, so a huge number is a 400, not a crash."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def parse(
    serializer_class: type[serializers.Serializer],
    data: Any,
    request: Request,
    house: House | None = None,
) -> dict[str, Any]:
    """Validated input, or a ValidationError that becomes a 400 problem.

    A body field the endpoint does not know is an error too (a typo like `urgentie` would
    otherwise be dropped silently and the client would believe it was saved)."""
    serializer = serializer_class(data=data, context={"request": request, "house": house})
    if isinstance(data, dict) and not isinstance(data, QueryDict):
        unknown = unknown_fields(serializer.fields, data)
        if unknown:
            raise serializers.ValidationError(unknown)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def unknown_fields(fields: Any, data: Any, path: str = "") -> dict[str, list[str]]:
    """Body fields (also inside nested objects and lists of objects) no serializer declares."""
    found: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        return found
    for key, value in data.items():
        name = f"{path}.{key}" if path else str(key)
        field = fields.get(key)
        if field is None or field.read_only:
            found[name] = [
                _("Unknown field: leave it out (the OpenAPI document lists the fields).")
            ]
        elif isinstance(field, serializers.ListSerializer) and isinstance(value, list):
            for index, item in enumerate(value):
                found.update(unknown_fields(field.child.fields, item, f"{name}.{index}"))
        elif isinstance(field, serializers.Serializer):
            found.update(unknown_fields(field.fields, value, name))
    return found


# --- Related objects named by id -------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class OrganisationField(serializers.PrimaryKeyRelatedField):
    """A partner organisation of a house the user belongs to; the action checks the rest."""

    def get_queryset(self) -> QuerySet[Any]:
        return policy.organisations_visible_to(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class HouseMemberField(serializers.PrimaryKeyRelatedField):
    """A person with a membership in the house of the request."""

    def get_queryset(self) -> QuerySet[Any]:
        return policy.users_visible_to(self.context["request"].user, self.context["house"])


@extend_schema_field(OpenApiTypes.INT)
class CaseField(serializers.PrimaryKeyRelatedField):
    """A case of the house of the request that the user may see."""

    def get_queryset(self) -> QuerySet[Any]:
        user = self.context["request"].user
        return policy.visible_in(user, Case, self.context["house"])


class Ref(serializers.Serializer):
    """A related organisation or person: id and display name."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class NumberedRef(serializers.Serializer):
    """A related case or referral: id and the number people use (2026-0042, M-12)."""

    id = serializers.IntegerField()
    reference = serializers.CharField()


class PersonOut(serializers.Serializer):
    """A person a referral or case is about. The BSN is only ever shown masked."""

    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    masked_bsn = serializers.CharField()


class SubjectOut(serializers.Serializer):
    """A person in their place in a referral or case (a link row); the BSN masked."""

    id = serializers.IntegerField(
        source="subject_id", help_text="The person, e.g. to link a journal entry to."
    )
    first_name = serializers.CharField(source="subject.first_name")
    last_name = serializers.CharField(source="subject.last_name")
    date_of_birth = serializers.DateField(source="subject.date_of_birth", allow_null=True)
    masked_bsn = serializers.CharField(source="subject.masked_bsn")
    is_main = serializers.BooleanField()
    relation_to_main = serializers.CharField()
    has_authority = serializers.BooleanField()


# --- Lists -----------------------------------------------------------------------------------


class PageQuery(serializers.Serializer):
    after = id_field(required=False)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)


def page(
    rows: QuerySet[Any],
    request: Request,
    limit: int,
    serializer_class: type[serializers.Serializer],
    on_page: Callable[[list[Any]], None] | None = None,
) -> dict[str, Any]:
    """One page of an ordered queryset, with the link to the next page (keyset: `after` is the
    id of the last row shown, so pages stay fast and stable while rows are added). `on_page`
    gets the rows shown, to log the read of the people they name."""
    found = list(rows[: limit + 1])
    shown = found[:limit]
    if on_page is not None and shown:
        on_page(shown)
    next_url = None
    if len(found) > limit:
        query = request.query_params.copy()
        query["after"] = str(shown[-1].pk)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return {"results": serializer_class(shown, many=True).data, "next": next_url}


def newest_first(
    rows: QuerySet[Any],
    request: Request,
    query: dict[str, Any],
    serializer_class: type[serializers.Serializer],
    on_page: Callable[[list[Any]], None] | None = None,
) -> dict[str, Any]:
    if query.get("after"):
        rows = rows.filter(pk__lt=query["after"])
    rows = rows.order_by("-pk")
    if not rows.query.annotations:
        rows = _picked_by_id(rows, query["limit"] + 1)
    return page(rows, request, query["limit"], serializer_class, on_page)


def _picked_by_id(rows: QuerySet[Any], count: int) -> QuerySet[Any]:
    """The first `count` rows of `rows` (ordered newest first), chosen by their ids alone and
    then read in full. With the whole row in one query PostgreSQL may walk the table's primary
    key backwards and filter by house, which at national scale meant skipping hundreds of
    thousands of other houses' rows (issue 10: 208 ms for the API case list of the largest
    house); choosing ids first lets it walk the (house, id) index and read only the rows shown."""
    ids = rows.values("pk")[:count]
    picked = rows.model._default_manager.filter(pk__in=ids).order_by("-pk")
    picked.query.select_related = rows.query.select_related
    lookups = getattr(rows, "_prefetch_related_lookups", ())
    return picked.prefetch_related(*lookups)


# --- Processing log --------------------------------------------------------------------------


def record_read(
    request: Request, house: House, obj: Model, subjects: Iterable[Any], case_id: int | None
) -> None:
    """Reading personal data is processing too: one log line per subject, like the pages."""
    name = obj._meta.model_name
    refs = subject_refs(subjects) or [log.SubjectRef(f"{name}-{obj.pk}", "area")]
    log.record(
        actor=request.user,
        house=house,
        name=f"{name}.read",
        operation=Operation.READ,
        obj=obj,
        case_id=case_id,
        subjects=refs,
    )

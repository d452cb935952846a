"""Writes of this app: recording the police counts of a case (audited, logged)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.cases.access import access_case, case_subjects, subject_refs
from casusregie.cases.models import Case, Participation
from casusregie.houses.models import Organisation, OrganisationKind
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation

from .models import PoliceCount

# The "after" count covers the twelve months after closure, so it can only be known then.
AFTER_WAIT = datetime.timedelta(days=365)


def police_organisation(user: Any, case: Case) -> Organisation | None:
    """The police organisation through which the user takes part in the case, if any."""
    taking_part = Participation.objects.filter(
        case=case, ended_at__isnull=True, organisation__kind=OrganisationKind.POLICE
    ).values("organisation")
    membership = (
        policy.active_memberships(user)
        .filter(house=case.house, organisation__in=taking_part)
        .select_related("organisation")
        .first()
    )
    return membership.organisation if membership is not None else None


def police_case(user: Any, slug: str, pk: int) -> tuple[Case, Organisation]:
    """The case whose counts the user may record, with their police organisation; 404 for
    everyone else (also for those who may see the case but are not its police)."""
    case = access_case(user, pk, house_slug=slug)
    organisation = police_organisation(user, case)
    if organisation is None:
        raise Http404
    return case, organisation


def after_allowed(case: Case, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return case.closed_at is not None and case.closed_at <= now - AFTER_WAIT


def record_police_count(
    case: Case, *, actor: Any, organisation: Organisation, before: int, after: int | None
) -> PoliceCount:
    errors: dict[str, str] = {}
    if before is None or before < 0:
        errors["before"] = _("A count cannot be negative.")
    if after is not None and after < 0:
        errors["after"] = _("A count cannot be negative.")
    elif after is not None and not after_allowed(case):
        errors["after"] = _(
            "The count after closure can be recorded only when the case was closed at least "
            "12 months ago."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = PoliceCount.objects.select_for_update().filter(case=case).first()
        previous = (
            {"before": existing.before, "after": existing.after} if existing is not None else None
        )
        count, _created = PoliceCount.objects.update_or_create(
            case=case,
            defaults={
                "house": case.house,
                "before": before,
                "after": after,
                "organisation": organisation,
                "recorded_by": actor,
                "recorded_at": timezone.now(),
            },
        )
        log.record(
            actor=actor,
            house=case.house,
            name="police_count.record",
            operation=Operation.UPDATE if existing is not None else Operation.CREATE,
            obj=count,
            case_id=case.pk,
            actor_organisation=organisation,
            subjects=subject_refs(case_subjects(case)),
            before=previous,
            after={"before": before, "after": after},
        )
    return count

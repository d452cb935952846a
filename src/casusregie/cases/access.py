"""Who may see which case: the house's staff, and organisations that take part in it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from casusregie.accounts.roles import Role
from casusregie.privacy import log, policy
from casusregie.privacy.actions import glass_case_ids

from .models import Case, CaseSubject, Participation, Subject


@policy.register(Case, staff_see_all="house")
def case_predicate(user: Any) -> Q:
    takes_part = Exists(
        Participation.objects.filter(
            case=OuterRef("pk"),
            ended_at__isnull=True,
            organisation__memberships__user=user,
            organisation__memberships__ended_at__isnull=True,
            organisation__memberships__role__in=policy.PARTNER_ROLES,
            organisation__memberships__house=OuterRef("house"),
        )
    )
    visible = Q(policy.staff_of(user)) | Q(takes_part)
    # Break-the-glass: a case opened in an emergency, with a reason, for a few hours.
    glass = glass_case_ids(user)
    return visible | Q(pk__in=glass) if glass else visible


def access_case(user: Any, pk: int, *, house_slug: str | None = None) -> Case:
    """The case if the user may see it; "not found" otherwise (missing and forbidden alike)."""
    cases = policy.visible(user, Case).select_related(
        "house",
        "process_director",
        "case_director",
        "case_director_organisation",
        "placing_organisation",
    )
    if house_slug is not None:
        cases = cases.filter(house__slug=house_slug)
    case = cases.filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def is_process_director(user: Any, case: Case) -> bool:
    return policy.has_role(user, case.house, Role.PROCESS_DIRECTOR)


def is_staff(user: Any, case: Case) -> bool:
    return policy.has_role(user, case.house, *policy.STAFF_ROLES)


def case_for_oversight(house: Any, *, reference: str = "", pk: int | None = None) -> Case | None:
    """A case of the house by number or id, for the privacy officer's oversight work
    (disclosure register, retention): callers show its number and dates, never its content.
    The privacy officer is not a case participant, so this is the one read outside the case
    predicate, and it lives here, next to it."""
    cases = Case.objects.filter(house=house)
    if reference:
        return cases.filter(reference=reference.strip().upper()).first()
    return cases.filter(pk=pk).first() if pk is not None else None


# --- Read helpers: the people of a case, as rows and as log references ----------------------


def subject_refs(subjects: Iterable[Subject]) -> list[log.SubjectRef]:
    return [log.subject_ref(subject_pk=s.pk, bsn_hash=s.bsn_hash) for s in subjects]


def subject_refs_of_cases(cases: Iterable[Case]) -> list[log.SubjectRef]:
    """Log references of every person of these cases, in one query (a meeting's agenda)."""
    links = CaseSubject.objects.filter(case__in=[c.pk for c in cases]).select_related("subject")
    return subject_refs(link.subject for link in links.order_by("case_id", "id"))


def case_subjects(case: Case) -> list[Subject]:
    return [link.subject for link in case.case_subjects.select_related("subject")]

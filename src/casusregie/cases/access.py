"""Who may see which case: the house's staff, and organisations that take part in it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.privacy import log, policy, providers
from casusregie.privacy.actions import glass_case_ids
from casusregie.privacy.bsn import lookup_hash

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


def is_case_director(user: Any, case: Case) -> bool:
    """Whether the user does the case director's work on this case: the case director, or
    their stand-in while the arrangement is in force (policy.acting_for, decision 0046)."""
    if case.case_director_id is None or getattr(user, "pk", None) is None:
        return False
    return case.case_director_id == user.pk or policy.acting_for(
        user, case.house_id, case.case_director_id
    )


def on_behalf_of(user: Any, house: Any, holder_id: int | None) -> dict[str, int]:
    """What an action adds to its audit row when `user` acts as `holder_id`'s stand-in:
    `{"on_behalf_of": holder_id}`, else nothing (the actor of the row stays the stand-in)."""
    if holder_id is None or holder_id == getattr(user, "pk", None):
        return {}
    return {"on_behalf_of": holder_id} if policy.acting_for(user, house, holder_id) else {}


def may_correct(user: Any, case: Case) -> bool:
    """Who corrects a case's people, relations and details (decision 0044): a process director
    of the house and the case's case director. Not the referring organisation, the other
    participants, the privacy officer, the administrator or the auditor: they ask one of these
    two (a data subject's request reaches them through the privacy officer)."""
    return is_process_director(user, case) or is_case_director(user, case)


def house_municipalities(house: Any) -> list[str]:
    """The house's list of municipalities: its partner organisations of the kind municipality,
    named without a leading "Gemeente " (as the demo and the houses name them). Empty when the
    house has none: a case's municipality is then free text (decision 0044)."""
    from casusregie.houses.models import Organisation, OrganisationKind

    names = Organisation.objects.filter(
        partnerships__house=house, kind=OrganisationKind.MUNICIPALITY
    ).values_list("name", flat=True)
    found = {name.removeprefix("Gemeente ").removeprefix("gemeente ").strip() for name in names}
    return sorted(name for name in found if name)


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


# --- What the privacy officer's work reads of cases and people (privacy/providers.py) --------


def find_people(house: Any, *, bsn: str = "", last_name: str = "", born: Any = None) -> list[Any]:
    """The house's person rows for a data-subject request: by BSN, else surname and birth date."""
    if bsn:
        return list(Subject.objects.filter(house=house, bsn_hash=lookup_hash(bsn)))
    if last_name and born:
        return list(
            Subject.objects.filter(
                house=house, last_name__iexact=last_name.strip(), date_of_birth=born
            )
        )
    return []


def entitled_to_cases(case_ids: Iterable[int]) -> dict[int, tuple[set[int], set[int]]]:
    """Per case: who directs it and which organisations take (or took) part — the people with a
    reason to read it, for the usage signals."""
    out: dict[int, tuple[set[int], set[int]]] = {}
    for pk, pd, cd in Case.objects.filter(pk__in=case_ids).values_list(
        "pk", "process_director_id", "case_director_id"
    ):
        out[pk] = ({pd, cd} - {None}, set())
    for case_id, org_id in Participation.objects.filter(case_id__in=case_ids).values_list(
        "case_id", "organisation_id"
    ):
        out.setdefault(case_id, (set(), set()))[1].add(org_id)
    return out


def cases_due(house: Any, today: datetime.date) -> Any:
    return Case.objects.filter(house=house, closed_at__isnull=False, retention_until__lt=today)


def describe_case(case: Case) -> tuple[str, dict[str, Any]]:
    assert case.closed_at is not None
    assert case.retention_until is not None
    return case.reference, {
        "kind": case.kind,
        "opened": case.created_at.date().isoformat(),
        "closed": case.closed_at.date().isoformat(),
        "outcome": case.outcome,
        "retention_until": case.retention_until.isoformat(),
    }


def cases_held_about(subjects: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """The access answer's cases and the organisations taking part in them, and why."""
    cases = list(
        Case.objects.filter(case_subjects__subject__in=subjects).distinct().order_by("created_at")
    )
    rows = [
        {
            "reference": c.reference,
            "phase": str(c.get_phase_display()),
            "opened": timezone.localtime(c.created_at).strftime("%d-%m-%Y"),
            "closed": timezone.localtime(c.closed_at).strftime("%d-%m-%Y") if c.closed_at else "",
        }
        for c in cases
    ]
    organisations = [
        {
            "case": p.case.reference,
            "organisation": p.organisation.name,
            "role": p.role,
            "purpose": p.purpose,
            "from": timezone.localtime(p.started_at).strftime("%d-%m-%Y"),
            "until": timezone.localtime(p.ended_at).strftime("%d-%m-%Y") if p.ended_at else "",
        }
        for p in Participation.objects.filter(case__in=cases)
        .select_related("organisation", "case")
        .order_by("case__created_at", "started_at")
    ]
    return {"cases": rows, "organisations": organisations}


providers.provide_people(
    providers.People(
        model=Subject, find=find_people, refs=subject_refs, encrypted_columns=("bsn_encrypted",)
    )
)
providers.provide_oversight(
    providers.Oversight(
        case=case_for_oversight, people_of_case=case_subjects, entitled=entitled_to_cases
    )
)
providers.keep(
    providers.Kept(
        kind="case",
        due=cases_due,
        describe=describe_case,
        get=lambda house, pk: case_for_oversight(house, pk=pk),
        people=case_subjects,
        case_id=lambda case: case.pk,
    )
)
providers.still_named_by(
    lambda ids: set(
        CaseSubject.objects.filter(subject_id__in=ids).values_list("subject_id", flat=True)
    )
)
providers.answer_part(cases_held_about)

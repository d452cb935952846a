"""Who may read and write which journal entry.

Reading follows the audience of meeting contributions (meetings/access.py): the house's
process directors read every entry; the author's own organisation reads its entries; with the
audience "all participants" the other house staff and every organisation taking part in the
case read it; with "named organisations" those organisations read it. An organisation reads
through its part in the case only while it takes part: after its participation ends it reads
nothing of the journal, its own entries included (decision 0045). A correction is a new
version with its own audience; an earlier version keeps the audience it had, so whoever could
read it still can.

Writing: people with a case-working role in an organisation that takes part in the case, and
the house's staff (for the staff organisation). Never the privacy officer, administrator or
auditor: they hold no case-working role.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404

from casusregie.accounts.roles import Role
from casusregie.cases.models import Case, Participation
from casusregie.houses.models import Organisation
from casusregie.privacy import policy, providers

from .models import Audience, EntryKind, JournalEntry

HOUSE = "case__house"


def _takes_part(user: Any) -> Exists:
    """The user works (partner role) for an organisation taking part in the entry's case."""
    return Exists(
        Participation.objects.filter(
            case=OuterRef("case"),
            ended_at__isnull=True,
            organisation__memberships__user=user,
            organisation__memberships__ended_at__isnull=True,
            organisation__memberships__role__in=policy.PARTNER_ROLES,
            organisation__memberships__house=OuterRef(HOUSE),
        )
    )


@policy.register(JournalEntry)
def entry_predicate(user: Any) -> Q:
    directors = policy.staff_of(user, HOUSE, roles=(Role.PROCESS_DIRECTOR,))
    other_staff = policy.staff_of(user, HOUSE, roles=(Role.TRIAGE_MEMBER, Role.HOUSE_MANAGER))
    # The writing organisation reads its entries while it takes part in the case (the house's
    # staff, who write for the staff organisation, while they are staff): after a participation
    # ends its people read nothing of the case, their own words included (decision 0045).
    author_takes_part = Exists(
        Participation.objects.filter(
            case=OuterRef("case"), organisation=OuterRef("organisation"), ended_at__isnull=True
        )
    )
    own = Q(policy.member_of(user, "organisation", HOUSE)) & (
        Q(author_takes_part) | Q(policy.staff_of(user, HOUSE))
    )
    everyone = Q(audience=Audience.ALL_PARTICIPANTS) & (Q(other_staff) | Q(_takes_part(user)))
    named = Q(audience=Audience.ORGANISATIONS) & Q(
        Exists(
            JournalEntry.audience_organisations.through.objects.filter(
                journalentry=OuterRef("pk"),
                organisation__in=policy.case_memberships(user)
                .filter(house=OuterRef(OuterRef(HOUSE)))
                .values("organisation"),
                organisation__participations__case=OuterRef("case"),
                organisation__participations__ended_at__isnull=True,
            )
        )
    )
    return Q(directors) | own | everyone | named


def access_entry(user: Any, slug: str, pk: int) -> JournalEntry:
    """The entry (any version) if the user may read it, in the house of the URL; else 404."""
    entry = (
        policy.visible(user, JournalEntry)
        .filter(pk=pk, case__house__slug=slug)
        .select_related("case__house", "organisation", "author", "subject")
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def writing_organisations(user: Any, case: Case) -> list[Organisation]:
    """The organisations on whose behalf the user may write in the case's journal: those the
    user works for in a case-working role and that take part in the case, and for house staff
    their own (staff) organisation. Empty: the user may not write."""
    if getattr(user, "pk", None) is None:
        return []
    held = [m for m in policy.house_memberships(user, case.house) if m.role in policy.CASE_ROLES]
    if not held:
        return []
    taking_part = set(
        case.participations.filter(ended_at__isnull=True).values_list("organisation", flat=True)
    )
    ids = [
        m.organisation_id
        for m in sorted(held, key=lambda m: m.pk)
        if m.role in policy.STAFF_ROLES or m.organisation_id in taking_part
    ]
    if not ids:
        return []
    found = Organisation.objects.in_bulk(ids)
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def may_write(user: Any, case: Case) -> bool:
    return case.is_open and bool(writing_organisations(user, case))


def writes_for_author(user: Any, entry: JournalEntry) -> bool:
    """Whether the user may write in the case for the organisation that wrote the entry."""
    return any(o.pk == entry.organisation_id for o in writing_organisations(user, entry.case))


def may_correct(user: Any, entry: JournalEntry) -> bool:
    """The organisation that wrote an entry corrects it (its people who may still write in the
    case); only the newest version can be corrected."""
    return entry.is_current and writes_for_author(user, entry)


# --- The case timeline: journal entries and the case's events, each as the policy allows ----


@dataclass
class TimelineFilter:
    kind: str = ""
    organisation: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@dataclass
class TimelineItem:
    """One row of the timeline: `type` says which of the objects is set."""

    type: str
    day: datetime.date
    at: datetime.datetime
    obj: Any = None
    versions: list[JournalEntry] = field(default_factory=list)


_COLUMNS = ("t", "rid", "day", "at", "org", "sub")


def _rows(qs: QuerySet[Any], type_: str, day: Any, at: Any, org: Any, sub: Any) -> Any:
    """A source of the timeline as (type, id, day, moment, organisation, kind) rows."""
    return (
        qs.order_by()
        .annotate(
            t=Value(type_, output_field=CharField()),
            rid=F("pk"),
            day=day,
            at=at,
            org=org,
            sub=sub,
        )
        .values(*_COLUMNS)
    )


def _no_org() -> Value:
    return Value(None, output_field=IntegerField())


def _no_kind() -> Value:
    return Value("", output_field=CharField())


def _in_period(qs: QuerySet[Any], found: TimelineFilter) -> QuerySet[Any]:
    if found.date_from:
        qs = qs.filter(day__gte=found.date_from)
    if found.date_to:
        qs = qs.filter(day__lte=found.date_to)
    return qs


def timeline_rows(user: Any, case: Case, found: TimelineFilter) -> QuerySet[Any] | None:
    """Every row of the case's timeline the user may read, newest first, as one query (a
    union of one select per source, each through the access policy). None: nothing matches."""
    from casusregie.cases.models import PhaseChange
    from casusregie.meetings.models import AgendaItem, Decision
    from casusregie.plans.models import Action, Feedback

    kind = found.kind
    journal_kind = kind in EntryKind.values
    wanted = {
        "entry": not kind or journal_kind,
        "phase": kind in ("", "phase"),
        "meeting": kind in ("", "meeting"),
        "decision": kind in ("", "decision"),
        "action": kind in ("", "action"),
        "feedback": kind in ("", "feedback"),
    }
    if found.organisation is not None:
        # Only entries, actions and feedback belong to one organisation.
        for type_ in ("phase", "meeting", "decision"):
            wanted[type_] = False
    day_of = TruncDate  # a moment's day in the house's time zone
    sources: list[QuerySet[Any]] = []
    if wanted["entry"]:
        entries = policy.visible(user, JournalEntry).filter(case=case, is_current=True)
        if journal_kind:
            entries = entries.filter(kind=kind)
        sources.append(
            _rows(
                entries, "entry", F("occurred_on"), F("created_at"), F("organisation_id"), F("kind")
            )
        )
    if wanted["phase"]:
        changes = PhaseChange.objects.filter(case=case)
        sources.append(
            _rows(changes, "phase", day_of("changed_at"), F("changed_at"), _no_org(), _no_kind())
        )
    if wanted["meeting"]:
        items = policy.visible(user, AgendaItem).filter(case=case)
        when = Coalesce("meeting__starts_at", "meeting__created_at")
        sources.append(_rows(items, "meeting", day_of(when), when, _no_org(), _no_kind()))
    if wanted["decision"]:
        decisions = policy.visible(user, Decision).filter(agenda_item__case=case)
        sources.append(
            _rows(
                decisions, "decision", day_of("recorded_at"), F("recorded_at"), _no_org(), F("kind")
            )
        )
    if wanted["action"]:
        agreed = policy.visible(user, Action).filter(case=case)
        sources.append(
            _rows(
                agreed,
                "action",
                day_of("created_at"),
                F("created_at"),
                F("owner_organisation_id"),
                F("status"),
            )
        )
    if wanted["feedback"]:
        given = policy.visible(user, Feedback).filter(action__case=case)
        sources.append(
            _rows(
                given,
                "feedback",
                day_of("submitted_at"),
                F("submitted_at"),
                F("organisation_id"),
                F("review_status"),
            )
        )
    sources = [_in_period(qs, found) for qs in sources]
    if found.organisation is not None:
        sources = [qs.filter(org=found.organisation) for qs in sources]
    if not sources:
        return None
    first, *rest = sources
    union = first.union(*rest, all=True) if rest else first
    return union.order_by("-day", "-at", "-t", "-rid")


def timeline_items(user: Any, case: Case, rows: list[dict[str, Any]]) -> list[TimelineItem]:
    """The objects of one page of timeline rows: one query per kind of object on the page
    (and one for the earlier versions of corrected entries), whatever the number of rows."""
    from casusregie.cases.models import PhaseChange
    from casusregie.meetings.models import AgendaItem, Decision, Meeting
    from casusregie.plans.models import Action, Feedback

    ids: dict[str, list[int]] = {}
    for row in rows:
        ids.setdefault(row["t"], []).append(row["rid"])
    found: dict[str, dict[int, Any]] = {}
    if "entry" in ids:
        found["entry"] = {
            e.pk: e
            for e in policy.visible(user, JournalEntry)
            .filter(pk__in=ids["entry"])
            .select_related("organisation", "author", "subject")
            .prefetch_related("audience_organisations")
        }
    if "phase" in ids:
        found["phase"] = (
            PhaseChange.objects.filter(case=case, pk__in=ids["phase"])
            .select_related("actor")
            .in_bulk()
        )
    if "meeting" in ids:
        found["meeting"] = (
            policy.visible(user, AgendaItem)
            .filter(pk__in=ids["meeting"])
            .select_related("meeting")
            .annotate(may_open=Exists(policy.visible(user, Meeting).filter(pk=OuterRef("meeting"))))
            .in_bulk()
        )
    if "decision" in ids:
        found["decision"] = (
            policy.visible(user, Decision)
            .filter(pk__in=ids["decision"])
            .select_related("agenda_item__meeting", "recorded_by")
            .in_bulk()
        )
    if "action" in ids:
        found["action"] = (
            policy.visible(user, Action)
            .filter(pk__in=ids["action"])
            .select_related("owner_organisation", "owner")
            .in_bulk()
        )
    if "feedback" in ids:
        found["feedback"] = (
            policy.visible(user, Feedback)
            .filter(pk__in=ids["feedback"])
            .select_related("action", "organisation", "author")
            .in_bulk()
        )
    earlier = earlier_versions(user, list(found.get("entry", {}).values()))
    items = []
    for row in rows:
        obj = found.get(row["t"], {}).get(row["rid"])
        if obj is None:  # gone between the two queries
            continue
        versions = earlier.get(obj.pk, []) if row["t"] == "entry" else []
        items.append(TimelineItem(row["t"], row["day"], row["at"], obj, versions))
    return items


def earlier_versions(user: Any, entries: list[JournalEntry]) -> dict[int, list[JournalEntry]]:
    """Per entry, its earlier versions the user may read, newest first (one query)."""
    roots = {e.pk: e.original_id for e in entries if e.original_id is not None}
    if not roots:
        return {}
    versions = list(
        policy.visible(user, JournalEntry)
        .filter(Q(pk__in=roots.values()) | Q(original_id__in=roots.values()))
        .select_related("organisation", "author")
        .order_by("-created_at", "-pk")
    )
    return {
        pk: [v for v in versions if (v.original_id or v.pk) == root and v.pk < pk]
        for pk, root in roots.items()
    }


def entry_count(user: Any, case: Case) -> int:
    """How many entries (newest versions) of the case's journal the user may read."""
    return policy.visible(user, JournalEntry).filter(case=case, is_current=True).count()


# --- Retention: the journal goes with its case ------------------------------------------------


def _remove_journal(case: Case) -> None:
    """Every version of every entry of a destroyed case. The links between versions protect
    each other from deletion one by one, so they are undone first, in the same transaction."""
    entries = JournalEntry.objects.filter(case=case)
    entries.update(corrects=None, original=None)
    entries.delete()


providers.remove_with("case", _remove_journal)
providers.still_named_by(
    lambda ids: set(
        JournalEntry.objects.filter(subject_id__in=ids).values_list("subject_id", flat=True)
    )
)

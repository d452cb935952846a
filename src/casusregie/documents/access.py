"""Who may see which document, and the read helpers of the documents app.

A document is visible when both hold:
- its own audience allows it, as for meeting contributions (meetings/access.py): the house's
  process directors, the uploader's own organisation, and by its audience every organisation
  taking part (with the house's other staff), the named organisations, or nobody else;
- the user may see what it is attached to: the case (participation, staff, emergency access)
  or the referral (the referral predicate), and when it hangs on a journal entry, contribution
  or action of the case, that item too.

Removed documents stay visible as a row ("removed on … by …"); their bytes are gone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.accounts.roles import Role
from casusregie.cases.access import case_subjects, subject_refs
from casusregie.cases.models import Case, Participation
from casusregie.houses.models import House, Organisation
from casusregie.journal.access import writing_organisations
from casusregie.journal.models import JournalEntry
from casusregie.meetings.models import Contribution
from casusregie.plans.models import Action
from casusregie.privacy import log, policy, providers
from casusregie.privacy.models import Operation
from casusregie.referrals.models import Referral, ReferralStatus

from . import filetypes, storage
from .models import Audience, Document


def _visible(user: Any, model: Any, ref: str) -> Exists:
    return Exists(policy.visible(user, model).filter(pk=OuterRef(ref)))


def _takes_part(user: Any) -> Exists:
    """The user works (case role) for an organisation taking part in the document's case."""
    return Exists(
        Participation.objects.filter(
            case=OuterRef("case"),
            ended_at__isnull=True,
            organisation__in=policy.case_memberships(user)
            .filter(house=OuterRef(OuterRef("house")))
            .values("organisation"),
        )
    )


def _audience(user: Any) -> Q:
    directors = policy.staff_of(user, roles=(Role.PROCESS_DIRECTOR,))
    other_staff = policy.staff_of(user, roles=(Role.TRIAGE_MEMBER, Role.HOUSE_MANAGER))
    own = policy.member_of(user, "organisation")
    # On a referral everyone who may see the referral is "every participant".
    everyone = Q(audience=Audience.ALL_PARTICIPANTS) & (
        Q(referral__isnull=False) | Q(other_staff) | Q(_takes_part(user))
    )
    named = Q(audience=Audience.ORGANISATIONS) & Q(
        Exists(
            Document.audience_organisations.through.objects.filter(
                document=OuterRef("pk"),
                organisation__in=policy.case_memberships(user)
                .filter(house=OuterRef(OuterRef("house")))
                .values("organisation"),
            )
        )
    )
    return Q(directors) | Q(own) | everyone | named


def _parent(user: Any) -> Q:
    on_case = (
        Q(referral__isnull=True)
        & Q(_visible(user, Case, "case"))
        & (Q(journal_entry__isnull=True) | Q(_visible(user, JournalEntry, "journal_entry")))
        & (Q(contribution__isnull=True) | Q(_visible(user, Contribution, "contribution")))
        & (Q(action__isnull=True) | Q(_visible(user, Action, "action")))
    )
    on_referral = Q(referral__isnull=False) & Q(_visible(user, Referral, "referral"))
    return on_case | on_referral


@policy.register(Document)
def document_predicate(user: Any) -> Q:
    return _audience(user) & _parent(user)


def documents_of_case(user: Any, case: Case) -> QuerySet[Document]:
    """The documents of a case and of its items that the user may see, for a list."""
    return (
        policy.visible(user, Document)
        .filter(case=case)
        .select_related(
            "house",
            "uploaded_by",
            "organisation",
            "removed_by",
            "journal_entry",
            "contribution",
            "action",
        )
        .prefetch_related("audience_organisations")
    )


def documents_of_referral(user: Any, referral: Referral) -> QuerySet[Document]:
    return (
        policy.visible(user, Document)
        .filter(referral=referral)
        .select_related("house", "uploaded_by", "organisation", "removed_by")
        .prefetch_related("audience_organisations")
    )


def count_for_case(user: Any, case: Case) -> int:
    """Documents of the case the user may see and download (not removed): the case page."""
    return policy.visible(user, Document).filter(case=case, removed_at__isnull=True).count()


def access_document(user: Any, house: House, pk: int) -> Document:
    """The one gate of a document (pages and API): missing and forbidden both 404."""
    document = (
        policy.visible(user, Document)
        .filter(house=house, pk=pk)
        .select_related("house", "case", "referral", "uploaded_by", "organisation", "removed_by")
        .first()
    )
    if document is None:
        raise Http404
    return document


def may_remove(user: Any, document: Document) -> bool:
    """The uploader's organisation (its case-working people) or a process director."""
    if document.is_removed:
        return False
    # Both read the user's memberships of the house once per request (a list stays constant).
    return policy.works_for(user, document.house, document.organisation) or (
        Role.PROCESS_DIRECTOR in policy.house_roles(user, document.house)
    )


# --- On whose behalf, and who receives --------------------------------------------------------


def case_upload_organisations(user: Any, case: Case) -> list[Organisation]:
    """The organisations on whose behalf the user may add documents to an open case: as for
    the case journal (an organisation taking part, or the house staff's own)."""
    return writing_organisations(user, case) if case.is_open else []


def referral_organisations(referral: Referral) -> list[Organisation]:
    """The organisations involved in a referral (who refers, and where it is routed or
    forwarded to)."""
    found = [referral.referrer_organisation, referral.routed_to, referral.forwarded_to]
    return list({o.pk: o for o in found if o is not None}.values())


def referral_upload_organisations(user: Any, referral: Referral) -> list[Organisation]:
    """The organisations on whose behalf the user may add documents to a referral that is
    still being handled: an involved organisation, or the house staff's own."""
    if referral.status not in (ReferralStatus.DRAFT, ReferralStatus.SUBMITTED):
        return []
    involved = {o.pk for o in referral_organisations(referral)}
    held = [
        m
        for m in sorted(policy.house_memberships(user, referral.house), key=lambda m: m.pk)
        if m.role in policy.CASE_ROLES
        and (m.role in policy.STAFF_ROLES or m.organisation_id in involved)
    ]
    ids = list(dict.fromkeys(m.organisation_id for m in held))
    found = Organisation.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def participants(case: Case) -> list[Organisation]:
    return [
        p.organisation
        for p in case.participations.filter(ended_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name")
    ]


def possible_readers(document_case: Case | None, referral: Referral | None) -> list[Organisation]:
    """The organisations a document can be addressed to by name."""
    if document_case is not None:
        return participants(document_case)
    return referral_organisations(referral) if referral is not None else []


# --- The people a document is about -----------------------------------------------------------


def referral_subject_refs(referral: Referral) -> list[log.SubjectRef]:
    return subject_refs(link.subject for link in referral.subjects.select_related("subject"))


def subjects_of(document: Document) -> list[log.SubjectRef]:
    """Log references of the people of the document's case or referral."""
    if document.case_id is not None:
        assert document.case is not None
        return subject_refs(case_subjects(document.case))
    assert document.referral is not None
    return referral_subject_refs(document.referral)


# --- For the lead: the access answer and destruction (wired in privacy/rights.py, retention) ---


def documents_of_cases(case_ids: Iterable[int]) -> QuerySet[Document]:
    """Every document of these cases (including removed ones, whose rows remain), for the data
    subject's access answer and for destruction."""
    return (
        Document.objects.filter(case__in=list(case_ids))
        .select_related("organisation", "uploaded_by", "removed_by")
        .order_by("case_id", "uploaded_at", "pk")
    )


def documents_of_referrals(referral_ids: Iterable[int]) -> QuerySet[Document]:
    """Every document of these referrals, for the access answer and for destruction."""
    return (
        Document.objects.filter(referral__in=list(referral_ids))
        .select_related("organisation", "uploaded_by", "removed_by")
        .order_by("referral_id", "uploaded_at", "pk")
    )


# --- Reading the file -------------------------------------------------------------------------


def download_name(document: Document) -> str:
    """The file name for a download, ending in the extension of the type found in it."""
    extension = filetypes.EXTENSIONS.get(document.content_type, "bin")
    name = document.name
    return name if name.lower().endswith(f".{extension}") else f"{name}.{extension}"


def open_document(user: Any, document: Document) -> bytes:
    """The plain bytes of a document the user passed the gate for (not removed), checked
    against the hash taken at upload, and one read line per person of its case or referral.
    Raises storage.DocumentUnreadable when the bytes are gone or cannot be decrypted."""
    if document.is_removed:
        raise Http404
    data = storage.read(document.storage_key)
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise storage.DocumentUnreadable(document.storage_key)
    log.record(
        actor=user,
        house=document.house,
        name="document.download",
        operation=Operation.READ,
        obj=document,
        case_id=document.case_id,
        subjects=subjects_of(document),
    )
    return data


# --- What an upload on the case page can be attached to ---------------------------------------

CASE_TARGET = "case"


def upload_targets(user: Any, case: Case) -> list[tuple[str, str]]:
    """The case itself and the journal entries, contributions and actions of the case that the
    user may see, as form choices (three queries, whatever their number)."""
    choices = [(CASE_TARGET, str(_("The case itself")))]
    for entry in policy.visible(user, JournalEntry).filter(case=case, is_current=True):
        label = _("Journal entry of %(date)s: %(kind)s") % {
            "date": entry.occurred_on.strftime("%d-%m-%Y"),
            "kind": entry.get_kind_display(),
        }
        choices.append((f"journal_entry-{entry.pk}", label))
    contributions = (
        policy.visible(user, Contribution)
        .filter(agenda_item__case=case)
        .select_related("organisation", "agenda_item__meeting")
    )
    for contribution in contributions:
        label = _("Input for meeting %(ref)s by %(org)s") % {
            "ref": contribution.agenda_item.meeting.reference,
            "org": contribution.organisation.name,
        }
        choices.append((f"contribution-{contribution.pk}", label))
    for action in policy.visible(user, Action).filter(case=case).order_by("number"):
        label = _("Action A%(number)s: %(title)s") % {
            "number": action.number,
            "title": action.title,
        }
        choices.append((f"action-{action.pk}", label))
    return choices


def resolve_target(user: Any, case: Case, value: str) -> dict[str, Any]:
    """The item a chosen target names (journal_entry / contribution / action), looked up
    through the policy; {} for the case itself. Http404 for anything else."""
    if not value or value == CASE_TARGET:
        return {}
    kind, _sep, pk = value.partition("-")
    models: dict[str, tuple[Any, str]] = {
        "journal_entry": (JournalEntry, "case"),
        "contribution": (Contribution, "agenda_item__case"),
        "action": (Action, "case"),
    }
    if kind not in models or not pk.isdigit():
        raise Http404
    model, case_path = models[kind]
    item = policy.visible(user, model).filter(pk=int(pk), **{case_path: case}).first()
    if item is None:
        raise Http404
    return {kind: item}


# --- What the privacy officer's work needs of documents (privacy/providers.py) ---------------


def _destroy_with_case(case: Case) -> None:
    from .actions import destroy_documents

    referrals = Referral.objects.filter(case=case).values_list("pk", flat=True)
    destroy_documents(documents_of_cases([case.pk]))
    destroy_documents(documents_of_referrals(referrals))


def _destroy_with_referral(referral: Referral) -> None:
    from .actions import destroy_documents

    destroy_documents(documents_of_referrals([referral.pk]))


def _day(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%d-%m-%Y") if moment else ""


def documents_held_about(subjects: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """The access answer's documents: of every case and referral that names the person, which
    file, when, by which organisation (the file itself is handed over on request, by the
    privacy officer, after the withholding decisions)."""
    cases = Case.objects.filter(case_subjects__subject__in=subjects).values("pk")
    referrals = Referral.objects.filter(subjects__subject__in=subjects).values("pk")
    rows = (
        Document.objects.filter(Q(case__in=cases) | Q(referral__in=referrals))
        .select_related("organisation", "case", "referral")
        .order_by("uploaded_at", "pk")
    )
    return {
        "documents": [
            {
                "date": _day(d.uploaded_at),
                "name": d.name,
                "in": d.case.reference if d.case else f"M-{d.referral_id}",
                "by": d.organisation.name,
                "removed": timezone.localtime(d.removed_at).strftime("%d-%m-%Y")
                if d.removed_at
                else "",
            }
            for d in rows
        ]
    }


# Documents are PROTECTed links: they go before the case or referral (removals run dependents
# first, see privacy/providers.py).
providers.remove_with("case", _destroy_with_case)
providers.remove_with("referral", _destroy_with_referral)
providers.answer_part(documents_held_about)


def _rotate(say: Any) -> int:
    from .actions import rotate_stored_files

    return rotate_stored_files(say)


providers.also_encrypted(_rotate)

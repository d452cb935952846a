"""The case file (*dossier*) as one PDF: everything about a case that the person who asks may
see, nothing more. Each part comes through the access policy, exactly as on the pages, so a
partner's file holds its own actions and the input addressed to it, while the process
director's file holds the whole case. Making the file is logged as a read of every person of
the case (the file names them all).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.cases.access import case_subjects, subject_refs
from casusregie.cases.models import Case
from casusregie.documents.access import documents_of_case
from casusregie.documents.models import Document
from casusregie.journal.models import JournalEntry
from casusregie.meetings.models import Contribution, Decision
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation
from casusregie.web import pdf

from .access import progress_counts
from .models import Action, Feedback, Goal


def _date(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%d-%m-%Y %H:%M")
    return str(value.strftime("%d-%m-%Y"))


def goals_section(goals: Iterable[Goal]) -> pdf.Section:
    return pdf.Section(
        _("Goals"),
        rows=[[_("Life domain"), _("Goal"), _("Status")]]
        + [[g.get_domain_display(), g.text, g.get_status_display()] for g in goals],
        empty_text=_("No goals yet."),
    )


def actions_section(actions: Iterable[Action], *, empty_text: str) -> pdf.Section:
    return pdf.Section(
        _("Actions you may read"),
        rows=[[_("Action"), _("Owner"), _("Due date"), _("Status")]]
        + [
            [
                f"A{a.number} {a.title}",
                a.owner_organisation.name,
                _date(a.due_date),
                a.get_status_display(),
            ]
            for a in actions
        ],
        empty_text=empty_text,
    )


def progress_section(counts: Iterable[dict[str, Any]]) -> pdf.Section:
    return pdf.Section(
        _("Progress per organisation"),
        rows=[[_("Organisation"), _("Open"), _("Overdue"), _("Done")]]
        + [
            [r["owner_organisation__name"], str(r["open"]), str(r["overdue"]), str(r["done"])]
            for r in counts
        ],
    )


def _readers(item: JournalEntry | Document) -> str:
    """Who may read an entry or document: its audience, with the named organisations."""
    if item.audience == "organisations":
        names = ", ".join(o.name for o in item.audience_organisations.all())
        return f"{item.get_audience_display()}: {names}"
    return str(item.get_audience_display())


def journal_section(entries: Iterable[JournalEntry]) -> pdf.Section:
    """The newest version of each journal entry the reader may read (as the timeline)."""
    rows = [[_("Date"), _("Organisation"), _("Entry"), _("Who may read this")]]
    for e in entries:
        text = f"{e.get_kind_display()}: {e.text}"
        if e.advice_only:
            text += f" ({_('advice only')})"
        if e.corrects_id:
            text += " " + _("Corrected on %(date)s (%(reason)s)") % {
                "date": _date(e.created_at.date()),
                "reason": e.correction_reason,
            }
        rows.append([_date(e.occurred_on), e.organisation.name, text, _readers(e)])
    return pdf.Section(_("Journal"), rows=rows, empty_text=_("The journal of this case is empty."))


def documents_section(documents: Iterable[Document]) -> pdf.Section:
    """The documents the reader may read, by name: their content stays in the application."""
    rows = [[_("File"), _("Attached to"), _("Added"), _("Who may read this")]]
    for d in documents:
        if d.journal_entry_id:
            attached = _("Journal entry of %(date)s") % {
                "date": _date(d.journal_entry.occurred_on)  # type: ignore[union-attr]
            }
        elif d.contribution_id:
            attached = _("Input for a case meeting")
        elif d.action_id:
            attached = _("Action A%(number)s: %(title)s") % {
                "number": d.action.number,  # type: ignore[union-attr]
                "title": d.action.title,  # type: ignore[union-attr]
            }
        else:
            attached = _("The case itself")
        added = f"{_date(d.uploaded_at)}, {d.organisation.name}"
        rows.append([d.name, attached, added, _readers(d)])
    return pdf.Section(
        _("Documents you may read"), rows=rows, empty_text=_("No documents that you may read.")
    )


def case_file(user: Any, case: Case) -> bytes:
    """The PDF; the caller has checked that `user` may see `case` (access_case)."""
    links = list(case.case_subjects.select_related("subject").order_by("-is_main", "id"))
    actions = list(
        policy.visible(user, Action)
        .filter(case=case)
        .select_related("owner_organisation", "owner")
        .order_by("number")
    )
    feedback = list(
        policy.visible(user, Feedback)
        .filter(action__in=actions)
        .select_related("organisation", "action")
        .order_by("submitted_at", "pk")
    )
    goals = list(policy.visible(user, Goal).filter(plan__case=case).order_by("position", "pk"))
    decisions = list(
        policy.visible(user, Decision)
        .filter(agenda_item__case=case)
        .select_related("agenda_item__meeting")
        .order_by("recorded_at", "pk")
    )
    contributions = list(
        policy.visible(user, Contribution)
        .filter(agenda_item__case=case)
        .select_related("organisation", "agenda_item__meeting")
        .order_by("created_at", "pk")
    )
    entries = list(
        policy.visible(user, JournalEntry)
        .filter(case=case, is_current=True)
        .select_related("organisation")
        .prefetch_related("audience_organisations")
        .order_by("occurred_on", "created_at", "pk")
    )
    documents = list(
        documents_of_case(user, case).filter(removed_at__isnull=True).order_by("uploaded_at", "pk")
    )
    participations = case.participations.filter(ended_at__isnull=True).select_related(
        "organisation"
    )
    sections = [
        pdf.Section(
            _("Case"),
            rows=[
                [_("Field"), _("Value")],
                [_("Case number"), case.reference],
                [_("Phase"), case.get_phase_display()],
                [_("Urgency"), case.get_urgency_display()],
                [_("Process director"), str(case.process_director or "—")],
                [_("Case director"), str(case.case_director or "—")],
                [_("Opened"), _date(case.created_at)],
                [_("Closed"), _date(case.closed_at) or "—"],
            ],
        ),
        pdf.Section(
            _("People"),
            rows=[[_("Name"), _("Date of birth"), _("BSN"), _("Relation")]]
            + [
                [
                    f"{link.subject.first_name} {link.subject.last_name}",
                    _date(link.subject.date_of_birth),
                    link.subject.masked_bsn,
                    _("main person") if link.is_main else link.get_relation_to_main_display(),
                ]
                for link in links
            ],
        ),
        pdf.Section(
            _("Participating organisations"),
            rows=[[_("Organisation"), _("Role"), _("Purpose")]]
            + [[p.organisation.name, p.role, p.purpose] for p in participations],
        ),
        pdf.Section(
            _("History"),
            rows=[[_("Date"), _("Phase"), _("Reason")]]
            + [
                [_date(change.changed_at), change.get_to_phase_display(), change.reason]
                for change in case.phase_changes.all()
            ],
        ),
        goals_section(goals),
        actions_section(actions, empty_text=_("No actions you may read.")),
        pdf.Section(
            _("Feedback"),
            rows=[[_("Action"), _("Organisation"), _("What was done"), _("Result")]]
            + [
                [f"A{f.action.number}", f.organisation.name, f.what_was_done, f.result]
                for f in feedback
            ],
            empty_text=_("No feedback you may read."),
        ),
        progress_section(progress_counts(user, case, timezone.localdate())),
        pdf.Section(
            _("Decisions in case meetings"),
            rows=[[_("Meeting"), _("Decision")]]
            + [[d.agenda_item.meeting.reference, d.text] for d in decisions],
            empty_text=_("No decisions you may read."),
        ),
        pdf.Section(
            _("Written input you may read"),
            rows=[[_("Meeting"), _("Organisation"), _("Input"), _("Purpose")]]
            + [
                [
                    c.agenda_item.meeting.reference,
                    c.organisation.name,
                    c.text + (f" ({_('advice only')})" if c.advice_only else ""),
                    c.purpose,
                ]
                for c in contributions
            ],
            empty_text=_("No written input you may read."),
        ),
        journal_section(entries),
        documents_section(documents),
    ]
    log.record(
        actor=user,
        house=case.house,
        name="case.file",
        operation=Operation.READ,
        obj=case,
        case_id=case.pk,
        subjects=subject_refs(case_subjects(case)),
    )
    return pdf.document(
        _("Case file %(ref)s") % {"ref": case.reference},
        _("Made %(when)s for %(who)s; holds only what this person may see.")
        % {"when": _date(timezone.now()), "who": user},
        sections,
        author="Casusregie",
    )

"""What an API client may call: scopes, and which scope each endpoint needs.

A scope only narrows: a client with `cases:read` still reads only the cases its organisation
takes part in (the access policy decides that). Reading is `<resource>:read`; every change is
`<resource>:write`. An endpoint needs the scope of the resource its URL names, which is why
answering a known-to question is `known-to:write` and recording a case's actions is
`actions:write`.

An endpoint says which resource it belongs to with a `scope_resource` attribute (or a fixed
`required_scope`); the endpoints that existed before clients did are listed in `URL_RESOURCES`.
An endpoint that says neither is closed to clients (fail closed), so a new endpoint is never
reachable by a token by accident.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

SCOPES = {
    "referrals:read": _("Read referrals and the triage queue"),
    "referrals:write": _("Create, submit and withdraw referrals; triage decisions"),
    "cases:read": _("Read cases"),
    "cases:write": _("Change cases: phase, directors, participants, assessments, closing"),
    "known-to:read": _("Read known-to questions"),
    "known-to:write": _("Ask and answer known-to questions"),
    "actions:read": _("Read actions, their feedback and the progress of a case"),
    "actions:write": _("Record actions, give feedback on them and review it"),
    "meetings:read": _("Read case meetings, their availability and calendar invitations"),
    "meetings:write": _("Give availability and written input for case meetings"),
    "webhooks:manage": _("Subscribe to events and manage the organisation's webhooks"),
    "signals:read": _("Ask whether a person is already a case; read convergence alerts"),
    "signals:write": _("Give concern signals"),
    "services:read": _("Read the services map (services, waiting times)"),
    "services:write": _("Add and change services of the services map"),
    "journal:read": _("Read the case journal entries you may read"),
    "journal:write": _("Write and correct case journal entries"),
}

# URL name (in the `api` namespace) → resource, for the endpoints of the first API issue.
URL_RESOURCES = {
    "referrals": "referrals",
    "referral": "referrals",
    "referral-submit": "referrals",
    "referral-withdraw": "referrals",
    "referral-accept": "referrals",
    "referral-decline": "referrals",
    "referral-forward": "referrals",
    "triage-queue": "referrals",
    "cases": "cases",
    "case": "cases",
    "case-transition": "cases",
    "case-directors": "cases",
    "case-participants": "cases",
    "case-assessments": "cases",
    "case-close": "cases",
    "case-known-to": "known-to",
    "known-to": "known-to",
    "known-to-query": "known-to",
    "known-to-answer": "known-to",
    "case-actions": "actions",
    "case-progress": "actions",
    "actions": "actions",
    "action": "actions",
    "action-feedback": "actions",
    "feedback-review": "actions",
    # The action lifecycle (decision 0051): as the other action writes.
    "action-edit": "actions",
    "action-reassign": "actions",
    "action-reschedule": "actions",
    "action-cancel": "actions",
    "action-more-time": "actions",
    "action-decline": "actions",
    "action-request-decide": "actions",
    "case-plan": "actions",
    "case-file": "cases",
    "meetings": "meetings",
    "meeting": "meetings",
    "meeting-availability": "meetings",
    "meeting-contributions": "meetings",
    "agenda-contributions": "meetings",
    "meeting-calendar": "meetings",
    # Requests of data subjects (privacy-requests) stay closed to clients: they are the
    # contact point's and the privacy officer's work, not a partner system's.
}


# Read endpoints that render other kinds of content too need those kinds' scopes as well: the
# case file (PDF) holds the case's actions, feedback, decisions, meeting input and journal, so a
# token with `cases:read` alone, which gets 403 on /actions, /meetings and /journal, does not get
# them through the PDF (issue 22, finding 8; the journal since issue 23).
ALSO_NEEDED = {"case-file": ("actions:read", "meetings:read", "journal:read")}


def required_scopes(view: Any, method: str, url_name: str | None) -> list[str] | None:
    """Every scope a call needs (the endpoint's own first), or None when the endpoint is not
    open to API clients."""
    needed = required_scope(view, method, url_name)
    if needed is None:
        return None
    return [needed, *ALSO_NEEDED.get(url_name or "", ())]


def required_scope(view: Any, method: str, url_name: str | None) -> str | None:
    """The scope a call needs, or None when the endpoint is not open to API clients."""
    fixed = getattr(view, "required_scope", None)
    if fixed:
        return str(fixed)
    resource = getattr(view, "scope_resource", None) or URL_RESOURCES.get(url_name or "")
    if not resource:
        return None
    return f"{resource}:{'read' if method in READ_METHODS else 'write'}"


def clean_scopes(names: list[str] | str) -> list[str]:
    """Known scope names, sorted and without doubles; unknown names raise ValueError."""
    items = names.split() if isinstance(names, str) else list(names)
    unknown = [name for name in items if name not in SCOPES]
    if unknown:
        raise ValueError(", ".join(unknown))
    return sorted(set(items))

"""What the referral, known-to and early-warning flows tell aftercare: news about a person
whose case is in aftercare or was closed recently (decision 0053). Each raises relapse
alerts for the director only; the caller's answer to the asker does not change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from casusregie.cases.models import Subject

from . import actions
from .models import SourceKind


def referral_submitted(referral: Any, *, actor: Any) -> None:
    subjects = [link.subject for link in referral.subjects.select_related("subject")]
    cases = actions.watched_cases_of(referral.house, subjects)
    actions.raise_relapse_alerts(
        cases, source_kind=SourceKind.REFERRAL, source_id=referral.pk, actor=actor
    )


def known_to_asked(
    house: Any, subjects: Iterable[Subject], source_id: int, *, case_id: int | None, actor: Any
) -> None:
    """A known-to question about these persons (of a referral, or of another case)."""
    cases = actions.watched_cases_of(house, subjects)
    actions.raise_relapse_alerts(
        cases,
        source_kind=SourceKind.KNOWN_TO,
        source_id=source_id,
        actor=actor,
        exclude_case_id=case_id,
    )


def signal_alert_raised(alert: Any, *, actor: Any) -> None:
    """A new convergence alert names a person (by pseudonym)."""
    cases = actions.watched_cases_of_pseudonym(alert.house, alert.pseudonym, alert.id_kind)
    actions.raise_relapse_alerts(
        cases, source_kind=SourceKind.SIGNAL, source_id=alert.pk, actor=actor
    )

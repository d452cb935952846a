"""A case's journal goes with the case when it is destroyed, versions and all."""

from __future__ import annotations

from typing import Any

import pytest

from casusregie.conftest import Cast
from casusregie.journal.actions import do_correct_entry
from casusregie.journal.models import JournalEntry
from casusregie.privacy import providers

from .conftest import write

pytestmark = pytest.mark.django_db


def test_destroying_a_case_removes_every_version_of_its_entries(cast: Cast, abc_case: Any) -> None:
    person = abc_case.case_subjects.get().subject
    old = write(abc_case, cast.participant_a, "Eerste", subject=person)
    newer = do_correct_entry(
        old,
        reason="Aanvulling",
        kind="contact",
        text="Tweede",
        occurred_on=old.occurred_on,
        purpose="Afstemming",
        audience="all",
        subject=person,
        actor=cast.participant_a,
    )
    do_correct_entry(
        newer,
        reason="Nog een",
        kind="contact",
        text="Derde",
        occurred_on=old.occurred_on,
        purpose="Afstemming",
        audience="own",
        actor=cast.participant_a,
    )
    # While the entries exist they name the person, so the person row is kept.
    assert providers.unnamed([person.pk]) == []
    for removal in providers.removals("case"):
        removal(abc_case)
    abc_case.delete()
    assert not JournalEntry.objects.exists()

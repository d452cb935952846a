"""Writing and correcting entries on the pages and through the API: every bad input gets a
clear message and saves nothing; a correction is a new version and the old one stays readable
to the same audience; reading, writing and correcting are in the processing log."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.conftest import Cast
from casusregie.journal.models import JournalEntry
from casusregie.privacy.models import AuditEvent, Disclosure, Operation, ProcessingLogEntry

from .conftest import api, entry_url, form_body, nl, timeline_url, write

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def lines(name: str) -> Any:
    return ProcessingLogEntry.objects.filter(name=name)


# --- Pages -----------------------------------------------------------------------------------


def test_a_partner_writes_an_entry_on_the_page(as_user: Any, cast: Cast, abc_case: Any) -> None:
    client = as_user(cast.participant_a)
    form = client.get(timeline_url(cast, abc_case) + "nieuw/")
    assert form.status_code == 200
    response = client.post(
        timeline_url(cast, abc_case) + "nieuw/",
        form_body(
            cast,
            audience="organisations",
            organisations=[cast.org_a.pk, cast.org_b.pk],
            categories=["criminal"],
        ),
    )
    assert response.status_code == 302, response.content.decode()
    entry = JournalEntry.objects.get()
    assert entry.organisation == cast.org_a
    assert entry.author == cast.participant_a
    assert entry.data_categories == ["case", "criminal"]
    assert set(entry.audience_organisations.all()) == {cast.org_a, cast.org_b}
    # One disclosure, to B only (A is the author's own organisation), with the categories.
    disclosure = Disclosure.objects.get(name="journal.write")
    assert list(disclosure.recipients.all()) == [cast.org_b]
    assert disclosure.from_organisation == cast.org_a
    assert disclosure.data_categories == ["case", "criminal"]
    assert disclosure.purpose == "Afstemming"
    # One disclosure line per person of the case.
    written = lines("journal.write")
    assert written.count() == 1
    assert written.get().operation == Operation.DISCLOSE
    assert written.get().recipient_organisation_id == cast.org_b.pk


def test_an_entry_for_the_own_organisation_is_logged_as_created(cast: Cast, abc_case: Any) -> None:
    write(abc_case, cast.participant_a, "Eigen", audience="own")
    assert list(lines("journal.write").values_list("operation", flat=True)) == [Operation.CREATE]
    assert not Disclosure.objects.filter(name="journal.write").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": "   "}, "text", None),
        ({"occurred_on": TOMORROW.isoformat()}, "occurred_on", "The date cannot be in the future."),
        (
            {"audience": "organisations"},
            "organisations",
            "Name the organisations that may read this.",
        ),
        ({"purpose": ""}, "purpose", None),
    ],
)
def test_bad_entries_on_the_page(
    as_user: Any,
    cast: Cast,
    abc_case: Any,
    changes: dict[str, Any],
    field: str,
    message: str | None,
) -> None:
    response = as_user(cast.participant_a).post(
        timeline_url(cast, abc_case) + "nieuw/", form_body(cast, **changes)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    if message:
        assert nl(message) in response.content.decode()
    assert not JournalEntry.objects.exists()
    assert not lines("journal.write").exists()


def test_a_person_or_organisation_outside_the_case_is_refused(
    as_user: Any, cast: Cast, case: Any
) -> None:
    """In the shared case C does not take part, and the other house's person is no one's."""
    from casusregie.cases import actions as case_actions

    stranger = case_actions.create_subject(
        cast.house, case_actions.SubjectData(first_name="Ander", last_name="Mens")
    )
    client = as_user(cast.participant_a)
    url = timeline_url(cast, case) + "nieuw/"
    outsider = client.post(
        url, form_body(cast, audience="organisations", organisations=[cast.org_c.pk])
    )
    assert outsider.status_code == 400
    assert (
        nl("Only organisations taking part in the case can read it.") in outsider.content.decode()
    )
    person = client.post(url, form_body(cast, subject=stranger.pk))
    assert person.status_code == 400
    assert nl("Choose a person of this case.") in person.content.decode()
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize("who", ["participant_c", "privacy_officer", "admin", "auditor"])
def test_who_does_not_work_on_the_case_cannot_write(
    as_user: Any, cast: Cast, case: Any, who: str
) -> None:
    client = as_user(getattr(cast, who))
    assert client.get(timeline_url(cast, case) + "nieuw/").status_code == 404
    assert client.post(timeline_url(cast, case) + "nieuw/", form_body(cast)).status_code == 404
    assert client.post(api(cast, f"cases/{case.pk}/journal"), {}).status_code in (403, 404)
    assert not JournalEntry.objects.exists()


def test_house_staff_write_for_the_staff_organisation(cast: Cast, abc_case: Any) -> None:
    entry = write(abc_case, cast.process_director, "Regie: gesprek met moeder")
    assert entry.organisation == cast.staff


def test_a_correction_keeps_the_old_version_for_the_same_audience(
    as_user: Any, cast: Cast, abc_case: Any
) -> None:
    old = write(
        abc_case,
        cast.participant_a,
        "Gesproken op de verkeerde dag",
        audience="organisations",
        organisations=[cast.org_a, cast.org_b],
    )
    client = as_user(cast.participant_a)
    bad = client.post(entry_url(cast, abc_case, old, "corrigeren/"), form_body(cast))
    assert bad.status_code == 400  # no reason
    assert "reason" in bad.context["form"].errors
    response = client.post(
        entry_url(cast, abc_case, old, "corrigeren/"),
        form_body(
            cast,
            text="Gesproken op de juiste dag",
            audience="organisations",
            organisations=[cast.org_a.pk, cast.org_b.pk],
            reason="Datum verkeerd",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    new = JournalEntry.objects.get(corrects=old)
    old.refresh_from_db()
    assert not old.is_current
    assert new.is_current
    assert new.original_id == old.pk
    assert new.correction_reason == "Datum verkeerd"

    housing = as_user(cast.participant_b)
    timeline = housing.get(timeline_url(cast, abc_case)).content.decode()
    assert "Gesproken op de juiste dag" in timeline
    assert "Gesproken op de verkeerde dag" not in timeline  # the list shows the newest
    assert "Datum verkeerd" in timeline
    assert entry_url(cast, abc_case, old) in timeline  # a link to the earlier version
    earlier = housing.get(entry_url(cast, abc_case, old))
    assert earlier.status_code == 200
    assert "Gesproken op de verkeerde dag" in earlier.content.decode()
    assert housing.get(api(cast, f"journal/{old.pk}")).json()["is_current"] is False
    # C, taking part but not named, reads neither version.
    care = as_user(cast.participant_c)
    assert care.get(entry_url(cast, abc_case, old)).status_code == 404
    assert care.get(entry_url(cast, abc_case, new)).status_code == 404
    # The correction is in the log with its reason, as a disclosure to B.
    audit = AuditEvent.objects.get(action="journal.correct")
    assert audit.reason == "Datum verkeerd"
    assert lines("journal.correct").get().recipient_organisation_id == cast.org_b.pk


def test_only_the_writing_organisation_corrects_and_only_the_newest_version(
    as_user: Any, cast: Cast, abc_case: Any
) -> None:
    old = write(abc_case, cast.participant_a, "Aan iedereen")
    body = form_body(cast, reason="Fout")
    assert (
        as_user(cast.participant_b).post(entry_url(cast, abc_case, old, "corrigeren/"), body)
    ).status_code == 404
    assert (
        as_user(cast.process_director).post(entry_url(cast, abc_case, old, "corrigeren/"), body)
    ).status_code == 404
    client = as_user(cast.participant_a)
    assert client.post(entry_url(cast, abc_case, old, "corrigeren/"), body).status_code == 302
    again = client.post(entry_url(cast, abc_case, old, "corrigeren/"), body)
    assert again.status_code == 404  # the earlier version has no correct link any more
    api_again = client.post(
        api(cast, f"journal/{old.pk}/corrections"),
        {**body, "organisations": []},
        content_type="application/json",
    )
    assert api_again.status_code == 400
    assert JournalEntry.objects.count() == 2


def test_reading_the_timeline_and_an_entry_is_logged_per_person(
    as_user: Any, cast: Cast, abc_case: Any
) -> None:
    entry = write(abc_case, cast.participant_a, "Gelezen")
    client = as_user(cast.participant_b)
    client.get(timeline_url(cast, abc_case))
    assert lines("journal.read").filter(operation=Operation.READ, case_id=abc_case.pk).count() == 1
    client.get(entry_url(cast, abc_case, entry))
    assert lines("journal.entry.read").count() == 1
    client.get(api(cast, f"cases/{abc_case.pk}/journal"))
    assert lines("journal.read").count() == 2
    client.get(api(cast, f"journal/{entry.pk}"))
    assert lines("journal.entry.read").count() == 2


# --- API -------------------------------------------------------------------------------------


def post(client: Any, path: str, body: Any) -> Any:
    return client.post(path, body, content_type="application/json")


def api_body(cast: Cast, **changes: Any) -> dict[str, Any]:
    return {
        "kind": "contact",
        "occurred_on": timezone.localdate().isoformat(),
        "text": "Contact via de API",
        "purpose": "Afstemming",
        "audience": "organisations",
        "organisations": [cast.org_a.pk, cast.org_b.pk],
        **changes,
    }


def test_the_api_writes_reads_and_corrects(as_user: Any, cast: Cast, abc_case: Any) -> None:
    client = as_user(cast.participant_a)
    subject = abc_case.case_subjects.get().subject
    created = post(
        client,
        api(cast, f"cases/{abc_case.pk}/journal"),
        api_body(cast, subject=subject.pk, categories=["health"]),
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["subject"] == {"id": subject.pk, "name": subject.full_name}
    assert {o["id"] for o in body["audience_organisations"]} == {cast.org_a.pk, cast.org_b.pk}
    assert body["data_categories"] == ["case", "health"]
    # The linked person is the one data subject of the log lines.
    assert lines("journal.write").count() == 1

    corrected = post(
        client,
        api(cast, f"journal/{body['id']}/corrections"),
        api_body(cast, text="Gecorrigeerd", reason="Tikfout"),
    )
    assert corrected.status_code == 201, corrected.json()
    assert corrected.json()["corrects"] == body["id"]
    listed = as_user(cast.participant_b).get(api(cast, f"cases/{abc_case.pk}/journal")).json()
    assert [row["text"] for row in listed["results"]] == ["Gecorrigeerd"]
    refused = post(
        as_user(cast.participant_b),
        api(cast, f"journal/{corrected.json()['id']}/corrections"),
        api_body(cast, reason="Niet van mij"),
    )
    assert refused.status_code == 403
    assert as_user(cast.participant_c).get(api(cast, f"journal/{body['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": " "}, "text"),
        ({"occurred_on": TOMORROW.isoformat()}, "occurred_on"),
        ({"occurred_on": "morgen"}, "occurred_on"),
        ({"organisations": []}, "organisations"),
        ({"kind": "roddel"}, "kind"),
        ({"audience": "iedereen"}, "audience"),
        ({"categories": ["dna"]}, "categories.0"),
        ({"subject": 999_999}, "subject"),
        ({"organisation": 999_999}, "organisation"),
        ({"purpose": ""}, "purpose"),
        ({"urgentie": "hoog"}, "urgentie"),
    ],
)
def test_bad_api_input_is_a_problem_and_saves_nothing(
    as_user: Any, cast: Cast, abc_case: Any, changes: dict[str, Any], field: str
) -> None:
    response = post(
        as_user(cast.participant_a),
        api(cast, f"cases/{abc_case.pk}/journal"),
        api_body(cast, **changes),
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in {error["field"] for error in response.json()["errors"]}
    assert not JournalEntry.objects.exists()


def test_an_organisation_outside_the_case_is_refused_by_the_api(
    as_user: Any, cast: Cast, case: Any
) -> None:
    response = post(
        as_user(cast.participant_a),
        api(cast, f"cases/{case.pk}/journal"),
        api_body(cast, organisations=[cast.org_c.pk]),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "organisations"
    assert not JournalEntry.objects.exists()


def test_a_correction_without_a_reason_is_refused(as_user: Any, cast: Cast, abc_case: Any) -> None:
    entry = write(abc_case, cast.participant_a, "Origineel")
    response = post(
        as_user(cast.participant_a), api(cast, f"journal/{entry.pk}/corrections"), api_body(cast)
    )
    assert response.status_code == 400
    assert "reason" in {error["field"] for error in response.json()["errors"]}
    assert JournalEntry.objects.count() == 1


def test_a_change_reason_that_is_not_utf8_is_refused_not_a_crash(
    as_user: Any, cast: Cast, abc_case: Any
) -> None:
    """Found by fuzzing the journal: `Change-Reason: %AD` was a server error."""
    response = as_user(cast.participant_a).post(
        api(cast, f"cases/{abc_case.pk}/journal"),
        api_body(cast),
        content_type="application/json",
        HTTP_CHANGE_REASON="%AD%AD",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Change-Reason"
    assert not JournalEntry.objects.exists()

"""Who reads a journal entry: its audience, on the page and through the API. A police entry
for the police and the housing corporation only is not read by the mental-health partner that
takes part in the same case, nor by the privacy officer, administrator, auditor or another
house."""

from __future__ import annotations

from typing import Any

import pytest

from casusregie.conftest import Cast

from .conftest import api, entry_url, timeline_url, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(cast: Cast, abc_case: Any) -> dict[str, Any]:
    return {
        "named": write(
            abc_case,
            cast.participant_a,
            "Politie voor politie en woning",
            audience="organisations",
            organisations=[cast.org_a, cast.org_b],
        ),
        "all": write(abc_case, cast.participant_a, "Politie aan iedereen"),
        "own": write(abc_case, cast.participant_a, "Politie alleen eigen", audience="own"),
        "director": write(
            abc_case, cast.participant_b, "Woning alleen regisseur", audience="director"
        ),
    }


def page(as_user: Any, cast: Cast, case: Any, user: Any) -> Any:
    return as_user(user).get(timeline_url(cast, case))


def test_a_partner_writes_for_two_organisations_only(
    as_user: Any, cast: Cast, abc_case: Any, entries: dict[str, Any]
) -> None:
    housing = page(as_user, cast, abc_case, cast.participant_b).content.decode()
    assert "Politie voor politie en woning" in housing
    assert "Politie aan iedereen" in housing
    assert "Politie alleen eigen" not in housing
    assert "Woning alleen regisseur" in housing  # its own organisation wrote it

    care = page(as_user, cast, abc_case, cast.participant_c)
    assert care.status_code == 200
    text = care.content.decode()
    assert "Politie voor politie en woning" not in text
    assert "Politie aan iedereen" in text
    assert "Politie alleen eigen" not in text
    assert "Woning alleen regisseur" not in text

    police = page(as_user, cast, abc_case, cast.participant_a).content.decode()
    assert "Politie alleen eigen" in police
    assert "Woning alleen regisseur" not in police

    director = page(as_user, cast, abc_case, cast.process_director).content.decode()
    for text in (
        "Politie voor politie en woning",
        "Politie aan iedereen",
        "Politie alleen eigen",
        "Woning alleen regisseur",
    ):
        assert text in director

    triage = page(as_user, cast, abc_case, cast.triage).content.decode()
    assert "Politie aan iedereen" in triage
    assert "Politie voor politie en woning" not in triage


def test_the_named_entry_itself_is_not_found_for_others(
    as_user: Any, cast: Cast, abc_case: Any, entries: dict[str, Any]
) -> None:
    named = entries["named"]
    assert as_user(cast.participant_b).get(entry_url(cast, abc_case, named)).status_code == 200
    assert as_user(cast.participant_c).get(entry_url(cast, abc_case, named)).status_code == 404
    assert as_user(cast.participant_b).get(api(cast, f"journal/{named.pk}")).status_code == 200
    assert as_user(cast.participant_c).get(api(cast, f"journal/{named.pk}")).status_code == 404


@pytest.mark.parametrize("who", ["privacy_officer", "admin", "auditor", "other_house_user"])
def test_roles_without_case_work_read_nothing(
    as_user: Any, cast: Cast, abc_case: Any, entries: dict[str, Any], who: str
) -> None:
    user = getattr(cast, who)
    client = as_user(user)
    assert client.get(timeline_url(cast, abc_case)).status_code == 404
    for entry in entries.values():
        assert client.get(entry_url(cast, abc_case, entry)).status_code == 404
        assert client.get(api(cast, f"journal/{entry.pk}")).status_code == 404
    assert client.get(api(cast, f"cases/{abc_case.pk}/journal")).status_code == 404


def test_the_api_list_shows_each_reader_its_audience(
    as_user: Any, cast: Cast, abc_case: Any, entries: dict[str, Any]
) -> None:
    def texts(user: Any) -> set[str]:
        response = as_user(user).get(api(cast, f"cases/{abc_case.pk}/journal"))
        assert response.status_code == 200, response.content
        return {row["text"] for row in response.json()["results"]}

    assert texts(cast.participant_b) == {
        "Politie voor politie en woning",
        "Politie aan iedereen",
        "Woning alleen regisseur",
    }
    assert texts(cast.participant_c) == {"Politie aan iedereen"}
    assert texts(cast.participant_a) == {
        "Politie voor politie en woning",
        "Politie aan iedereen",
        "Politie alleen eigen",
    }
    assert len(texts(cast.process_director)) == 4


def test_an_organisation_that_does_not_take_part_sees_nothing(
    as_user: Any, cast: Cast, case: Any
) -> None:
    """In the shared case C does not take part: no page, no entries."""
    entry = write(case, cast.participant_a, "Alleen deelnemers")
    client = as_user(cast.participant_c)
    assert client.get(timeline_url(cast, case)).status_code == 404
    assert client.get(api(cast, f"journal/{entry.pk}")).status_code == 404


def test_the_case_page_counts_the_entries_the_reader_may_read(
    as_user: Any, cast: Cast, abc_case: Any, entries: dict[str, Any]
) -> None:
    url = f"/huizen/{cast.house.slug}/casussen/{abc_case.pk}/"
    care = as_user(cast.participant_c).get(url).content.decode()
    assert f'href="{timeline_url(cast, abc_case)}"' in care
    assert "(1 " in care
    director = as_user(cast.process_director).get(url).content.decode()
    assert "(4 " in director


def test_after_its_participation_ends_an_organisation_reads_nothing_of_the_journal(
    as_user: Any, cast: Cast, abc_case: Any, entries: dict[str, Any]
) -> None:
    """Decision 0045: its own entries and those naming it included; the others still read."""
    from casusregie.cases.actions import do_end_participation

    do_end_participation(
        abc_case, cast.org_b, actor=cast.process_director, reason="Huisvesting is geregeld"
    )
    housing = as_user(cast.participant_b)
    assert housing.get(timeline_url(cast, abc_case)).status_code == 404
    for entry in entries.values():
        assert housing.get(api(cast, f"journal/{entry.pk}")).status_code == 404
    police = as_user(cast.participant_a)
    assert police.get(api(cast, f"journal/{entries['named'].pk}")).status_code == 200
    assert (
        as_user(cast.process_director)
        .get(api(cast, f"journal/{entries['director'].pk}"))
        .status_code
        == 200
    )


def test_house_staff_read_their_own_entries(as_user: Any, cast: Cast, abc_case: Any) -> None:
    entry = write(abc_case, cast.triage, "Toegang: alleen eigen", audience="own")
    assert as_user(cast.triage).get(api(cast, f"journal/{entry.pk}")).status_code == 200
    assert as_user(cast.participant_a).get(api(cast, f"journal/{entry.pk}")).status_code == 404

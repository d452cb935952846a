"""Written input with an audience: the housing corporation does not read police information
addressed to others, and advice-only input is marked as such."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.conftest import Cast
from casusregie.meetings.actions import do_plan_meeting
from casusregie.meetings.models import Contribution
from casusregie.privacy.models import Operation, ProcessingLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(cast: Cast, case: Any) -> Any:
    return do_plan_meeting(
        cast.house,
        title="Overleg",
        cases=[case],
        invitees=[(cast.org_a, True), (cast.org_b, True)],
        slots=[timezone.now() + datetime.timedelta(days=3)],
        actor=cast.process_director,
    )


def share(as_user: Any, cast: Cast, meeting: Any, user: Any, **data: Any) -> Any:
    item = meeting.agenda.get()
    body = {"text": "", "purpose": "Risicotaxatie", "audience": "all", **data}
    return as_user(user).post(
        f"/huizen/{cast.house.slug}/overleggen/{meeting.pk}/inbreng/{item.pk}/", body
    )


def page(as_user: Any, cast: Cast, meeting: Any, user: Any) -> str:
    return as_user(user).get(f"/huizen/{cast.house.slug}/overleggen/{meeting.pk}/").content.decode()


def test_audiences(as_user: Any, cast: Cast, meeting: Any) -> None:
    for text, audience, extra in [
        ("Politie aan iedereen", "all", {}),
        ("Politie alleen eigen", "own", {}),
        ("Politie alleen regisseur", "director", {}),
        ("Politie aan woonstichting", "organisations", {"organisations": [cast.org_b.pk]}),
    ]:
        response = share(
            as_user, cast, meeting, cast.participant_a, text=text, audience=audience, **extra
        )
        assert response.status_code == 302, response.content.decode()
    share(as_user, cast, meeting, cast.participant_b, text="Advies woning", advice_only="on")
    housing = page(as_user, cast, meeting, cast.participant_b)
    assert "Politie aan iedereen" in housing
    assert "Politie aan woonstichting" in housing
    assert "Politie alleen eigen" not in housing
    assert "Politie alleen regisseur" not in housing
    assert "alleen advies" in housing
    director = page(as_user, cast, meeting, cast.process_director)
    assert "Politie alleen regisseur" in director
    assert "Politie alleen eigen" in director
    police = page(as_user, cast, meeting, cast.participant_a)
    assert "Politie alleen eigen" in police
    assert (
        as_user(cast.participant_c)
        .get(f"/huizen/{cast.house.slug}/overleggen/{meeting.pk}/")
        .status_code
        == 404
    )
    # Disclosure lines name who received it: B for the named one, nobody for "own".
    # the text is encrypted at rest: it cannot be searched in the database
    named = next(c for c in Contribution.objects.all() if c.text == "Politie aan woonstichting")
    assert list(
        ProcessingLogEntry.objects.filter(
            object_id=str(named.pk), operation=Operation.DISCLOSE
        ).values_list("recipient_organisation", flat=True)
    ) == [cast.org_b.pk]


def test_bad_contributions(as_user: Any, cast: Cast, meeting: Any) -> None:
    empty = share(as_user, cast, meeting, cast.participant_a, text=" ", purpose="")
    assert empty.status_code == 400
    unnamed = share(as_user, cast, meeting, cast.participant_a, text="x", audience="organisations")
    assert unnamed.status_code == 400
    assert "Noem de organisaties" in unnamed.content.decode()
    outsider = share(as_user, cast, meeting, cast.participant_c, text="x")
    assert outsider.status_code == 404
    assert not Contribution.objects.exists()


def test_the_author_says_what_kind_of_information_is_shared(
    as_user: Any, cast: Cast, meeting: Any
) -> None:
    from casusregie.privacy.models import Disclosure

    response = share(
        as_user,
        cast,
        meeting,
        cast.participant_a,
        text="Bekend bij de zedenrecherche; behandeling gestart.",
        categories=["criminal", "health"],
    )
    assert response.status_code == 302
    disclosure = Disclosure.objects.get(name="meeting.contribution")
    assert disclosure.data_categories == ["case", "criminal", "health"]
    assert disclosure.from_organisation == cast.org_a

    bad = share(as_user, cast, meeting, cast.participant_a, text="Iets", categories=["dna"])
    assert bad.status_code == 400
    assert "Selecteer een geldige keuze" in bad.content.decode()
    assert Disclosure.objects.filter(name="meeting.contribution").count() == 1

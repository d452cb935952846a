"""The process director's overview, and constant query counts on the lists."""

from __future__ import annotations

import pytest

from casusregie.accounts.roles import Role
from casusregie.conftest import Cast, make_user
from casusregie.houses.models import Organisation, OrganisationKind, Partnership, Ring
from casusregie.signals import actions
from casusregie.signals.models import Alert
from casusregie.signals.pseudonym import identify

from .helpers import base, today

pytestmark = pytest.mark.django_db

# Synthetic BSNs that pass the eleven-test.
BSNS = [f"{n:08d}" for n in range(10_000_000, 10_004_000)]
VALID = [
    b
    for b in (f"1{n}" for n in BSNS)
    if __import__("casusregie.cases.bsn", fromlist=["x"]).is_valid_bsn(b)
]


def signal(cast: Cast, bsn: str, org, user, category: str = "nuisance") -> None:
    actions.do_register_signal(
        cast.house,
        identify(bsn=bsn),
        category=category,
        observed_on=today(),
        organisation=org,
        actor=user,
    )


def alerts(cast: Cast, count: int, start: int = 0) -> None:
    for bsn in VALID[start : start + count]:
        signal(cast, bsn, cast.org_a, cast.participant_a)
        signal(cast, bsn, cast.org_b, cast.participant_b, "debts")


def test_overview_shows_open_alerts_and_a_suppressed_trend(as_user, cast: Cast) -> None:
    alerts(cast, 2)
    for bsn in VALID[10:16]:
        signal(cast, bsn, cast.org_c, cast.participant_c, "youth")
    page = as_user(cast.process_director).get(f"{base(cast)}overzicht/")
    assert page.status_code == 200
    text = page.content.decode()
    for pk in Alert.objects.values_list("pk", flat=True):
        assert f"S-{pk}" in text
    assert "<caption>Signalen per categorie per maand</caption>" in text
    # 2 nuisance, 2 debts this month: suppressed; 6 youth: shown.
    assert "&lt; 5" in text
    assert "<td>6</td>" in text
    assert "<td>2</td>" not in text


@pytest.mark.parametrize(
    "who", ["participant_a", "participant_c", "admin", "triage", "other_house_user"]
)
def test_only_the_process_director_sees_the_overview(as_user, cast: Cast, who: str) -> None:
    assert as_user(getattr(cast, who)).get(f"{base(cast)}overzicht/").status_code == 404


def test_query_counts_do_not_grow_with_rows(
    as_user, cast: Cast, django_assert_max_num_queries
) -> None:
    alerts(cast, 2)
    pages = {
        cast.participant_a: [base(cast)],
        cast.process_director: [base(cast), f"{base(cast)}overzicht/"],
    }
    counts: dict[tuple[int, str], int] = {}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clients = {user.pk: as_user(user) for user in pages}
    for user, urls in pages.items():
        client = clients[user.pk]
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts[(user.pk, url)] = len(captured)
    # More alerts, more signals, more organisations.
    extra = Organisation.objects.create(name="Extra Zorg", kind=OrganisationKind.MENTAL_HEALTH)
    Partnership.objects.create(house=cast.house, organisation=extra, ring=Ring.KEY)
    extra_user = make_user(
        "e@test.invalid", "Eva Extra", cast.house, extra, Role.PARTNER_PARTICIPANT
    )
    alerts(cast, 12, start=20)
    for bsn in VALID[20:32]:
        signal(cast, bsn, extra, extra_user, "youth")
    for user, urls in pages.items():
        client = clients[user.pk]
        for url in urls:
            with django_assert_max_num_queries(counts[(user.pk, url)]):
                assert client.get(url).status_code == 200

"""'Mijn werk': my own actions and reviews, figures per organisation for managers, and a query
count that does not grow with the data."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.conftest import Cast, make_user
from casusregie.plans.actions import ActionData, do_create_actions

pytestmark = pytest.mark.django_db


def day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def url(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}/mijn-werk/"


def agree(cast: Cast, case: Any, count: int = 1) -> None:
    rows = []
    for n in range(count):
        rows.append(
            ActionData(f"Politie-taak {n}", cast.org_a, day(2 + n), owner=cast.participant_a)
        )
        rows.append(ActionData(f"Woning-taak {n}", cast.org_b, day(30 + n)))
    do_create_actions(case, rows, actor=cast.process_director)


def test_partner_sees_own_actions_only(as_user: Any, cast: Cast, case: Any) -> None:
    agree(cast, case)
    police = as_user(cast.participant_a).get(url(cast)).content.decode()
    assert "Politie-taak 0" in police
    assert "Woning-taak 0" not in police
    housing = as_user(cast.participant_b).get(url(cast)).content.decode()
    assert "Woning-taak 0" in housing
    assert "Politie-taak 0" not in housing
    assert "Acties per organisatie" not in housing  # no manager figures for a participant
    outsider = as_user(cast.participant_c).get(url(cast)).content.decode()
    assert "U hebt geen open acties." in outsider
    assert case.reference not in outsider
    assert as_user(cast.other_house_user).get(url(cast)).status_code == 404


def test_managers_see_figures_per_organisation(as_user: Any, cast: Cast, case: Any) -> None:
    agree(cast, case)
    manager = make_user(
        "ketenm@test.invalid", "Kees Keten", cast.house, cast.staff, Role.HOUSE_MANAGER
    )
    page = as_user(manager).get(url(cast)).content.decode()
    assert "Acties per organisatie" in page
    assert "Politie Heuvelland-test" in page
    assert "Woonstichting Heuvelland-test" in page
    chief = make_user(
        "chef@test.invalid", "Chef Woning", cast.house, cast.org_b, Role.PARTNER_MANAGER
    )
    page = as_user(chief).get(url(cast)).content.decode()
    assert "Woonstichting Heuvelland-test" in page
    assert "Politie Heuvelland-test" not in page


@pytest.mark.parametrize("who", ["participant_a", "process_director"])
def test_query_count_does_not_grow(as_user: Any, cast: Cast, case: Any, who: str) -> None:
    client = as_user(getattr(cast, who))
    agree(cast, case, 1)
    client.get(url(cast))
    with CaptureQueriesContext(connection) as small:
        client.get(url(cast))
    agree(cast, case, 8)
    with CaptureQueriesContext(connection) as large:
        client.get(url(cast))
    # 13 before the privacy kernel; +1 onboarding check, +1 privacy menu, +1 emergency access,
    # +8 writing the page's processing log in one batch (subjects, activity, transaction,
    # chain head, audit row, lines, head update)
    assert len(large) == len(small) <= 24


def test_done_per_organisation_counts_the_last_30_days(as_user: Any, cast: Cast, case: Any) -> None:
    from casusregie.plans.models import Action, ActionStatus

    agree(cast, case, 2)
    police = list(Action.objects.filter(owner_organisation=cast.org_a).order_by("pk"))
    now = timezone.now()
    Action.objects.filter(pk=police[0].pk).update(
        status=ActionStatus.DONE, done_at=now - datetime.timedelta(days=5)
    )
    Action.objects.filter(pk=police[1].pk).update(
        status=ActionStatus.DONE, done_at=now - datetime.timedelta(days=40)
    )
    page = as_user(cast.process_director).get(url(cast)).content.decode()
    assert "Afgerond in de laatste 30 dagen" in page
    row = page.split("Politie Heuvelland-test</td>", 1)[1].split("</tr>", 1)[0]
    # on time 0, overdue 0, awaiting review 0, done recently 1 (the one of 40 days ago is history)
    assert [cell.strip() for cell in row.replace("<td>", "").split("</td>")[:4]] == [
        "0",
        "0",
        "0",
        "1",
    ]


def test_house_figures_are_counted_once_a_minute_and_say_when(
    as_user: Any, cast: Cast, case: Any
) -> None:
    from casusregie.plans.models import Action

    agree(cast, case)
    director = as_user(cast.process_director)
    first = director.get(url(cast)).content.decode()
    assert "Cijfers van " in first
    row = first.split("Politie Heuvelland-test</td>", 1)[1].split("</tr>", 1)[0]
    assert row.startswith("<td>1</td>")  # one police action on time
    Action.objects.filter(owner_organisation=cast.org_a).update(due_date=day(-1))
    # Within the minute the figures stay as counted (for every director of the house) ...
    same = director.get(url(cast)).content.decode()
    assert same.split("Politie Heuvelland-test</td>", 1)[1].startswith("<td>1</td><td>0</td>")
    # ... while the user's own list is read live: a partner sees the action overdue at once.
    assert "Politie-taak 0" in as_user(cast.participant_a).get(url(cast)).content.decode()
    from django.core.cache import cache

    cache.clear()  # a minute later
    later = director.get(url(cast)).content.decode()
    assert later.split("Politie Heuvelland-test</td>", 1)[1].startswith("<td>0</td><td>1</td>")

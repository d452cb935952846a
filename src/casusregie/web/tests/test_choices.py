"""Choice lists of model fields come from one plain query, not a server-side cursor
(decision 0031), and still offer exactly what the form allows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casusregie.conftest import Cast
from casusregie.houses.models import Organisation

pytestmark = pytest.mark.django_db


def test_case_filter_offers_the_house_choices_without_a_cursor(
    as_user: Any, cast: Cast, case: Any
) -> None:
    client = as_user(cast.process_director)
    url = f"/huizen/{cast.house.slug}/casussen/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("DECLARE")]
    select = page.split('name="organisation"', 1)[1].split("</select>", 1)[0]
    assert cast.org_a.name in select
    outsider = Organisation.objects.create(name="Niet in dit huis", kind="other")
    assert outsider.name not in client.get(url).content.decode()


def test_a_chosen_organisation_filters_and_a_foreign_one_is_refused(
    as_user: Any, cast: Cast, case: Any
) -> None:
    client = as_user(cast.process_director)
    url = f"/huizen/{cast.house.slug}/casussen/"
    shown = client.get(url, {"organisation": cast.org_a.pk, "phase": "all"})
    assert shown.status_code == 200
    assert case.reference in shown.content.decode()
    outsider = Organisation.objects.create(name="Niet in dit huis", kind="other")
    refused = client.get(url, {"organisation": outsider.pk})
    assert refused.status_code == 200
    assert "Selecteer een geldige keuze" in refused.content.decode()

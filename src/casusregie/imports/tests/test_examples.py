"""The example files in docs/imports/ import cleanly into a house with the demo's partners."""

from __future__ import annotations

from pathlib import Path

import pytest

from casusregie.accounts.models import Membership
from casusregie.accounts.roles import Role
from casusregie.conftest import Cast
from casusregie.houses.models import Organisation, OrganisationKind, Partnership, Ring
from casusregie.imports import actions

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[4] / "docs" / "imports"


def test_example_files_import_without_rejected_rows(cast: Cast) -> None:
    for name, kind in (
        ("Politie, district Heuvelland", OrganisationKind.POLICE),
        ("GGZ Heuvelland", OrganisationKind.MENTAL_HEALTH),
        ("Woonstichting Heuvelland", OrganisationKind.HOUSING),
    ):
        org = Organisation.objects.create(name=name, kind=kind)
        Partnership.objects.create(house=cast.house, organisation=org, ring=Ring.KEY)
    director = cast.process_director
    director.email = "procesregisseur@heuvelland.demo.invalid"
    director.save(update_fields=["email"])
    Membership.objects.filter(user=director).update(role=Role.PROCESS_DIRECTOR)
    for filename, kind in (("people-example.csv", "people"), ("cases-example.csv", "cases")):
        job = actions.import_file(
            cast.house,
            kind=kind,
            mode="all",
            filename=filename,
            data=(DOCS / filename).read_bytes(),
            actor=cast.admin,
        )
        assert job.report == [], (filename, job.report)
        assert job.summary["imported"] > 0

"""Importing the services map from CSV or XLSX: a dry run with an answer per row, then all rows
or none; only the functional administrator."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from casusregie.conftest import Cast
from casusregie.plans.models import Service
from casusregie.privacy.models import AuditEvent

from .service_helpers import cast_services

pytestmark = pytest.mark.django_db

HEADER = "organisation;name;domains;target_group;waiting_weeks;contact_email;waiting_confirmed_on"


def url(cast: Cast, path: str = "") -> str:
    return f"/huizen/{cast.house.slug}/sociale-kaart/importeren/{path}"


def csv_file(*lines: str, name: str = "diensten.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *lines]) + "\n").encode(), "text/csv")


MONTH_AGO = timezone.localdate() - datetime.timedelta(days=30)
GOOD = (
    "GGZ Heuvelland-test;Ambulante woonbegeleiding;Huisvesting, Psychische gezondheid;"
    "Volwassenen met psychische klachten;8;;",
    "Woonstichting Heuvelland-test;Schuldhulpverlening;finances;Huurders met achterstand;"
    "4;schuld@example.invalid;" + (MONTH_AGO.strftime("%d-%m-%Y")),
)


def check(as_user: Any, cast: Cast, upload: Any) -> Any:
    return as_user(cast.admin).post(url(cast), {"file": upload})


def upload_token(response: Any) -> str:
    text = response.content.decode()
    start = text.index('name="upload" value="') + len('name="upload" value="')
    return text[start : text.index('"', start)]


def test_the_dry_run_writes_nothing_and_the_import_writes_every_row(
    as_user: Any, cast: Cast
) -> None:
    existing = cast_services(cast)["b"]
    response = check(as_user, cast, csv_file(*GOOD))
    assert response.status_code == 200, response.content.decode()[:2000]
    assert Service.objects.filter(house=cast.house).count() == 2
    assert not AuditEvent.objects.filter(object_type="plans.service").exists()
    token = upload_token(response)
    done = as_user(cast.admin).post(url(cast), {"upload": token})
    assert done.status_code == 302
    added = Service.objects.get(name="Ambulante woonbegeleiding")
    assert added.organisation == cast.org_c
    assert added.domains == ["housing", "mental_health"]
    assert added.waiting_weeks == 8
    assert added.waiting_confirmed_on == timezone.localdate()
    existing.refresh_from_db()  # same organisation and name: brought up to date
    assert existing.waiting_weeks == 4
    assert existing.contact_email == "schuld@example.invalid"
    assert existing.waiting_confirmed_on == MONTH_AGO
    assert Service.objects.filter(house=cast.house).count() == 3
    actions = set(
        AuditEvent.objects.filter(object_type="plans.service").values_list("action", flat=True)
    )
    assert actions == {"service.create", "service.update"}
    assert AuditEvent.objects.filter(actor=cast.admin, reason__contains="diensten.csv").count() == 2


def test_an_xlsx_file_is_read_the_same_way(as_user: Any, cast: Cast) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(";"))
    sheet.append(["Politie Heuvelland-test", "Buurtbemiddeling", "justice", "Buren", 3, "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("kaart.xlsx", buffer.getvalue())
    response = check(as_user, cast, upload)
    assert response.status_code == 200
    assert as_user(cast.admin).post(url(cast), {"upload": upload_token(response)}).status_code == (
        302
    )
    assert Service.objects.get().organisation == cast.org_a


def test_one_bad_row_stops_the_whole_file_with_an_answer_per_row(as_user: Any, cast: Cast) -> None:
    response = check(
        as_user,
        cast,
        csv_file(
            GOOD[0],
            "Onbekende Stichting;Dagbesteding;daytime;Volwassenen;2;;",
            "GGZ Heuvelland-test;Crisiskaart;astrologie;Volwassenen;zes;geen-adres;31-02-2020",
            "GGZ Heuvelland-test;Ambulante woonbegeleiding;housing;Dubbel;1;;",
        ),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Onbekende Stichting" in text
    assert "astrologie" in text
    assert 'name="upload"' not in text  # no import offered
    for row in ("3", "4", "5"):
        assert f"<td>{row}</td>" in text
    assert not Service.objects.exists()


def test_a_file_that_cannot_be_read_is_explained(as_user: Any, cast: Cast) -> None:
    response = check(as_user, cast, SimpleUploadedFile("kaart.pdf", b"%PDF-1.4"))
    assert response.status_code == 400
    response = check(
        as_user, cast, SimpleUploadedFile("kaart.csv", b"organisation;name\nA;B\n", "text/csv")
    )
    assert response.status_code == 400
    assert "waiting_weeks" in response.content.decode()
    response = as_user(cast.admin).post(url(cast), {})
    assert response.status_code == 400
    assert not Service.objects.exists()


def test_a_changed_or_foreign_upload_token_writes_nothing(as_user: Any, cast: Cast) -> None:
    response = check(as_user, cast, csv_file(*GOOD))
    token = upload_token(response)
    assert as_user(cast.admin).post(url(cast), {"upload": token[:-3] + "abc"}).status_code == 400
    assert as_user(cast.admin).post(url(cast), {"upload": "nonsense"}).status_code == 400
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    "who", ["participant_a", "process_director", "privacy_officer", "auditor", "other_house_user"]
)
def test_only_the_functional_administrator_imports(as_user: Any, cast: Cast, who: str) -> None:
    client = as_user(getattr(cast, who))
    assert client.get(url(cast)).status_code == 404
    assert client.post(url(cast), {"file": csv_file(*GOOD)}).status_code == 404
    assert client.get(url(cast, "voorbeeld.csv")).status_code == 404
    assert not Service.objects.exists()


def test_the_example_file_imports_once_its_organisation_exists(as_user: Any, cast: Cast) -> None:
    sample = as_user(cast.admin).get(url(cast, "voorbeeld.csv"))
    assert sample.status_code == 200
    text = sample.content.decode().replace("Schuldhulp Heuvelland", "GGZ Heuvelland-test")
    response = check(as_user, cast, SimpleUploadedFile("voorbeeld.csv", text.encode()))
    assert response.status_code == 200, response.content.decode()[-3000:]


def test_odd_numbers_of_weeks_and_short_rows_are_row_errors(as_user: Any, cast: Cast) -> None:
    response = check(
        as_user,
        cast,
        csv_file(
            "GGZ Heuvelland-test;Crisisdienst;mental_health;Volwassenen;²;;",
            "GGZ Heuvelland-test;Inloop;mental_health;Volwassenen;3.5;;",
            "GGZ Heuvelland-test;Kort;mental_health",
        ),
    )
    assert response.status_code == 400
    text = response.content.decode()
    for row in ("2", "3", "4"):
        assert f"<td>{row}</td>" in text
    assert not Service.objects.exists()

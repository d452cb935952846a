"""The functional administrator's pages: upload, dry-run report, import with a progress bar,
the report as CSV. Nobody else reaches them (404: for them the pages do not exist)."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from casusregie.accounts.roles import Role
from casusregie.cases.models import Case
from casusregie.conftest import Cast, make_user
from casusregie.imports import actions
from casusregie.imports.models import ImportJob, JobStatus, LegacyCase

from .helpers import cases_csv, one_case

pytestmark = pytest.mark.django_db


def base(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}/importeren/"


def upload(client, cast: Cast, data: bytes, name: str = "oud.csv", **fields: str):
    return client.post(
        base(cast),
        {"kind": "cases", "mode": "valid", **fields, "file": SimpleUploadedFile(name, data)},
    )


def test_upload_check_import_and_report(
    as_user, cast: Cast, django_capture_on_commit_callbacks
) -> None:
    client = as_user(cast.admin)
    page = client.get(base(cast)).content.decode()
    assert "<h1>Importeren</h1>" in page
    rows = one_case("OUD-1") + one_case("OUD-2")
    rows[6]["bsn"] = "123456789"
    rows[1]["bsn"] = "111222333"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, cast, cases_csv(rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{base(cast)}{job.pk}/"
    assert job.status == JobStatus.CHECKED
    assert not Case.objects.exists()  # a dry run first
    page = client.get(response["Location"]).content.decode()
    assert "Resultaat van de controle" in page
    assert "1 casus importeren" in page
    assert "Dit is geen geldig BSN" in page
    assert "<td>8</td><td>OUD-2</td><td>bsn</td>" in page

    report = client.get(f"{base(cast)}{job.pk}/rapport.csv")
    assert report["Content-Type"].startswith("text/csv")
    text = report.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "rij;legacy-id;kolom;resultaat;reden"
    assert text.splitlines()[1].startswith("8;OUD-2;bsn;afgewezen;Dit is geen geldig BSN")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{base(cast)}{job.pk}/start/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert bytes(job.content) == b""  # the file is not kept after the import
    assert list(LegacyCase.objects.values_list("legacy_id", flat=True)) == ["OUD-1"]
    page = client.get(f"{base(cast)}{job.pk}/").content.decode()
    assert "Resultaat" in page
    assert "Geïmporteerd" in page
    # Starting again does nothing.
    client.post(f"{base(cast)}{job.pk}/start/")
    assert Case.objects.count() == 1


def test_all_or_nothing_with_bad_rows_cannot_be_started(
    as_user, cast: Cast, django_capture_on_commit_callbacks
) -> None:
    client = as_user(cast.admin)
    rows = one_case()
    rows[1]["last_name"] = ""
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, cast, cases_csv(rows), mode="all")
    job = ImportJob.objects.get()
    page = client.get(f"{base(cast)}{job.pk}/").content.decode()
    assert "u koos alles of niets, dus er wordt niets geïmporteerd" in page
    assert "casus importeren" not in page
    response = client.post(f"{base(cast)}{job.pk}/start/", follow=True)
    assert "De controle heeft rijen afgewezen en u koos alles of niets" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("oud.pdf", b"%PDF-1.7", "Kies een CSV- of XLSX-bestand."),
        ("oud.csv", b"", "Het verstuurde bestand is leeg."),
        ("oud.csv", b"record;legacy_id\ncase;1\n", "In de kopregel ontbreken deze kolommen"),
        ("oud.csv", b"record\tlegacy_id\ncase\t1\n", "De kolommen zijn gescheiden door"),
        ("oud.csv", "record,legacy_id\nCafé".encode("cp1252"), "is geen UTF-8-tekst"),
    ],
)
def test_bad_files_show_a_message_and_store_nothing(
    as_user, cast: Cast, name: str, data: bytes, message: str
) -> None:
    response = upload(as_user(cast.admin), cast, data, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_form_needs_a_kind_and_a_file(as_user, cast: Cast) -> None:
    response = as_user(cast.admin).post(base(cast), {"mode": "valid"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Wat bevat het bestand?" in page
    assert "Dit veld is vereist." in page
    assert not ImportJob.objects.exists()


def test_oversized_upload_is_refused(as_user, cast: Cast, settings) -> None:
    settings.IMPORTS_MAX_BYTES = 1024 * 1024
    response = upload(as_user(cast.admin), cast, b"x" * (1024 * 1024 + 1))
    assert response.status_code == 400
    assert "Het bestand is groter dan 1 MB." in response.content.decode()
    assert not ImportJob.objects.exists()


def make_job(cast: Cast, **fields) -> ImportJob:
    values = {
        "house": cast.house,
        "kind": "cases",
        "mode": "valid",
        "status": JobStatus.CHECKING,
        "filename": "oud.csv",
        "content": cases_csv(one_case()),
        "created_by": cast.admin,
        "total_rows": 3000,
        "processed_rows": 1200,
        "stage": "check",
    }
    values.update(fields)
    return ImportJob.objects.create(**values)


def test_progress_bar_while_running_and_reload_when_done(as_user, cast: Cast) -> None:
    job = make_job(cast)
    client = as_user(cast.admin)
    page = client.get(f"{base(cast)}{job.pk}/").content.decode()
    assert f'hx-get="{base(cast)}{job.pk}/voortgang/"' in page
    assert '<progress id="voortgang-balk" max="3000" value="1200">40%</progress>' in page
    assert "1200 van 3000 rijen gecontroleerd (40%)." in page
    fragment = client.get(f"{base(cast)}{job.pk}/voortgang/", HTTP_HX_REQUEST="true")
    assert 'role="status"' in fragment.content.decode()
    ImportJob.objects.filter(pk=job.pk).update(stage="write")
    fragment = client.get(f"{base(cast)}{job.pk}/voortgang/", HTTP_HX_REQUEST="true")
    assert "Alle 3000 rijen zijn gecontroleerd; bezig met opslaan." in fragment.content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.CHECKED)
    done = client.get(f"{base(cast)}{job.pk}/voortgang/", HTTP_HX_REQUEST="true")
    assert done.status_code == 204
    assert done["HX-Refresh"] == "true"
    plain = client.get(f"{base(cast)}{job.pk}/voortgang/")
    assert plain.status_code == 302


def test_discard_forgets_the_file(as_user, cast: Cast) -> None:
    job = make_job(cast, status=JobStatus.CHECKED, summary={"to_import": 1})
    response = as_user(cast.admin).post(f"{base(cast)}{job.pk}/verwerpen/", follow=True)
    assert "Het bestand is verworpen; er is niets geïmporteerd." in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.DISCARDED
    assert bytes(job.content) == b""


def test_files_are_not_kept_past_the_keeping_period(cast: Cast, settings) -> None:
    settings.IMPORTS_KEEP_HOURS = 24
    old = make_job(cast, status=JobStatus.CHECKED)
    ImportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    fresh = make_job(cast, status=JobStatus.CHECKED)
    assert actions.purge_expired() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == JobStatus.EXPIRED
    assert bytes(old.content) == b""
    assert bytes(fresh.content) != b""


@pytest.mark.parametrize(
    "member", ["process_director", "participant_a", "triage", "privacy_officer", "other_house_user"]
)
def test_nobody_else_reaches_the_imports(as_user, cast: Cast, member: str) -> None:
    job = make_job(cast, status=JobStatus.CHECKED, summary={"to_import": 1})
    client = as_user(cast.members()[member])
    for tail in ("", f"{job.pk}/", f"{job.pk}/voortgang/", f"{job.pk}/rapport.csv"):
        assert client.get(base(cast) + tail).status_code == 404, tail
    for tail in ("", f"{job.pk}/start/", f"{job.pk}/verwerpen/"):
        assert client.post(base(cast) + tail, {"kind": "cases"}).status_code == 404, tail
    job.refresh_from_db()
    assert job.status == JobStatus.CHECKED
    assert ImportJob.objects.count() == 1


def test_admin_of_another_house_does_not_see_this_house_s_job(as_user, cast: Cast) -> None:
    other_admin = make_user(
        "beheer@duin.invalid", "Dina Duin", cast.other_house, cast.other_org, Role.FUNCTIONAL_ADMIN
    )
    job = make_job(cast, status=JobStatus.CHECKED)
    client = as_user(other_admin)
    assert client.get(f"/huizen/{cast.other_house.slug}/importeren/").status_code == 200
    assert client.get(f"/huizen/{cast.other_house.slug}/importeren/{job.pk}/").status_code == 404
    assert client.get(f"{base(cast)}{job.pk}/").status_code == 404


def test_anonymous_is_sent_to_login(client, cast: Cast) -> None:
    response = client.get(base(cast))
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen/")

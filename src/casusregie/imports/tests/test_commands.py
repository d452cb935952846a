"""`casusregie import_cases` / `import_people`: progress bar, printed report, report CSV,
exit status 1 when rows were rejected; `--sample N` writes a synthetic legacy file."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from casusregie.cases.models import Case
from casusregie.conftest import Cast
from casusregie.imports.models import LegacyCase

from .helpers import cases_csv, one_case, people_csv

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return out.getvalue(), err.getvalue(), int(exit_.code or 0)
    return out.getvalue(), err.getvalue(), 0


def test_import_cases_prints_progress_and_writes_the_report(cast: Cast, tmp_path) -> None:
    rows = one_case("OUD-1") + one_case("OUD-2")
    rows[1]["bsn"] = "111222333"
    rows[6]["date_of_birth"] = "2099-01-01"
    path = tmp_path / "oud.csv"
    path.write_bytes(cases_csv(rows))
    out, err, status = run(
        "import_cases",
        str(path),
        "--house",
        cast.house.slug,
        "--mode",
        "valid",
        "--as",
        cast.admin.email,
    )
    assert status == 1  # rows were rejected
    assert "controleren [" in err
    assert "10/10 rijen" in err
    assert "imported: 1" in out
    assert "rij 8 OUD-2 [date_of_birth]: Deze datum kan niet in de toekomst liggen." in out
    report = (tmp_path / "oud-rapport.csv").read_text(encoding="utf-8-sig").splitlines()
    assert report[1] == "8;OUD-2;date_of_birth;afgewezen;Deze datum kan niet in de toekomst liggen."
    assert list(LegacyCase.objects.values_list("legacy_id", flat=True)) == ["OUD-1"]
    out, err, status = run(
        "import_cases",
        str(path),
        "--house",
        cast.house.slug,
        "--mode",
        "valid",
        "--as",
        cast.admin.email,
        "--report",
        str(tmp_path / "r.csv"),
    )
    assert "already_imported: 1" in out
    assert "imported: 0" in out
    assert Case.objects.count() == 1


def test_dry_run_and_clean_file_exit_zero(cast: Cast, tmp_path) -> None:
    path = tmp_path / "oud.csv"
    path.write_bytes(cases_csv(one_case()))
    out, _err, status = run(
        "import_cases",
        str(path),
        "--house",
        cast.house.slug,
        "--as",
        cast.admin.email,
        "--dry-run",
    )
    assert status == 0
    assert "to_import: 1" in out
    assert not Case.objects.exists()


def test_only_a_functional_administrator_may_import(cast: Cast, tmp_path) -> None:
    path = tmp_path / "oud.csv"
    path.write_bytes(cases_csv(one_case()))
    for email in (cast.process_director.email, cast.other_house_user.email, "niemand@x.invalid"):
        with pytest.raises(CommandError, match="functioneel beheerder"):
            call_command("import_cases", str(path), "--house", cast.house.slug, "--as", email)
    with pytest.raises(CommandError, match="functioneel beheerder"):
        call_command("import_cases", str(path), "--house", cast.house.slug)
    with pytest.raises(CommandError, match="Onbekend huis"):
        call_command("import_cases", str(path), "--house", "nergens", "--as", cast.admin.email)
    assert not Case.objects.exists()


def test_unreadable_file_is_a_clear_error(cast: Cast, tmp_path) -> None:
    path = tmp_path / "oud.csv"
    path.write_bytes(b"record|legacy_id\ncase|1\n")
    with pytest.raises(CommandError, match=r"gescheiden door “\|”"):
        call_command(
            "import_cases", str(path), "--house", cast.house.slug, "--as", cast.admin.email
        )


def test_sample_writes_a_legacy_file_that_imports(cast: Cast, tmp_path) -> None:
    path = tmp_path / "voorbeeld.csv"
    out, _err, _status = run(
        "import_cases", str(path), "--house", cast.house.slug, "--sample", "120"
    )
    assert "120 casussen" in out
    assert "1 foute rijen" in out
    out, _err, status = run(
        "import_cases",
        str(path),
        "--house",
        cast.house.slug,
        "--as",
        cast.admin.email,
        "--mode",
        "valid",
    )
    assert status == 1
    assert "imported: 119" in out


def test_import_people(cast: Cast, tmp_path) -> None:
    path = tmp_path / "mensen.csv"
    path.write_bytes(
        people_csv(
            [
                {"record": "organisation", "name": "Stichting Buurtwerk", "kind": "social_work"},
                {
                    "record": "person",
                    "email": "n@buurtwerk.invalid",
                    "full_name": "Nina",
                    "organisation": "Stichting Buurtwerk",
                    "role": "partner_participant",
                },
            ]
        )
    )
    out, _err, status = run(
        "import_people", str(path), "--house", cast.house.slug, "--as", cast.admin.email
    )
    assert status == 0
    assert "roles_pending: 1" in out  # a partner role waits for approval (decision 0040)
    assert "organisations_created: 1" in out

"""The learning page: export with an audit row, upload of other houses' exports (bad files
refused whole), the side-by-side comparison and the library of lessons; only the house manager."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from casusregie.accounts.roles import Role
from casusregie.conftest import make_user, verified_client
from casusregie.network import exchange
from casusregie.network.models import Lesson, ReceivedExport
from casusregie.privacy.models import AuditEvent

OTHER_KEY = "geheim-andere-huis"
OWN_KEY = "geheim-eigen-huis"


@pytest.fixture
def keys(settings: Any) -> Any:
    settings.NETWORK_EXCHANGE_KEY = OWN_KEY
    settings.NETWORK_EXCHANGE_KEYS = {"kustland": OTHER_KEY}
    return settings


@pytest.fixture
def manager(cast: Any) -> Any:
    return make_user("km@test.invalid", "Karin Manager", cast.house, cast.staff, Role.HOUSE_MANAGER)


def _base(cast: Any) -> str:
    return f"/huizen/{cast.house.slug}/netwerk/leren/"


def other_export(lessons: list[dict[str, str]] | None = None) -> dict[str, Any]:
    payload = {
        "format": exchange.FORMAT,
        "house": "kustland",
        "house_name": "ZVH Kustland",
        "period": {"from": "2026-01-01", "to": "2026-06-30"},
        "suppress_below": 5,
        "indicators": {
            "organisations": 31,
            "people": None,
            "form_in_use": "nao",
            "favoured": ["nao"],
            "fits": True,
            "levels": {"trust": "high", "participants": "high"},
        },
        "lessons": lessons
        if lessons is not None
        else [{"kind": "goes_wrong", "theme": "privacy", "text": "Toestemming te laat gevraagd."}],
    }
    return {
        **payload,
        "signature": {"alg": "HMAC-SHA256", "value": exchange._mac(OTHER_KEY, payload)},
    }


def _upload(client: Any, cast: Any, data: Any, name: str = "export.json") -> Any:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return client.post(_base(cast) + "ontvangen/", {"file": SimpleUploadedFile(name, raw)})


def test_the_manager_exports_a_signed_file_and_the_export_is_audited(
    cast, manager, activity, keys
) -> None:
    client = verified_client(manager)
    Lesson.objects.create(
        house=cast.house,
        kind="goes_well",
        theme="triage",
        text="Snel besluiten.",
        created_by=manager,
    )
    Lesson.objects.create(
        house=cast.house,
        kind="goes_wrong",
        theme="other",
        text="Intern concept.",
        published=False,
        created_by=manager,
    )
    response = client.post(_base(cast) + "export/", {"export-van": "", "export-tot": ""})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["house"] == cast.house.slug
    assert [lesson["text"] for lesson in data["lessons"]] == ["Snel besluiten."]
    # The file verifies with this installation's key, as another house would check it.
    keys.NETWORK_EXCHANGE_KEYS = {cast.house.slug: OWN_KEY}
    assert exchange.verify(data)["house"] == cast.house.slug
    event = AuditEvent.objects.get(action="network.export")
    assert event.actor == manager
    assert event.after["lessons"] == 1


def test_an_export_without_a_key_or_with_a_bad_period_says_why(cast, manager, activity, settings):
    settings.NETWORK_EXCHANGE_KEY = ""
    client = verified_client(manager)
    response = client.post(_base(cast) + "export/", {})
    assert response.status_code == 400
    assert "geen sleutel" in response.content.decode()
    settings.NETWORK_EXCHANGE_KEY = OWN_KEY
    response = client.post(
        _base(cast) + "export/", {"export-van": "2026-05-01", "export-tot": "2026-01-01"}
    )
    assert response.status_code == 400
    assert "begin van de periode" in response.content.decode()
    response = client.post(_base(cast) + "export/", {"export-van": "gisteren"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="network.export").exists()


def test_an_upload_is_checked_stored_and_compared_with_its_lessons(
    cast, manager, activity, keys
) -> None:
    client = verified_client(manager)
    response = _upload(client, cast, other_export())
    assert response.status_code == 302
    received = ReceivedExport.objects.get(house=cast.house)
    assert received.source_name == "ZVH Kustland"
    assert AuditEvent.objects.filter(action="network.import", house=cast.house).exists()
    page = client.get(_base(cast)).content.decode()
    assert "ZVH Kustland" in page
    assert cast.house.name in page
    assert "31" in page  # the other house's organisations, next to this house's column
    assert "Toestemming te laat gevraagd." in page
    assert "Privacy" in page
    # The same export again replaces it rather than adding a second column.
    assert _upload(client, cast, other_export()).status_code == 302
    assert ReceivedExport.objects.filter(house=cast.house).count() == 1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"{niet json", "niet een export"),
        (lambda: b"\xff\xfe", "niet een export"),
        (lambda: [1, 2], "niet een export"),
        (lambda: {**other_export(), "house": "onbekend"}, "sleutel hier niet"),
        (lambda: {k: v for k, v in other_export().items() if k != "signature"}, "niet ondertekend"),
        (
            lambda: {**other_export(), "indicators": {"organisations": 99}},
            "handtekening klopt niet",
        ),
    ],
)
def test_bad_uploads_are_refused_whole_with_a_clear_message(
    cast, manager, keys, make, message
) -> None:
    client = verified_client(manager)
    response = _upload(client, cast, make())
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReceivedExport.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="network.import").exists()


def test_a_tampered_lesson_and_a_missing_file_are_refused(cast, manager, keys) -> None:
    client = verified_client(manager)
    tampered = copy.deepcopy(other_export())
    tampered["lessons"][0]["text"] = "Iets anders."
    assert _upload(client, cast, tampered).status_code == 400
    response = client.post(_base(cast) + "ontvangen/", {})
    assert response.status_code == 400
    assert "Kies een bestand" in response.content.decode()
    assert not ReceivedExport.objects.exists()


def test_the_manager_writes_and_removes_lessons(cast, manager) -> None:
    client = verified_client(manager)
    response = client.post(
        _base(cast) + "lessen/",
        {
            "kind": "goes_well",
            "theme": "case_meeting",
            "text": " Vaste voorzitter. ",
            "published": "on",
        },
    )
    assert response.status_code == 302
    lesson = Lesson.objects.get(house=cast.house)
    assert lesson.text == "Vaste voorzitter."
    assert lesson.published
    assert AuditEvent.objects.filter(action="network.lesson.create").exists()
    assert "Vaste voorzitter." in client.get(_base(cast)).content.decode()
    assert client.post(_base(cast) + f"lessen/{lesson.pk}/verwijderen/").status_code == 302
    assert not Lesson.objects.exists()
    assert AuditEvent.objects.filter(action="network.lesson.delete").exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "goes_well", "theme": "case_meeting", "text": "   "},
        {"kind": "fantastisch", "theme": "case_meeting", "text": "Tekst"},
        {"kind": "goes_well", "theme": "weer", "text": "Tekst"},
        {"kind": "goes_well", "theme": "case_meeting", "text": "x" * 2001},
    ],
)
def test_bad_lessons_are_refused_with_a_message(cast, manager, data) -> None:
    response = verified_client(manager).post(_base(cast) + "lessen/", data)
    assert response.status_code == 400
    assert "utrecht-form-field-error-message" in response.content.decode()
    assert not Lesson.objects.exists()


def test_only_the_house_manager_gets_in(cast, manager, keys) -> None:
    lesson = Lesson.objects.create(
        house=cast.house, kind="goes_well", theme="triage", text="Snel.", created_by=manager
    )
    other_manager = make_user(
        "km2@test.invalid", "Ander Manager", cast.other_house, cast.other_org, Role.HOUSE_MANAGER
    )
    for user in (
        cast.process_director,
        cast.participant_a,
        cast.admin,
        cast.privacy_officer,
        cast.other_house_user,
        other_manager,
    ):
        client = verified_client(user)
        assert client.get(_base(cast)).status_code == 404, user
        assert client.post(_base(cast) + "export/", {}).status_code == 404
        assert _upload(client, cast, other_export()).status_code == 404
        assert client.post(_base(cast) + f"lessen/{lesson.pk}/verwijderen/").status_code == 404
    assert Lesson.objects.filter(pk=lesson.pk).exists()
    assert not ReceivedExport.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="network.").exists()
    # The manager of the other house cannot remove this house's lesson through their own house.
    client = verified_client(other_manager)
    url = f"/huizen/{cast.other_house.slug}/netwerk/leren/lessen/{lesson.pk}/verwijderen/"
    assert client.post(url).status_code == 404
    assert Lesson.objects.filter(pk=lesson.pk).exists()

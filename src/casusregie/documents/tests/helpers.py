"""Steps shared by the documents tests."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from casusregie.conftest import Cast

from . import samples


def case_url(cast: Cast, case: Any, tail: str = "") -> str:
    return f"/huizen/{cast.house.slug}/casussen/{case.pk}/documenten/{tail}"


def referral_url(cast: Cast, referral_id: int, tail: str = "") -> str:
    return f"/huizen/{cast.house.slug}/meldingen/{referral_id}/documenten/{tail}"


def upload(
    client: Any,
    url: str,
    name: str = "verslag.pdf",
    data: bytes = samples.PDF,
    **fields: Any,
) -> Any:
    body = {
        "file": SimpleUploadedFile(name, data),
        "audience": "all",
        "purpose": "Afstemming aanpak",
        **fields,
    }
    return client.post(url + "toevoegen/", body)


def dutch(message: str, **values: Any) -> str:
    """What the Dutch page shows for an English source string (its translation once the lead
    has compiled it, the source string until then)."""
    with translation.override("nl"):
        text = translation.gettext(message)
    return text % values if values else text

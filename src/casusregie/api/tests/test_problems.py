"""Errors are RFC 9457 problem details, in the user's language (Dutch unless chosen)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.api.problems import field_errors
from casusregie.conftest import Cast
from casusregie.referrals.models import Referral

from .helpers import PROBLEM, family, post, url


def test_nested_errors_are_flattened_to_field_paths() -> None:
    detail = {
        "subjects": [{}, {"bsn": ["Ongeldig."]}],
        "non_field_errors": ["Algemeen."],
        "goal": ["Leeg.", "Te kort."],
    }
    assert field_errors(detail) == [
        {"field": "subjects.1.bsn", "detail": "Ongeldig."},
        {"field": None, "detail": "Algemeen."},
        {"field": "goal", "detail": "Leeg."},
        {"field": "goal", "detail": "Te kort."},
    ]


@pytest.mark.django_db
def test_problem_shape_and_language(as_user: Any, cast: Cast) -> None:
    client = as_user(cast.process_director)
    response = client.get(url(cast, "cases/999999"))
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "urn:casusregie:problem:not-found",
        "title": response.json()["title"],
        "status": 404,
        "detail": "Niet gevonden.",
    }
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get(url(cast, "cases/999999")).json()["detail"] == "Not found."


@pytest.mark.django_db
def test_wrong_method(as_user: Any, cast: Cast) -> None:
    response = as_user(cast.triage).get(url(cast, "referrals/1/accept"))
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert response["Allow"] == "POST, OPTIONS"


@pytest.mark.django_db
def test_session_clients_need_the_csrf_token(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.participant_a)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=cast.participant_a).persistent_id
    session.save()
    response = post(client, url(cast, "referrals"), family(cast))
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert "CSRF" in response.json()["detail"]
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_an_address_with_a_line_break_is_a_problem_not_an_html_page() -> None:
    response = Client().get("/api/v1/houses/x/webhooks/a%0Ab/deliveries")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"

"""No page, API response, log line, notification or export outside the pseudonymisation step
holds the BSN or the name of a signalled person."""

from __future__ import annotations

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from casusregie.conftest import Cast
from casusregie.inbox.models import Notification
from casusregie.privacy.models import AuditEvent, Disclosure, ProcessingLogEntry
from casusregie.signals.models import Alert, Intake, Signal

from .helpers import BORN, BSN_1, FIRST, LAST, base, today

pytestmark = pytest.mark.django_db

SECRETS = (BSN_1, "1234.56.782", FIRST, LAST, "Fictiefsma".lower())


def test_the_identity_is_nowhere_but_in_the_request(
    as_user, cast: Cast, caplog, django_capture_on_commit_callbacks
) -> None:
    caplog.set_level(logging.DEBUG)
    day = today().isoformat()
    seen: list[str] = []
    a, b, pd = (as_user(u) for u in (cast.participant_a, cast.participant_b, cast.process_director))
    with django_capture_on_commit_callbacks(execute=True):
        for client, org, extra in (
            (a, cast.org_a, {"bsn": "1234.56.782"}),
            (b, cast.org_b, {"bsn": BSN_1}),
            (
                b,
                cast.org_b,
                {"bsn": "", "first_name": FIRST, "last_name": LAST, "date_of_birth": BORN},
            ),
            (b, cast.org_b, {"bsn": "123456789"}),  # refused
            (b, cast.org_b, {"bsn": BSN_1}),  # duplicate
        ):
            response = client.post(
                base(cast),
                {"category": "nuisance", "observed_on": day, "organisation": org.pk, **extra},
                follow=True,
            )
            seen.append(response.content.decode())
        csv = (
            "bsn,first_name,last_name,date_of_birth,category,date\n"
            f"{BSN_1},,,,debts,{day}\n,{FIRST},{LAST},{BORN},youth,{day}\n"
        )
        response = a.post(
            f"{base(cast)}inlezen/",
            {
                "organisation": cast.org_a.pk,
                "keep_valid": "1",
                "file": SimpleUploadedFile("p.csv", csv.encode()),
            },
            follow=True,
        )
        seen.append(response.content.decode())
    alert = Alert.objects.order_by("pk").first()
    assert Alert.objects.count() == 2  # by BSN, and by name and date of birth
    intake = Intake.objects.get()
    for client in (a, b, pd):
        for url in (
            base(cast),
            *[f"{base(cast)}samenloop/{pk}/" for pk in Alert.objects.values_list("pk", flat=True)],
            f"{base(cast)}overzicht/",
            f"{base(cast)}inlezen/{intake.pk}/",
            f"{base(cast)}inlezen/{intake.pk}/rapport.csv",
            "/meldingen/",
        ):
            seen.append(client.get(url).content.decode())
        seen.append(client.post(f"{base(cast)}al-een-casus/", {"bsn": BSN_1}).content.decode())
    seen.append(
        pd.post(f"{base(cast)}samenloop/{alert.pk}/melding-vragen/", follow=True).content.decode()
    )
    for api in (a, pd):
        seen.append(api.get(f"/api/v1/houses/{cast.house.slug}/signal-alerts").content.decode())
        seen.append(
            api.post(
                f"/api/v1/houses/{cast.house.slug}/signals/already-a-case",
                {"bsn": BSN_1},
                content_type="application/json",
            ).content.decode()
        )
    stored = [
        *[str(row) for row in Signal.objects.values()],
        *[str(row) for row in Alert.objects.values()],
        *[str(row) for row in Intake.objects.values()],
        *[str(row) for row in AuditEvent.objects.values()],
        *[str(row) for row in ProcessingLogEntry.objects.values()],
        *[str(row) for row in Disclosure.objects.values()],
        *[str(row) for row in Notification.objects.values()],
    ]
    logged = [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records]
    assert Signal.objects.count() == 5
    for text in [*seen, *stored, *logged]:
        for secret in SECRETS:
            assert secret not in text.lower() if secret.islower() else secret not in text

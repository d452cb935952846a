"""Fuzzing: schemathesis generates requests for every operation of the OpenAPI document and
sends them, as a restricted partner system (an API client of organisation A with every scope,
so the access policy is what restricts it), through the whole WSGI stack. Every answer must be
no server error and match the document: status code, content type, headers and body.

Path parameters are pinned to objects that exist and that the user may see (the house's slug,
a case A takes part in, A's referral, an action for A, a question to A), so the generated
bodies and queries reach validation and the actions instead of stopping at "not found".
The number of examples per operation is bounded (FUZZ_EXAMPLES, default 25) to keep CI short;
`CASUSREGIE_FUZZ_EXAMPLES=500 python3 dev.py test src/casusregie/api/tests/test_fuzz.py` fuzzes
harder.
"""

from __future__ import annotations

import datetime
import os
from typing import Any

import pytest
import schemathesis
import yaml
from django.core.handlers.wsgi import WSGIHandler
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

from casusregie.aftercare.models import RelapseAlert
from casusregie.cases.models import Case
from casusregie.conftest import Cast
from casusregie.documents.actions import do_upload_document
from casusregie.integrations.scopes import SCOPES
from casusregie.integrations.tests.helpers import create_approved
from casusregie.journal.actions import do_write_entry
from casusregie.meetings.actions import do_plan_meeting
from casusregie.plans.services import ServiceData, do_add_service
from casusregie.webhooks.actions import SubscriptionData, do_create_subscription

from .fuzzing import CHECKS
from .helpers import accept, file_referral, in_a_week, post, url
from .test_openapi import COMMITTED

EXAMPLES = int(os.environ.get("CASUSREGIE_FUZZ_EXAMPLES", "25"))

SCHEMA = schemathesis.openapi.from_dict(yaml.safe_load(COMMITTED.read_text()))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture
def world(cast: Cast, as_user: Any, settings: Any) -> dict[str, int]:
    """Objects participant A may see: A's referral (accepted into a case A takes part in), an
    action for A with A's feedback, a known-to question to A, a meeting A is invited to."""
    referral = file_referral(as_user, cast)
    case = accept(as_user, cast, referral["id"])
    director = as_user(cast.process_director)
    actions = post(
        director,
        url(cast, f"cases/{case['id']}/actions"),
        {
            "actions": [
                {
                    "title": "Huisbezoek",
                    "owner_organisation": cast.org_a.pk,
                    "due_date": in_a_week(),
                }
            ]
        },
    )
    assert actions.status_code == 201, actions.json()
    asked = post(
        director,
        url(cast, f"cases/{case['id']}/known-to-queries"),
        {"organisations": [cast.org_a.pk], "deadline": in_a_week()},
    )
    assert asked.status_code == 201, asked.json()
    meeting = do_plan_meeting(
        cast.house,
        title="Overleg",
        cases=[Case.objects.get(pk=case["id"])],
        invitees=[(cast.org_a, True)],
        slots=[timezone.now() + datetime.timedelta(days=3)],
        actor=cast.process_director,
    )
    feedback = post(
        as_user(cast.participant_a),
        url(cast, f"actions/{actions.json()['results'][0]['id']}/feedback"),
        {"what_was_done": "Gesprek", "result": "Afspraak"},
    )
    assert feedback.status_code == 201, feedback.json()
    settings.WEBHOOKS_ALLOW_LOCAL = True
    # A webhook of A to a closed local port: deliveries fail at once instead of waiting.
    subscription, _secret = do_create_subscription(
        cast.house,
        cast.org_a,
        SubscriptionData(url="http://127.0.0.1:9/hook", event_types=["nl.casusregie.case.closed"]),
        actor=cast.admin,
    )
    # A document of the case by A (decision 0043), so its operations meet a real one.
    document = do_upload_document(
        case=Case.objects.get(pk=case["id"]),
        name="verslag.pdf",
        data=b"%PDF-1.4 fuzz",
        purpose="Afstemming",
        audience="all",
        actor=cast.participant_a,
    )
    # A journal entry by A and a service of A (decisions 0042, 0048): their operations meet a
    # real one instead of a generated id that misses the URL pattern.
    entry = do_write_entry(
        Case.objects.get(pk=case["id"]),
        kind="contact",
        text="Huisbezoek afgelegd.",
        occurred_on=timezone.localdate(),
        purpose="Afstemming",
        actor=cast.participant_a,
    )
    service = do_add_service(
        cast.house,
        cast.org_a,
        ServiceData(
            name="Buurtbemiddeling", domains=["justice"], target_group="Buren", waiting_weeks=3
        ),
        actor=cast.participant_a,
    )
    # A relapse alert on the case (decision 0053), so deciding it meets a real one.
    alert = RelapseAlert.objects.create(
        house=cast.house,
        case_id=case["id"],
        source_kind="referral",
        source_id=referral["id"],
        created_at=timezone.now(),
    )
    return {
        "relapse-alerts": alert.pk,
        "journal": entry.pk,
        "services": service.pk,
        "documents": document.pk,
        "webhooks": subscription.pk,
        "meetings": meeting.pk,
        "item": meeting.agenda.get().pk,
        "feedback": feedback.json()["feedback"][0]["id"],
        "cases": case["id"],
        "referrals": referral["id"],
        "actions": actions.json()["results"][0]["id"],
        "known-to-queries": asked.json()["results"][0]["id"],
    }


def pin(case: Any, slug: str, world: dict[str, int]) -> None:
    if case.path_parameters is None:
        return
    if "slug" in case.path_parameters:
        case.path_parameters["slug"] = slug
    kind = case.operation.path.split("{slug}/")[1].split("/")[0]
    if "id" in case.path_parameters and kind in world:
        case.path_parameters["id"] = world[kind]
    for name in ("item", "feedback"):
        if name in case.path_parameters:
            case.path_parameters[name] = world[name]


@pytest.fixture
def token(cast: Cast) -> str:
    """An API client of organisation A with every scope."""
    _client, new = create_approved(
        cast.house,
        name="Fuzzer",
        organisation=cast.org_a,
        scopes=list(SCOPES),
        actor=cast.admin,
    )
    return new.text


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_every_operation_as_a_restricted_partner(
    operation: Any,
    mode: GenerationMode,
    cast: Cast,
    world: dict[str, int],
    token: str,
    wsgi_app: WSGIHandler,
) -> None:
    """Valid requests (positive) and requests that break the document (negative)."""
    headers = {"Authorization": f"Bearer {token}"}

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Any) -> None:
        pin(case, cast.house.slug, world)
        # Each example may carry its own Idempotency-Key; keep replays from masking the code.
        if case.headers:
            case.headers.pop("Idempotency-Key", None)
            case.headers.pop("Authorization", None)
        response = case.call(app=wsgi_app, headers=headers)
        case.validate_response(response, checks=CHECKS)
        # The token is valid: a 401 would mean the fuzzer only ever met the login wall.
        assert response.status_code != 401, response.text

    fuzz()

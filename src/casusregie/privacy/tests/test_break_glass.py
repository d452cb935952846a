"""Break-the-glass: a partner opens a case outside the policy with a reason; it is logged,
time-limited and on the privacy officer's review list."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.conftest import Cast
from casusregie.privacy.models import (
    AuditEvent,
    GlassBreak,
    ProcessingLogEntry,
    SignalKind,
    UsageSignal,
)

pytestmark = pytest.mark.django_db
REASON = "Acute dreiging bij de woning, ik moet weten wie de casusregisseur is."


def glass_url(cast: Cast) -> str:
    return f"/huizen/{cast.house.slug}/noodtoegang/"


def case_url(cast: Cast, case: Any) -> str:
    return f"/huizen/{cast.house.slug}/casussen/{case.pk}/"


def test_c_opens_the_case_with_a_reason_and_sees_it_with_a_warning(
    as_user: Any, cast: Cast, case: Any
) -> None:
    client = as_user(cast.participant_c)
    assert client.get(case_url(cast, case)).status_code == 404
    response = client.post(glass_url(cast), {"reference": case.reference.lower(), "reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == case_url(cast, case)
    page = client.get(case_url(cast, case)).content.decode()
    assert "Testpersoon" in page
    assert "noodtoegang" in page
    glass = GlassBreak.objects.get(user=cast.participant_c)
    assert glass.reason == REASON
    assert glass.organisation == cast.org_c
    audit = AuditEvent.objects.get(action="case.break_glass")
    assert audit.actor == cast.participant_c
    assert audit.reason == REASON
    assert ProcessingLogEntry.objects.filter(parent_span_id=audit.span_id).count() == 1
    signal = UsageSignal.objects.get(kind=SignalKind.BREAK_GLASS)
    assert signal.user == cast.participant_c
    assert signal.details["case"] == case.reference


def test_access_ends_after_the_period(as_user: Any, cast: Cast, case: Any) -> None:
    client = as_user(cast.participant_c)
    client.post(glass_url(cast), {"reference": case.reference, "reason": REASON})
    GlassBreak.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert client.get(case_url(cast, case)).status_code == 404


@pytest.mark.parametrize(
    ("reference", "reason", "message"),
    [
        ("", REASON, "Dit veld is vereist"),
        ("ZZ-0000-9999", REASON, "Er is geen casus met dit nummer"),
        (None, "", "Dit veld is vereist"),
        (None, "even kijken", "minstens 20 tekens"),
    ],
)
def test_bad_input_is_refused_and_opens_nothing(
    as_user: Any, cast: Cast, case: Any, reference: str | None, reason: str, message: str
) -> None:
    client = as_user(cast.participant_c)
    response = client.post(
        glass_url(cast),
        {"reference": case.reference if reference is None else reference, "reason": reason},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not GlassBreak.objects.exists()
    assert not UsageSignal.objects.exists()
    assert client.get(case_url(cast, case)).status_code == 404


@pytest.mark.parametrize(
    "who", ["process_director", "triage", "admin", "privacy_officer", "other_house_user"]
)
def test_roles_without_emergency_access_do_not_get_the_page(
    as_user: Any, cast: Cast, case: Any, who: str
) -> None:
    client = as_user(cast.members()[who])
    assert client.get(glass_url(cast)).status_code == 404
    response = client.post(glass_url(cast), {"reference": case.reference, "reason": REASON})
    assert response.status_code == 404
    assert not GlassBreak.objects.exists()


def test_anonymous_is_sent_to_login(client: Any, cast: Cast) -> None:
    response = client.get(glass_url(cast))
    assert response.status_code == 302
    assert "/inloggen/" in response["Location"]


def test_emergency_access_does_not_open_restricted_items(
    as_user: Any, cast: Cast, case: Any
) -> None:
    """The case overview opens; the case's actions and contributions keep their own policy."""
    from casusregie.plans.models import Action
    from casusregie.privacy import policy

    as_user(cast.participant_c).post(
        glass_url(cast), {"reference": case.reference, "reason": REASON}
    )
    assert policy.visible(cast.participant_c, Action).filter(case=case).count() == 0

"""The fixed test cast (docs/testing.md) shared by every test.

House A ("Heuvelland-test", MB-style) has three partner organisations besides its own staff:
A (police), B (housing corporation) and C (mental health). House B is another house with its
own organisation. The cast: the process director, a participant of A, of B and of C, the
functional administrator of house A, the triage member, the privacy officer (who sees logs and
registers but no case content), a user of the other house, and an anonymous visitor.
Later issues put A and B in a case and leave C out of it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.houses.models import (
    GovernanceForm,
    House,
    Organisation,
    OrganisationKind,
    Partnership,
    Ring,
)

PASSWORD = "correct horse battery staple"  # noqa: S105 - synthetic test accounts


@dataclass
class Cast:
    house: House
    other_house: House
    staff: Organisation
    org_a: Organisation
    org_b: Organisation
    org_c: Organisation
    other_org: Organisation
    process_director: User
    participant_a: User
    participant_b: User
    participant_c: User
    admin: User
    other_house_user: User
    triage: User
    privacy_officer: User
    auditor: User

    def members(self) -> dict[str, User]:
        return {
            "process_director": self.process_director,
            "participant_a": self.participant_a,
            "participant_b": self.participant_b,
            "participant_c": self.participant_c,
            "admin": self.admin,
            "other_house_user": self.other_house_user,
            "triage": self.triage,
            "privacy_officer": self.privacy_officer,
            "auditor": self.auditor,
        }


def make_user(email: str, name: str, house: House, org: Organisation, role: Role) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=name)
    Membership.objects.create(user=user, house=house, organisation=org, role=role)
    TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    confirm_working_method(user, house)
    return user


def confirm_working_method(user: User, house: House) -> None:
    """The cast has read the house's working method (privacy/tests/test_onboarding.py tests
    what happens before that)."""
    from casusregie.privacy.models import Confirmation, WorkingMethod

    method = WorkingMethod.objects.filter(house=house).order_by("-version").first()
    if method is not None:
        Confirmation.objects.get_or_create(method=method, user=user)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Every test starts with an empty cache: SQLite hands out the same ids again after each
    test, so figures cached for "house 1" by one test must not show up in the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def document_dir(settings: Any, tmp_path: Any) -> Any:
    """Every test keeps uploaded documents in its own temporary folder, and scans nothing
    (documents/tests starts a fake clamd where it needs one)."""
    folder = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    settings.CLAMD = ""
    return folder


@pytest.fixture
def cast(db: Any) -> Cast:
    return build_cast()


def build_cast() -> Cast:
    """The fixed cast in the current database (also used to set up a server process's database
    in tests that run the product as a separate process)."""
    house = House.objects.create(
        name="ZVH Heuvelland-test",
        slug="heuvelland-test",
        region="Heuvelland",
        governance_form=GovernanceForm.LEAD,
    )
    other_house = House.objects.create(
        name="ZVH Duinstreek-test",
        slug="duinstreek-test",
        region="Duinstreek",
        governance_form=GovernanceForm.NAO,
    )
    staff = Organisation.objects.create(
        name="ZVH Heuvelland-test team", kind=OrganisationKind.HOUSE_STAFF
    )
    org_a = Organisation.objects.create(
        name="Politie Heuvelland-test", kind=OrganisationKind.POLICE
    )
    org_b = Organisation.objects.create(
        name="Woonstichting Heuvelland-test", kind=OrganisationKind.HOUSING
    )
    org_c = Organisation.objects.create(
        name="GGZ Heuvelland-test", kind=OrganisationKind.MENTAL_HEALTH
    )
    other_org = Organisation.objects.create(
        name="Politie Duinstreek-test", kind=OrganisationKind.POLICE
    )
    Partnership.objects.create(house=house, organisation=staff, ring=Ring.CORE)
    for org in (org_a, org_b, org_c):
        Partnership.objects.create(house=house, organisation=org, ring=Ring.KEY)
    Partnership.objects.create(house=other_house, organisation=other_org, ring=Ring.KEY)
    return Cast(
        house=house,
        other_house=other_house,
        staff=staff,
        org_a=org_a,
        org_b=org_b,
        org_c=org_c,
        other_org=other_org,
        process_director=make_user(
            "pr@test.invalid", "Paula Regisseur", house, staff, Role.PROCESS_DIRECTOR
        ),
        participant_a=make_user(
            "a@test.invalid", "Arie Agent", house, org_a, Role.PARTNER_PARTICIPANT
        ),
        participant_b=make_user(
            "b@test.invalid", "Bea Woning", house, org_b, Role.PARTNER_PARTICIPANT
        ),
        participant_c=make_user(
            "c@test.invalid", "Cor Zorg", house, org_c, Role.PARTNER_PARTICIPANT
        ),
        admin=make_user("beheer@test.invalid", "Bert Beheer", house, staff, Role.FUNCTIONAL_ADMIN),
        other_house_user=make_user(
            "ander@test.invalid", "Olga Ander", other_house, other_org, Role.PARTNER_PARTICIPANT
        ),
        triage=make_user(
            "toegang@test.invalid", "Tineke Toegang", house, staff, Role.TRIAGE_MEMBER
        ),
        privacy_officer=make_user(
            "fg@test.invalid", "Frits Gegevens", house, staff, Role.PRIVACY_OFFICER
        ),
        auditor=make_user("audit@test.invalid", "Anna Audit", house, staff, Role.AUDITOR),
    )


# A valid, clearly synthetic BSN (passes the eleven-test).
TEST_BSN = "111222333"


@pytest.fixture
def case(cast: Cast) -> Any:
    """A case in `house` about one person, in which A and B take part and C does not."""
    from casusregie.cases import actions as case_actions
    from casusregie.cases.models import SubjectKind

    subject = case_actions.create_subject(
        cast.house,
        case_actions.SubjectData(
            first_name="Jan",
            last_name="Testpersoon",
            date_of_birth=datetime.date(1980, 5, 17),
            bsn=TEST_BSN,
        ),
    )
    return case_actions.create_case(
        cast.house,
        kind=SubjectKind.PERSON,
        title="Jan Testpersoon",
        urgency="normal",
        subjects=[(subject, True, "", False)],
        actor=cast.process_director,
        process_director=cast.process_director,
        participants=[
            (cast.org_a, "Melder", "Verwees de casus"),
            (cast.org_b, "Deelnemer", "Huisvesting"),
        ],
    )


def verified_client(user: User) -> Client:
    """A client logged in as `user` who has passed two-factor verification."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def as_user() -> Any:
    return verified_client


@dataclass
class SmtpServer:
    """A real SMTP server on loopback; `messages` holds what it received, parsed."""

    port: int
    messages: list[Any]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Any]:
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp_server(settings: Any) -> Any:
    """Start aiosmtpd on a free port and point Django's SMTP backend at it."""
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            received.append(message)
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield SmtpServer(port=port, messages=received)
    finally:
        controller.stop()


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """The production WSGI handler, minus closing the connection after each request: the test's
    transaction must survive (the same thing Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)

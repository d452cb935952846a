"""Property-based test (hypothesis) of the access policy against its written rule.

For random memberships (house, organisation, role, active or ended) and random participations
of organisations in a case (active or ended), a user sees the case through `policy.visible`
and through its API detail exactly when docs/privacy.md ("Who sees what") says so:

- process directors, triage members and house managers of the case's house: every case;
- partner participants and partner managers: the cases their organisation takes part in (while
  it does), in that house;
- privacy officers, functional administrators and auditors: no case content;
- members of another house: nothing.

The rule is written out below from the document, not taken from the code under test.
"""

from __future__ import annotations

import datetime
import itertools
import os
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from casusregie.accounts.models import Membership, User
from casusregie.accounts.roles import Role
from casusregie.cases import actions as case_actions
from casusregie.cases.models import Case, Participation, SubjectKind
from casusregie.conftest import Cast
from casusregie.privacy import policy

EXAMPLES = int(os.environ.get("CASUSREGIE_PROPERTY_EXAMPLES", "120"))
SEES_EVERY_CASE = {Role.PROCESS_DIRECTOR, Role.TRIAGE_MEMBER, Role.HOUSE_MANAGER}
SEES_OWN_CASES = {Role.PARTNER_PARTICIPANT, Role.PARTNER_MANAGER}
ORGS = ["staff", "org_a", "org_b", "org_c", "other_org"]
HOUSES = ["house", "other_house"]

membership = st.tuples(
    st.sampled_from(HOUSES),
    st.sampled_from(ORGS),
    st.sampled_from(list(Role)),
    st.booleans(),  # ended
)
world = st.fixed_dictionaries(
    {
        "people": st.lists(st.lists(membership, max_size=3), min_size=1, max_size=4),
        "taking_part": st.dictionaries(
            st.sampled_from(["org_a", "org_b", "org_c"]), st.booleans(), max_size=3
        ),  # organisation → its participation ended
    }
)


def may_see(memberships: list[tuple[str, str, Role, bool]], taking_part: dict[str, bool]) -> bool:
    """docs/privacy.md, for a case in `house`."""
    for house, org, role, ended in memberships:
        if ended or house != "house":
            continue
        if role in SEES_EVERY_CASE:
            return True
        if role in SEES_OWN_CASES and org in taking_part and not taking_part[org]:
            return True
    return False


@pytest.mark.django_db
def test_a_user_sees_a_case_exactly_when_the_written_rule_says_so(cast: Cast) -> None:
    counter = itertools.count()

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(example=world)
    def run(example: dict[str, Any]) -> None:
        subject = case_actions.create_subject(
            cast.house,
            case_actions.SubjectData(
                first_name="Regel", last_name="Toets", date_of_birth=datetime.date(1970, 1, 1)
            ),
        )
        case = case_actions.create_case(
            cast.house,
            kind=SubjectKind.PERSON,
            title="Regeltoets",
            urgency="normal",
            subjects=[(subject, True, "", False)],
            actor=cast.process_director,
            participants=[(getattr(cast, org), "Deelnemer", "") for org in example["taking_part"]],
        )
        ended = [org for org, gone in example["taking_part"].items() if gone]
        Participation.objects.filter(
            case=case, organisation__in=[getattr(cast, org) for org in ended]
        ).update(ended_at=timezone.now())
        for memberships in example["people"]:
            user = User.objects.create_user(
                email=f"regel{next(counter)}@test.invalid", password=None, full_name="Regel"
            )
            for house, org, role, gone in set(memberships):
                Membership.objects.create(
                    user=user,
                    house=getattr(cast, house),
                    organisation=getattr(cast, org),
                    role=role,
                    ended_at=timezone.now() if gone else None,
                )
            expected = may_see(memberships, example["taking_part"])
            seen = policy.visible(user, Case).filter(pk=case.pk).exists()
            assert seen == expected, (memberships, example["taking_part"])

    run()

"""An NHN-style house in a real browser (issue 9): only covenant partners that are stuck may
refer, and the referrer proposes whom to invite. The police officer refers with a stuck
statement and proposes mental-health care; triage accepts; the process director plans a case
meeting and finds the proposed partner already suggested; that partner is invited."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from casusregie.conftest import TEST_BSN, Cast
from casusregie.houses.models import InviteeChoice, ReferralRights
from casusregie.meetings.models import Meeting
from casusregie.referrals.models import Referral

pytestmark = pytest.mark.django_db(transaction=True)


def test_nhn_house_journey(journey: Any, cast: Cast) -> None:
    cast.house.referral_rights = ReferralRights.STUCK_COVENANT_PARTNERS
    cast.house.invitee_choice = InviteeChoice.REFERRER
    cast.house.save()
    house = f"/huizen/{cast.house.slug}"

    police = journey("politie")
    police.login(cast.participant_a)
    page = police.go(f"{house}/meldingen/nieuw/")
    page.check('[name="kind"][value="person"]')
    page.fill('[name="persoon-0-first_name"]', "Sanne")
    page.fill('[name="persoon-0-last_name"]', "Vastgelopen")
    page.fill('[name="persoon-0-bsn"]', TEST_BSN)
    page.fill('[name="concern_mental_health"]', "Ernstige psychische klachten, zorg geweigerd")
    page.fill('[name="goal"]', "Zorg en veiligheid in één plan")
    page.check('[name="subject_informed"][value="yes"]')
    page.get_by_role("button", name="Melding indienen").click()
    assert page.get_by_text("waarom").first.is_visible()  # NHN: the stuck statement is required
    assert not Referral.objects.filter(status="submitted").exists()
    police.check("vastgelopen-verplicht")
    page.fill('[name="stuck_statement"]', "Wij krijgen geen contact; zorg wordt steeds geweigerd.")
    page.get_by_label(cast.org_c.name).check()
    page.get_by_role("button", name="Melding indienen").click()
    page.wait_for_load_state()
    referral = Referral.objects.get(status="submitted")
    assert list(referral.proposed_invitees.all()) == [cast.org_c]
    police.check("ingediend")

    triage = journey("toegang")
    triage.login(cast.triage)
    page = triage.go(f"{house}/meldingen/{referral.pk}/accepteren/")
    for box in page.locator('[name="criteria"]').all():
        box.check()
    page.get_by_label("Procesregisseur").select_option(str(cast.process_director.pk))
    page.get_by_role("button", name="Accepteren").click()
    page.wait_for_load_state()
    referral.refresh_from_db()
    case = referral.case
    assert case is not None
    triage.check("geaccepteerd")

    chair = journey("regisseur")
    chair.login(cast.process_director)
    page = chair.go(f"{house}/overleggen/nieuw/?casus={case.pk}")
    invite = page.get_by_role("group", name="Nodig deze organisaties uit")
    assert invite.get_by_label(cast.org_c.name).is_checked()  # proposed by the referrer
    assert invite.get_by_label(cast.org_a.name).is_checked()  # the referrer takes part
    first = timezone.localtime(timezone.now() + datetime.timedelta(days=4)).replace(
        hour=10, minute=0
    )
    slots = "\n".join(
        (first + datetime.timedelta(days=d)).strftime("%d-%m-%Y %H:%M") for d in (0, 1)
    )
    page.get_by_label("Voorgestelde tijdstippen").fill(slots)
    chair.check("overleg-plannen")
    page.get_by_role("button", name="Plannen en beschikbaarheid vragen").click()
    page.wait_for_load_state()
    meeting = Meeting.objects.get()
    assert set(meeting.invitations.values_list("organisation", flat=True)) >= {
        cast.org_a.pk,
        cast.org_c.pk,
    }
    chair.check("overleg")

    care = journey("ggz")
    care.login(cast.participant_c)
    page = care.go(f"{house}/overleggen/{meeting.pk}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Casusoverleg")
    care.check("uitgenodigd")

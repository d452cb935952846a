"""Convergence alerts: raised when two organisations signal about one person, seen by the
process director and the organisations named, by nobody else; handled by the process director;
linked to the referral that follows."""

from __future__ import annotations

import pytest

from casusregie.cases.actions import SubjectData
from casusregie.cases.models import SubjectKind
from casusregie.conftest import TEST_BSN, Cast
from casusregie.inbox.models import Notification
from casusregie.privacy.models import Disclosure, ProcessingLogEntry
from casusregie.referrals import actions as referral_actions
from casusregie.signals.models import Alert, AlertStatus

from .helpers import BSN_1, BSN_2, base, signal_post

pytestmark = pytest.mark.django_db


def converge(as_user, cast: Cast, bsn: str = BSN_1) -> Alert:
    signal_post(as_user(cast.participant_a), cast, cast.org_a, bsn=bsn, category="nuisance")
    response = signal_post(as_user(cast.participant_b), cast, cast.org_b, bsn=bsn, category="debts")
    assert response.status_code == 302
    return Alert.objects.get()


def test_two_organisations_raise_an_alert_that_names_them_not_the_person(
    as_user, cast: Cast
) -> None:
    signal_post(as_user(cast.participant_a), cast, cast.org_a)
    assert not Alert.objects.exists()
    alert = converge(as_user, cast)
    assert set(alert.organisations.all()) == {cast.org_a, cast.org_b}
    assert alert.categories == ["debts", "nuisance"]
    assert alert.status == AlertStatus.OPEN
    told = set(Notification.objects.values_list("user__email", flat=True))
    assert told == {"pr@test.invalid", "a@test.invalid", "b@test.invalid"}
    message = Notification.objects.first().message
    assert "Politie Heuvelland-test" in message
    assert BSN_1 not in message
    line = ProcessingLogEntry.objects.filter(name="signal.alert")
    assert line.exists()
    disclosure = Disclosure.objects.get(name="signal.alert")
    assert set(disclosure.recipients.all()) == {cast.org_a, cast.org_b}
    for who in (cast.process_director, cast.participant_a, cast.participant_b):
        page = as_user(who).get(f"{base(cast)}samenloop/{alert.pk}/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "Woonstichting Heuvelland-test" in text
        assert BSN_1 not in text


def test_one_organisation_twice_is_no_convergence(as_user, cast: Cast) -> None:
    client = as_user(cast.participant_a)
    signal_post(client, cast, cast.org_a, category="nuisance")
    signal_post(client, cast, cast.org_a, category="debts")
    assert not Alert.objects.exists()


def test_signals_outside_the_window_do_not_converge(as_user, cast: Cast, settings) -> None:
    import datetime

    from .helpers import today

    settings.SIGNALS_WINDOW_DAYS = 10
    old = (today() - datetime.timedelta(days=20)).isoformat()
    signal_post(as_user(cast.participant_a), cast, cast.org_a, observed_on=old)
    signal_post(as_user(cast.participant_b), cast, cast.org_b)
    assert not Alert.objects.exists()


def test_the_threshold_is_a_setting(as_user, cast: Cast, settings) -> None:
    settings.SIGNALS_MIN_ORGANISATIONS = 3
    signal_post(as_user(cast.participant_a), cast, cast.org_a)
    signal_post(as_user(cast.participant_b), cast, cast.org_b)
    assert not Alert.objects.exists()
    signal_post(as_user(cast.participant_c), cast, cast.org_c)
    assert Alert.objects.get().organisations.count() == 3


@pytest.mark.parametrize("who", ["participant_c", "other_house_user", "admin", "triage"])
def test_an_organisation_not_named_never_learns_of_the_alert(as_user, cast: Cast, who) -> None:
    alert = converge(as_user, cast)
    client = as_user(getattr(cast, who))
    assert client.get(f"{base(cast)}samenloop/{alert.pk}/").status_code == 404
    index = client.get(base(cast))
    if index.status_code == 200:
        text = index.content.decode()
        assert f"S-{alert.pk}" not in text
        assert "Politie Heuvelland-test" not in text
    assert not Notification.objects.filter(user=getattr(cast, who)).exists()


def test_c_is_told_once_its_own_signal_joins(as_user, cast: Cast) -> None:
    alert = converge(as_user, cast)
    signal_post(as_user(cast.participant_c), cast, cast.org_c, category="youth")
    alert.refresh_from_db()
    assert alert.organisations.count() == 3
    assert as_user(cast.participant_c).get(f"{base(cast)}samenloop/{alert.pk}/").status_code == 200


def test_process_director_asks_for_a_referral_and_the_referral_shows_it(
    as_user, cast: Cast
) -> None:
    alert = converge(as_user, cast, bsn=TEST_BSN)
    url = f"{base(cast)}samenloop/{alert.pk}/melding-vragen/"
    assert as_user(cast.participant_a).post(url).status_code == 403
    assert as_user(cast.participant_c).post(url).status_code == 404
    assert as_user(cast.other_house_user).post(url).status_code == 404
    assert as_user(cast.process_director).post(url).status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.REFERRAL_REQUESTED
    assert alert.handled_by == cast.process_director
    asked = Notification.objects.filter(link__contains="samenloop=").values_list(
        "user__email", flat=True
    )
    assert set(asked) == {"a@test.invalid", "b@test.invalid"}
    assert ProcessingLogEntry.objects.filter(name="signal.alert.request-referral").exists()
    # Asking twice is refused with a message, nothing changes.
    again = as_user(cast.process_director).post(url, follow=True)
    assert again.status_code == 200
    # Participant A files the referral about the same person.
    data = referral_actions.ReferralData(
        kind=SubjectKind.PERSON,
        urgency="normal",
        subjects=[SubjectData(first_name="Jan", last_name="Testpersoon", bsn=TEST_BSN)],
        concerns={"housing": "Huurachterstand en overlast"},
        goal="Afstemmen",
        stuck_statement="Wij komen er niet uit",
        subject_informed=True,
    )
    referral = referral_actions.do_save_referral(
        cast.house, data, actor=cast.participant_a, organisation=cast.org_a, submit=True
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.REFERRED
    assert alert.referral == referral
    page = as_user(cast.process_director).get(f"/huizen/{cast.house.slug}/meldingen/{referral.pk}/")
    assert "Al bekend: signalen van 2 organisaties" in page.content.decode()
    assert ProcessingLogEntry.objects.filter(name="signal.known-to-referral").exists()
    own = as_user(cast.participant_a).get(f"/huizen/{cast.house.slug}/meldingen/{referral.pk}/")
    assert "Al bekend" not in own.content.decode()


def test_process_director_closes_an_alert_with_a_reason(as_user, cast: Cast) -> None:
    alert = converge(as_user, cast)
    url = f"{base(cast)}samenloop/{alert.pk}/afsluiten/"
    assert as_user(cast.participant_b).post(url, {"reason": "no_concern"}).status_code == 403
    bad = as_user(cast.process_director).post(url, {"reason": "whatever"})
    assert bad.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    as_user(cast.process_director).post(url, {"reason": "no_concern"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert ProcessingLogEntry.objects.filter(name="signal.alert.close").exists()
    # A new signal after closing raises a new alert (the old one stays closed).
    signal_post(as_user(cast.participant_c), cast, cast.org_c)
    assert Alert.objects.filter(status=AlertStatus.OPEN).count() == 1


def test_alerts_are_per_person(as_user, cast: Cast) -> None:
    converge(as_user, cast, bsn=BSN_1)
    signal_post(as_user(cast.participant_a), cast, cast.org_a, bsn=BSN_2)
    assert Alert.objects.count() == 1

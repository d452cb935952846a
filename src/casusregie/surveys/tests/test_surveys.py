"""Partner surveys: composing, personal links, anonymity, thresholds, statistics, import."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casusregie.conftest import verified_client
from casusregie.privacy.models import AuditEvent
from casusregie.surveys import actions
from casusregie.surveys.models import Answer, Invitation, Response, Survey
from casusregie.surveys.results import item_scores, survey_results

TODAY = timezone.localdate()


def make_survey(cast: Any, **kwargs: Any) -> Survey:
    args: dict[str, Any] = {
        "template": "satisfaction",
        "opens_on": timezone.localdate() - datetime.timedelta(days=1),
        "closes_on": timezone.localdate() + datetime.timedelta(days=14),
    }
    args.update(kwargs)
    return actions.create_survey(cast.house, actor=cast.admin, **args)


def tokens_from_mail() -> dict[str, str]:
    found = {}
    for message in mail.outbox:
        link = next(line for line in message.body.splitlines() if "/enquete/" in line)
        found[message.to[0]] = link.rstrip("/").rsplit("/", 1)[1]
    return found


def invite(cast: Any, survey: Survey, django_capture_on_commit_callbacks: Any) -> dict[str, str]:
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_invitations(survey, actor=cast.admin)
    return tokens_from_mail()


def test_templates_hold_the_items_the_network_diagnosis_needs(cast: Any) -> None:
    survey = make_survey(cast)
    keys = set(survey.items.values_list("key", flat=True))
    assert {"integral_cooperation", "clear_goal", "trait_cooperative", "grade_overall"} <= keys
    assert any(k.startswith("trust_") for k in keys)
    assert any(k.startswith("goal_consensus_") for k in keys)
    for template in ("guide_house_staff", "guide_police"):
        guide = make_survey(cast, template=template)
        assert guide.items.filter(kind="open").count() > 5
        assert guide.items.filter(kind="agree").exists()
    assert AuditEvent.objects.filter(action="survey.create").count() == 3


def test_admin_composes_a_survey_on_the_page(cast: Any) -> None:
    client = verified_client(cast.admin)
    url = reverse("surveys:list", args=[cast.house.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert "Enquêtes" in page.content.decode()
    # The opening date starts at today, in the ISO form a date input can show.
    assert f'value="{timezone.localdate().isoformat()}"' in page.content.decode()
    answer = client.post(
        url,
        {
            "template": "satisfaction",
            "min_responses": "5",
            "opens_on": "2026-12-01",
            "closes_on": "2026-12-31",
        },
    )
    survey = Survey.objects.get()
    assert answer.status_code == 302
    assert survey.groups == ["manager", "participant"]
    assert (
        client.get(reverse("surveys:detail", args=[cast.house.slug, survey.pk])).status_code == 200
    )


def test_bad_compose_input_is_refused_and_nothing_stored(cast: Any) -> None:
    client = verified_client(cast.admin)
    answer = client.post(
        reverse("surveys:list", args=[cast.house.slug]),
        {
            "template": "satisfaction",
            "min_responses": "0",
            "opens_on": "2026-12-31",
            "closes_on": "2026-12-01",
        },
    )
    assert answer.status_code == 400
    assert "Verbeter het volgende" in answer.content.decode()
    with pytest.raises(ValidationError) as error:
        make_survey(cast, closes_on=TODAY - datetime.timedelta(days=30))
    assert "closes_on" in error.value.message_dict
    assert not Survey.objects.exists()


@pytest.mark.parametrize("who", ["participant_a", "process_director", "privacy_officer"])
def test_others_in_the_house_may_not_compose_or_read(cast: Any, who: str) -> None:
    survey = make_survey(cast)
    client = verified_client(getattr(cast, who))
    assert client.get(reverse("surveys:list", args=[cast.house.slug])).status_code == 404
    assert (
        client.get(reverse("surveys:detail", args=[cast.house.slug, survey.pk])).status_code == 404
    )
    assert (
        client.post(reverse("surveys:invite", args=[cast.house.slug, survey.pk])).status_code == 404
    )
    assert not Invitation.objects.exists()


def test_another_house_does_not_see_the_survey(cast: Any) -> None:
    survey = make_survey(cast)
    client = verified_client(cast.other_house_user)
    assert (
        client.get(reverse("surveys:detail", args=[cast.house.slug, survey.pk])).status_code == 404
    )
    assert (
        client.get(reverse("surveys:detail", args=[cast.other_house.slug, survey.pk])).status_code
        == 404
    )


def test_personal_links_answer_once_and_anonymously(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    survey = make_survey(cast)
    tokens = invite(cast, survey, django_capture_on_commit_callbacks)
    assert set(tokens) == {"a@test.invalid", "b@test.invalid", "c@test.invalid"}
    assert all(len(t) >= 40 for t in tokens.values())
    # no token is stored in the clear
    assert not Invitation.objects.filter(token_hash__in=tokens.values()).exists()
    url = reverse("surveys_public:answer", args=[tokens["a@test.invalid"]])
    page = Client().get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<fieldset" in html
    assert "<legend" in html
    assert 'for="id_clear_goal_0"' in html or "id_clear_goal_0" in html
    answered = Client().post(
        url, {"grade_overall": "8", "clear_goal": "agree", "open_improve": "Sneller"}
    )
    assert answered.status_code == 200
    assert "Bedankt" in answered.content.decode()
    again = Client().post(url, {"grade_overall": "2"})
    assert again.status_code == 409
    assert "al gebruikt" in again.content.decode()
    assert Response.objects.count() == 1
    assert Answer.objects.filter(grade=2).count() == 0
    # anonymity: the response has no field that points at a person or an invitation
    fields = {f.name for f in Response._meta.get_fields()}
    assert fields == {"id", "survey", "group", "source", "answers"}
    assert Invitation.objects.filter(used=True).count() == 1
    # a second invitation round does not invite the same people again
    mail.outbox.clear()
    assert actions.send_invitations(survey, actor=cast.admin) == 0


def test_bad_answers_are_refused_and_nothing_stored(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    survey = make_survey(cast)
    token = invite(cast, survey, django_capture_on_commit_callbacks)["a@test.invalid"]
    url = reverse("surveys_public:answer", args=[token])
    page = Client().post(url, {"grade_overall": "11", "clear_goal": "maybe"})
    assert page.status_code == 400
    assert "Verbeter het volgende" in page.content.decode()
    for data in ({"grade_overall": 11}, {"grade_overall": -1}, {"no_such_item": "3"}):
        with pytest.raises(ValidationError):
            actions.submit(token, data)
    with pytest.raises(ValidationError):
        actions.submit("not-a-token", {"grade_overall": 5})
    assert not Response.objects.exists()
    assert not Invitation.objects.filter(used=True).exists()
    assert Client().get(reverse("surveys_public:answer", args=["nope"])).status_code == 404


def add(survey: Survey, group: str, **answers: Any) -> None:
    actions._store(survey, group, actions.clean_answers(survey, answers), "import")


def test_results_are_hidden_below_the_threshold(cast: Any) -> None:
    survey = make_survey(cast, min_responses=3)
    for grade in (6, 7):
        add(survey, "participant", grade_overall=grade)
    results = {r.group: r for r in survey_results(survey)}
    assert not results["participant"].shown
    assert results["participant"].scores == []
    assert item_scores(cast.house, "grade_") == {}
    page = verified_client(cast.admin).get(
        reverse("surveys:detail", args=[cast.house.slug, survey.pk])
    )
    assert "nog te weinig antwoorden" in page.content.decode().lower()
    add(survey, "participant", grade_overall=9)
    results = {r.group: r for r in survey_results(survey)}
    assert results["participant"].shown
    assert not results["manager"].shown


def test_statistics_match_hand_computed_values(cast: Any) -> None:
    survey = make_survey(cast, min_responses=5)
    # grades 6, 7, 8, 8, 9 → mean 7.6
    # clear_goal: strongly agree, agree, neutral, disagree, don't know
    # → 2 of the 4 with an opinion agree = 50%
    rows = [
        (6, "strongly_agree", "agree"),
        (7, "agree", "agree"),
        (8, "neutral", "disagree"),
        (8, "disagree", "dont_know"),
        (9, "dont_know", "strongly_agree"),
    ]
    for grade, goal, trust in rows:
        add(
            survey,
            "participant",
            grade_overall=grade,
            clear_goal=goal,
            trust_agreements_kept=trust,
            open_improve="Meer terugkoppeling" if grade == 9 else "",
        )
    result = {r.group: r for r in survey_results(survey)}["participant"]
    scores = {item.key: score for item, score in result.scores}
    assert scores["grade_overall"].n == 5
    assert scores["grade_overall"].value == 7.6
    assert scores["clear_goal"].n == 4
    assert scores["clear_goal"].value == 50.0
    assert scores["open_improve"].texts == ["Meer terugkoppeling"]
    trust = item_scores(cast.house, "trust_")
    # agree, agree, disagree, strongly agree (don't know left out) → 3 of 4 = 75%
    assert trust["trust_agreements_kept"].value == 75.0
    assert trust["trust_agreements_kept"].n == 4
    assert item_scores(cast.house, "trust_", since=TODAY + datetime.timedelta(days=30)) == {}
    assert item_scores(cast.other_house, "trust_") == {}
    page = verified_client(cast.admin).get(
        reverse("surveys:detail", args=[cast.house.slug, survey.pk])
    )
    html = page.content.decode()
    assert "7,6" in html or "7.6" in html
    assert "Meer terugkoppeling" in html


def test_csv_import_is_validated_all_or_nothing_and_runs_once(cast: Any, tmp_path: Any) -> None:
    survey = make_survey(cast)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "group,grade_overall,clear_goal\nparticipant,7,agree\nparticipant,11,agree\nboss,5,agree\n"
    )
    with pytest.raises(CommandError):
        call_command("survey_import", str(bad), survey=survey.pk)
    assert not Response.objects.exists()
    with pytest.raises(ValidationError) as error:
        actions.import_csv(survey, bad.read_bytes())
    text = " ".join(error.value.messages)
    assert "rij 3, kolom grade_overall" in text
    assert "rij 4, kolom group" in text
    with pytest.raises(ValidationError) as error:
        actions.import_csv(survey, b"group,unknown_key\nparticipant,3\n")
    assert "unknown_key" in " ".join(error.value.messages)
    good = tmp_path / "good.csv"
    good.write_text("group;grade_overall;clear_goal\nparticipant;7;agree\nmanager;8;\n")
    call_command("survey_import", str(good), survey=survey.pk)
    call_command("survey_import", str(good), survey=survey.pk)
    assert Response.objects.count() == 2
    assert AuditEvent.objects.filter(action="survey.import").count() == 1


def test_demo_survey_shows_participants_and_hides_the_few_managers(cast: Any) -> None:
    from casusregie.surveys.demo import load_demo_surveys

    load_demo_surveys(lambda _line: None, 2026)
    survey = Survey.objects.get(house=cast.house)
    results = {r.group: r for r in survey_results(survey)}
    assert results["participant"].shown
    assert results["participant"].responses == 12
    assert not results["manager"].shown


def test_admin_adds_own_questions_until_links_are_sent(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    survey = make_survey(cast, template="blank")
    client = verified_client(cast.admin)
    invite_url = reverse("surveys:invite", args=[cast.house.slug, survey.pk])
    client.post(invite_url)
    assert not Invitation.objects.exists()
    url = reverse("surveys:add_item", args=[cast.house.slug, survey.pk])
    bad = client.post(url, {"text": "", "kind": "grade", "key": "Geen Sleutel"})
    assert bad.status_code == 400
    assert "Verbeter het volgende" in bad.content.decode()
    assert not survey.items.exists()
    good = client.post(
        url, {"text": "Ik vertrouw de partners.", "kind": "agree", "key": "trust_partners"}
    )
    assert good.status_code == 302
    assert list(survey.items.values_list("key", flat=True)) == ["trust_partners"]
    duplicate = client.post(url, {"text": "Nog eens", "kind": "agree", "key": "trust_partners"})
    assert duplicate.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        client.post(invite_url)
    assert len(mail.outbox) == 3
    late = client.post(url, {"text": "Te laat", "kind": "open", "key": "late"})
    assert late.status_code == 400
    assert survey.items.count() == 1


def test_house_manager_may_compose_and_read(cast: Any) -> None:
    from casusregie.accounts.roles import Role
    from casusregie.conftest import make_user

    manager = make_user("hm@test.invalid", "Hanna Huis", cast.house, cast.staff, Role.HOUSE_MANAGER)
    survey = make_survey(cast)
    client = verified_client(manager)
    assert (
        client.get(reverse("surveys:detail", args=[cast.house.slug, survey.pk])).status_code == 200
    )
    menu = client.get(reverse("surveys:list", args=[cast.house.slug])).content.decode()
    assert reverse("surveys:list", args=[cast.house.slug]) in menu


def test_a_closed_survey_takes_no_answers(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    survey = make_survey(cast)
    token = invite(cast, survey, django_capture_on_commit_callbacks)["b@test.invalid"]
    Survey.objects.filter(pk=survey.pk).update(
        opens_on=TODAY - datetime.timedelta(days=30), closes_on=TODAY - datetime.timedelta(days=1)
    )
    page = Client().get(reverse("surveys_public:answer", args=[token]))
    assert "niet geopend" in page.content.decode()
    with pytest.raises(ValidationError):
        actions.submit(token, {"grade_overall": 7})
    assert not Response.objects.exists()


def test_reimport_says_nothing_changed(cast: Any, tmp_path: Any) -> None:
    from io import StringIO

    survey = make_survey(cast)
    good = tmp_path / "good.csv"
    good.write_text("group,grade_overall\nparticipant,7\n")
    out = StringIO()
    call_command("survey_import", str(good), survey=survey.pk, stdout=out)
    call_command("survey_import", str(good), survey=survey.pk, stdout=out)
    assert "1 responses imported" in out.getvalue()
    assert "imported before" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("survey_import", str(good), survey=99999)


def test_a_draft_survey_questions_can_be_changed_and_removed(cast: Any) -> None:
    survey = make_survey(cast)
    item = survey.items.get(key="clear_goal")
    client = verified_client(cast.admin)
    url = reverse("surveys:edit_item", args=[cast.house.slug, survey.pk, item.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Iedere cliënt krijgt een helder en haalbaar doel." in page.content.decode()
    changed = client.post(
        url, {"text": " Iedere cliënt krijgt één helder doel. ", "section": "Doel"}
    )
    assert changed.status_code == 302
    item.refresh_from_db()
    assert item.text == "Iedere cliënt krijgt één helder doel."
    assert item.section == "Doel"
    assert item.key == "clear_goal"
    event = AuditEvent.objects.get(action="survey.item.edit")
    assert event.before["text"] == "Iedere cliënt krijgt een helder en haalbaar doel."
    remove = reverse("surveys:remove_item", args=[cast.house.slug, survey.pk, item.pk])
    assert client.post(remove).status_code == 302
    assert not survey.items.filter(key="clear_goal").exists()
    assert AuditEvent.objects.filter(action="survey.item.remove").exists()


def test_bad_edits_and_sent_surveys_are_refused_and_nothing_changes(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    survey = make_survey(cast)
    item = survey.items.get(key="clear_goal")
    client = verified_client(cast.admin)
    url = reverse("surveys:edit_item", args=[cast.house.slug, survey.pk, item.pk])
    empty = client.post(url, {"text": "   ", "section": ""})
    assert empty.status_code == 400
    assert "utrecht-form-field-error-message" in empty.content.decode()
    invite(cast, survey, django_capture_on_commit_callbacks)
    late = client.post(url, {"text": "Nieuwe tekst", "section": ""})
    assert late.status_code == 400
    assert "uitnodigingen" in late.content.decode()
    remove = reverse("surveys:remove_item", args=[cast.house.slug, survey.pk, item.pk])
    assert client.post(remove).status_code == 400
    item.refresh_from_db()
    assert item.text == "Iedere cliënt krijgt een helder en haalbaar doel."
    assert not AuditEvent.objects.filter(action__startswith="survey.item.").exists()
    # No change links once sent.
    detail = client.get(reverse("surveys:detail", args=[cast.house.slug, survey.pk]))
    assert url not in detail.content.decode()


def test_others_may_not_change_questions(cast: Any) -> None:
    survey = make_survey(cast)
    item = survey.items.get(key="clear_goal")
    other = make_survey(cast)
    url = reverse("surveys:edit_item", args=[cast.house.slug, survey.pk, item.pk])
    for user in (cast.process_director, cast.participant_a, cast.other_house_user):
        client = verified_client(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"text": "x"}).status_code == 404
    # An item through another survey's address is not found either.
    wrong = reverse("surveys:edit_item", args=[cast.house.slug, other.pk, item.pk])
    assert verified_client(cast.admin).get(wrong).status_code == 404
    item.refresh_from_db()
    assert item.text == "Iedere cliënt krijgt een helder en haalbaar doel."

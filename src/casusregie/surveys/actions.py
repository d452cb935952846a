"""Every write of the surveys app: compose, invite, answer, import."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casusregie.accounts.roles import Role
from casusregie.houses.models import House
from casusregie.privacy import policy
from casusregie.privacy.audit import record_change

from .models import (
    GROUP_ROLES,
    Agreement,
    Answer,
    Group,
    ImportBatch,
    Invitation,
    Item,
    ItemKind,
    Response,
    Source,
    Survey,
)
from .questionnaires import TEMPLATES

COMPOSER_ROLES = (Role.FUNCTIONAL_ADMIN, Role.HOUSE_MANAGER)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_survey(
    house: House,
    *,
    actor: Any,
    template: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    min_responses: int = 5,
    title: str = "",
    groups: list[str] | None = None,
) -> Survey:
    """A survey from one of the built-in questionnaires (questionnaires.TEMPLATES)."""
    errors: dict[str, list[str]] = {}
    spec = TEMPLATES.get(template)
    if spec is None:
        errors["template"] = [_("Choose one of the questionnaires.")]
    if closes_on < opens_on:
        errors["closes_on"] = [_("The survey cannot close before it opens.")]
    if min_responses < 1:
        errors["min_responses"] = [_("The minimum must be at least 1.")]
    chosen = list(groups) if groups else list(spec.groups if spec else [])
    if any(g not in Group.values for g in chosen) or not chosen:
        errors["groups"] = [_("Choose at least one respondent group.")]
    if errors:
        raise ValidationError(errors)
    assert spec is not None
    survey = Survey.objects.create(
        house=house,
        title=title or spec.title,
        introduction=spec.introduction,
        template=spec.key,
        groups=chosen,
        min_responses=min_responses,
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    Item.objects.bulk_create(
        Item(survey=survey, position=i, section=section, key=key, kind=kind, text=text)
        for i, (section, key, kind, text) in enumerate(spec.items, start=1)
    )
    record_change(
        actor=actor,
        action="survey.create",
        obj=survey,
        house=house,
        after={"title": survey.title, "template": spec.key, "groups": chosen},
    )
    return survey


@transaction.atomic
def add_item(
    survey: Survey, *, actor: Any, key: str, kind: str, text: str, section: str = ""
) -> Item:
    """Add a question at the end, until the first response or invitation (a question added
    later would not be comparable across respondents)."""
    errors: dict[str, list[str]] = {}
    if survey.responses.exists() or survey.invitations.exists():
        raise ValidationError(_("Questions cannot be added once invitations have been sent."))
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,79}", key or ""):
        errors["key"] = [
            _("A key consists of lower-case letters, digits and underscores, e.g. clear_goal.")
        ]
    elif survey.items.filter(key=key).exists():
        errors["key"] = [_("This survey already has a question with this key.")]
    if kind not in ItemKind.values:
        errors["kind"] = [_("Choose one of the answers.")]
    if not (text or "").strip():
        errors["text"] = [_("Enter the question.")]
    if errors:
        raise ValidationError(errors)
    position = (
        survey.items.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    item = Item.objects.create(
        survey=survey, position=position, key=key, kind=kind, text=text.strip(), section=section
    )
    record_change(
        actor=actor,
        action="survey.item.add",
        obj=survey,
        house=survey.house,
        after={"key": key, "kind": kind, "text": item.text},
    )
    return item


def _draft_only(survey: Survey, message: str) -> None:
    if survey.responses.exists() or survey.invitations.exists():
        raise ValidationError(message)


def edit_item(item: Item, *, actor: Any, text: str, section: str = "") -> Item:
    """Change a question's wording or section while the survey is a draft (no invitation or
    response yet). Key and kind stay: reports and the network diagnosis read them."""
    _draft_only(item.survey, _("Questions cannot be changed once invitations have been sent."))
    if not (text or "").strip():
        raise ValidationError({"text": [_("Enter the question.")]})
    before = {"text": item.text, "section": item.section}
    item.text, item.section = text.strip(), (section or "").strip()
    item.save(update_fields=["text", "section"])
    record_change(
        actor=actor,
        action="survey.item.edit",
        obj=item.survey,
        house=item.survey.house,
        before={"key": item.key, **before},
        after={"key": item.key, "text": item.text, "section": item.section},
    )
    return item


def remove_item(item: Item, *, actor: Any) -> None:
    """Remove a question while the survey is a draft."""
    survey = item.survey
    _draft_only(survey, _("Questions cannot be removed once invitations have been sent."))
    record_change(
        actor=actor,
        action="survey.item.remove",
        obj=survey,
        house=survey.house,
        before={"key": item.key, "kind": item.kind, "text": item.text},
    )
    item.delete()


def answer_url(token: str) -> str:
    return settings.BASE_URL.rstrip("/") + reverse("surveys_public:answer", args=[token])


@transaction.atomic
def send_invitations(survey: Survey, *, actor: Any) -> int:
    """One personal link for every partner member of the house in a respondent group who has
    none yet; the link goes out by e-mail once the transaction commits. Returns the count."""
    if not survey.items.exists():
        raise ValidationError(_("Add at least one question before sending links."))
    already = set(survey.invitations.values_list("user_id", flat=True))
    mails: list[tuple[str, str]] = []
    for group in survey.groups:
        members = (
            policy.memberships_in(survey.house, GROUP_ROLES.get(group, ()))
            .select_related("user")
            .order_by("user_id")
        )
        for membership in members:
            user = membership.user
            if user.pk in already or not user.is_active:
                continue
            already.add(user.pk)
            token = secrets.token_urlsafe(32)
            Invitation.objects.create(
                survey=survey, user=user, group=group, token_hash=token_hash(token)
            )
            mails.append((user.email, token))
    record_change(
        actor=actor,
        action="survey.invite",
        obj=survey,
        house=survey.house,
        after={"invitations": len(mails)},
    )
    with translation.override(settings.LANGUAGE_CODE):
        messages = [
            EmailMessage(
                _("Survey: %(title)s") % {"title": survey.title},
                _(
                    "%(house)s asks for your opinion.\n\nYour personal link (answers once, "
                    "anonymously, until %(closes)s):\n%(link)s\n"
                )
                % {
                    "house": survey.house.name,
                    "closes": survey.closes_on.strftime("%d-%m-%Y"),
                    "link": answer_url(token),
                },
                None,
                [address],
            )
            for address, token in mails
        ]
    # Queued in the outbox in this transaction (decision 0032): sent only if the invitations
    # are committed, and never lost to a mail server that is down.
    get_connection().send_messages(messages)
    return len(mails)


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.filter(token_hash=token_hash(token))
        .select_related("survey", "survey__house")
        .first()
    )


def is_open(survey: Survey, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return survey.opens_on <= today <= survey.closes_on


def clean_answers(survey: Survey, data: dict[str, Any]) -> dict[Item, Any]:
    """Answers by item key, checked: unknown keys, grades outside 0–10 and unknown agreement
    values are errors per key. Empty answers are left out (every item is optional)."""
    items = {item.key: item for item in survey.items.all()}
    errors: dict[str, list[str]] = {}
    cleaned: dict[Item, Any] = {}
    for key, raw in data.items():
        item = items.get(key)
        if item is None:
            errors[key] = [_("This survey has no question %(key)s.") % {"key": key}]
            continue
        value = "" if raw is None else str(raw).strip()
        if value == "":
            continue
        if item.kind == ItemKind.GRADE:
            if not value.lstrip("-").isdigit() or not 0 <= int(value) <= 10:
                errors[key] = [_("A grade is a whole number from 0 to 10.")]
                continue
            cleaned[item] = int(value)
        elif item.kind == ItemKind.AGREE:
            if value not in Agreement.values:
                errors[key] = [_("Choose one of the answers.")]
                continue
            cleaned[item] = value
        else:
            if len(value) > 5000:
                errors[key] = [_("An answer can be at most 5000 characters.")]
                continue
            cleaned[item] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _store(survey: Survey, group: str, answers: dict[Item, Any], source: str) -> Response:
    response = Response.objects.create(survey=survey, group=group, source=source)
    Answer.objects.bulk_create(
        Answer(
            response=response,
            item=item,
            grade=value if item.kind == ItemKind.GRADE else None,
            agreement=value if item.kind == ItemKind.AGREE else "",
            text=value if item.kind == ItemKind.OPEN else "",
        )
        for item, value in answers.items()
    )
    return response


def submit(token: str, data: dict[str, Any]) -> Response:
    """Store one anonymous response through a personal link; the link answers once.

    No audit event names the response: an event with a time next to the link's "used" would
    link the two (docs/decisions/0022-surveys.md)."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(token_hash=token_hash(token))
            .select_related("survey")
            .first()
        )
        if invitation is None:
            raise ValidationError(_("This link is not valid."))
        if invitation.used:
            raise ValidationError(
                _("This link has already been used to answer. Your answers were not stored again.")
            )
        survey = invitation.survey
        if not is_open(survey):
            raise ValidationError(_("This survey is not open."))
        answers = clean_answers(survey, data)
        if not answers:
            raise ValidationError(_("Answer at least one question."))
        invitation.used = True
        invitation.save(update_fields=["used"])
        return _store(survey, invitation.group, answers, Source.LINK)


def store_imported(survey: Survey, group: str, data: dict[str, Any]) -> Response:
    """One response gathered outside the personal links (checked like any other)."""
    return _store(survey, group, clean_answers(survey, data), Source.IMPORT)


def already_imported(survey: Survey, content: bytes) -> bool:
    return ImportBatch.objects.filter(
        survey=survey, sha256=hashlib.sha256(content).hexdigest()
    ).exists()


def import_csv(survey: Survey, content: bytes, *, actor: Any = None) -> int:
    """Load responses gathered elsewhere. Columns: `group`, then one column per item key.
    All rows or none; the same file (by SHA-256) is loaded once per survey. Returns the number
    of responses stored (0 when the file was loaded before)."""
    digest = hashlib.sha256(content).hexdigest()
    if ImportBatch.objects.filter(survey=survey, sha256=digest).exists():
        return 0
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(_("The file is not UTF-8 text.")) from error
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = reader.fieldnames or []
    keys = set(survey.items.values_list("key", flat=True))
    problems: list[str] = []
    if "group" not in columns:
        problems.append(_("row 1, column group: the column is missing"))
    for column in columns:
        if column != "group" and column not in keys:
            problems.append(
                _("row 1, column %(col)s: this survey has no such question") % {"col": column}
            )
    parsed: list[tuple[str, dict[Item, Any]]] = []
    if not problems:
        for number, row in enumerate(reader, start=2):
            group = (row.pop("group", "") or "").strip()
            if group not in survey.groups:
                problems.append(
                    _(
                        "row %(row)d, column group: %(value)s is not a respondent group of this survey"  # noqa: E501
                    )
                    % {"row": number, "value": group or "—"}
                )
            try:
                answers = clean_answers(survey, {k: v for k, v in row.items() if k})
            except ValidationError as error:
                for key, messages in error.message_dict.items():
                    for message in messages:
                        problems.append(
                            _("row %(row)d, column %(col)s: %(reason)s")
                            % {"row": number, "col": key, "reason": message}
                        )
                continue
            if answers:
                parsed.append((group, answers))
    if problems:
        raise ValidationError(problems)
    try:
        with transaction.atomic():
            ImportBatch.objects.create(survey=survey, sha256=digest, rows=len(parsed))
            for group, answers in parsed:
                _store(survey, group, answers, Source.IMPORT)
            record_change(
                actor=actor,
                action="survey.import",
                obj=survey,
                house=survey.house,
                after={"responses": len(parsed), "sha256": digest},
            )
    except IntegrityError:
        return 0
    return len(parsed)

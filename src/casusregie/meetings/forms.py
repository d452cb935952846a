from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casusregie.accounts.models import User
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import House, Organisation
from casusregie.plans.actions import ActionData
from casusregie.privacy.models import DataCategory
from casusregie.web.forms import DateInput

from .models import Answer, Audience, DecisionKind

ACTION_ROWS = 5


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    cases: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Cases on the agenda"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    invitees: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Invite these organisations"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Suggested: the organisations taking part and partners with expertise in "
            "the cases' life domains."
        ),
    )
    optional: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Of which not required at the table"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    slots = forms.CharField(
        label=_("Proposed time slots"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line as day-month-year hours:minutes, e.g. 14-12-2026 10:00."),
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), initial=90)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)

    def __init__(self, *args: Any, cases: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases  # type: ignore[attr-defined]
        self.fields["invitees"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["optional"].queryset = organisations  # type: ignore[attr-defined]

    def clean_slots(self) -> list[datetime.datetime]:
        slots = []
        for number, line in enumerate(
            [ln.strip() for ln in self.cleaned_data["slots"].splitlines() if ln.strip()], start=1
        ):
            try:
                moment = datetime.datetime.strptime(line, "%d-%m-%Y %H:%M")  # noqa: DTZ007 - made aware below
            except ValueError:
                raise ValidationError(
                    _("Line %(number)s: write a time slot as 14-12-2026 10:00."),
                    params={"number": number},
                ) from None
            slots.append(timezone.make_aware(moment))
        return slots


class AvailabilityForm(forms.Form):
    def __init__(self, *args: Any, slots: Any, initial_answers: dict[int, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for slot in slots:
            local = timezone.localtime(slot.starts_at)
            self.fields[f"slot_{slot.pk}"] = forms.ChoiceField(
                label=local.strftime("%d-%m-%Y %H:%M"),
                choices=Answer.choices,
                initial=initial_answers.get(slot.pk),
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[int, str]:
        return {int(name[5:]): value for name, value in self.cleaned_data.items()}


class ScheduleForm(forms.Form):
    slot = forms.TypedChoiceField(label=_("Time slot"), coerce=int, choices=())
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, slots: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [  # type: ignore[attr-defined]
            (s.pk, timezone.localtime(s.starts_at).strftime("%d-%m-%Y %H:%M")) for s in slots
        ]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class AttendanceForm(forms.Form):
    """Who is present, ticked per organisation (table mode renders one fieldset each)."""

    people: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Present"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people  # type: ignore[attr-defined]

    def ticked(self) -> set[int]:
        value = self["people"].value() or []
        return {int(v) for v in value if str(v).isdigit()}


class GuestForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Organisation"), queryset=None
    )
    role = forms.CharField(
        label=_("Role at the table"),
        max_length=100,
        help_text=_("For example: neighbourhood officer, interpreter, team leader."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class PictureForm(forms.Form):
    shared_picture = forms.CharField(
        label=_("Shared picture"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the table agrees the situation is (picture forming)."),
    )
    scenarios = forms.CharField(
        label=_("Scenarios"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The ways forward the table weighed, before deciding (judging)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DecisionKind.choices)
    text = forms.CharField(
        label=_("Decision"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    case_director: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Case director"), queryset=None, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case_director"].queryset = people  # type: ignore[attr-defined]


class ActionGridForm(forms.Form):
    """Five rows of actions entered in one go; empty rows are ignored."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, organisations: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        for row in range(1, ACTION_ROWS + 1):
            self.fields[f"row-{row}-title"] = forms.CharField(
                label=_("Action %(n)s") % {"n": row}, required=False, max_length=300
            )
            self.fields[f"row-{row}-owner_organisation"] = forms.ModelChoiceField(
                label=_("Owner organisation"), queryset=organisations, required=False
            )
            self.fields[f"row-{row}-owner"] = forms.ModelChoiceField(
                label=_("Owner"), queryset=people, required=False
            )
            self.fields[f"row-{row}-due_date"] = forms.DateField(
                label=_("Due date"),
                required=False,
                widget=DateInput(),
            )
            self.fields[f"row-{row}-domain"] = forms.ChoiceField(
                label=_("Life domain"),
                choices=[("", "—"), *LifeDomain.choices],
                required=False,
            )

    def rows(self) -> list[list[forms.BoundField]]:
        names = ("title", "owner_organisation", "owner", "due_date", "domain")
        return [[self[f"row-{r}-{n}"] for n in names] for r in range(1, ACTION_ROWS + 1)]

    def filled(self) -> list[tuple[int, ActionData]]:
        data = self.cleaned_data
        found = []
        for row in range(1, ACTION_ROWS + 1):
            values = [
                data.get(f"row-{row}-{n}") for n in ("title", "owner_organisation", "due_date")
            ]
            if not any(values):
                continue
            found.append(
                (
                    row,
                    ActionData(
                        title=data.get(f"row-{row}-title") or "",
                        owner_organisation=data.get(f"row-{row}-owner_organisation"),
                        owner=data.get(f"row-{row}-owner"),
                        due_date=data.get(f"row-{row}-due_date"),
                        domain=data.get(f"row-{row}-domain") or "",
                    ),
                )
            )
        return found


def partner_organisations(house: House) -> Any:
    return Organisation.objects.filter(partnerships__house=house).order_by("name")


def house_people(house: House) -> Any:
    return (
        User.objects.filter(memberships__house=house, memberships__ended_at__isnull=True)
        .distinct()
        .order_by("full_name")
    )


class ContributionForm(forms.Form):
    text = forms.CharField(
        label=_("Contribution"), widget=forms.Textarea(attrs={"rows": 4}), max_length=8000
    )
    advice_only = forms.BooleanField(
        label=_("Advice only: the underlying information cannot be shared"), required=False
    )
    audience = forms.ChoiceField(
        label=_("Who may read this"), choices=Audience.choices, widget=forms.RadioSelect
    )
    organisations: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Named organisations"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only when you chose named organisations."),
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    categories = forms.MultipleChoiceField(
        label=_("What kind of information this holds"),
        choices=DataCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Recorded in the disclosure register. Case information is always recorded; tick "
            "health or criminal data when the text holds it."
        ),
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = organisations  # type: ignore[attr-defined]


class TableContributionForm(ContributionForm):
    """What a partner says at the table, recorded by the chair with the partner's audience."""

    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Said by"), queryset=None
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    field_order = [
        "organisation",
        "text",
        "advice_only",
        "audience",
        "organisations",
        "purpose",
        "categories",
    ]

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, organisations=organisations, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["text"].label = _("What was said")


class InviteesForm(forms.Form):
    organisations: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Invite these organisations"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "In this house the organisation the case is placed with chooses whom to invite; "
            "the process director plans the meeting with this choice."
        ),
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = organisations  # type: ignore[attr-defined]


class PickCasesForm(forms.Form):
    """The first step of planning: which cases, so the invitees can be suggested."""

    casus: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Cases on the agenda"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, cases: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["casus"].queryset = cases  # type: ignore[attr-defined]

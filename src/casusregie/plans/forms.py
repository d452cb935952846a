from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casusregie.houses.domains import LifeDomain
from casusregie.web.forms import DateInput

from .models import GoalStatus, StallDecisionKind


class FeedbackForm(forms.Form):
    what_was_done = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    result = forms.CharField(
        label=_("With what result"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: the action is done")), ("more", _("Ask for more"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Required when you ask for more."),
    )


class GoalForm(forms.Form):
    domain = forms.ChoiceField(label=_("Life domain"), choices=LifeDomain.choices)
    text = forms.CharField(label=_("Goal"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


# --- The action lifecycle (decision 0051) ----------------------------------------------------


@dataclass
class LifecycleChoices:
    """What the action forms offer for one case: its goals, the services map, the
    organisations taking part, their case workers and the open actions to depend on."""

    goals: list[tuple[str, str]] = field(default_factory=list)
    services: list[tuple[str, str]] = field(default_factory=list)
    organisations: list[tuple[str, str]] = field(default_factory=list)
    people: list[tuple[str, str]] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)


def _reason(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class _ChoicesForm(forms.Form):
    def __init__(self, *args: Any, choices: LifecycleChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        blank = [("", "—")]
        named: dict[str, list[tuple[str, Any]]] = {
            "goal": [*blank, *choices.goals],
            "service": choices.services or [("", _("— no service —"))],
            "owner_organisation": [*blank, *choices.organisations],
            "owner": [("", _("— the organisation —")), *choices.people],
            "depends_on": choices.actions,
        }
        for name, values in named.items():
            if name in self.fields:
                self.fields[name].choices = values  # type: ignore[attr-defined]


class ActionForm(_ChoicesForm):
    title = forms.CharField(label=_("Action"), max_length=300)
    goal = forms.ChoiceField(label=_("Goal"), required=False)
    domain = forms.ChoiceField(
        label=_("Life domain"), required=False, choices=[("", "—"), *LifeDomain.choices]
    )
    service = forms.ChoiceField(
        label=_("Service"),
        required=False,
        help_text=_("From the services map, with its current waiting time."),
    )
    owner_organisation = forms.ChoiceField(label=_("Owner organisation"))
    owner = forms.ChoiceField(
        label=_("Owner (person)"),
        required=False,
        help_text=_("Someone of the owner organisation who works on cases; optional."),
    )
    due_date = forms.DateField(label=_("Due date"), widget=DateInput)
    depends_on = forms.MultipleChoiceField(
        label=_("Depends on"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Open actions of this case that must be done first."),
    )


class EditActionForm(_ChoicesForm):
    title = forms.CharField(label=_("Action"), max_length=300)
    goal = forms.ChoiceField(label=_("Goal"), required=False)
    domain = forms.ChoiceField(
        label=_("Life domain"), required=False, choices=[("", "—"), *LifeDomain.choices]
    )
    service = forms.ChoiceField(
        label=_("Service"),
        required=False,
        help_text=_("From the services map, with its current waiting time."),
    )
    depends_on = forms.MultipleChoiceField(
        label=_("Depends on"), required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReassignForm(_ChoicesForm):
    owner_organisation = forms.ChoiceField(label=_("New owner organisation"))
    owner = forms.ChoiceField(label=_("New owner (person)"), required=False)
    reason = _reason()
    version = forms.IntegerField(widget=forms.HiddenInput)


class RescheduleForm(forms.Form):
    due_date = forms.DateField(label=_("New due date"), widget=DateInput)
    reason = _reason()
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(forms.Form):
    reason = _reason()
    version = forms.IntegerField(widget=forms.HiddenInput)


class MoreTimeForm(forms.Form):
    proposed_date = forms.DateField(label=_("Proposed due date"), widget=DateInput)
    reason = _reason()


class DeclineForm(forms.Form):
    reason = _reason()


class DecideForm(_ChoicesForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accept", _("Accept the request")),
            ("escalate", _("Turn it into an escalation")),
        ],
        widget=forms.RadioSelect,
    )
    owner_organisation = forms.ChoiceField(
        label=_("New owner organisation"),
        required=False,
        help_text=_(
            "Only when you accept a refusal: the action goes to this organisation. "
            "Leave empty to cancel the action."
        ),
    )
    owner = forms.ChoiceField(label=_("New owner (person)"), required=False)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you escalate."),
    )


class StallDecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Decision"), choices=StallDecisionKind.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you accept the standstill."),
    )

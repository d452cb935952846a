from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from casusregie.accounts.roles import Role
from casusregie.web.forms import DateInput

from .actions import HOUSE_SETTING_FIELDS, organisation_name_taken
from .domains import LifeDomain
from .models import (
    EscalationTarget,
    House,
    Organisation,
    OrganisationKind,
    Ring,
    validate_escalation_ladder,
)


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of organisation"), choices=OrganisationKind.choices)
    ring = forms.ChoiceField(
        label=_("Ring in this house"),
        choices=Ring.choices,
        help_text=_(
            "Core: the house's own staff. Key partner: structurally involved. "
            "Flexible shell: called in when a case needs them."
        ),
    )
    covenant_signatory = forms.BooleanField(
        label=_("Has signed the covenant of this house"), required=False, initial=True
    )
    expertise = forms.MultipleChoiceField(
        label=_("Domains of expertise"),
        choices=LifeDomain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    email = forms.EmailField(label=_("General e-mail address"), required=False)
    phone = forms.CharField(label=_("Telephone"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)

    def __init__(self, *args: Any, organisation: Organisation | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if not name:
            raise ValidationError(_("Enter a name."))
        if organisation_name_taken(
            name, exclude_pk=self.organisation.pk if self.organisation else None
        ):
            raise ValidationError(_("An organisation with this name already exists."))
        return name


class MembershipForm(forms.Form):
    """A role for one of this house's partner organisations."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        help_text=_(
            "A role that gives access to personal data or to managing roles takes effect only "
            "when a second person approves it: another functional administrator or the house "
            "manager."
        ),
    )

    def __init__(self, *args: Any, house: House, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(partnerships__house=house).order_by("name")


class PersonForm(MembershipForm):
    email = forms.EmailField(
        label=_("Work e-mail address"),
        help_text=_(
            "If this person already has an account (for example in another house), "
            "the role is added to that account."
        ),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    field_order = ["email", "full_name", "organisation", "role"]


class EndMembershipForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        help_text=_("For example: changed jobs, left the organisation."),
    )


class RejectGrantForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


# The words a functional administrator writes for whom a level notifies (Dutch and English).
LADDER_WORDS = {
    "eigenaar": EscalationTarget.OWNER,
    "procesregisseur": EscalationTarget.PROCESS_DIRECTOR,
    "ketenmanager": EscalationTarget.HOUSE_MANAGER,
    "partnermanager": EscalationTarget.PARTNER_MANAGER,
    "bestuurlijk": EscalationTarget.ADMINISTRATIVE,
    **{target.value: target for target in EscalationTarget},
}
LADDER_WORD_OF = {
    EscalationTarget.OWNER: "eigenaar",
    EscalationTarget.PROCESS_DIRECTOR: "procesregisseur",
    EscalationTarget.HOUSE_MANAGER: "ketenmanager",
    EscalationTarget.PARTNER_MANAGER: "partnermanager",
    EscalationTarget.ADMINISTRATIVE: "bestuurlijk",
}


class EscalationLadderField(forms.CharField):
    """One level a line: `days | who | title`, e.g. `7 | ketenmanager | House manager calls`."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(
                f"{step['after_days']} | {LADDER_WORD_OF.get(step.get('notify'), '')} | "
                f"{step['title']}"
                for step in value
            )
        if isinstance(value, str) and value.startswith("["):
            try:
                return self.prepare_value(json.loads(value))
            except (ValueError, TypeError, KeyError):
                return value
        return value

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value) or ""
        steps = []
        for number, line in enumerate([ln for ln in text.splitlines() if ln.strip()], start=1):
            parts = [part.strip() for part in line.split("|", 2)]
            if len(parts) != 3:
                raise ValidationError(
                    _(
                        "Line %(number)s: write the number of days, whom it notifies and the "
                        "title, separated by vertical bars."
                    ),
                    params={"number": number},
                )
            days, who, title = parts
            try:
                after_days = int(days)
            except ValueError:
                raise ValidationError(
                    _("Line %(number)s: '%(days)s' is not a whole number of days."),
                    params={"number": number, "days": days},
                ) from None
            if who.lower() not in LADDER_WORDS:
                raise ValidationError(
                    _("Line %(number)s: '%(who)s' is not one of: %(words)s."),
                    params={
                        "number": number,
                        "who": who,
                        "words": ", ".join(LADDER_WORD_OF.values()),
                    },
                )
            steps.append(
                {
                    "level": number,
                    "title": title,
                    "after_days": after_days,
                    "notify": str(LADDER_WORDS[who.lower()]),
                }
            )
        validate_escalation_ladder(steps)
        return steps


class HouseSettingsForm(forms.ModelForm):
    escalation_ladder = EscalationLadderField(
        label=_("Escalation ladder"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One level per line: days after the deadline | whom it notifies | what happens. "
            "Whom: eigenaar, procesregisseur, ketenmanager, partnermanager or bestuurlijk. "
            "Example: 7 | ketenmanager | House manager calls the partner's manager"
        ),
    )

    class Meta:
        model = House
        fields = list(HOUSE_SETTING_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["care_form_recipient"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(partnerships__house=self.instance)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("working_hours_start"), data.get("working_hours_end")
        if start is not None and end is not None and start >= end:
            self.add_error("working_hours_end", _("Working hours must end after they start."))
        return data


def _person_choices(people: list[Any]) -> list[tuple[str, str]]:
    return [("", _("— nobody (stays) —"))] + [(str(u.pk), u.full_name) for u in people]


class HandoverForm(forms.Form):
    """Who takes over what one person holds (decision 0046): a process director, and per
    organisation a case director for its cases and an owner for its actions. Those who may read
    the cases (`detailed`) may also choose per case and per action; the functional
    administrator sees no case numbers, only counts per organisation. The candidates are read
    once for the whole page."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("For example: leaves the organisation, changes jobs, long absence."),
    )

    def __init__(
        self,
        *args: Any,
        holdings: Any,
        candidates: dict[str, Any],
        detailed: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.holdings = holdings
        self.people: dict[int, Any] = candidates["people"]
        per_org: dict[int, list[Any]] = candidates["per_organisation"]
        if holdings.process_cases or holdings.meetings:
            self.fields["process_director"] = forms.ChoiceField(
                label=_("New process director"),
                required=False,
                choices=_person_choices(candidates["process_directors"]),
                help_text=_(
                    "Takes over the process direction of the cases and the chair of the "
                    "meetings listed."
                ),
            )
        counts = holdings.by_organisation()
        for org, count in counts["cases"]:
            self.fields[f"case_director_org_{org.pk}"] = forms.ChoiceField(
                label=ngettext(
                    "New case director for the %(count)s case of %(org)s",
                    "New case director for the %(count)s cases of %(org)s",
                    count,
                )
                % {"count": count, "org": org.name},
                required=False,
                choices=_person_choices(per_org.get(org.pk, [])),
            )
        if detailed:
            for case in holdings.director_cases:
                self.fields[f"case_{case.pk}"] = forms.ChoiceField(
                    label=_("Case director of case %(ref)s only (%(org)s)")
                    % {"ref": case.reference, "org": case.case_director_organisation},
                    required=False,
                    choices=_person_choices(per_org.get(case.case_director_organisation_id, [])),
                )
        for org, count in counts["actions"]:
            self.fields[f"owner_org_{org.pk}"] = forms.ChoiceField(
                label=ngettext(
                    "New owner for the %(count)s open action of %(org)s",
                    "New owner for the %(count)s open actions of %(org)s",
                    count,
                )
                % {"count": count, "org": org.name},
                required=False,
                choices=_person_choices(per_org.get(org.pk, [])),
            )
        if detailed:
            for action in holdings.actions:
                self.fields[f"action_{action.pk}"] = forms.ChoiceField(
                    label=_("Owner of action A%(number)s of case %(ref)s only (%(org)s)")
                    % {
                        "number": action.number,
                        "ref": action.case.reference,
                        "org": action.owner_organisation,
                    },
                    required=False,
                    choices=_person_choices(per_org.get(action.owner_organisation_id, [])),
                )

    def _user(self, name: str) -> Any:
        value = self.cleaned_data.get(name) or ""
        return self.people.get(int(value)) if value else None

    def choices(self) -> dict[str, Any]:
        """The keyword arguments of `do_handover` from the cleaned form: a choice per item
        overrides the choice for its organisation."""
        return {
            "process_director": self._user("process_director"),
            "case_directors": {
                case.pk: self._user(f"case_{case.pk}")
                or self._user(f"case_director_org_{case.case_director_organisation_id}")
                for case in self.holdings.director_cases
            },
            "action_owners": {
                action.pk: self._user(f"action_{action.pk}")
                or self._user(f"owner_org_{action.owner_organisation_id}")
                for action in self.holdings.actions
            },
            "reason": self.cleaned_data["reason"],
        }


class StandInForm(forms.Form):
    stand_in = forms.ChoiceField(label=_("Stand-in"))
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("Until (included)"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("For example: holiday, leave. Do not write medical details."),
    )

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {u.pk: u for u in candidates}
        field = self.fields["stand_in"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("— choose —"))] + [(str(u.pk), u.full_name) for u in candidates]

    def clean_stand_in(self) -> Any:
        return self.people.get(int(self.cleaned_data["stand_in"]))


class EndStandInForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

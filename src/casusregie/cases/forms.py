from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import House, Organisation

from .models import AftercareOutcome, AssessmentMoment, Urgency
from .phases import Phase

SCORE_CHOICES = [
    ("", "—"),
    ("1", _("1 — acute problems")),
    ("2", _("2 — not self-sufficient")),
    ("3", _("3 — barely self-sufficient")),
    ("4", _("4 — adequately self-sufficient")),
    ("5", _("5 — fully self-sufficient")),
]


def _house_users(house: House, *roles: Role) -> Any:
    users = User.objects.filter(memberships__house=house, memberships__ended_at__isnull=True)
    if roles:
        users = users.filter(memberships__role__in=roles)
    return users.distinct().order_by("full_name")


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name, date of birth (dd-mm-yyyy) or BSN"),
        required=False,
        max_length=100,
    )
    phase = forms.ChoiceField(
        label=_("Phase"),
        required=False,
        choices=[("", _("All open")), *Phase.choices, ("all", _("All"))],
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", _("All")), *Urgency.choices]
    )
    domain = forms.ChoiceField(
        label=_("Life domain"), required=False, choices=[("", _("All")), *LifeDomain.choices]
    )
    process_director = forms.ModelChoiceField(
        label=_("Process director"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("All"),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation takes part"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=_("All"),
    )
    zonder_casusregisseur = forms.BooleanField(
        label=_("Only cases without a case director after their meeting"), required=False
    )
    older_than = forms.IntegerField(
        label=_("Open for more than (days)"), required=False, min_value=0, max_value=3650
    )

    def __init__(self, *args: Any, house: House, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        directors = self.fields["process_director"]
        assert isinstance(directors, forms.ModelChoiceField)
        directors.queryset = _house_users(house, Role.PROCESS_DIRECTOR)
        organisations = self.fields["organisation"]
        assert isinstance(organisations, forms.ModelChoiceField)
        organisations.queryset = Organisation.objects.filter(partnerships__house=house).order_by(
            "name"
        )


class TransitionForm(forms.Form):
    target = forms.ChoiceField(label=_("New phase"), choices=Phase.choices)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DirectorsForm(forms.Form):
    process_director = forms.ModelChoiceField(
        label=_("Process director"), queryset=User.objects.none(), required=False
    )
    case_director = forms.ModelChoiceField(
        label=_("Case director"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("The partner professional who owns the content of the plan."),
    )
    case_director_organisation = forms.ModelChoiceField(
        label=_("Organisation of the case director"),
        queryset=Organisation.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, house: House, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        assert isinstance(fields["process_director"], forms.ModelChoiceField)
        fields["process_director"].queryset = _house_users(house, Role.PROCESS_DIRECTOR)
        assert isinstance(fields["case_director"], forms.ModelChoiceField)
        fields["case_director"].queryset = _house_users(
            house, Role.PARTNER_PARTICIPANT, Role.PARTNER_MANAGER
        )
        assert isinstance(fields["case_director_organisation"], forms.ModelChoiceField)
        fields["case_director_organisation"].queryset = Organisation.objects.filter(
            partnerships__house=house
        ).order_by("name")


class ParticipationForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    role = forms.CharField(label=_("Role in the case"), max_length=100)
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=300,
        help_text=_("For what purpose does this organisation receive case information?"),
    )

    def __init__(self, *args: Any, house: House, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(partnerships__house=house).order_by("name")


class ScoresForm(forms.Form):
    """A 1–5 score per life domain; empty domains are not scored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for domain, label in LifeDomain.choices:
            self.fields[f"score_{domain}"] = forms.TypedChoiceField(
                label=label,
                choices=SCORE_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )

    def scores(self) -> dict[str, int]:
        return {
            domain: self.cleaned_data[f"score_{domain}"]
            for domain in LifeDomain.values
            if self.cleaned_data.get(f"score_{domain}") is not None
        }


class AssessmentForm(ScoresForm):
    moment = forms.ChoiceField(label=_("Moment"), choices=AssessmentMoment.choices[:2])
    field_order = ["moment"]


class CloseForm(ScoresForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=AftercareOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Closing note"), widget=forms.Textarea(attrs={"rows": 4}))
    field_order = ["outcome", "note"]

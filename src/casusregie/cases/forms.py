from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from casusregie.accounts.models import User
from casusregie.accounts.roles import Role
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import House, Organisation
from casusregie.privacy.models import SubjectRequest
from casusregie.web.forms import DateInput

from .models import AftercareOutcome, AssessmentMoment, RelationKind, Subject, Urgency
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
    skip_reason = forms.CharField(
        label=_("Reason for skipping aftercare"),
        help_text=_(
            "This case is in execution: it normally goes through aftercare first. Say why it "
            "closes now (at least 10 characters); the reason is kept in the case history."
        ),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    field_order = ["outcome", "note", "skip_reason"]

    def __init__(self, *args: Any, skipping: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not skipping:
            del self.fields["skip_reason"]


# --- Corrections and participation (decisions 0044 and 0045) -------------------------------

MIN_REASON = 10


class ReasonForm(forms.Form):
    """Every correction says why; the reason is kept in the audit trail."""

    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=1000,
        help_text=_("At least 10 characters. Kept in the audit trail with the change."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data.get("reason", "").strip()
        if len(reason) < MIN_REASON:
            raise forms.ValidationError(
                _("Give the reason for this change in at least %(n)d characters.")
                % {"n": MIN_REASON}
            )
        return reason


def _relation_choices() -> list[tuple[str, Any]]:
    return [("", "—"), *RelationKind.choices]


class RequestChoiceField(forms.ModelChoiceField):
    """A correction request by its number and date of receipt, never its content."""

    def label_from_instance(self, obj: Any) -> str:
        return _("Request %(pk)s, received %(date)s") % {
            "pk": obj.pk,
            "date": obj.received_on.strftime("%d-%m-%Y"),
        }


class PersonForm(ReasonForm):
    """A person's details; the BSN is never shown, only replaced or removed."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Surname"), max_length=150)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    bsn = forms.CharField(
        label=_("New BSN"),
        max_length=11,
        required=False,
        help_text=_("Leave empty to keep the current BSN."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    remove_bsn = forms.BooleanField(label=_("Remove the BSN"), required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    relation_to_main = forms.ChoiceField(
        label=_("Relation to the main person"), required=False, choices=_relation_choices
    )
    has_authority = forms.BooleanField(label=_("Has parental authority"), required=False)
    request = RequestChoiceField(
        label=_("Carries out correction request"),
        required=False,
        queryset=SubjectRequest.objects.none(),
        help_text=_(
            "An open correction request of this person, registered by the privacy officer: "
            "it is recorded as done."
        ),
    )
    field_order = [
        "first_name",
        "last_name",
        "date_of_birth",
        "bsn",
        "remove_bsn",
        "address",
        "relation_to_main",
        "has_authority",
        "request",
        "reason",
    ]

    def __init__(
        self, *args: Any, is_main: bool, requests: QuerySet[SubjectRequest], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if is_main:
            del self.fields["relation_to_main"]
            del self.fields["has_authority"]
        field = self.fields["request"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = requests
        if not requests.exists():
            # Nothing to carry out: hidden, and a stale or foreign request number is refused.
            field.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("bsn") and data.get("remove_bsn"):
            self.add_error("bsn", _("Give a new BSN or remove it, not both."))
        return data

    def new_bsn(self) -> str | None:
        """None keeps the BSN, "" removes it."""
        if self.cleaned_data.get("remove_bsn"):
            return ""
        return self.cleaned_data.get("bsn") or None


class FamilyMemberForm(ReasonForm):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Surname"), max_length=150)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    bsn = forms.CharField(
        label=_("BSN"),
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    relation_to_main = forms.ChoiceField(
        label=_("Relation to the main person"), choices=_relation_choices
    )
    has_authority = forms.BooleanField(label=_("Has parental authority"), required=False)
    field_order = [
        "first_name",
        "last_name",
        "date_of_birth",
        "bsn",
        "address",
        "relation_to_main",
        "has_authority",
        "reason",
    ]
    prefix = "persoon"


class RelationForm(ReasonForm):
    subject = forms.ModelChoiceField(label=_("Person"), queryset=Subject.objects.none())
    kind = forms.ChoiceField(label=_("is the"), choices=_relation_choices)
    other = forms.ModelChoiceField(label=_("of person"), queryset=Subject.objects.none())
    has_authority = forms.BooleanField(
        label=_("Has parental authority or guardianship over this person"), required=False
    )
    field_order = ["subject", "kind", "other", "has_authority", "reason"]
    prefix = "relatie"

    def __init__(self, *args: Any, people: QuerySet[Subject], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("subject", "other"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = people


class CaseDetailsForm(ReasonForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    municipality = forms.CharField(label=_("Municipality"), max_length=100, required=False)
    neighbourhood = forms.CharField(label=_("Neighbourhood"), max_length=100, required=False)
    postcode_area = forms.CharField(
        label=_("Postcode area"),
        max_length=10,
        required=False,
        help_text=_("The four digits of the postcode, such as 6211."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    field_order = ["title", "urgency", "municipality", "neighbourhood", "postcode_area", "reason"]

    def __init__(self, *args: Any, municipalities: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if municipalities:
            self.fields["municipality"] = forms.ChoiceField(
                label=_("Municipality"),
                required=False,
                choices=[("", "—"), *((name, name) for name in municipalities)],
            )
            self.order_fields(self.field_order)


class EndParticipationForm(ReasonForm):
    ended_on = forms.DateField(
        label=_("Ended on"),
        widget=DateInput(),
        help_text=_("Today or earlier. Access to the case ends when you save."),
    )
    field_order = ["ended_on", "reason"]

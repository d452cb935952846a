from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casusregie.accounts.models import User
from casusregie.cases.models import Case, RelationKind, SubjectKind, Urgency
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import (
    House,
    InviteeChoice,
    Organisation,
    OrganisationKind,
    ReferralRights,
)
from casusregie.privacy.bsn import validate_bsn
from casusregie.web.forms import DateInput

from .models import AdmissionCriterion, KnownToAnswer, NotInformedReason, ReferralVariant

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ReferralForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Organisation.objects.none(), empty_label=None
    )
    variant = forms.ChoiceField(
        label=_("Kind of referral"),
        choices=ReferralVariant.choices,
        initial=ReferralVariant.REGULAR,
        widget=forms.RadioSelect,
        help_text=_(
            "A police care form on domestic violence goes to %(recipient)s, which "
            "decides whether chain consultation is needed."
        ),
    )
    kind = forms.ChoiceField(
        label=_("The referral is about"),
        choices=SubjectKind.choices,
        widget=forms.RadioSelect,
        initial=SubjectKind.PERSON,
    )
    area_description = forms.CharField(
        label=_("Area and problem"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only for an area referral: which street or neighbourhood, and what happens."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    goal = forms.CharField(
        label=_("What do you want to achieve with the case meeting?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    stuck_statement = forms.CharField(
        label=_("Where are you stuck?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What have you tried yourself, and why does it not work without the other partners?"
        ),
    )
    subject_informed = forms.ChoiceField(
        label=_("Has the person been told about this referral?"),
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    not_informed_reason = forms.ChoiceField(
        label=_("If not: why not?"),
        required=False,
        choices=[("", "—"), *NotInformedReason.choices],
    )
    not_informed_explanation = forms.CharField(
        label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    proposed_invitees = forms.ModelMultipleChoiceField(
        label=_("Partners to invite to the case meeting"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, house: House, organisations: list[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.house = house
        org_field = self.fields["organisation"]
        assert isinstance(org_field, forms.ModelChoiceField)
        org_field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        invitees = self.fields["proposed_invitees"]
        assert isinstance(invitees, forms.ModelMultipleChoiceField)
        invitees.queryset = Organisation.objects.filter(partnerships__house=house).order_by("name")
        if house.invitee_choice == InviteeChoice.REFERRER:
            invitees.help_text = _("In this house the referrer proposes whom to invite.")
        else:
            invitees.help_text = _(
                "A suggestion: in this house the triage team or the process "
                "director decides whom to invite."
            )
        if house.care_form_recipient is None:
            del self.fields["variant"]
        else:
            self.fields["variant"].help_text = str(self.fields["variant"].help_text) % {
                "recipient": house.care_form_recipient.name
            }
        if house.referral_rights == ReferralRights.STUCK_COVENANT_PARTNERS:
            self.fields["stuck_statement"].label = _(
                "Where are you stuck? (required in this house)"
            )
        else:
            del self.fields["stuck_statement"]
        for domain, label in LifeDomain.choices:
            self.fields[f"concern_{domain}"] = forms.CharField(
                label=label, required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def concern_fields(self) -> list[forms.BoundField]:
        return [self[f"concern_{domain}"] for domain in LifeDomain.values]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("concern_")]

    def concerns(self) -> dict[str, str]:
        return {
            domain: self.cleaned_data.get(f"concern_{domain}", "")
            for domain in LifeDomain.values
            if self.cleaned_data.get(f"concern_{domain}", "").strip()
        }

    def informed(self) -> bool | None:
        value = self.cleaned_data.get("subject_informed")
        return True if value == "yes" else False if value == "no" else None


class SubjectForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Surname"), max_length=150, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    bsn = forms.CharField(
        label=_("BSN"),
        max_length=11,
        required=False,
        validators=[validate_bsn],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    relation_to_main = forms.ChoiceField(
        label=_("Relation to the main person"),
        required=False,
        choices=[("", "—"), *RelationKind.choices],
    )
    has_authority = forms.BooleanField(label=_("Has parental authority"), required=False)

    def clean_date_of_birth(self) -> datetime.date | None:
        value = self.cleaned_data.get("date_of_birth")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = any(
            data.get(f) for f in ("first_name", "last_name", "date_of_birth", "bsn", "address")
        )
        if filled and not (data.get("first_name") and data.get("last_name")):
            raise forms.ValidationError(_("Enter the first name and surname."))
        return data

    def is_filled(self) -> bool:
        return bool(self.cleaned_data.get("first_name") or self.cleaned_data.get("last_name"))


SubjectFormSet = forms.formset_factory(SubjectForm, extra=5, max_num=5, absolute_max=10)


class AcceptForm(forms.Form):
    criteria = forms.MultipleChoiceField(
        label=_("Admission criteria met"),
        choices=AdmissionCriterion.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Criteria 1, 2 and 3 together, or criterion 4."),
    )
    placing_organisation = forms.ModelChoiceField(
        label=_("Place the case with"), queryset=Organisation.objects.none(), required=False
    )
    process_director = forms.ModelChoiceField(
        label=_("Process director"), queryset=User.objects.none(), required=False
    )
    add_to_case = forms.ModelChoiceField(
        label=_("Add to the open case of this person"),
        queryset=Case.objects.none(),
        required=False,
    )
    reason = forms.CharField(
        label=_("Note for the referrer"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, house: House, directors: Any, open_cases: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        placing = self.fields["placing_organisation"]
        assert isinstance(placing, forms.ModelChoiceField)
        placing.queryset = Organisation.objects.filter(partnerships__house=house).order_by("name")
        if not house.may_take_cases:
            # The house does not take cases itself: its own team is no choice (decision 0050).
            placing.queryset = placing.queryset.exclude(kind=OrganisationKind.HOUSE_STAFF)
            placing.help_text = _("This house does not take cases itself: choose a partner.")
        director = self.fields["process_director"]
        assert isinstance(director, forms.ModelChoiceField)
        director.queryset = directors
        existing = self.fields["add_to_case"]
        assert isinstance(existing, forms.ModelChoiceField)
        existing.queryset = open_cases
        if not open_cases.exists():
            del self.fields["add_to_case"]


class DeclineForm(forms.Form):
    criteria = forms.MultipleChoiceField(
        label=_("Admission criteria met"),
        choices=AdmissionCriterion.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason (the referrer receives it)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ForwardForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Forward to"), queryset=Organisation.objects.none()
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, house: House, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(partnerships__house=house).order_by("name")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AskKnownToForm(forms.Form):
    organisations = forms.ModelMultipleChoiceField(
        label=_("Ask these organisations"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    deadline = forms.DateField(label=_("Answer before"), widget=DateInput())

    def __init__(self, *args: Any, house: House, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Organisation.objects.filter(partnerships__house=house).order_by("name")
        self.fields["deadline"].initial = timezone.localdate() + datetime.timedelta(days=3)


class AnswerKnownToForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Answer"), choices=KnownToAnswer.choices, widget=forms.RadioSelect
    )
    contact_person = forms.CharField(
        label=_("Contact person and telephone (if known)"), max_length=200, required=False
    )

"""Forms of the privacy pages (labels in English; Dutch through gettext)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .bsn import is_valid_bsn
from .models import RequestKind, RequestStatus, SignalDecision
from .register import ACTIVITY_FIELDS


class ConfirmForm(forms.Form):
    read = forms.BooleanField(
        label=_("I have read the working method and privacy rules and will work by them."),
        required=False,
    )


class MethodForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Working method and privacy rules"),
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("Publishing a new version asks every member to read and confirm it again."),
    )
    covenant = forms.CharField(
        label=_("Covenant"),
        max_length=300,
        required=False,
        help_text=_("Which signed covenant this follows, e.g. its title and date."),
    )


class BreakGlassForm(forms.Form):
    reference = forms.CharField(label=_("Case number"), max_length=20)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Why you need this case now, although your organisation does not take part. "
            "The privacy officer reviews every emergency access."
        ),
    )


class DecideSignalForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (SignalDecision.JUSTIFIED, SignalDecision.JUSTIFIED.label),
            (SignalDecision.FOLLOW_UP, SignalDecision.FOLLOW_UP.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What you checked"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ActivityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}))
    controllers = forms.CharField(label=_("Controllers"), widget=forms.Textarea(attrs={"rows": 2}))
    data_subjects = forms.CharField(
        label=_("Categories of data subjects"), widget=forms.Textarea(attrs={"rows": 2})
    )
    data_categories = forms.CharField(
        label=_("Categories of personal data"), widget=forms.Textarea(attrs={"rows": 3})
    )
    recipients = forms.CharField(label=_("Recipients"), widget=forms.Textarea(attrs={"rows": 2}))
    retention = forms.CharField(label=_("Retention"), widget=forms.Textarea(attrs={"rows": 2}))
    security = forms.CharField(
        label=_("Security measures"), widget=forms.Textarea(attrs={"rows": 3})
    )
    change_note = forms.CharField(label=_("What changed and why"), max_length=300)

    field_order = [*ACTIVITY_FIELDS, "change_note"]


class DisclosureSearchForm(forms.Form):
    case = forms.CharField(label=_("Case number"), max_length=20, required=False)
    bsn = forms.CharField(label=_("BSN of the person"), max_length=12, required=False)

    def clean(self) -> dict[str, str]:
        data = super().clean() or {}
        bsn = data.get("bsn")
        if bsn and not is_valid_bsn(bsn.replace(" ", "").replace(".", "")):
            self.add_error("bsn", _("This is not a valid BSN (it fails the eleven-test)."))
        return data


class ExtendForm(forms.Form):
    until = forms.DateField(
        label=_("Keep until"),
        input_formats=["%d-%m-%Y", "%Y-%m-%d"],
        help_text=_("Day-month-year, e.g. 31-12-2030."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class SubjectRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of request"), choices=RequestKind.choices)
    requester = forms.CharField(
        label=_("Requester"),
        max_length=200,
        help_text=_("The person, or who asks on their behalf and how that was checked."),
    )
    question = forms.CharField(label=_("What is asked"), widget=forms.Textarea(attrs={"rows": 3}))
    received_on = forms.DateField(
        label=_("Received on"), input_formats=["%d-%m-%Y", "%Y-%m-%d"], help_text=_("dd-mm-yyyy")
    )
    bsn = forms.CharField(label=_("BSN of the person"), max_length=12, required=False)
    last_name = forms.CharField(label=_("Surname"), max_length=150, required=False)
    born = forms.DateField(
        label=_("Date of birth"),
        required=False,
        input_formats=["%d-%m-%Y", "%Y-%m-%d"],
        help_text=_("Only when no BSN is known: surname and date of birth (dd-mm-yyyy)."),
    )

    def clean_bsn(self) -> str:

        value = self.cleaned_data["bsn"].replace(" ", "").replace(".", "")
        if value and not is_valid_bsn(value):
            raise forms.ValidationError(_("This is not a valid BSN (it fails the eleven-test)."))
        return value


class WithholdForm(forms.Form):
    reason = forms.CharField(label=_("Why this may not be disclosed"), max_length=500)


class ExtendDeadlineForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Extend by"),
        coerce=int,
        choices=[(1, _("one month")), (2, _("two months"))],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DecideRequestForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (RequestStatus.GRANTED, RequestStatus.GRANTED.label),
            (RequestStatus.PARTLY, RequestStatus.PARTLY.label),
            (RequestStatus.REFUSED, RequestStatus.REFUSED.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Decision and what was done"), widget=forms.Textarea(attrs={"rows": 3})
    )

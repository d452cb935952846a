"""The period and filters of the outcome report (a GET form: the URL is the report)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casusregie.cases.models import SubjectKind
from casusregie.houses.domains import LifeDomain
from casusregie.houses.models import House, Organisation
from casusregie.web.forms import DateInput

from .report import Period, default_period

# Longer periods make no sense for a house and would only make the report slow.
MAX_DAYS = 366 * 10
BAD_DATE = _("Enter a date as year-month-day, for example 2026-01-31.")


class PeriodForm(forms.Form):
    van = forms.DateField(
        label=_("From"),
        widget=DateInput(),
        error_messages={"invalid": BAD_DATE},
    )
    tot = forms.DateField(
        label=_("To (inclusive)"),
        widget=DateInput(),
        error_messages={"invalid": BAD_DATE},
    )
    doelgroep = forms.ChoiceField(
        label=_("Target group"),
        required=False,
        choices=[("", _("All")), *list(SubjectKind.choices)],
        error_messages={"invalid_choice": _("Choose a target group from the list.")},
    )
    organisatie = forms.ModelChoiceField(
        label=_("Referring organisation"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=_("All"),
        error_messages={"invalid_choice": _("Choose an organisation from the list.")},
    )
    domein = forms.ChoiceField(
        label=_("Life domain"),
        required=False,
        choices=[("", _("All")), *list(LifeDomain.choices)],
        error_messages={"invalid_choice": _("Choose a life domain from the list.")},
    )

    def __init__(self, house: House, data: Any) -> None:
        start, end = default_period()
        data = data.copy()
        data.setdefault("van", start.isoformat())
        data.setdefault("tot", end.isoformat())
        super().__init__(data)
        organisations = self.fields["organisatie"]
        assert isinstance(organisations, forms.ModelChoiceField)
        organisations.queryset = Organisation.objects.filter(partnerships__house=house).order_by(
            "name"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("van"), cleaned.get("tot")
        today = timezone.localdate()
        if start and start > today:
            self.add_error("van", _("The start of the period lies in the future."))
        if end and end > today:
            self.add_error("tot", _("The end of the period lies in the future."))
        if start and end and end < start:
            self.add_error("tot", _("The end of the period lies before its start."))
        if start and end and (end - start) > datetime.timedelta(days=MAX_DAYS):
            self.add_error("van", _("Choose a period of at most ten years."))
        return cleaned

    def period(self) -> Period:
        data = self.cleaned_data
        return Period(
            start=data["van"],
            end=data["tot"],
            kind=data.get("doelgroep") or "",
            organisation=data.get("organisatie"),
            domain=data.get("domein") or "",
        )


class PoliceCountForm(forms.Form):
    before = forms.IntegerField(
        label=_("Police registrations in the 12 months before intake"),
        min_value=0,
        max_value=10_000,
        error_messages={
            "required": _("Enter the number of registrations before intake (0 if none)."),
            "invalid": _("Enter a whole number."),
            "min_value": _("A count cannot be negative."),
            "max_value": _("Enter at most 10,000."),
        },
    )
    after = forms.IntegerField(
        label=_("Police registrations in the 12 months after closure"),
        required=False,
        min_value=0,
        max_value=10_000,
        help_text=_("Only when the case was closed at least 12 months ago."),
        error_messages={
            "invalid": _("Enter a whole number."),
            "min_value": _("A count cannot be negative."),
            "max_value": _("Enter at most 10,000."),
        },
    )

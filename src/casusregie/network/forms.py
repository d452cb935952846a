"""The period of the network diagnosis."""

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

BAD_DATE = _("Enter a date as day-month-year, for example 31-12-2026.")


def default_period() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return today - datetime.timedelta(days=365), today


class PeriodForm(forms.Form):
    van = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": BAD_DATE},
    )
    tot = forms.DateField(
        label=_("To (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": BAD_DATE},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = default_period()
        data["van"] = data.get("van") or start
        data["tot"] = data.get("tot") or end
        if data["van"] > data["tot"]:
            raise forms.ValidationError(_("The start of the period must not be after its end."))
        return data

    def clean_period(self) -> dict[str, Any]:
        """The default period, for a page opened without a query."""
        start, end = default_period()
        return {"van": start, "tot": end}

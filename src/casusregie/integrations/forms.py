from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casusregie.houses.models import House
from casusregie.web.forms import DateInput

from .actions import client_organisations
from .scopes import SCOPES


def end_of(day: datetime.date | None) -> datetime.datetime | None:
    """A token that expires "on" a day works until that day ends (local time)."""
    if day is None:
        return None
    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(start)


def _scope_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Scopes"),
        help_text=_("What the client may do. It never sees more than its organisation's people."),
        choices=[(name, f"{name} — {text}") for name, text in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )


class ExpiryMixin(forms.Form):
    expires_on = forms.DateField(
        label=_("Token valid until"),
        help_text=_("The token stops working after this day."),
        required=False,
        widget=DateInput(),
    )

    def clean_expires_on(self) -> datetime.date | None:
        day = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day


class ClientForm(ExpiryMixin):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("For example the partner system: “Politie BVH-koppeling”."),
    )
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Organisation"),
        help_text=_("The client acts for this organisation and sees what its people see."),
        queryset=None,
    )
    scopes = _scope_field()
    field_order = ["name", "organisation", "scopes", "expires_on"]

    def __init__(self, *args: Any, house: House, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organisation"]
        field.queryset = client_organisations(house).order_by("name")


class ClientEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scopes = _scope_field()
    is_active = forms.BooleanField(
        label=_("Active"),
        help_text=_("An inactive client's token is refused."),
        required=False,
    )


class RotateForm(ExpiryMixin):
    pass


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

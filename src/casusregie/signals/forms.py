"""Forms of concern signals. None has a free-text field: a signal is a pseudonym, a category,
a date and who gave it. The identity fields are never shown back (see `forget_identity`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casusregie.imports.forms import within_size_limit
from casusregie.web.forms import DateInput

from .models import Category
from .pseudonym import Identity, identify

IDENTITY_FIELDS = ("bsn", "first_name", "last_name", "date_of_birth")


class IdentityForm(forms.Form):
    bsn = forms.CharField(
        label=_("BSN"),
        required=False,
        max_length=20,
        help_text=_("Nine digits. Without a BSN: first name, surname and date of birth."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    last_name = forms.CharField(
        label=_("Surname"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=DateInput(attrs={"autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(f in self.errors for f in IDENTITY_FIELDS):
            try:
                self.identity: Identity = identify(
                    bsn=data.get("bsn", ""),
                    first_name=data.get("first_name", ""),
                    last_name=data.get("last_name", ""),
                    date_of_birth=data.get("date_of_birth"),
                )
            except forms.ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return data

    def forget_identity(self) -> None:
        """A re-shown form keeps its error messages but never the BSN or name typed in."""
        if self.is_bound:
            data = self.data.copy()  # type: ignore[attr-defined]
            for name in IDENTITY_FIELDS:
                data[name] = ""
            self.data = data
        if hasattr(self, "cleaned_data"):
            for name in IDENTITY_FIELDS:
                self.cleaned_data.pop(name, None)


class SignalForm(IdentityForm):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    observed_on = forms.DateField(label=_("Date of the signal"), widget=DateInput())
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=None, empty_label=None
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organisation"]
        field.queryset = organisations


class CloseReason(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is no referral needed?"),
        choices=[
            ("already_in_care", _("The person already receives fitting care")),
            ("no_concern", _("On closer look there is no shared concern")),
            ("other_route", _("A partner takes it up outside the house")),
        ],
        widget=forms.RadioSelect,
    )


class IntakeForm(forms.Form):
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=None, empty_label=None
    )
    keep_valid = forms.TypedChoiceField(
        label=_("Rejected rows"),
        choices=[
            ("0", _("All or nothing: save only when every row is valid")),
            ("1", _("Valid rows only: save the valid rows, report the rest")),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="0",
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8, comma or semicolon) or XLSX with the columns bsn, first_name, "
            "last_name, date_of_birth, category and date (docs/signals.md)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organisation"]
        field.queryset = organisations

    def clean_file(self) -> Any:
        return within_size_limit(self.cleaned_data["file"])

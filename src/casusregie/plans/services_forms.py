"""Forms of the services map pages (decision 0048). The actions in services.py validate again;
these give each field its label, limits and a clear message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casusregie.houses.domains import LifeDomain

from .services import MAX_IMPORT_BYTES, MAX_TEXT, MAX_WAITING_WEEKS, ServiceData

STATES = [
    ("active", _("Offered now")),
    ("stale", _("Offered now, waiting time out of date")),
    ("all", _("All, also no longer offered")),
]


class SearchForm(forms.Form):
    """The browse page's filters (a GET form: every field optional)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    organisation = forms.TypedChoiceField(
        label=_("Organisation"), required=False, coerce=int, empty_value=None
    )
    domain = forms.ChoiceField(label=_("Life domain"), required=False)
    target_group = forms.CharField(label=_("Target group"), required=False, max_length=200)
    state = forms.ChoiceField(label=_("Show"), required=False, choices=STATES)

    def __init__(self, *args: Any, organisations: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation = self.fields["organisation"]
        domain = self.fields["domain"]
        assert isinstance(organisation, forms.ChoiceField)
        assert isinstance(domain, forms.ChoiceField)
        organisation.choices = [("", _("All organisations"))] + [
            (o.pk, o.name) for o in organisations
        ]
        domain.choices = [("", _("All life domains")), *LifeDomain.choices]


class ServiceForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    name = forms.CharField(label=_("Name of the service"), max_length=200)
    domains = forms.MultipleChoiceField(
        label=_("Life domains"),
        choices=LifeDomain.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one life domain.")},
    )
    target_group = forms.CharField(
        label=_("Target group"),
        max_length=200,
        help_text=_("For whom, e.g. “adults with debts”, “young people 12-23”."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    region = forms.CharField(label=_("Region"), required=False, max_length=200)
    how_to_refer = forms.CharField(
        label=_("How to refer"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What a referrer does: form, telephone number, conditions."),
    )
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=200)
    contact_phone = forms.CharField(label=_("Contact telephone"), required=False, max_length=30)
    contact_email = forms.EmailField(label=_("Contact e-mail address"), required=False)
    waiting_weeks = forms.IntegerField(
        label=_("Current waiting time (weeks)"),
        min_value=0,
        max_value=MAX_WAITING_WEEKS,
        help_text=_("0 when a referral can start at once."),
    )
    confirm_waiting = forms.BooleanField(
        label=_("The waiting time is right today (confirm it)"), required=False
    )

    def __init__(
        self,
        *args: Any,
        organisations: Any = None,
        editing: bool = False,
        retired: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if retired:
            self.fields["offer_again"] = forms.BooleanField(
                label=_("Offer this service again"), required=False
            )
        if editing:
            del self.fields["organisation"]
        else:
            del self.fields["confirm_waiting"]
            organisation = self.fields["organisation"]
            assert isinstance(organisation, forms.ChoiceField)
            organisation.choices = [(o.pk, o.name) for o in organisations or ()]

    def data_object(self) -> ServiceData:
        values = self.cleaned_data
        return ServiceData(
            name=values["name"],
            domains=list(values["domains"]),
            target_group=values["target_group"],
            waiting_weeks=values["waiting_weeks"],
            description=values["description"],
            region=values["region"],
            how_to_refer=values["how_to_refer"],
            contact_name=values["contact_name"],
            contact_phone=values["contact_phone"],
            contact_email=values["contact_email"],
        )


class RetireForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the service no longer offered?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8, comma or semicolon) or XLSX, in the documented layout."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB. Split it into smaller files.")
                % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        return upload


class ImportConfirmForm(forms.Form):
    upload = forms.CharField(widget=forms.HiddenInput)

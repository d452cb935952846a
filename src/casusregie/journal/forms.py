from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casusregie.privacy.models import DataCategory
from casusregie.web.forms import DateInput

from .models import Audience, EntryKind

# The kinds of case events the timeline shows beside the journal's entries.
EVENT_KINDS = [
    ("phase", _("Phase changes")),
    ("meeting", _("Case meetings")),
    ("decision", _("Decisions")),
    ("action", _("Actions")),
    ("feedback", _("Feedback on actions")),
]


class EntryForm(forms.Form):
    """Writing an entry, and correcting one (with `reason`)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=EntryKind.choices)
    occurred_on = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        help_text=_("The day of the contact, visit or observation; not in the future."),
    )
    subject: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("About person"),
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("Choose a person of this case.")},
    )
    text = forms.CharField(
        label=_("Entry"), widget=forms.Textarea(attrs={"rows": 6}), max_length=8000
    )
    advice_only = forms.BooleanField(
        label=_("Advice only: the underlying information cannot be shared"), required=False
    )
    audience = forms.ChoiceField(
        label=_("Who may read this"), choices=Audience.choices, widget=forms.RadioSelect
    )
    organisations: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Named organisations"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only when you chose named organisations."),
        error_messages={
            "invalid_choice": _("Only organisations taking part in the case can read it."),
            "invalid_pk_value": _("Only organisations taking part in the case can read it."),
        },
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    categories = forms.MultipleChoiceField(
        label=_("What kind of information this holds"),
        choices=DataCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Recorded in the disclosure register. Case information is always recorded; tick "
            "health or criminal data when the text holds it."
        ),
    )
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=None, required=False, empty_label=None
    )

    def __init__(
        self,
        *args: Any,
        subjects: Any,
        organisations: Any,
        writing_for: Any = None,
        correcting: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects  # type: ignore[attr-defined]
        self.fields["subject"].label_from_instance = (  # type: ignore[attr-defined]
            lambda s: s.full_name
        )
        self.fields["organisations"].queryset = organisations  # type: ignore[attr-defined]
        if writing_for is not None and len(writing_for) > 1 and not correcting:
            self.fields["organisation"].queryset = writing_for  # type: ignore[attr-defined]
        else:
            del self.fields["organisation"]
        if correcting:
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the correction"),
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
                help_text=_("Everyone who can read the entry sees this reason."),
            )
            self.order_fields(["reason"])


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Organisation"), queryset=None, required=False
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            ("", _("All kinds")),
            (_("Journal"), list(EntryKind.choices)),
            (_("Events"), EVENT_KINDS),
        ]
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data

"""The period of the network diagnosis."""

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casusregie.web.forms import DateInput

BAD_DATE = _("Enter a date as day-month-year, for example 31-12-2026.")


def default_period() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return today - datetime.timedelta(days=365), today


class PeriodForm(forms.Form):
    van = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": BAD_DATE},
    )
    tot = forms.DateField(
        label=_("To (inclusive)"),
        required=False,
        widget=DateInput(),
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


MAX_EXPORT_BYTES = 1_000_000


class LessonForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"))
    theme = forms.ChoiceField(label=_("Theme"))
    text = forms.CharField(
        label=_("Lesson"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published as written: no names or other personal data."),
    )
    published = forms.BooleanField(label=_("Publish with the export"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .models import LessonKind, Theme

        super().__init__(*args, **kwargs)
        kind, theme = self.fields["kind"], self.fields["theme"]
        assert isinstance(kind, forms.ChoiceField)
        assert isinstance(theme, forms.ChoiceField)
        kind.choices = LessonKind.choices
        theme.choices = Theme.choices

    def clean_text(self) -> str:
        text = str(self.cleaned_data["text"]).strip()
        if not text:
            raise forms.ValidationError(_("Write the lesson."))
        return text


class UploadExportForm(forms.Form):
    file = forms.FileField(
        label=_("Export of another house (JSON)"),
        error_messages={"required": _("Choose a file.")},
    )

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if file.size > MAX_EXPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB; an export is smaller."))
        return file

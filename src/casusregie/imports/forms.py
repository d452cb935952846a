from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .files import max_bytes
from .models import ImportKind, ImportMode


def within_size_limit(upload: Any) -> Any:
    """The uploaded file, or a form error when it is over the configured import limit."""
    if upload.size > max_bytes():
        raise forms.ValidationError(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": max_bytes() // (1024 * 1024)}
        )
    return upload


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What does the file hold?"), choices=ImportKind.choices, widget=forms.RadioSelect
    )
    mode = forms.ChoiceField(
        label=_("Rejected rows"),
        choices=ImportMode.choices,
        widget=forms.RadioSelect,
        initial=ImportMode.ALL,
        help_text=_("A case with one rejected row is never imported partly: it is left out whole."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8, comma or semicolon) or XLSX, in the documented layout."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self) -> Any:
        return within_size_limit(self.cleaned_data["file"])

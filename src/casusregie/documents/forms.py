from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from casusregie.privacy.models import DataCategory

from .access import CASE_TARGET
from .actions import check_size
from .models import Audience


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    target = forms.ChoiceField(label=_("Attach to"), required=False)
    audience = forms.ChoiceField(
        label=_("Who may read this"), choices=Audience.choices, widget=forms.RadioSelect
    )
    organisations: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Named organisations"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only when you chose named organisations."),
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

    def __init__(
        self, *args: Any, organisations: Any, targets: list[tuple[str, str]] | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["file"].help_text = _(
            "PDF, an image (PNG, JPEG) or an office document (DOCX, XLSX, PPTX, ODT, ODS, DOC, "
            "XLS), at most %(max)d MB."
        ) % {"max": settings.DOCUMENT_MAX_MB}
        if targets is None:
            del self.fields["target"]
        else:
            self.fields["target"].choices = targets  # type: ignore[attr-defined]
            self.fields["target"].initial = CASE_TARGET

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # Refused before the file is read into memory; the action checks again.
        try:
            check_size(upload.size)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["file"]) from None
        return upload


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this document removed?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )

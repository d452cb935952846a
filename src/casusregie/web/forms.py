"""Helpers shared by every form page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def apply_errors(form: Any, error: ValidationError) -> None:
    """Show an action's validation error on the form: per field where the field exists,
    otherwise at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class DateInput(forms.DateInput):
    """The browser's own date picker, sending and showing ISO dates. `max` keeps the year to
    four digits: Chromium's date field takes six by default, so digits typed in another order
    than the field's (day first in an English browser) ran on into a year such as 22026, which
    the form then refused (issue 21)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"max": "9999-12-31", **(attrs or {})}, format="%Y-%m-%d")

"""Helpers shared by every form page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


def apply_errors(form: Any, error: ValidationError) -> None:
    """Show an action's validation error on the form: per field where the field exists,
    otherwise at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)

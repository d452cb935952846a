"""The Dutch citizen service number (BSN): nine digits that pass the eleven-test."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_NINE_DIGITS = re.compile(r"^\d{9}$")


def normalise_bsn(value: str) -> str:
    """Digits only; an eight-digit BSN gets its leading zero back."""
    digits = re.sub(r"[\s.\-]", "", value or "")
    return digits.zfill(9) if len(digits) == 8 and digits.isdigit() else digits


def is_valid_bsn(value: str) -> bool:
    """The eleven-test: 9·d1 + 8·d2 + ... + 2·d8 − 1·d9 is a multiple of 11 (and not 0)."""
    digits = normalise_bsn(value)
    if not _NINE_DIGITS.match(digits) or digits == "000000000":
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 == 0


def validate_bsn(value: str) -> None:
    if not is_valid_bsn(value):
        raise ValidationError(
            _("This is not a valid BSN: it must have nine digits and pass the eleven-test."),
            code="invalid_bsn",
        )

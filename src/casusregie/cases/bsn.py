"""The Dutch citizen service number (BSN): nine digits that pass the eleven-test."""

from __future__ import annotations

import operator
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_NINE_DIGITS = re.compile(r"^[0-9]{9}$")
_SEARCH_DATE = re.compile(r"^\d{1,2}-\d{1,2}-\d{4}$")


def normalise_bsn(value: str) -> str:
    """Digits only; an eight-digit BSN gets its leading zero back."""
    if value and len(value) == 9 and value.isascii() and value.isdigit():  # most of an intake
        return value
    digits = re.sub(r"[\s.\-]", "", value or "")
    if not digits.isascii():  # "１２３…" pasted from a full-width form is the same number
        digits = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in digits)
    return digits.zfill(9) if len(digits) == 8 and digits.isdigit() else digits


_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def is_valid_bsn(value: str) -> bool:
    """The eleven-test: 9·d1 + 8·d2 + ... + 2·d8 − 1·d9 is a multiple of 11 (and not 0)."""
    return passes_eleven_test(normalise_bsn(value))


def passes_eleven_test(digits: str) -> bool:
    """`is_valid_bsn` of a normalised BSN (bulk intake normalises once)."""
    if not _NINE_DIGITS.match(digits) or digits == "000000000":
        return False
    return sum(map(operator.mul, map(int, digits), _WEIGHTS)) % 11 == 0


def validate_bsn(value: str) -> None:
    if not is_valid_bsn(value):
        raise ValidationError(
            _("This is not a valid BSN: it must have nine digits and pass the eleven-test."),
            code="invalid_bsn",
        )


def bsn_search_digits(text: str) -> str:
    """The digits of a search text that has the shape of a BSN (eight or nine digits, spaces,
    dots and dashes allowed), or "". A date (dd-mm-yyyy) is not a BSN, though 17-05-1980 has
    eight digits too."""
    text = text.strip()
    if _SEARCH_DATE.match(text):
        return ""
    digits = re.sub(r"[\s.\-]", "", text)
    return digits if digits.isdigit() and len(digits) in (8, 9) else ""


def searched_bsn(text: str) -> str:
    """The BSN a search text looks a person up by; "" for a name, a date or digits that fail
    the eleven-test (those find nothing and look nobody up)."""
    digits = bsn_search_digits(text)
    return normalise_bsn(digits) if digits and is_valid_bsn(digits) else ""

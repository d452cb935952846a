"""The Dutch citizen service number (BSN): nine digits that pass the eleven-test, and its
keyed look-up hash. The identifier belongs to privacy: every app that takes, checks or looks up
a BSN uses these (cases for intake and search, referrals, imports, signals, subject rights)."""

from __future__ import annotations

import operator
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .crypto import keyed_hash

_NINE_DIGITS = re.compile(r"^[0-9]{9}$")


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


def lookup_hash(bsn: str) -> str:
    """The keyed hash a person's rows are found by; "" without a BSN."""
    return keyed_hash(normalise_bsn(bsn), purpose="bsn-lookup") if bsn else ""

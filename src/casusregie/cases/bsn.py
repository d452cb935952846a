"""Searching by BSN: when a search text is a citizen service number (the number itself and its
checks live in privacy/bsn.py)."""

from __future__ import annotations

import re

from casusregie.privacy.bsn import is_valid_bsn, normalise_bsn

_SEARCH_DATE = re.compile(r"^\d{1,2}-\d{1,2}-\d{4}$")


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

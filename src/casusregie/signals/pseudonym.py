"""THE pseudonymisation step of concern signals: the only code that sees a BSN or a name.

A person is identified by their BSN (nine digits passing the eleven-test) or, without one, by
normalised name and date of birth. Both become a keyed hash (HMAC-SHA256):

- the local pseudonym, with `CASUSREGIE_HASH_KEY` (only this house's server holds it). For a BSN
  it is the very hash `cases.Subject.bsn_hash` already holds, so "already a case?" is one
  indexed look-up and signals and cases use one pseudonym per person (decision 0024);
- the regional pseudonym, with `CASUSREGIE_SIGNALS_REGION_KEY` (shared by the deployments of a
  region that opted in), for the exchange between houses; BSN only (decision 0025).

Callers keep the `Identity` no longer than the request; it is never stored, logged or shown
(its repr hides the value).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.cases.actions import name_key, region_hash_of_bsn
from casusregie.privacy.bsn import lookup_hash as bsn_lookup_hash
from casusregie.privacy.bsn import normalise_bsn, passes_eleven_test
from casusregie.privacy.crypto import keyed_hash

BSN = "bsn"
NAME = "name"


@dataclass(frozen=True)
class Identity:
    kind: str
    value: str = field(repr=False)
    # For a name identity: (cases' search name, date of birth), to find case subjects.
    subject_key: tuple[str, datetime.date] | None = field(default=None, repr=False)


def normalise_name(first_name: str, last_name: str) -> str:
    """Lower case, accents and punctuation removed, one space between words: "José  d'Hondt"
    and "jose dhondt" are the same person."""
    text = unicodedata.normalize("NFKD", f"{first_name} {last_name}")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^\w\s]", "", text)
    return " ".join(text.split())


def identify(
    *,
    bsn: str = "",
    first_name: str = "",
    last_name: str = "",
    date_of_birth: datetime.date | None = None,
) -> Identity:
    """The identity of a person from a BSN, or from name and date of birth; ValidationError
    per field (messages never repeat the value)."""
    if bsn.strip():
        bsn = normalise_bsn(bsn)
        if not passes_eleven_test(bsn):
            raise ValidationError(
                {
                    "bsn": _(
                        "This is not a valid BSN: it must have nine digits and pass the "
                        "eleven-test."
                    )
                }
            )
        return Identity(BSN, bsn)
    errors: dict[str, str] = {}
    name = normalise_name(first_name, last_name)
    if not first_name.strip() or not last_name.strip() or not name:
        errors["last_name"] = _("Enter a BSN, or the first name, surname and date of birth.")
    if date_of_birth is None:
        errors["date_of_birth"] = _("Enter the date of birth (or a BSN).")
    elif date_of_birth > timezone.localdate():
        errors["date_of_birth"] = _("The date of birth cannot be in the future.")
    elif date_of_birth.year < 1900:
        errors["date_of_birth"] = _("The date of birth cannot be before 1900.")
    if errors:
        raise ValidationError(errors)
    assert date_of_birth is not None
    return Identity(
        NAME,
        f"{name}|{date_of_birth.isoformat()}",
        (name_key(first_name, last_name), date_of_birth),
    )


def bsn_pseudonym(bsn: str) -> str | None:
    """The local pseudonym of a BSN, None when it is not one: `local_pseudonym(identify(bsn=…))`
    without the intermediate objects, for the rows of a bulk intake."""
    if len(bsn) == 9 and bsn.isascii() and bsn.isdigit():  # nearly every row of an export
        valid = _eleven_test_of_digits(bsn.encode())
    else:
        bsn = normalise_bsn(bsn)
        valid = passes_eleven_test(bsn)
    return bsn_lookup_hash(bsn) if valid else None


# The eleven-test on the nine ASCII codes at once: each code is the digit + 48, and the weights
# 9 … 2, -1 add up to 43. One expression instead of nine int() calls (a million rows).
_CODES = 48 * 43


def _eleven_test_of_digits(code: bytes) -> bool:
    """`passes_eleven_test` of nine ASCII digits."""
    total = (
        9 * code[0]
        + 8 * code[1]
        + 7 * code[2]
        + 6 * code[3]
        + 5 * code[4]
        + 4 * code[5]
        + 3 * code[6]
        + 2 * code[7]
        - code[8]
        - _CODES
    )
    return total % 11 == 0 and code != b"000000000"


def local_pseudonym(identity: Identity) -> str:
    if identity.kind == BSN:
        return bsn_lookup_hash(identity.value)
    return keyed_hash(identity.value, purpose="signal-name")


def region_key() -> str:
    return str(getattr(settings, "SIGNALS_REGION_KEY", "") or "")


def region_pseudonym(identity: Identity) -> str:
    """The regional pseudonym of a BSN identity; "" without a region key or a BSN."""
    key = region_key()
    if not key or identity.kind != BSN:
        return ""
    return region_hash_of_bsn(identity.value, key)


def subject_pseudonyms(
    *, bsn_hash: str, first_name: str, last_name: str, date_of_birth: datetime.date | None
) -> list[str]:
    """The local pseudonyms under which signals about a case subject may have been registered:
    its BSN hash, and its name with date of birth."""
    found = [bsn_hash] if bsn_hash else []
    name = normalise_name(first_name, last_name)
    if name and date_of_birth is not None:
        found.append(keyed_hash(f"{name}|{date_of_birth.isoformat()}", purpose="signal-name"))
    return found


def fill_region_hashes(subject_model: Any = None) -> int:
    """Give every subject with a BSN its regional pseudonym (after a region key was set or
    changed). Returns the number of subjects changed."""
    from casusregie.privacy.crypto import decrypt

    if subject_model is None:
        from casusregie.cases.models import Subject as subject_model
    key = region_key()
    changed = []
    for subject in (
        subject_model.objects.exclude(bsn_encrypted="")
        .only("pk", "bsn_encrypted", "region_hash")
        .iterator(chunk_size=2000)
    ):
        wanted = region_hash_of_bsn(decrypt(subject.bsn_encrypted), key)
        if subject.region_hash != wanted:
            subject.region_hash = wanted
            changed.append(subject)
    subject_model.objects.bulk_update(changed, ["region_hash"], batch_size=2000)
    return len(changed)

"""Property-based tests (hypothesis) of the pseudonymisation step: however a valid BSN or a
name is written, one person gets one pseudonym; a BSN with one digit wrong is refused; the
pseudonym never shows what it was made of. Bounded like cases/tests/test_properties.py."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from casusregie.cases.tests.test_properties import BOUNDED
from casusregie.signals.pseudonym import bsn_pseudonym, identify, local_pseudonym

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)
FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}


@st.composite
def valid_bsns(draw) -> str:
    body = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    check = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11
    assume(check < 10 and body + str(check) != "000000000")
    return body + str(check)


@st.composite
def written(draw, bsn: str) -> str:
    """The BSN as people and exports write it: spaces, dots, dashes, full-width digits."""
    out = []
    for digit in bsn:
        out.append(FULL_WIDTH[digit] if draw(st.booleans()) and draw(st.booleans()) else digit)
        out.append(draw(st.sampled_from(["", "", "", " ", ".", "-"])))
    return draw(st.sampled_from(["", " "])) + "".join(out).rstrip(".- ") + " "


@BOUNDED
@given(data=st.data(), bsn=valid_bsns())
def test_one_bsn_one_pseudonym_however_written(data, bsn: str) -> None:
    variant = data.draw(written(bsn))
    pseudonym = bsn_pseudonym(bsn)
    assert pseudonym is not None
    assert bsn_pseudonym(variant) == pseudonym
    assert local_pseudonym(identify(bsn=variant)) == pseudonym
    assert len(pseudonym) == 64
    assert set(pseudonym) <= set("0123456789abcdef")
    assert bsn not in pseudonym


@BOUNDED
@given(bsn=valid_bsns(), position=st.integers(0, 8), change=st.integers(1, 9))
def test_one_digit_wrong_is_refused(bsn: str, position: int, change: int) -> None:
    wrong = bsn[:position] + str((int(bsn[position]) + change) % 10) + bsn[position + 1 :]
    assert bsn_pseudonym(wrong) is None
    with pytest.raises(ValidationError):
        identify(bsn=wrong)


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéëïöü", min_size=2, max_size=12)


@BOUNDED
@given(
    first=names,
    last=names,
    born=st.dates(min_value=datetime.date(1920, 1, 1), max_value=datetime.date(2020, 12, 31)),
    shout=st.booleans(),
    spaces=st.sampled_from(["", " ", "  "]),
)
def test_one_name_one_pseudonym_however_written(
    first: str, last: str, born: datetime.date, shout: bool, spaces: str
) -> None:
    plain = local_pseudonym(identify(first_name=first, last_name=last, date_of_birth=born))
    written = identify(
        first_name=f"{spaces}{first.upper() if shout else first}{spaces}",
        last_name=f"{last.title()}.{spaces}",
        date_of_birth=born,
    )
    assert local_pseudonym(written) == plain
    other_day = identify(
        first_name=first, last_name=last, date_of_birth=born + datetime.timedelta(days=1)
    )
    assert local_pseudonym(other_day) != plain


@BOUNDED
@given(digits=st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_the_fast_eleven_test_of_an_intake_agrees_with_the_bsn_check(digits: str) -> None:
    """bsn_pseudonym tests nine plain digits in one expression (a million rows of an export);
    it must accept and refuse exactly what the cases' BSN check does."""
    from casusregie.privacy.bsn import passes_eleven_test

    assert (bsn_pseudonym(digits) is not None) == passes_eleven_test(digits)
    assert bsn_pseudonym("000000000") is None

"""Password rules with messages of our own, so they are translated like the rest of the UI
(Django's Dutch catalogue lags behind its 5.2 wording for the length rule).

Length: at least `min_length` (12) and at most `max_length` (128) characters. ASVS 2.1.2 asks
for the upper bound: long passphrases are welcome, but a megabyte "password" only costs hashing
time and is never typed by a person.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext


class LengthValidator(password_validation.MinimumLengthValidator):
    def __init__(self, min_length: int = 12, max_length: int = 128) -> None:
        super().__init__(min_length)
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        super().validate(password, user)
        if len(password) > self.max_length:
            raise ValidationError(
                gettext(
                    "This password is too long. It may contain at most %(max_length)d characters."
                )
                % {"max_length": self.max_length},
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return gettext(
            "Your password must contain %(min_length)d to %(max_length)d characters."
        ) % {
            "min_length": self.min_length,
            "max_length": self.max_length,
        }

"""A delivery backend for the tests whose mail server can be switched off."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class Server:
    """What the switchable server received, and what it does now: None (up) or an exception
    to raise on connecting (`down`) or on each message (`refuse`)."""

    received: list[EmailMessage] = []
    down: BaseException | None = None
    refuse: BaseException | None = None
    during_send: Any = None  # called while a message is being sent (concurrency tests)

    @classmethod
    def reset(cls) -> None:
        cls.received = []
        cls.down = cls.refuse = cls.during_send = None


class SwitchableBackend(BaseEmailBackend):
    def open(self) -> bool:
        if Server.down is not None:
            raise Server.down
        return True

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            message.message()  # build it as a real transport would
            if Server.refuse is not None:
                raise Server.refuse
            if Server.during_send is not None:
                Server.during_send()
            Server.received.append(message)
        return len(email_messages)

"""Keep query strings out of the technical log.

A query string can hold a searched name, BSN or date of birth (`/casussen/?q=111222333`).
`casusregie serve` writes gunicorn's access log without them (ACCESS_LOG_FORMAT); the demo and
`runserver` log each request through the `django.server` logger with the whole request line,
so the console handler strips it there too (issue 22, finding 11).
"""

from __future__ import annotations

import logging
import re

# "GET /path?query HTTP/1.1" → "GET /path HTTP/1.1"
_REQUEST_LINE = re.compile(r"^(\S+ [^?\s]*)\?\S*( HTTP/[\d.]+)$")


def without_query(text: str) -> str:
    return _REQUEST_LINE.sub(r"\1\2", text)


class NoQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.server" and isinstance(record.args, tuple):
            record.args = tuple(
                without_query(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True

"""A small client for ClamAV's scanner daemon (`clamd`), INSTREAM command.

The protocol: send `zINSTREAM\\0`, then the file in chunks, each preceded by its length as
four bytes (big-endian), then a chunk of length zero; clamd answers `stream: OK` or
`stream: <signature> FOUND` (or `... ERROR`), ended by a NUL byte in the z-variant.
"""

from __future__ import annotations

import socket
import struct

CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30.0


class ScannerUnavailable(Exception):
    """clamd cannot be reached or did not give a verdict: the file must not be stored."""


def _connect(address: str, timeout: float) -> socket.socket:
    if address.startswith("unix://"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(address.removeprefix("unix://"))
        return sock
    host, _sep, port = address.removeprefix("tcp://").rpartition(":")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


def scan(data: bytes, address: str, *, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """The name of the virus clamd found in `data`, or None when it reports the file clean.
    Raises ScannerUnavailable when there is no verdict."""
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                sock.sendall(struct.pack(">I", len(chunk)) + chunk)
            sock.sendall(struct.pack(">I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                received = sock.recv(4096)
                if not received:
                    break
                reply += received
    except (OSError, ValueError) as error:
        raise ScannerUnavailable(str(error)) from error
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith("OK") and not text.endswith("FOUND"):
        return None
    if text.endswith("FOUND"):
        return text.removeprefix("stream:").removesuffix("FOUND").strip() or "unknown"
    raise ScannerUnavailable(text or "no answer")

"""The fake clamd. Every test keeps its documents in a temporary folder (`document_dir`, in the
project's conftest) and scans nothing unless it starts the fake clamd (`clamd_server`)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import samples


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@dataclass
class FakeClamd:
    """A clamd speaking the real INSTREAM protocol on loopback: it reports the EICAR test
    string as a virus and everything else as clean; `received` holds what was scanned."""

    address: str
    received: list[bytes] = field(default_factory=list)


def _serve(server: socket.socket, fake: FakeClamd) -> None:
    while True:
        try:
            conn, _addr = server.accept()
        except OSError:
            return
        with conn:
            command = b""
            while not command.endswith(b"\0"):
                command += conn.recv(1)
            assert command == b"zINSTREAM\0"
            data = b""
            while True:
                size = struct.unpack(">I", _exactly(conn, 4))[0]
                if size == 0:
                    break
                data += _exactly(conn, size)
            fake.received.append(data)
            if samples.EICAR in data:
                conn.sendall(b"stream: Eicar-Test-Signature FOUND\0")
            else:
                conn.sendall(b"stream: OK\0")


def _exactly(conn: socket.socket, size: int) -> bytes:
    chunks = b""
    while len(chunks) < size:
        received = conn.recv(size - len(chunks))
        if not received:
            raise OSError("closed")
        chunks += received
    return chunks


@pytest.fixture
def clamd_server(settings: Any) -> Iterator[FakeClamd]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    fake = FakeClamd(address=f"tcp://127.0.0.1:{server.getsockname()[1]}")
    thread = threading.Thread(target=_serve, args=(server, fake), daemon=True)
    thread.start()
    settings.CLAMD = fake.address
    try:
        yield fake
    finally:
        server.close()


@pytest.fixture
def clamd_down(settings: Any) -> str:
    """An address where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CLAMD = f"tcp://127.0.0.1:{port}"
    return str(settings.CLAMD)

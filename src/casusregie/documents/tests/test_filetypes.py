"""The type of a file is judged by its content; the clamd client speaks the real protocol."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from casusregie.documents import clamd, filetypes

from . import samples
from .conftest import FakeClamd


@pytest.mark.parametrize("name", sorted(samples.ALLOWED))
def test_allowed_types_are_recognised_by_content(name: str) -> None:
    data, content_type = samples.ALLOWED[name]
    assert filetypes.detect(data) == content_type


@pytest.mark.parametrize(
    "data",
    [
        samples.TEXT_AS_PDF,
        samples.EXE,
        samples.DOCM,
        samples.PLAIN_ZIP,
        samples.OTHER_ODF,
        samples.DOC_WITH_MACROS,
        samples.OTHER_OLE,
        b"PK\x03\x04 not really a zip",
        samples.EICAR,
    ],
    ids=["text", "exe", "docm", "zip", "odg", "doc-macros", "ole", "broken-zip", "eicar"],
)
def test_other_files_are_not_recognised(data: bytes) -> None:
    assert filetypes.detect(data) is None


def test_clamd_client_reports_clean_and_infected(clamd_server: FakeClamd) -> None:
    big = samples.PDF + b"x" * (3 * clamd.CHUNK + 17)  # several chunks
    assert clamd.scan(big, clamd_server.address) is None
    assert clamd_server.received[-1] == big
    assert clamd.scan(samples.PDF + samples.EICAR, clamd_server.address) == ("Eicar-Test-Signature")


def test_clamd_client_over_a_unix_socket(tmp_path: Path) -> None:
    path = tmp_path / "clamd.ctl"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    fake = FakeClamd(address=f"unix://{path}")
    from .conftest import _serve

    threading.Thread(target=_serve, args=(server, fake), daemon=True).start()
    try:
        assert clamd.scan(samples.PNG, fake.address) is None
        assert fake.received == [samples.PNG]
    finally:
        server.close()


def test_clamd_unreachable_or_without_verdict(clamd_down: str, tmp_path: Path) -> None:
    with pytest.raises(clamd.ScannerUnavailable):
        clamd.scan(samples.PDF, clamd_down)
    with pytest.raises(clamd.ScannerUnavailable):
        clamd.scan(samples.PDF, f"unix://{tmp_path}/missing.ctl")
    # A scanner that answers an error (e.g. size limit) gives no verdict either.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer_error() -> None:
        conn, _addr = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"INSTREAM size limit exceeded. ERROR\0")

    threading.Thread(target=answer_error, daemon=True).start()
    try:
        with pytest.raises(clamd.ScannerUnavailable):
            clamd.scan(b"x", f"tcp://127.0.0.1:{server.getsockname()[1]}")
    finally:
        server.close()

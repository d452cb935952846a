"""The document settings fail loudly when malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from casusregie.conf.tests.test_settings import start


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("CASUSREGIE_CLAMD", "127.0.0.1:3310", "tcp://host:poort"),
        ("CASUSREGIE_DOCUMENT_STORAGE_OPTIONS", "bucket=documenten", "JSON-object"),
        ("CASUSREGIE_DOCUMENT_STORAGE_OPTIONS", '["documenten"]', "JSON-object"),
        ("CASUSREGIE_DOCUMENT_MAX_MB", "0", "minstens 1"),
    ],
)
def test_malformed_document_settings_are_named(
    tmp_path: Path, name: str, value: str, expected: str
) -> None:
    result = start(
        {"CASUSREGIE_ENV": "development", "CASUSREGIE_DATA_DIR": str(tmp_path), name: value}
    )
    assert result.returncode != 0
    assert name in result.stderr
    assert expected in result.stderr


def test_object_storage_is_configured_by_settings(tmp_path: Path) -> None:
    result = start(
        {
            "CASUSREGIE_ENV": "development",
            "CASUSREGIE_DATA_DIR": str(tmp_path),
            "CASUSREGIE_CLAMD": "unix:///run/clamav/clamd.ctl",
            "CASUSREGIE_DOCUMENT_STORAGE_OPTIONS": '{"location": "%s"}' % (tmp_path / "d"),
        }
    )
    assert result.returncode == 0, result.stderr

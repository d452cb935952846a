"""Endpoint addresses: https only and public addresses only, unless the setting allows local
development (SSRF)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from casusregie.webhooks import endpoints


@pytest.fixture
def dns(monkeypatch: Any) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}

    def resolve(host: str, port: int) -> list[str]:
        if host in table:
            return table[host]
        try:
            endpoints.is_public(host)  # an address literal resolves to itself
        except ValueError:
            raise OSError("not found") from None
        return [host]

    monkeypatch.setattr(endpoints, "resolve", resolve)
    return table


def refused(url: str) -> str:
    with pytest.raises(ValidationError) as caught:
        endpoints.check_url(url)
    return " ".join(caught.value.messages)


def test_a_public_https_address_is_accepted(dns: dict[str, list[str]]) -> None:
    dns["hooks.politie.example"] = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    assert endpoints.check_url(" https://hooks.politie.example/casusregie ") == (
        "https://hooks.politie.example/casusregie"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://172.16.5.5/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
    ],
)
def test_local_and_private_addresses_are_refused(dns: dict[str, list[str]], url: str) -> None:
    assert "openbare" in refused(url) or "public" in refused(url)


def test_a_name_that_points_inside_is_refused(dns: dict[str, list[str]]) -> None:
    dns["intern.example"] = ["93.184.215.14", "10.0.0.5"]  # one inside address is enough
    assert "intern.example" in refused("https://intern.example/hook")


def test_http_credentials_fragments_and_unknown_hosts_are_refused(
    dns: dict[str, list[str]],
) -> None:
    dns["hooks.example"] = ["93.184.215.14"]
    assert "https://" in refused("http://hooks.example/hook")
    assert "ftp" not in refused("ftp://hooks.example/hook")
    refused("https://user:pass@hooks.example/hook")
    refused("https://hooks.example/hook#part")
    refused("https://nergens.invalid/hook")
    refused("https://hooks.example:99999/hook")
    refused("")
    refused("https://" + "a" * 500 + ".example/")


def test_the_setting_allows_local_http_for_development(
    dns: dict[str, list[str]], settings: Any
) -> None:
    settings.WEBHOOKS_ALLOW_LOCAL = True
    assert endpoints.check_url("http://127.0.0.1:8001/hook") == "http://127.0.0.1:8001/hook"
    refused("ftp://127.0.0.1/hook")

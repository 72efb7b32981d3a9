"""The client's session (bearerkit.transport): paced sends, headers, the environment read once."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
import requests
from pytest_httpserver import HTTPServer

from bearerkit import __version__
from bearerkit.auth import BearerAuth
from bearerkit.ratelimit import Pacer
from bearerkit.token import Token
from bearerkit.transport import DEFAULT_POOL_SIZE, PacedAdapter, build_session

from .conftest import FAKE_TOKEN, closed_port


class SpyPacer(Pacer):
    """A real pacer that also notes each call the adapter makes."""

    def __init__(self) -> None:
        super().__init__(None)
        self.calls: list[str] = []

    def before_send(self, method: str, url: str) -> None:
        self.calls.append(f"before {method}")
        super().before_send(method, url)

    def observe(self, status: int, headers: Mapping[str, str]) -> bool:
        self.calls.append(f"observe {status}")
        return super().observe(status, headers)

    def abandon(self) -> None:
        self.calls.append("abandon")
        super().abandon()


def test_every_send_passes_the_pacer_and_carries_the_default_headers(server: HTTPServer) -> None:
    server.expect_request("/x").respond_with_json({"ok": True})
    pacer = SpyPacer()
    token = Token(FAKE_TOKEN)
    with build_session(
        server.url_for("/"), auth=BearerAuth(token), pacer=pacer, retries=0, headers={"X-A": "1"}
    ) as session:
        assert session.get(server.url_for("/x"), timeout=5).json() == {"ok": True}
    [(request, _)] = server.log
    assert request.headers["User-Agent"] == f"bearerkit/{__version__}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["X-A"] == "1"
    assert request.headers["Authorization"] == f"Bearer {FAKE_TOKEN}"
    assert pacer.calls == ["before GET", "observe 200"]


def test_a_send_that_fails_gives_its_reservation_back() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    pacer = SpyPacer()
    session = build_session(url, auth=None, pacer=pacer, retries=0)
    with session, pytest.raises(requests.ConnectionError):
        session.get(f"{url}/x", timeout=5)
    assert pacer.calls == ["before GET", "abandon"]


def test_one_paced_adapter_serves_both_schemes() -> None:
    with build_session("https://api.example.com", auth=None, pacer=Pacer(), retries=2) as session:
        https, http = session.get_adapter("https://x"), session.get_adapter("http://x")
    assert https is http and isinstance(https, PacedAdapter)
    assert https._pool_maxsize == DEFAULT_POOL_SIZE  # type: ignore[attr-defined]
    assert https.max_retries.total == 2


def test_proxies_and_ca_bundle_are_read_once_then_the_environment_is_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/bundle.pem")
    with build_session("https://api.example.com", auth=None, pacer=Pacer(), retries=0) as session:
        assert session.proxies["https"] == "http://proxy.example:3128"
        assert session.verify == "/etc/ssl/bundle.pem"
        assert session.trust_env is False

"""Bearer authentication as a ``requests`` auth: one header, set on every request.

The same object refuses to put a token on plain ``http://`` to a host that is not
loopback, so a typo in a base URL cannot send the secret in clear text.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from .errors import InsecureTransportError
from .token import Token

__all__ = ["BearerAuth", "check_transport", "is_loopback", "origin"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def origin(url: str | None) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` of ``url``, default port filled in; ``None`` if it has no readable host.

    A token goes only where it was meant to: a redirect or a next link to another
    origin must not carry it.

    >>> origin("https://API.example.com/v1"), origin("/v1/next")
    (('https', 'api.example.com', 443), None)
    """
    try:
        parts = urlsplit(url or "")
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port


def check_transport(url: str) -> None:
    """Raise :class:`InsecureTransportError` if credentials must not be sent to ``url``."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname)):
        return
    raise InsecureTransportError(
        f"Refusing to send a token to {parts.scheme}://{parts.hostname}: plain http would "
        "expose it to anyone on the network. Use an https:// URL (http is allowed only for "
        "localhost/127.0.0.1)."
    )


class BearerAuth(AuthBase):
    """Set ``Authorization: Bearer <token>`` on each request.

    >>> session = requests.Session()
    >>> session.auth = BearerAuth(Token("abc123"))
    """

    def __init__(self, token: Token) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        check_transport(r.url or "")
        r.headers["Authorization"] = f"Bearer {self.token.value}"
        return r

    def bearerkit_secrets(self) -> Iterator[str]:
        """The token, for bearerkit's scrubber (:mod:`bearerkit.secrets`)."""
        yield self.token.value

    def __repr__(self) -> str:
        return f"BearerAuth({self.token!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BearerAuth) and other.token == self.token

    __hash__ = None  # type: ignore[assignment]

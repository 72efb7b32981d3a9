"""From HTTP answers and failures to decoded JSON or one readable bearerkit error.

Everything here builds messages from the status, the API's own words and a URL
with credential-like query values masked; a token echoed back by a server is
replaced by ``***`` before it can reach a message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from .errors import (
    ApiError,
    AuthError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
)
from .token import Token

__all__ = ["api_error", "decode_json", "network_error", "retry_after_seconds", "safe_url"]

SNIPPET_CHARS = 160  # how much of an unexpected body an error message quotes
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
_SECRET_PARAMS = {"api_key", "apikey", "access_token", "token", "key", "client_secret"}

# Substrings of requests/urllib3 exception texts, and what they mean to a person.
_REASONS = (
    ("Connection refused", "connection refused (is the server running?)"),
    (
        "Name or service not known",
        "the host name could not be resolved (no network, or a typo in the URL)",
    ),
    ("Temporary failure in name resolution", "the host name could not be resolved (no network?)"),
    ("nodename nor servname", "the host name could not be resolved"),
    ("Connection reset", "the connection was reset by the server"),
    ("RemoteDisconnected", "the server closed the connection without answering"),
    ("IncompleteRead", "the connection closed before the whole answer arrived"),
    ("Connection broken", "the connection broke before the whole answer arrived"),
    ("Max retries exceeded", "no answer after the retries"),
)


def safe_url(url: str | None) -> str:
    """The URL with credential-like query values masked (a user may have added one)."""
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (k, "***" if k.lower() in _SECRET_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe=",|")))


def network_error(
    method: str,
    url: str,
    exc: requests.exceptions.RequestException,
    *,
    timeout: object,
    retries: int,
) -> NetworkError:
    """A :class:`NetworkError` that says what failed in words."""
    # urllib3 wraps a read timeout that used up the retries in MaxRetryError, which
    # requests reports as ConnectionError: the text tells them apart.
    if isinstance(exc, requests.exceptions.Timeout) or "timed out" in str(exc):
        return NetworkError(
            f"{method} {safe_url(url)} timed out after {timeout} s ({retries} retries). The "
            "server is slow or unreachable; try again, or pass a larger timeout=."
        )
    text = str(exc)
    reason = next((said for marker, said in _REASONS if marker in text), type(exc).__name__)
    return NetworkError(
        f"{method} {safe_url(url)} failed: {reason}. Check your network connection and the "
        "base URL, then try again."
    )


def decode_json(method: str, response: requests.Response, *, token: Token | None) -> Any:
    """The decoded JSON body, ``None`` for an empty one; :class:`ResponseFormatError` otherwise."""
    body = response.content
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        ctype = response.headers.get("Content-Type") or "no content type"
        raise ResponseFormatError(
            f"{method} {safe_url(response.url)} answered {response.status_code} with {ctype}, "
            f"not JSON: {_snippet(response, token)!r}. A proxy, captive portal or wrong base "
            "URL often does this; check the base URL."
        ) from None


def api_error(
    method: str, response: requests.Response, *, token: Token | None, retries: int, base_url: str
) -> ApiError:
    """The :class:`ApiError` subclass for an HTTP error status, with the API's own words."""
    status = response.status_code
    api_message, api_code = _api_message(response)
    if api_message is None and response.content.strip():
        api_message = _snippet(response, token)
    if api_message and token is not None:
        api_message = api_message.replace(token.value, "***")
    url = safe_url(response.url)
    head = f"{status} {response.reason or ''}".strip() + f" from {method} {url}"
    said = f": {api_message.rstrip().rstrip('.')}" if api_message else ""  # we add the full stop
    fields: dict[str, Any] = {
        "status_code": status,
        "api_message": api_message,
        "url": url,
        "api_code": api_code,
    }
    if status in (401, 403):
        return AuthError(f"{head}{said}. {_auth_advice(status, token)}", **fields)
    if status == 404:
        return NotFoundError(
            f"{head}{said}. Check the path and ids (paths are relative to {base_url}).", **fields
        )
    if status == 429:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        when = f"wait {wait:g} s" if wait is not None else "wait a little"
        return RateLimitError(
            f"{head}{said}. Rate limited after {retries} retries; {when} and try again, or "
            "create the client with a lower rate_limit=.",
            retry_after=wait,
            **fields,
        )
    if status >= 500:
        again = (
            f" after {retries} retries"
            if method in IDEMPOTENT
            else " (not retried: it may have been processed)"
        )
        return ServerError(
            f"{head}{said}{again}. The server has a problem; try again later.", **fields
        )
    return ApiError(f"{head}{said}.", **fields)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _auth_advice(status: int, token: Token | None) -> str:
    if status == 403:
        return "The token is valid but not allowed to do this."
    if token is None:
        return "The credentials were refused; check them."
    where = f"The token came from {token.source}."
    if token.hint:
        return f"{token.hint}. {where}"
    return f"The token was refused. {where} Check it is current and complete."


def _snippet(response: requests.Response, token: Token | None) -> str:
    text = " ".join(response.content[: SNIPPET_CHARS * 4].decode("utf-8", "replace").split())
    if token is not None:
        text = text.replace(token.value, "***")
    return text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else "")


def _api_message(response: requests.Response) -> tuple[str | None, int | None]:
    """The API's own words: TMDB's status_message, or a generic message/error/errors field."""
    try:
        body = response.json()
    except ValueError:
        return None, None
    if not isinstance(body, Mapping):
        return None, None
    code = body.get("status_code") if isinstance(body.get("status_code"), int) else None
    for key in ("status_message", "message", "error_description", "error", "errors", "detail"):
        value = body.get(key)
        if value:
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            elif isinstance(value, Mapping):
                value = "; ".join(f"{k}: {v}" for k, v in value.items())
            return str(value), code
    return None, code

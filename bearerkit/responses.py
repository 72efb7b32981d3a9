"""From HTTP answers and failures to decoded JSON or one readable bearerkit error.

Messages are built from the status, the API's own words and a URL with
credentials masked (:mod:`bearerkit.redact`). Whatever credential the request
carried (the token, or the header any ``auth=`` object produced) is scrubbed from
every piece of text a server sent back before it can reach a message: the body,
the API's message and the HTTP reason phrase.

Transport failures are mapped by exception *type* (as httpx maps httpcore's), in
one table, :data:`TRANSPORT_ERRORS`; never by matching message text.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions as u3
from urllib3.util import parse_url

from .bodies import BodyTooLarge, DamagedBody
from .errors import (
    ApiError,
    AuthError,
    BearerkitError,
    NetworkError,
    NotFoundError,
    ResponseFormatError,
    ServerError,
)
from .ratelimit.refusals import rate_limit_error, retries_done
from .redact import scrub, snippet
from .secrets import known_secrets, request_secrets
from .secrets import shown_url as _shown
from .token import Token

__all__ = [
    "TRANSPORT_ERRORS",
    "api_error",
    "body_error",
    "check_redirect",
    "decode_json",
    "network_error",
    "response_secrets",
    "timeout_error",
]

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})

# Any of these anywhere in the chain makes it a timeout.
TIMEOUTS: tuple[type[BaseException], ...] = (
    requests.exceptions.Timeout,
    u3.ReadTimeoutError,
    u3.ConnectTimeoutError,
    TimeoutError,
)
# What a transport failure means to a person, by exception type; the first row whose
# type appears anywhere in the failure's chain of causes wins, so specific rows come
# first. ``None`` stands for "timed out".
TRANSPORT_ERRORS: tuple[tuple[tuple[type[BaseException], ...], str | None], ...] = (
    ((ConnectionRefusedError,), "connection refused (is the server running?)"),
    (
        (u3.NameResolutionError, socket.gaierror),
        "the host name could not be resolved (no network, or a typo in the URL)",
    ),
    (
        (ssl.SSLCertVerificationError,),
        "the server's TLS certificate could not be verified (a proxy or an expired "
        "certificate; set REQUESTS_CA_BUNDLE for a corporate CA)",
    ),
    ((ssl.SSLError, u3.SSLError, requests.exceptions.SSLError), "the TLS handshake failed"),
    ((u3.ProxyError, requests.exceptions.ProxyError), "the proxy refused or failed"),
    ((ConnectionResetError,), "the connection was reset by the server"),
    ((http.client.RemoteDisconnected,), "the server closed the connection without answering"),
    (
        (http.client.IncompleteRead, u3.IncompleteRead, requests.exceptions.ChunkedEncodingError),
        "the connection closed before the whole answer arrived",
    ),
    (
        (ConnectionAbortedError, BrokenPipeError, u3.ProtocolError),
        "the connection broke before the whole answer arrived",
    ),
    (TIMEOUTS, None),
    ((u3.NewConnectionError,), "could not connect (is the network up?)"),
    ((requests.exceptions.TooManyRedirects,), "too many redirects"),
    ((u3.MaxRetryError, requests.exceptions.RetryError), "no answer after the retries"),
)
# Headers past http.client's limits: a line over 64 KB (a huge Link header), more than
# 100 header lines. The answer arrived; Python refuses to read it.
OVERSIZED_HEADERS: tuple[type[BaseException], ...] = (http.client.LineTooLong,)
# A body the server declared compressed (Content-Encoding) that does not decompress.
DECODING_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.ContentDecodingError,
    u3.DecodeError,
)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: urllib3's ``.reason``, exception args, causes, contexts."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 16:
        current = todo.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        yield current
        todo.append(
            getattr(current, "reason", None) if isinstance(current, u3.MaxRetryError) else None
        )
        todo.extend(a for a in current.args if isinstance(a, BaseException))
        todo.extend((current.__cause__, current.__context__))


def network_error(
    method: str,
    url: str,
    exc: BaseException,
    *,
    timeout: object,
    retries: int,
) -> BearerkitError:
    """The bearerkit error for a failed send: :class:`NetworkError`, or
    :class:`ResponseFormatError` for a body that does not decompress as declared.

    Only the exception's *type* is used; its text (which can quote a request) never is.
    """
    causes = list(_causes(exc))
    where = f"{method} {_shown(url)}"
    if any(isinstance(c, OVERSIZED_HEADERS) for c in causes):
        return ResponseFormatError(
            f"{where}: the answer has a header line longer than 64 KB (often a Link header "
            "listing very many pages), over the limit of Python's http.client, so it could "
            "not be read. Ask for larger pages (per_page=/limit=) so fewer links are sent, "
            "or ask the API's operators."
        )
    if any(isinstance(c, DECODING_ERRORS) for c in causes):
        return ResponseFormatError(
            f"{where}: the answer's body is not in the compression its Content-Encoding "
            "header declares (for example 'gzip' on a plain body). The server or a proxy "
            "is misconfigured; try again, or ask the API's operators."
        )
    for kinds, said in TRANSPORT_ERRORS:
        if any(_is(c, kinds, timeout_row=said is None) for c in causes):
            if said is None:
                return timeout_error(method, url, timeout=timeout)
            return _failed(where, said, url)
    return _failed(where, f"no answer ({type(exc).__name__})", url)


def _is(exc: BaseException, kinds: tuple[type[BaseException], ...], *, timeout_row: bool) -> bool:
    # urllib3's NewConnectionError subclasses ConnectTimeoutError but is no timeout.
    if timeout_row and isinstance(exc, u3.NewConnectionError):
        return False
    return isinstance(exc, kinds)


def _failed(where: str, said: str, url: str = "") -> NetworkError:
    return NetworkError(
        f"{where} failed: {said}. Check your network connection and the base URL, then try "
        f"again.{_offline_hint(url)}"
    )


# TMDB's API host (bearerkit.tmdb.TMDB_API); offline, the embedded sandbox answers for it.
TMDB_HOST = "api.themoviedb.org"


def _offline_hint(url: str) -> str:
    """For TMDB's host: how to work offline with the embedded sandbox; else nothing."""
    if urlsplit(url).hostname != TMDB_HOST:
        return ""
    return (
        " Offline? The embedded TMDB sandbox answers without a network: "
        'bk.tmdb.connect(backend="sandbox"), TMDB_BACKEND=sandbox in .env, '
        "or --backend sandbox on the command line."
    )


def timeout_error(method: str, url: str, *, timeout: object) -> NetworkError:
    """The :class:`NetworkError` for a call that ran out of time."""
    return NetworkError(
        f"{method} {_shown(url)} timed out after {timeout} s. The server is slow or "
        f"unreachable; try again, or pass a larger timeout=.{_offline_hint(url)}"
    )


def body_error(method: str, url: str, problem: BodyTooLarge | DamagedBody) -> ResponseFormatError:
    """The :class:`ResponseFormatError` for a body over ``max_body`` or one that does not decompress."""
    where = f"{method} {_shown(url)}"
    if isinstance(problem, DamagedBody):
        return ResponseFormatError(
            f"{where}: the answer's body is declared {problem.coding} (Content-Encoding) but "
            f"{problem.why}. The server, a proxy or the connection damaged it; try again, or "
            "ask the API's operators if it keeps happening."
        )
    limit = problem.limit
    after = " after decompression" if problem.compressed else ""
    return ResponseFormatError(
        f"{where}: the answer's body is larger than max_body={limit:_} bytes "
        f"({limit / 2**20:.4g} MB){after}, so bearerkit stopped reading it. If this API "
        f"really answers that much, create the client with a larger limit, e.g. "
        f"Client(..., max_body={limit * 4:_}); otherwise ask for less (a smaller page, a filter)."
    )


def response_secrets(response: requests.Response, token: Token | None = None) -> list[str]:
    """Every credential the request (and any earlier request of its redirects) carried,
    and every secret a live auth object holds (:mod:`bearerkit.secrets`)."""
    found = [token.value] if token is not None else []
    for r in (*response.history, response):
        request = getattr(r, "request", None)
        found += request_secrets(getattr(request, "headers", None), getattr(request, "url", None))
    return [*found, *known_secrets()]


def decode_json(method: str, response: requests.Response, *, token: Token | None = None) -> Any:
    """The decoded JSON body, ``None`` for an empty one; :class:`ResponseFormatError` otherwise."""
    body = response.content
    if not body.strip():
        return None
    too_deep = False
    try:
        return json.loads(body)
    except RecursionError:
        too_deep = True
    except ValueError:
        pass
    # Raised outside the except block, so no decoder error (holding the body) is chained;
    # and no plain copy of the body (which may echo the token) stays in this frame's
    # locals for a verbose traceback to print.
    size = len(body)
    del body
    if too_deep:
        raise ResponseFormatError(
            f"{method} {_shown(response.url)} answered {response.status_code} with JSON that "
            f"is nested more deeply than Python can decode ({size} bytes). This is not a "
            "normal API answer; check the base URL."
        )
    ctype = response.headers.get("Content-Type") or "no content type"
    excerpt = snippet(response.content, secrets=response_secrets(response, token))
    raise ResponseFormatError(
        f"{method} {_shown(response.url)} answered {response.status_code} with {ctype}, "
        f"not JSON: {excerpt!r}. A proxy, captive portal or wrong base URL often does this; "
        "check the base URL."
    )


def api_error(
    method: str,
    response: requests.Response,
    *,
    token: Token | None = None,
    retries: int,
    base_url: str,
) -> ApiError:
    """The :class:`ApiError` subclass for an HTTP error status, with the API's own words."""
    status = response.status_code
    secrets = response_secrets(response, token)
    api_message, api_code = _api_message(response)
    if api_message is None and response.content.strip():
        api_message = snippet(response.content, secrets=secrets)
    elif api_message:
        api_message = snippet(api_message, secrets=secrets, limit=500)
    url = _shown(response.url)
    reason = scrub(response.reason or "", secrets)
    head = f"{status} {snippet(reason, limit=80)}".strip() + f" from {method} {url}"
    said = f": {api_message.rstrip().rstrip('.')}" if api_message else ""  # we add the full stop
    fields: dict[str, Any] = {
        "status_code": status,
        "api_message": api_message,
        "url": url,
        "api_code": api_code,
    }
    refused = rate_limit_error(response, head=head, said=said, retries=retries, **fields)
    if refused is not None:  # any 429, and a 403 that says the rate limit is used up
        return refused
    if status in (401, 403):
        return AuthError(f"{head}{said}. {_auth_advice(status, token)}", **fields)
    if status == 404:
        return NotFoundError(
            f"{head}{said}. Check the path and ids (paths are relative to {base_url}).", **fields
        )
    if status >= 500:
        if method in IDEMPOTENT:
            done = retries_done(response)
            if done:
                tried = f" Still failing after {done} {'retry' if done == 1 else 'retries'}."
            elif retries <= 0:
                tried = " Not retried (the client has retries=0)."
            else:
                tried = ""
            later = (
                ", or create the client with retries=3 so it retries by itself."
                if retries <= 0
                else "."
            )
            advice = f".{tried} The server has a problem; try again later{later}"
        else:  # one advice only: re-sending blindly could do the thing twice
            advice = (
                f". Not retried: a {method} is not safe to repeat, and the server may have "
                "acted on it before failing. Check whether it took effect (look the record "
                "up) before sending it again."
            )
        return ServerError(f"{head}{said}{advice}", **fields)
    return ApiError(f"{head}{said}.", **fields)


def check_redirect(response: requests.Response, **_: Any) -> requests.Response:
    """A response hook: a redirect to a URL that cannot be followed is an :class:`ApiError`.

    requests and urllib3 would raise ``ValueError``, ``UnicodeDecodeError`` or
    ``LocationParseError`` for a ``Location`` such as ``http://[::1``, port 99999,
    a 300-character host label or Latin-1 bytes.
    """
    if not response.is_redirect:
        return response
    why = _bad_location(response)
    if why is not None:
        request = response.request
        method = (request.method if request is not None else None) or "GET"
        url = _shown(response.url)
        raise ApiError(
            f"{response.status_code} from {method} {url}: the server redirected to an invalid "
            f"URL ({why}). The API or a proxy in between is misconfigured; check the base URL.",
            status_code=response.status_code,
            url=url,
        )
    return response


def _bad_location(response: requests.Response) -> str | None:
    """Why the redirect target cannot be followed, or ``None`` when it can."""
    location = response.headers.get("Location") or ""
    why: str | None = None
    try:
        # requests reads the header as Latin-1 and re-decodes it as UTF-8.
        target = location.encode("latin1").decode("utf-8")
        full = urljoin(response.url or "", requests.utils.requote_uri(target))
        parts = urlsplit(full)
        _ = parts.port
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "not an http(s) URL with a host"
        parts.hostname.encode("idna")
        parse_url(full)
    except UnicodeError:
        why = "a host name or bytes that are not valid"  # UnicodeDecodeError, IDNA label limits
    except ValueError:
        why = "a malformed address or port"  # urllib3's LocationParseError is a ValueError
    return why


def _auth_advice(status: int, token: Token | None) -> str:
    if status == 403:
        return "The token is valid but not allowed to do this."
    if token is None:
        return "The credentials were refused; check them."
    where = f"The token came from {token.source}."
    if token.hint:
        return f"{token.hint}. {where}"
    return f"The token was refused. {where} Check it is current and complete."


def _api_message(response: requests.Response) -> tuple[str | None, int | None]:
    """The API's own words: TMDB's status_message, or a generic message/error/errors field."""
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(body, Mapping):
        return None, None
    code = body.get("status_code") if isinstance(body.get("status_code"), int) else None
    for key in ("status_message", "message", "error_description", "error", "errors", "detail"):
        value = body.get(key)
        if value:
            try:
                if isinstance(value, list):
                    value = "; ".join(str(v) for v in value)
                elif isinstance(value, Mapping):
                    value = "; ".join(f"{k}: {v}" for k, v in value.items())
                return str(value), code
            except RecursionError:  # a deeply nested "errors" value
                return None, code
    return None, code

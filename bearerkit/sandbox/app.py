"""The sandbox's behaviour, without sockets: knobs, faults, auth, routing and the log.

:class:`SandboxApp` turns a :class:`Request` into a :class:`Reply`. Per request,
in this order: a queued fault is used up (faults come before the rate limit
and the bearer check, so they can stand in for network trouble), the rate
limit is checked, the latency (plus any queued extra delay) is waited out, and
then ``/oauth/token`` answers, or the user sign-in pages and ``/user``
(userauth.py, which checks its own tokens), or, after the bearer check, the TMDB v3 routes
(``/3``), TMDB's v4 lists (``/4``), the paging styles (``/styles``) or the
rate-limit dialects (``/ratelimit``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bearerkit.redact import MASK, is_secret_param
from bearerkit.sandbox import styles
from bearerkit.sandbox.credentials import (
    IssuedTokens,
    check_token,
    client_credentials,
    read_access_token,
    same_secret,
)
from bearerkit.sandbox.dialects import RATELIMIT_PATH, RateLimits
from bearerkit.sandbox.faults import Fault, FaultQueue, make_failure
from bearerkit.sandbox.lists import V4_PATH, ListStore
from bearerkit.sandbox.messages import (
    INTERNAL_ERROR,
    INVALID_API_KEY,
    NOT_FOUND,
    Reply,
    Request,
    tmdb_error,
)
from bearerkit.sandbox.oauth import TOKEN_PATH, OAuthClient, token_endpoint
from bearerkit.sandbox.ratelimit import TokenBucket, check_rate
from bearerkit.sandbox.routes import TmdbApi
from bearerkit.sandbox.userauth import UserAuth
from bearerkit.sandbox.userknobs import UserLogins, _seconds

log = logging.getLogger("bearerkit.sandbox")

DEFAULT_TOKEN_TTL = 3600.0
# Requests kept in the log; older ones drop off so a long benchmark stays bounded.
LOG_LIMIT = 50_000
V3_PATH = "/3"


@dataclass(frozen=True)
class RequestRecord:
    """One handled request. The Authorization value is never stored, only its presence.

    ``status`` is ``None`` when the connection was reset instead of answered.
    """

    method: str
    path: str
    query: dict[str, str]
    status: int | None
    had_auth: bool


class SandboxApp(UserLogins):
    """Everything a sandbox does per request; ``Sandbox`` adds the server around it."""

    def __init__(
        self,
        *,
        token: str | None,
        latency: float,
        rate_limit: float | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token = check_token(token) if token is not None else read_access_token()
        self._client_id, self._client_secret = client_credentials()
        self._latency = _seconds("latency", latency)
        self._token_ttl = DEFAULT_TOKEN_TTL
        self._bucket: TokenBucket | None = None
        self.rate_limit = rate_limit
        self._issued = IssuedTokens()
        self._userauth = UserAuth(
            clock=clock, token_ttl=lambda: self._token_ttl, issuer=lambda: self.root_url
        )
        self._faults = FaultQueue()
        self._api = TmdbApi()
        self._lists = ListStore()
        self._limits = RateLimits(clock=clock)
        # Absolute next-page URLs start here; the server sets its real address.
        self.root_url = "http://127.0.0.1"
        self._log: deque[RequestRecord] = deque(maxlen=LOG_LIMIT)
        self._token_requests = 0
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()

    # --- credentials -------------------------------------------------------

    @property
    def token(self) -> str:
        """The bearer token every ``/3/`` request must carry."""
        return self._token

    @property
    def client_id(self) -> str:
        """The OAuth client id ``/oauth/token`` accepts."""
        return self._client_id

    @property
    def client_secret(self) -> str:
        """The OAuth client secret ``/oauth/token`` accepts."""
        return self._client_secret

    def revoke_tokens(self) -> None:
        """Invalidate every token issued by ``/oauth/token`` (the sandbox token stays valid)."""
        self._issued.revoke_all()
        self._userauth.revoke_all()

    # --- knobs ---------------------------------------------------------------

    @property
    def token_ttl(self) -> float:
        """Seconds that newly issued OAuth tokens live (default 3600; 0 = already expired)."""
        return self._token_ttl

    @token_ttl.setter
    def token_ttl(self, seconds: float) -> None:
        self._token_ttl = _seconds("token_ttl", seconds)

    @property
    def latency(self) -> float:
        """Seconds added before every response."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._latency = _seconds("latency", seconds)

    def set_latency(self, seconds: float) -> None:
        """Delay every answer by ``seconds`` from now on (the same as setting :attr:`latency`).

        Concurrent requests wait in parallel, as they would behind a slow network.
        """
        self.latency = seconds

    @property
    def rate_limit(self) -> float | None:
        """Requests per second allowed before 429s (token bucket), or ``None`` for no limit."""
        return self._bucket.rate if self._bucket is not None else None

    @rate_limit.setter
    def rate_limit(self, rate: float | None) -> None:
        checked = check_rate(rate)
        self._bucket = TokenBucket(checked) if checked is not None else None  # starts full

    # --- faults ------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 503,
        retry_after: float | str | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next ``n`` requests with ``status`` and a TMDB-style error body.

        ``body`` replaces the default body: a dict (or list) is sent as JSON, a
        str as ``text/html``. ``retry_after`` adds a ``Retry-After`` header.
        """
        self._faults.add(make_failure(status, retry_after, body), n)

    def reset_next(self, n: int = 1) -> None:
        """Close the connection of the next ``n`` requests without answering (a reset)."""
        self._faults.add(Fault("reset"), n)

    def truncate_next(self, n: int = 1) -> None:
        """Send the next ``n`` responses with a Content-Length longer than the body, then close."""
        self._faults.add(Fault("truncate"), n)

    def html_next(self, n: int = 1) -> None:
        """Answer the next ``n`` requests with a 200 HTML page (a captive portal or proxy)."""
        self._faults.add(Fault("html"), n)

    def delay_next(self, n: int = 1, *, seconds: float) -> None:
        """Add ``seconds`` of extra latency to the next ``n`` requests only."""
        self._faults.add_delay(seconds, n)

    # --- introspection -----------------------------------------------------------

    @property
    def request_log(self) -> list[RequestRecord]:
        """Every request handled so far (oldest first, at most the last 50,000)."""
        with self._log_lock:
            return list(self._log)

    @property
    def ratelimit_refusals(self) -> int:
        """How many ``/ratelimit/...`` requests were refused for being over budget."""
        return self._limits.refusals

    @property
    def token_requests(self) -> int:
        """How many requests reached ``/oauth/token`` (whatever their outcome)."""
        with self._log_lock:
            return self._token_requests

    def clear_log(self) -> None:
        """Forget the request log and reset :attr:`token_requests` to 0."""
        with self._log_lock:
            self._log.clear()
            self._token_requests = 0

    def record_request(self, request: Request, status: int | None) -> None:
        """Add a request to the log, with credential-like query values masked."""
        query = {k: (MASK if is_secret_param(k) else v) for k, v in request.query.items()}
        entry = RequestRecord(
            request.method, request.path, query, status, "authorization" in request.headers
        )
        with self._log_lock:
            self._log.append(entry)
            if request.path == TOKEN_PATH:
                self._token_requests += 1

    # --- requests ----------------------------------------------------------

    def handle_request(self, request: Request) -> Reply:
        """Answer one request (see the module docstring for the order of checks)."""
        fault, extra_delay = self._faults.take()
        bucket = self._bucket
        limited = bucket.check() if fault is None and bucket is not None else None
        delay = self._latency + extra_delay
        if delay > 0:
            self._stopping.wait(delay)  # returns early when the sandbox stops
        try:
            reply = fault.reply() if fault is not None else limited or self._answer(request)
        except Exception:
            log.exception("sandbox: unexpected error answering %s %s", request.method, request.path)
            reply = tmdb_error(INTERNAL_ERROR)
        self.record_request(request, None if reply.action == "reset" else reply.status)
        return reply

    def _answer(self, request: Request) -> Reply:
        if request.path == TOKEN_PATH:
            client = OAuthClient(self._client_id, self._client_secret, self._token_ttl)
            return token_endpoint(request, client, self._issued, self._userauth)
        signing_in = self._userauth.handle(request)
        if signing_in is not None:
            return signing_in
        area = _area(request.path)
        if area is None:
            return tmdb_error(NOT_FOUND)
        credential = self._credential(request.headers.get("authorization", ""))
        if credential is None:
            return tmdb_error(INVALID_API_KEY)
        if area == V3_PATH:
            return self._api.handle(request)
        if area == V4_PATH:
            return self._lists.handle(request)
        if area == styles.STYLES_PATH:
            return styles.handle(request, self.root_url)
        return self._limits.handle(request, credential)

    def _credential(self, header: str) -> str | None:
        """The bearer credential if it is one this sandbox accepts, else ``None``."""
        scheme, _, credential = header.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            return None
        if (
            same_secret(credential, self._token)
            or self._issued.is_valid(credential)
            or self._userauth.is_valid(credential)
        ):
            return credential
        return None


def _area(path: str) -> str | None:
    """Which bearer-checked family a path belongs to (``/3``, ``/4``, ...), if any."""
    for root in (V3_PATH, V4_PATH, styles.STYLES_PATH, RATELIMIT_PATH):
        if path == root or path.startswith(root + "/"):
            return root
    return None

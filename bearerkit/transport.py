"""The client's ``requests.Session``: paced, retried, deadline-watched, environment read once.

Below the cache (when there is one) sits one ``HTTPAdapter`` for http and https:
every real send passes the client's :class:`~bearerkit.ratelimit.Pacer`, retries
follow :func:`~bearerkit.retrying.make_retry`, and each attempt's connection is
watched by :mod:`bearerkit.deadline`. Proxies and the CA bundle are read from the
environment once, here, and ``trust_env`` is then off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from . import logmask
from ._version import __version__
from .bodies import DEFAULT_MAX_BODY, BodyTooLarge, DamagedBody, read_body
from .cache import CacheSpec, Expiry, cached_session
from .deadline import install as watch_deadlines
from .ratelimit import Pacer
from .responses import body_error, check_redirect
from .retrying import make_retry

__all__ = [
    "DEFAULT_MAX_BODY",
    "DEFAULT_POOL_SIZE",
    "PacedAdapter",
    "build_session",
    "read_environment_once",
]

DEFAULT_POOL_SIZE = 16  # connections kept per host: enough for paginate's workers


class PacedAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose every real send passes the client's :class:`Pacer`.

    Pacing here, below the cache, means answers from the cache never wait nor
    count; the retry policy sends its resends through the same pacer.
    """

    def __init__(self, *, pacer: Pacer, max_body: int = DEFAULT_MAX_BODY, **kwargs: Any) -> None:
        self.pacer = pacer
        self.max_body = max_body
        super().__init__(**kwargs)

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        method = request.method or "GET"
        self.pacer.before_send(method, request.url or "")
        try:
            response = super().send(request, *args, **kwargs)
        except BaseException:
            self.pacer.abandon()
            raise
        self.pacer.observe(response.status_code, response.headers)
        if not kwargs.get("stream"):
            # Read here, not by requests: decompressed with a limit, a cut stream an error.
            try:
                read_body(response, limit=self.max_body)
            except (BodyTooLarge, DamagedBody) as problem:
                failure = body_error(method, request.url or "", problem)
            else:
                return response
            raise failure  # outside the except block: nothing chained
        return response


def build_session(
    base_url: str,
    *,
    auth: AuthBase | None,
    pacer: Pacer,
    retries: int,
    cache: CacheSpec = None,
    cache_expire_after: Mapping[str, Expiry] | Expiry | None = None,
    headers: Mapping[str, str] | None = None,
    max_body: int = DEFAULT_MAX_BODY,
) -> requests.Session:
    """A session for ``base_url``: the paced, retried adapter mounted, ``auth`` set.

    Args:
        base_url: the API root (proxies are looked up for it).
        auth: the ``requests`` auth that sets the credential, or ``None``.
        pacer: the client's pacer (its own rate limit and the server's announced budget).
        retries: retries after the first attempt.
        cache: a requests-cache session instead of a plain one when set.
        cache_expire_after: the cache's expiry settings.
        headers: extra headers for every request.
        max_body: the largest answer body, in bytes after decompression.

    >>> session = build_session("https://api.example.com", auth=None,
    ...                         pacer=Pacer(None), retries=3)  # doctest: +SKIP
    """
    session = (
        cached_session(cache, expire_after=cache_expire_after) if cache else requests.Session()
    )
    adapter = PacedAdapter(
        pacer=pacer,
        max_body=max_body,
        max_retries=make_retry(retries, max_wait=pacer.max_wait, pacer=pacer),
        pool_connections=4,
        pool_maxsize=DEFAULT_POOL_SIZE,
    )
    watch_deadlines(adapter)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    # A redirect to an unusable Location becomes an ApiError, not a ValueError.
    session.hooks["response"].append(check_redirect)
    logmask.install()
    session.auth = auth
    read_environment_once(session, base_url)
    session.headers.update({"User-Agent": f"bearerkit/{__version__}", "Accept": "application/json"})
    if headers:
        session.headers.update(headers)
    return session


def read_environment_once(session: requests.Session, url: str) -> None:
    """Take proxies and the CA bundle for ``url`` from the environment now, then stop looking.

    With ``trust_env`` requests re-reads ``os.environ`` twice per request (0.3-0.7 ms
    each, most of a cache hit), and lets a ``~/.netrc`` entry replace the credentials
    bearerkit sets: both are off once this has run.
    """
    session.proxies.update(requests.utils.get_environ_proxies(url))
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if ca_bundle:
        session.verify = ca_bundle
    session.trust_env = False

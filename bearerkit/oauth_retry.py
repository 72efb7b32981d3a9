"""The one retry after a 401: re-send a request with a fresh bearer token.

A cached token can be revoked or expire early on the server's side; the first
sign is a 401 on an ordinary API call. :func:`retry_once_on_401` arranges for
such a request to be sent once more with a renewed token (bodies that can be
rewound included, one-shot streams not), the way requests' ``HTTPDigestAuth``
re-sends after its challenge. Used by :class:`bearerkit.oauth.ClientCredentials`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from requests.cookies import extract_cookies_to_jar

__all__ = ["retry_once_on_401"]


def retry_once_on_401(r: requests.PreparedRequest, renew: Callable[[str | None], str]) -> None:
    """Register a response hook on ``r`` that re-sends it once after a 401.

    Args:
        r: the request about to be sent, its ``Authorization`` header already set.
        renew: called with the rejected ``Authorization`` header; returns the
            access token to retry with.
    """
    try:
        body_pos: int | None = r.body.tell()  # type: ignore[union-attr]
    except AttributeError:
        body_pos = None
    r.register_hook("response", _make_401_hook(body_pos, renew))


def _make_401_hook(
    body_pos: int | None, renew: Callable[[str | None], str]
) -> Callable[..., requests.Response]:
    """A response hook that re-sends a 401'd request once with a fresh token."""

    def handle_401(r: requests.Response, **kwargs: Any) -> requests.Response:
        connection = getattr(r, "connection", None)  # absent on cached responses
        if r.status_code != 401 or connection is None:
            return r
        body = r.request.body
        if body_pos is not None:
            body.seek(body_pos)  # type: ignore[union-attr]
        elif body is not None and not isinstance(body, (bytes, str)):
            return r  # a one-shot stream cannot be sent twice
        # Release the connection first so the retry can reuse it (as HTTPDigestAuth
        # does), and so it is not left open if the token endpoint now refuses.
        _ = r.content
        r.close()
        token = renew(r.request.headers.get("Authorization"))
        prep = r.request.copy()
        jar = getattr(prep, "_cookies", None)  # private in requests, untyped in stubs
        if jar is not None:
            extract_cookies_to_jar(jar, r.request, r.raw)
            prep.prepare_cookies(jar)
        prep.headers["Authorization"] = f"Bearer {token}"
        # The adapter does not run response hooks, so this retry happens once.
        retry: requests.Response = connection.send(prep, **kwargs)
        retry.history.append(r)
        retry.request = prep
        return retry

    return handle_401

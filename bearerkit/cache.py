"""The optional response cache, built on requests-cache.

Off by default. ``Client(..., cache=True)`` keeps a SQLite file in the per-user
cache directory (``platformdirs.user_cache_dir("bearerkit")``); ``cache="path"``
puts it elsewhere. Only successful GETs are stored. The ``Authorization`` header
(and the other credential names requests-cache knows) is left out of the cache key
and redacted from the stored request, so no token reaches the disk.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import timedelta
from hashlib import blake2b
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

if TYPE_CHECKING:
    import requests_cache

__all__ = ["DEFAULT_EXPIRY", "CacheSpec", "cached_session", "default_cache_path"]

CacheSpec = bool | str | os.PathLike[str] | None
Expiry = int | float | timedelta

# Genre lists and configuration change rarely; list pages (discover, popular) change
# through the day. Patterns are requests-cache's glob patterns; the first match wins.
DEFAULT_EXPIRY: dict[str, Expiry] = {
    "*/genre/*": timedelta(days=1),
    "*/configuration": timedelta(days=1),
    "*": timedelta(hours=1),
}

CREDENTIAL_NAMES = (
    "Authorization",
    "Proxy-Authorization",
    "X-API-Key",
    "X-Auth-Token",
    "access_token",
    "api_key",
    "apikey",
)


def cache_key(
    request: Any,
    ignored_parameters: Iterable[str] | None = None,
    serializer: Any = None,
    **_: Any,
) -> str:
    """The cache key: method, URL with sorted query (credentials left out), and body.

    A lighter stand-in for requests-cache's ``create_key``, which normalises the URL
    with url-normalize on every lookup (about a third of a cache hit's cost). The
    client builds its URLs itself, so sorting the query is all the normalising needed.
    Headers are not part of the key (``match_headers=False``), so neither is the token.
    """
    ignored = {name.lower() for name in ignored_parameters or ()}
    parts = urlsplit(request.url or "")
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in ignored
    )
    url = parts._replace(query=urlencode(query), fragment="").geturl()
    body = request.body or b""
    key = blake2b(digest_size=8)
    for part in (request.method or "", url, str(serializer)):
        key.update(part.encode())
    key.update(body if isinstance(body, bytes) else str(body).encode())
    return key.hexdigest()


def default_cache_path() -> Path:
    """The per-user SQLite file used by ``cache=True``."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("bearerkit")) / "http-cache.sqlite"


def cached_session(
    cache: str | os.PathLike[str] | bool,
    *,
    expire_after: Mapping[str, Expiry] | Expiry | None = None,
) -> requests_cache.CachedSession:
    """A ``CachedSession`` on a SQLite file; ``expire_after`` overrides :data:`DEFAULT_EXPIRY`."""
    import requests_cache  # late: it pulls in cattrs and friends, unneeded without a cache

    path = default_cache_path() if cache is True else Path(os.fspath(cache))  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    if expire_after is None:
        urls: Mapping[str, Expiry] = DEFAULT_EXPIRY
    elif isinstance(expire_after, Mapping):
        urls = {
            **expire_after,
            **{k: v for k, v in DEFAULT_EXPIRY.items() if k not in expire_after},
        }
    else:
        urls = {"*": expire_after}
    return requests_cache.CachedSession(
        str(path),
        backend="sqlite",
        # JSON rows (bodies stored decoded) read back about twice as fast as the
        # default pickle serializer, and can be inspected with any SQLite tool.
        serializer="json",
        allowable_methods=("GET",),
        allowable_codes=(200,),
        urls_expire_after=dict(urls),  # type: ignore[arg-type]
        ignored_parameters=CREDENTIAL_NAMES,
        match_headers=False,
        key_fn=cache_key,
        stale_if_error=False,
    )

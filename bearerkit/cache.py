"""The optional response cache, built on requests-cache.

Off by default. ``Client(..., cache=True)`` keeps a SQLite file in the per-user
cache directory (``platformdirs.user_cache_dir("bearerkit")``); ``cache="path"``
puts it elsewhere. Only successful GETs are stored.

Each credential's answers are kept apart: the cache key is a keyed hash (BLAKE2b
with a random 32-byte key kept beside the cache file, readable by its owner only)
of the request *and the credential it carried* (the ``Authorization`` header any
auth produced, other credential headers, ``api_key``-style query values). Two
tokens never share an entry, and the credential cannot be recovered from a key.

No credential reaches the file: credential headers, query values and cookies are
masked in the stored request, in every request of a redirect chain and in a
401-retry's first attempt (requests-cache itself redacts only the final request),
and the file is created readable by its owner only.

Conditional requests: an expired answer that came with an ``ETag`` or
``Last-Modified`` stays in the file, and its next use sends ``If-None-Match`` /
``If-Modified-Since`` (requests-cache's revalidation); a 304 reuses the stored
body (``response.revalidated``) and renews its expiry. The conditional request is
looked up under the same per-credential key, so one credential never revalidates
another's entry. ``Client(cache=..., revalidate=True)`` revalidates fresh entries too.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from hashlib import blake2b
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from .redact import MASK, contains_secret, is_secret_header, is_secret_param, mask_url, scrub
from .secrets import known_secrets, request_secrets

if TYPE_CHECKING:
    import requests_cache

__all__ = [
    "DEFAULT_EXPIRY",
    "CacheKey",
    "CacheSpec",
    "cached_session",
    "default_cache_path",
    "load_cache_secret",
]

CacheSpec = bool | str | os.PathLike[str] | None
Expiry = int | float | timedelta

# Genre lists and configuration change rarely; list pages (discover, popular) change
# through the day. Patterns are requests-cache's glob patterns; the first match wins.
DEFAULT_EXPIRY: dict[str, Expiry] = {
    "*/genre/*": timedelta(days=1),
    "*/configuration": timedelta(days=1),
    "*": timedelta(hours=1),
}

_SECRET_BYTES = 32
_PRIVATE_FILE = 0o600
_PRIVATE_DIR = 0o700


class CacheKey:
    """requests-cache's ``key_fn``: method, URL (query sorted), body and credential, hashed.

    A lighter stand-in for requests-cache's ``create_key`` (same call signature), which
    normalises the URL with url-normalize on every lookup (about a third of a cache
    hit's cost); the client builds its URLs itself, so sorting the query is enough.
    Credential query values leave the URL and join the credential headers' values in
    the keyed part, so the key depends on the credential without revealing it.

    Args:
        secret: the hash key (:func:`load_cache_secret`).
    """

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def __call__(
        self,
        request: Any,
        ignored_parameters: Any = None,
        match_headers: Any = None,
        serializer: Any = None,
        **_: Any,
    ) -> str:
        parts = urlsplit(request.url or "")
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = sorted((k, v) for k, v in pairs if not is_secret_param(k))
        credentials = sorted((k.lower(), v) for k, v in pairs if is_secret_param(k))
        headers = request.headers or {}
        credentials += sorted(
            (k.lower(), str(v)) for k, v in headers.items() if is_secret_header(k)
        )
        url = parts._replace(query=urlencode(query), fragment="").geturl()
        body = request.body or b""
        key = blake2b(digest_size=16, key=self._secret)
        for part in (request.method or "", url, str(serializer), repr(credentials)):
            _update(key, part.encode("utf-8", "surrogatepass"))
        _update(key, body if isinstance(body, bytes) else str(body).encode())
        return key.hexdigest()

    def __repr__(self) -> str:
        return "CacheKey(<secret>)"


def _update(key: Any, data: bytes) -> None:
    # Length-prefixed, so ("ab", "c") and ("a", "bc") hash differently.
    key.update(len(data).to_bytes(8, "big"))
    key.update(data)


def load_cache_secret(cache_file: Path) -> bytes:
    """The random hash key kept beside ``cache_file`` (created owner-only on first use)."""
    path = cache_file.with_name(cache_file.name + ".key")
    for _ in range(3):
        with contextlib.suppress(FileNotFoundError):
            text = path.read_text(encoding="ascii").strip()
            if len(text) == 2 * _SECRET_BYTES:
                return bytes.fromhex(text)
        # Write a temporary file and link it into place: another process either wins
        # (and we read its key) or finds the complete file, never a half-written one.
        temp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_FILE)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_hex(_SECRET_BYTES))
            with contextlib.suppress(FileExistsError):
                os.link(temp, path)
        finally:
            temp.unlink(missing_ok=True)
    raise OSError(f"cannot create the cache key file {path}")


def default_cache_path() -> Path:
    """The per-user SQLite file used by ``cache=True``."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("bearerkit")) / "http-cache.sqlite"


def _private_file(path: Path) -> Path:
    """Create ``path`` (and its folder) readable by the owner only, or tighten an existing one."""
    if not path.suffix:
        path = path.with_name(path.name + ".sqlite")  # what requests-cache would open
    path.parent.mkdir(parents=True, exist_ok=True, mode=_PRIVATE_DIR)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, _PRIVATE_FILE))
    with contextlib.suppress(OSError):  # a file someone else owns: leave it
        os.chmod(path, _PRIVATE_FILE)
    return path


def cached_session(
    cache: str | os.PathLike[str] | bool,
    *,
    expire_after: Mapping[str, Expiry] | Expiry | None = None,
) -> requests_cache.CachedSession:
    """A ``CachedSession`` on a SQLite file; ``expire_after`` overrides :data:`DEFAULT_EXPIRY`."""
    import requests_cache  # late: it pulls in cattrs and friends, unneeded without a cache

    path = _private_file(
        default_cache_path() if cache is True else Path(os.fspath(cache))  # type: ignore[arg-type]
    )
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
        # JSON rows (bodies stored decoded) read back about twice as fast as the
        # default pickle serializer, and can be inspected with any SQLite tool.
        backend=_backend_class()(path, serializer="json"),
        allowable_methods=("GET",),
        allowable_codes=(200,),
        urls_expire_after=dict(urls),  # type: ignore[arg-type]
        # Credentials are the key function's and the masking backend's business; a list
        # here would only make requests-cache fail every "Vary: Authorization" answer.
        ignored_parameters=(),
        match_headers=False,
        key_fn=CacheKey(load_cache_secret(path)),
        stale_if_error=False,
    )


def _echoes_credential(response: Any, held: frozenset[str]) -> bool:
    """Whether the answer's body or headers repeat a credential its request carried.

    APIs echo them: Facebook's ``paging.next`` carries ``access_token=``, a ``Link``
    header the ``api_key`` query. Masking it in the stored copy would break what is
    read back (the next link), so such an answer is simply not stored. ``held``: the
    secrets live auth objects hold (:func:`bearerkit.secrets.known_secrets`).
    """
    found: set[str] = set(held)
    for part in (*response.history, response):
        request = getattr(part, "request", None)
        if request is not None:
            found |= request_secrets(request.headers, request.url)
    if not found:
        return False
    headers = "\n".join(f"{k}: {v}" for k, v in (response.headers or {}).items())
    # Every form: raw, percent-encoded, JSON-escaped, base64 (bearerkit.redact.secret_forms).
    return contains_secret(response.content or b"", found) or contains_secret(headers, found)


def _masked_headers(headers: Any, held: frozenset[str]) -> dict[str, Any]:
    """Credential headers, and any header carrying a known secret, as ``***``."""
    return {
        k: MASK if is_secret_header(k) or contains_secret(str(v), held) else v
        for k, v in (headers or {}).items()
    }


@cache
def _backend_class() -> type[requests_cache.SQLiteCache]:
    """requests-cache's SQLite backend, masking credentials in every stored request."""
    from requests.cookies import RequestsCookieJar
    from requests.structures import CaseInsensitiveDict
    from requests_cache import CachedResponse, SQLiteCache

    def mask(response: Any, held: frozenset[str]) -> None:
        response.url = scrub(mask_url(response.url), held)
        response.headers = CaseInsensitiveDict(_masked_headers(response.headers, held))
        response.cookies = RequestsCookieJar()
        for request in (response.request, getattr(response, "_next", None)):
            if request is not None:
                request.url = scrub(mask_url(request.url), held)
                request.headers = CaseInsensitiveDict(_masked_headers(request.headers, held))
                request.cookies = RequestsCookieJar()

    class MaskingSQLiteCache(SQLiteCache):
        def save_response(self, response: Any, cache_key: Any = None, expires: Any = None) -> None:
            # BaseCache.save_response, plus masking of the redirect chain's requests.
            held = known_secrets()  # asked once per stored answer
            if _echoes_credential(response, held):
                return  # kept out: the file would hold the credential the answer repeats
            cache_key = cache_key or self.create_key(response.request)
            cached = CachedResponse.from_response(response, expires=expires)
            for part in (cached, *cached.history):
                mask(part, held)
            self.responses[cache_key] = cached
            if response.history and not cached.revalidated:
                for earlier in response.history:
                    self.redirects[self.create_key(earlier.request)] = cache_key

    return MaskingSQLiteCache

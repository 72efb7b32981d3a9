"""The parts of dependencies bearerkit relies on beyond their public API.

Each test names what bearerkit does with the internal and fails loudly when a new
release changes it; pyproject.toml caps those dependencies' major versions too.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import requests


def parameters(func: object) -> list[str]:
    return list(inspect.signature(func).parameters)  # type: ignore[arg-type]


# -- requests-cache: bearerkit.cache ---------------------------------------------------
def test_requests_cache_create_key_signature_that_cache_key_follows() -> None:
    from requests_cache.cache_keys import create_key

    assert parameters(create_key)[:5] == [
        "request",
        "ignored_parameters",
        "match_headers",
        "serializer",
        "content_root_key",
    ]


def test_requests_cache_calls_key_fn_with_keywords(tmp_path: Path) -> None:
    import requests_cache

    seen: list[dict[str, object]] = []

    def key_fn(**kwargs: object) -> str:
        seen.append(kwargs)
        return "k"

    session = requests_cache.CachedSession(str(tmp_path / "c.sqlite"), key_fn=key_fn)
    session.cache.create_key(requests.Request("GET", "http://127.0.0.1:1/x").prepare())
    assert {"request", "ignored_parameters", "match_headers", "serializer"} <= set(seen[0])


def test_requests_cache_save_response_that_the_masking_backend_replaces() -> None:
    from requests_cache import CachedResponse, SQLiteCache
    from requests_cache.backends.base import BaseCache

    # MaskingSQLiteCache.save_response re-implements this method body.
    assert parameters(BaseCache.save_response) == ["self", "response", "cache_key", "expires"]
    assert SQLiteCache.save_response is BaseCache.save_response
    source = inspect.getsource(BaseCache.save_response)
    for part in (
        "CachedResponse.from_response(response, expires=expires)",
        "redact_response(",
        "self.responses[cache_key] = cached_response",
        "self.redirects[self.create_key(r.request)] = cache_key",
    ):
        assert part in source, part
    assert {"history", "request", "_next", "cookies", "headers", "url"} <= {
        f.name for f in CachedResponse.__attrs_attrs__
    }


# -- urllib3: bearerkit.retrying and bearerkit.deadline ------------------------------------
def test_urllib3_retry_increment_parameters_that_retrying_overrides() -> None:
    from urllib3.util.retry import Retry

    assert parameters(Retry.increment) == [
        "self",
        "method",
        "url",
        "response",
        "error",
        "_pool",
        "_stacktrace",
    ]


def test_urllib3_pool_and_connection_hooks_that_deadline_uses() -> None:
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.poolmanager import PoolManager

    assert HTTPConnectionPool.ConnectionCls is HTTPConnection
    assert HTTPSConnectionPool.ConnectionCls is HTTPSConnection
    assert parameters(HTTPConnectionPool._put_conn) == ["self", "conn"]
    assert "pool_classes_by_scheme" in vars(PoolManager(num_pools=1))
    pool_source = inspect.getsource(HTTPConnectionPool._make_request)
    assert "conn.request(" in pool_source and "conn.getresponse()" in pool_source
    assert "self.ConnectionCls(" in inspect.getsource(HTTPConnectionPool._new_conn)


# -- requests: bearerkit.responses.check_redirect ------------------------------------------
def test_requests_reads_location_as_latin1_then_utf8() -> None:
    response = requests.Response()
    response.status_code = 302
    response.headers["Location"] = "/caf\xc3\xa9"  # UTF-8 bytes as http.client decodes them
    assert requests.Session().get_redirect_target(response) == "/café"

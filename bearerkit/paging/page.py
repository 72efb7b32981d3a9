"""The values a paging run passes around, and the interface every paging style implements.

A :class:`PageRequest` is one request of a run, a :class:`Page` what came back;
a :class:`Paginator` looks at a page and says what to fetch next (see
:mod:`bearerkit.paging.paginators` for the styles real APIs use).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..redact import MASK, SECRET_BODY_FIELDS, is_secret_param, mask_url

__all__ = ["GetPage", "Page", "PageRequest", "Paginator", "as_int"]


@dataclass(frozen=True)
class PageRequest:
    """One request of a paging run.

    Attributes:
        method: ``"GET"``, ``"POST"``...
        path: a path relative to the client's ``base_url``, or an absolute URL (a next link).
        params: query parameters (``None`` when ``path`` already carries them).
        json: the JSON body, for APIs that page by POST (Notion's database query).
    """

    method: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None

    def with_params(self, **values: Any) -> PageRequest:
        """A copy with these query parameters set (the others kept)."""
        return PageRequest(self.method, self.path, {**(self.params or {}), **values}, self.json)

    def with_body(self, **values: Any) -> PageRequest:
        """A copy with these JSON body fields set (the body must be an object or ``None``)."""
        body = self.json if isinstance(self.json, Mapping) else {}
        return PageRequest(self.method, self.path, self.params, {**body, **values})

    def __repr__(self) -> str:
        # A user may put a credential in the query (TMDB v3's api_key) or the body.
        params = {k: MASK if is_secret_param(str(k)) else v for k, v in (self.params or {}).items()}
        body = self.json
        if isinstance(body, Mapping):
            body = {k: MASK if str(k).lower() in SECRET_BODY_FIELDS else v for k, v in body.items()}
        return (
            f"PageRequest(method={self.method!r}, path={mask_url(self.path)!r}, "
            f"params={params if self.params is not None else None!r}, json={body!r})"
        )

    def key(self) -> str:
        """A hashable identity: the same key twice in a run means the API is going round.

        A digest, not the request's parts: a next link may carry a credential
        (``access_token=`` in Facebook's ``paging.next``), and the keys sit in paging
        state that a verbose traceback prints.
        """
        params = tuple(sorted((str(k), str(v)) for k, v in (self.params or {}).items()))
        return hashlib.sha256(
            repr((self.method, self.path, params, repr(self.json))).encode()
        ).hexdigest()


@dataclass
class Page:
    """A fetched page: what was asked, what came back, and the records found in it.

    Attributes:
        request: the :class:`PageRequest` that fetched it.
        body: the decoded JSON.
        headers: the response headers (case-insensitive).
        url: the final URL of the response.
        records: the records found in ``body``.
        from_cache: ``True`` when the response cache answered.
        revalidated: ``True`` when the cache answered after the server's 304 (a
            conditional request: the stored body is still current).
    """

    request: PageRequest
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    url: str = ""
    records: list[Any] = field(default_factory=list)
    from_cache: bool = False
    revalidated: bool = False

    def __repr__(self) -> str:
        # Not the body nor the raw URL: either may hold a credential a next link carried.
        where = mask_url(self.url) if self.url else repr(self.request)
        return f"<Page {where}: {len(self.records)} records{' (cache)' if self.from_cache else ''}>"


# Fetches one page: sends the request through the client, decodes the JSON.
GetPage = Callable[[PageRequest], Page]


class Paginator:
    """The interface every paging style implements; subclass it for an odd API.

    Override :meth:`next_request` (sequential paging) and, when the first page tells
    how many pages there are, :meth:`plan` (concurrent paging). ``first_request`` may
    adjust the very first request (``page=1``, ``limit=...``). Set ``max_page`` when
    the API refuses pages past some number (TMDB: 500): paging stops there, marked
    incomplete, instead of failing.

    An API that answers ``{"rows": [...], "more": true, "resume_from": "x"}`` and
    wants ``?from=x`` back:

    >>> class ResumeFrom(Paginator):
    ...     style = "resume_from"
    ...     def next_request(self, page):
    ...         if page.body.get("more"):
    ...             return page.request.with_params(**{"from": page.body["resume_from"]})
    ...         return None
    """

    style = "custom"
    max_page: int | None = None

    def first_request(self, request: PageRequest) -> PageRequest:
        """The request for the first page (unchanged by default)."""
        return request

    def plan(self, page: Page) -> Sequence[PageRequest] | None:
        """Every request after ``page`` when they can be known now, else ``None``.

        A list, or for long listings a lazy :class:`~bearerkit.paging.plan.Plan`
        (a ``range`` of page numbers and a request maker) that is never built whole.
        """
        return None

    def next_request(self, page: Page) -> PageRequest | None:
        """The request after ``page``, or ``None`` when ``page`` is the last."""
        raise NotImplementedError(f"{type(self).__name__} must implement next_request(page)")

    def page_limit(self) -> int | None:
        """How many pages the API serves at most (from ``max_page``), or ``None``."""
        return self.max_page

    def records(self, body: Any) -> list[Any] | None:
        """The records in a page's ``body`` when this style knows where they are, else ``None``.

        ``None`` (the default) lets the engine find them (``record_path=`` or the usual
        places); GraphQL overrides it to unwrap a connection's ``nodes`` or ``edges[].node``.
        """
        return None

    def attrs(self) -> dict[str, Any]:
        """Extra ``df.attrs`` entries gathered while paging (JSON:API's ``included``)."""
        return {}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({shown})"


def as_int(value: Any) -> int | None:
    """``value`` as an int when it is a whole number (or a numeric string), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None

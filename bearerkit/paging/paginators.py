"""How an API pages: one small class per style, and the two values they pass around.

A paginator answers two questions about a page it has been shown:

- :meth:`Paginator.plan`: can every remaining request be written down now (page
  numbers with a total, offsets with a total, a ``Link`` header with ``rel="last"``)?
  Then the engine fetches them concurrently.
- :meth:`Paginator.next_request`: otherwise, what is the request after this page
  (a cursor, a next URL, the last id)? ``None`` when there is none.

To page an API none of these fit, subclass :class:`Paginator` (or the closest
style) and override those two methods; see :class:`Paginator` for an example.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from requests.utils import parse_header_links

from ..errors import PagingError
from ..frames import lookup
from ..redact import MASK, SECRET_BODY_FIELDS, is_secret_param, mask_url

__all__ = [
    "Cursor",
    "LastId",
    "LinkHeader",
    "NextURL",
    "Offset",
    "Page",
    "PageNumber",
    "PageRequest",
    "Paginator",
]


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

    def key(self) -> tuple[Any, ...]:
        """A hashable identity: the same key twice in a run means the API is going round."""
        params = tuple(sorted((str(k), str(v)) for k, v in (self.params or {}).items()))
        return (self.method, self.path, params, repr(self.json))


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
    """

    request: PageRequest
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    url: str = ""
    records: list[Any] = field(default_factory=list)
    from_cache: bool = False


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

    def plan(self, page: Page) -> list[PageRequest] | None:
        """Every request after ``page`` when they can be known now, else ``None``."""
        return None

    def next_request(self, page: Page) -> PageRequest | None:
        """The request after ``page``, or ``None`` when ``page`` is the last."""
        raise NotImplementedError(f"{type(self).__name__} must implement next_request(page)")

    def page_limit(self) -> int | None:
        """How many pages the API serves at most (from ``max_page``), or ``None``."""
        return self.max_page

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({shown})"


def _int(value: Any) -> int | None:
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


class PageNumber(Paginator):
    """``?page=N`` with a total in the body: TMDB (``total_pages``), many REST APIs.

    Args:
        param: the query parameter carrying the page number.
        start: the first page's number (1, or 0 for some APIs).
        total_path: dotted path of the total in the body.
        max_page: the highest page the API serves (TMDB refuses pages past 500).
        page_size: when given, ``total_path`` counts records, not pages
            (``{"total": 57, "per_page": 10}`` → 6 pages).

    With a total, pages after the first are fetched concurrently; without one, one
    by one until a page comes back empty.
    """

    style = "page_number"

    def __init__(
        self,
        param: str = "page",
        start: int = 1,
        total_path: str = "total_pages",
        max_page: int | None = None,
        *,
        page_size: int | None = None,
    ) -> None:
        if max_page is not None and max_page < start:
            raise ValueError(f"max_page ({max_page}) is before the first page ({start})")
        if page_size is not None and page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size!r}")
        self.param = param
        self.start = start
        self.total_path = total_path
        self.max_page = max_page
        self.page_size = page_size

    def first_request(self, request: PageRequest) -> PageRequest:
        if request.params and self.param in request.params:
            return request  # the caller chose where to start
        return request.with_params(**{self.param: self.start})

    def page_limit(self) -> int | None:
        return None if self.max_page is None else self.max_page - self.start + 1

    def current(self, page: Page) -> int:
        """The number of ``page``: from the request, else the body, else ``start``."""
        sent = _int((page.request.params or {}).get(self.param))
        if sent is not None:
            return sent
        echoed = _int(lookup(page.body, self.param))
        return echoed if echoed is not None else self.start

    def last(self, page: Page) -> int | None:
        """The last page's number, when the body tells."""
        total = _int(lookup(page.body, self.total_path))
        if total is None:
            return None
        if self.page_size is not None:
            total = math.ceil(total / self.page_size)
        return self.start + total - 1

    def plan(self, page: Page) -> list[PageRequest] | None:
        last = self.last(page)
        if last is None:
            return None
        return [
            page.request.with_params(**{self.param: n})
            for n in range(self.current(page) + 1, last + 1)
        ]

    def next_request(self, page: Page) -> PageRequest | None:
        last = self.last(page)
        number = self.current(page)
        if (last is not None and number >= last) or not page.records:
            return None
        return page.request.with_params(**{self.param: number + 1})


class Offset(Paginator):
    """``?offset=K&limit=N`` with a ``total``: Spotify, Algolia, many SQL-backed APIs.

    Args:
        limit: records per request.
        offset_param, limit_param: the query parameter names.
        total_path: dotted path of the record count in the body.

    With a total, requests after the first are fetched concurrently; without one,
    one by one until a short page.
    """

    style = "offset"

    def __init__(
        self,
        limit: int,
        offset_param: str = "offset",
        limit_param: str = "limit",
        total_path: str = "total",
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit!r}")
        self.limit = limit
        self.offset_param = offset_param
        self.limit_param = limit_param
        self.total_path = total_path

    def first_request(self, request: PageRequest) -> PageRequest:
        sent = request.params or {}
        return request.with_params(
            **{
                self.offset_param: sent.get(self.offset_param, 0),
                self.limit_param: sent.get(self.limit_param, self.limit),
            }
        )

    def _offset(self, page: Page) -> int:
        sent = _int((page.request.params or {}).get(self.offset_param))
        return sent if sent is not None else 0

    def _at(self, page: Page, offset: int) -> PageRequest:
        return page.request.with_params(**{self.offset_param: offset, self.limit_param: self.limit})

    def plan(self, page: Page) -> list[PageRequest] | None:
        total = _int(lookup(page.body, self.total_path))
        if total is None:
            return None
        return [
            self._at(page, k) for k in range(self._offset(page) + self.limit, total, self.limit)
        ]

    def next_request(self, page: Page) -> PageRequest | None:
        total = _int(lookup(page.body, self.total_path))
        following = self._offset(page) + self.limit
        if total is not None and following >= total:
            return None
        if total is None and len(page.records) < self.limit:
            return None
        return self._at(page, following)


def _link_value(value: Any) -> str | None:
    """A next link from the body: a URL string, or JSON:API's ``{"href": URL}``."""
    if isinstance(value, Mapping):
        value = value.get("href")
    return value if isinstance(value, str) and value.strip() else None


class NextURL(Paginator):
    """A next-page URL in the body: ``next`` (DRF, Stripe-like), ``links.next`` (JSON:API),
    ``paging.next`` (Facebook Graph), ``tracks.next`` (Spotify), ``@odata.nextLink``
    (Microsoft Graph).

    Args:
        path: dotted path of the URL in the body (a key with dots in it, such as
            ``@odata.nextLink``, is found whole). A relative URL is resolved against
            the page's URL. Stops when the value is missing, null or empty.
    """

    style = "next_url"

    def __init__(self, path: str = "next") -> None:
        self.path = path

    def next_request(self, page: Page) -> PageRequest | None:
        link = _link_value(lookup(page.body, self.path))
        if link is None:
            return None
        # The link carries the query; the original params would repeat it.
        return PageRequest(page.request.method, urljoin(page.url, link), None, page.request.json)


def links(headers: Mapping[str, str]) -> dict[str, str]:
    """The ``Link`` header (RFC 8288) as ``{rel: url}``; empty when absent or unreadable."""
    value = headers.get("Link") or headers.get("link")
    if not value:
        return {}
    out: dict[str, str] = {}
    for link in parse_header_links(value):
        url = link.get("url")
        for rel in (link.get("rel") or "").split():
            if url:
                out.setdefault(rel.lower(), url)
    return out


class LinkHeader(Paginator):
    """The ``Link`` response header (RFC 8288): GitHub, GitLab, Hugging Face.

    Follows ``rel="next"``. When ``rel="last"`` differs from the next link only in
    a page number (GitHub's ``page=9``), every page up to it is known after the
    first, and fetched concurrently.

    Args:
        max_page: the highest page number the API serves, for such numbered links
            (counted from page 1).
    """

    style = "link_header"

    def __init__(self, max_page: int | None = None) -> None:
        self.max_page = max_page

    def next_request(self, page: Page) -> PageRequest | None:
        target = links(page.headers).get("next")
        if target is None:
            return None
        return PageRequest(page.request.method, urljoin(page.url, target), None, page.request.json)

    def plan(self, page: Page) -> list[PageRequest] | None:
        found = links(page.headers)
        if "next" not in found or "last" not in found:
            return None
        numbered = _numbered(urljoin(page.url, found["next"]), urljoin(page.url, found["last"]))
        if numbered is None:
            return None
        template, first, last = numbered
        return [
            PageRequest(page.request.method, template(n), None, page.request.json)
            for n in range(first, last + 1)
        ]


def _numbered(next_url: str, last_url: str) -> tuple[Callable[[int], str], int, int] | None:
    """When two URLs differ only in one integer query value: (url maker, next, last)."""
    a, b = urlsplit(next_url), urlsplit(last_url)
    if (a.scheme, a.netloc, a.path) != (b.scheme, b.netloc, b.path):
        return None
    qa = parse_qsl(a.query, keep_blank_values=True)
    qb = dict(parse_qsl(b.query, keep_blank_values=True))
    changed = [(k, v) for k, v in qa if qb.get(k) != v]
    if len(changed) != 1 or len(qa) != len(qb):
        return None
    name, value = changed[0]
    first, last = _int(value), _int(qb.get(name))
    if first is None or last is None or last < first:
        return None

    def url(n: int) -> str:
        query = [(k, str(n) if k == name else v) for k, v in qa]
        return urlunsplit(a._replace(query=urlencode(query)))

    return url, first, last


class Cursor(Paginator):
    """An opaque cursor in the body, sent back as a parameter.

    Notion: ``Cursor("next_cursor", "start_cursor", in_body=True)`` for POST queries
    (``in_body=False`` for its GET endpoints); Slack:
    ``Cursor("response_metadata.next_cursor", "cursor")``; X API v2:
    ``Cursor("meta.next_token", "pagination_token")``; Google APIs:
    ``Cursor("nextPageToken", "pageToken")``.

    Args:
        path: dotted path of the next cursor in the body.
        param: the parameter (or JSON body field) that takes it back.
        in_body: send the cursor in the JSON body instead of the query.

    Stops when the cursor is missing, null or empty.
    """

    style = "cursor"

    def __init__(self, path: str, param: str, in_body: bool = False) -> None:
        self.path = path
        self.param = param
        self.in_body = in_body

    def next_request(self, page: Page) -> PageRequest | None:
        cursor = lookup(page.body, self.path)
        if cursor is None or cursor == "" or isinstance(cursor, (Mapping, list, bool)):
            return None
        if self.in_body:
            return page.request.with_body(**{self.param: cursor})
        return page.request.with_params(**{self.param: cursor})


class LastId(Paginator):
    """The last record's id, sent back while the body says there is more.

    Stripe: ``LastId("starting_after")`` (``{"object": "list", "has_more": true,
    "data": [{"id": "cus_..."}]}``); OpenAI: ``LastId("after")`` (its ``last_id`` is
    the last record's id).

    Args:
        param: the query parameter that takes the id.
        id_field: the id's dotted path inside a record.
        has_more_path: dotted path of the "more pages" flag in the body.
    """

    style = "last_id"

    def __init__(self, param: str, id_field: str = "id", has_more_path: str = "has_more") -> None:
        self.param = param
        self.id_field = id_field
        self.has_more_path = has_more_path

    def next_request(self, page: Page) -> PageRequest | None:
        if lookup(page.body, self.has_more_path) is not True:
            return None
        last = lookup(page.records[-1], self.id_field) if page.records else None
        if last is None or isinstance(last, (Mapping, list)):
            raise PagingError(
                f"{self.has_more_path} is true but the page has no record with an "
                f"{self.id_field!r} to continue after; pass record_path= or "
                f"LastId({self.param!r}, id_field=...) naming the id field"
            )
        return page.request.with_params(**{self.param: last})

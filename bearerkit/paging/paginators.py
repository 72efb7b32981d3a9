"""How an API pages: page numbers, offsets, cursors and last ids, one small class each.

A paginator answers two questions about a page it has been shown:

- :meth:`Paginator.plan`: can every remaining request be written down now (page
  numbers with a total, offsets with a total, a ``Link`` header with ``rel="last"``)?
  Then the engine fetches them concurrently.
- :meth:`Paginator.next_request`: otherwise, what is the request after this page
  (a cursor, a next URL, the last id)? ``None`` when there is none.

The link styles (:class:`NextURL`, :class:`LinkHeader`) are in
:mod:`bearerkit.paging.links`. To page an API none of these fit, subclass
:class:`Paginator` (or the closest style) and override those two methods; see
:class:`Paginator` for an example.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ..errors import PagingError
from ..frames import lookup
from .graphql import GraphQL
from .links import JsonApi, LinkHeader, NextURL
from .page import Page, PageRequest, Paginator, as_int
from .plan import Plan, WithParams

# Every style, the link styles included: ``from bearerkit.paging.paginators import ...``
__all__ = [
    "Cursor",
    "GraphQL",
    "JsonApi",
    "LastId",
    "LinkHeader",
    "NextURL",
    "Offset",
    "PageNumber",
]


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
        sent = as_int((page.request.params or {}).get(self.param))
        if sent is not None:
            return sent
        echoed = as_int(lookup(page.body, self.param))
        return echoed if echoed is not None else self.start

    def last(self, page: Page) -> int | None:
        """The last page's number, when the body tells."""
        total = as_int(lookup(page.body, self.total_path))
        if total is None:
            return None
        if self.page_size is not None:
            total = math.ceil(total / self._served(page, self.page_size, total))
        return self.start + total - 1

    def _served(self, page: Page, size: int, total: int) -> int:
        """Records per page: ``size``, or what the first page really held when the server
        serves fewer than asked (its cap below ``per_page=``) and the total says more exist."""
        got = len(page.records)
        if self.current(page) == self.start and 0 < got < size and got < total:
            return got
        return size

    def plan(self, page: Page) -> Plan | None:
        last = self.last(page)
        if last is None:
            return None
        # Lazy: a total of 1e9 pages must not become a list before max_pages applies.
        return Plan(range(self.current(page) + 1, last + 1), WithParams(page.request, self.param))

    def next_request(self, page: Page) -> PageRequest | None:
        last = self.last(page)
        number = self.current(page)
        if (last is not None and number >= last) or not page.records:
            return None
        return page.request.with_params(**{self.param: number + 1})


class Offset(Paginator):
    """``?offset=K&limit=N`` with a ``total``: Spotify, Algolia, many SQL-backed APIs.

    Atlassian (Jira, Confluence): ``Offset(50, "startAt", "maxResults")``, with
    ``last_path="isLast"`` where the answer has no ``total``.

    Args:
        limit: records per request.
        offset_param, limit_param: the query parameter names.
        total_path: dotted path of the record count in the body.
        last_path: a flag that is true on the last page (Atlassian's ``isLast``).

    With a total, requests after the first are fetched concurrently; without one,
    one by one until a short page (or ``last_path`` says it was the last).
    """

    style = "offset"

    def __init__(
        self,
        limit: int,
        offset_param: str = "offset",
        limit_param: str = "limit",
        total_path: str = "total",
        *,
        last_path: str | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit!r}")
        self.limit = limit
        self.offset_param = offset_param
        self.limit_param = limit_param
        self.total_path = total_path
        self.last_path = last_path

    def __repr__(self) -> str:
        last = f", last_path={self.last_path!r}" if self.last_path is not None else ""
        return (
            f"Offset(limit={self.limit!r}, offset_param={self.offset_param!r}, "
            f"limit_param={self.limit_param!r}, total_path={self.total_path!r}{last})"
        )

    def first_request(self, request: PageRequest) -> PageRequest:
        sent = request.params or {}
        return request.with_params(
            **{
                self.offset_param: sent.get(self.offset_param, 0),
                self.limit_param: sent.get(self.limit_param, self.limit),
            }
        )

    def _offset(self, page: Page) -> int:
        sent = as_int((page.request.params or {}).get(self.offset_param))
        return sent if sent is not None else 0

    def _at(self, page: Page, offset: int) -> PageRequest:
        return page.request.with_params(**{self.offset_param: offset, self.limit_param: self.limit})

    def plan(self, page: Page) -> Plan | None:
        total = as_int(lookup(page.body, self.total_path))
        if total is None:
            return None
        start = self._offset(page)
        size, got = self.limit, len(page.records)
        if 0 < got < size and start + got < total:
            # The server serves fewer than limit= (its own cap) and the total says more
            # exist: step by what it serves, or every page would skip records.
            size = got
        return Plan(
            range(start + size, total, size),
            WithParams(page.request, self.offset_param, ((self.limit_param, size),)),
        )

    def next_request(self, page: Page) -> PageRequest | None:
        if self.last_path is not None and lookup(page.body, self.last_path) is True:
            return None
        total = as_int(lookup(page.body, self.total_path))
        following = self._offset(page) + self.limit
        if total is not None and following >= total:
            return None
        if total is None and len(page.records) < self.limit:
            return None
        return self._at(page, following)


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

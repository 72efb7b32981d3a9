"""Recognise an API's paging style from its first answer, and notice more data it hides.

:func:`detect` looks at one page (body and headers) and returns the paginator
that follows it, in this order: a ``Link`` header with ``rel="next"``; a cursor
(Notion, Slack, X, Google); the last id (Stripe, OpenAI); a next URL in the body;
a page number with a total; an offset with a total. ``None`` means the answer
shows no paging. :func:`signs_of_more` then catches what none of these follow
(``has_more: true``, an unknown cursor, a ``total`` larger than what came back)
so ``auto`` never returns part of the data silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import PagingError
from ..frames import lookup
from .paginators import (
    Cursor,
    LastId,
    LinkHeader,
    NextURL,
    Offset,
    Page,
    PageNumber,
    Paginator,
    _int,
    _link_value,
    links,
)

__all__ = ["describe_more", "detect", "require_followable", "signs_of_more"]

# Cursor fields in the body and the parameter each API takes them back in. Notion's
# cursor goes in the JSON body when the endpoint is a POST (its database query).
CURSORS = (
    ("next_cursor", "start_cursor", "has_more"),  # Notion
    ("response_metadata.next_cursor", "cursor", None),  # Slack
    ("meta.next_token", "pagination_token", "meta"),  # X API v2 (meta is always there)
    ("nextPageToken", "pageToken", None),  # Google APIs
)
# Where bodies put a next-page URL; "<parent>.next" (Spotify's tracks.next) is added
# from where the records were found.
NEXT_URL_PATHS = ("@odata.nextLink", "next", "links.next", "paging.next", "next_url")
# Record counts: a larger one than the records received means more pages.
TOTAL_FIELDS = ("total", "total_count", "total_results", "totalCount", "totalResults")
# Fields that mean "there is more" in APIs bearerkit does not know.
MORE_FLAGS = ("has_more", "hasMore", "more", "has_next", "hasNext", "next_page")
CURSOR_FIELDS = (
    "next_cursor",
    "next_token",
    "nextToken",
    "continuation",
    "continuation_token",
    "cursor",
    "next_page_token",
    "nextPageToken",
    "pagination_token",
    "next",
)
PAGE_SIZE_FIELDS = ("per_page", "page_size", "pageSize", "limit")


def _parent(record_path: str | None) -> str | None:
    if not record_path or "." not in record_path:
        return None
    return record_path.rsplit(".", 1)[0]


def _where(body: Any, record_path: str | None) -> list[str]:
    """Prefixes to look for paging fields: the top level, then the records' parent."""
    parent = _parent(record_path)
    return ["", f"{parent}."] if parent and isinstance(lookup(body, parent), Mapping) else [""]


def _has(body: Any, path: str) -> bool:
    missing = object()
    return lookup(body, path, missing) is not missing


def _looks_like_url(value: str) -> bool:
    return value.startswith(("http://", "https://", "/", "?"))


def _page_size(page: Page, prefix: str) -> int | None:
    for name in PAGE_SIZE_FIELDS:
        size = _int(lookup(page.body, prefix + name))
        if size:
            return size
    for name in PAGE_SIZE_FIELDS:
        size = _int((page.request.params or {}).get(name))
        if size:
            return size
    return len(page.records) or None


def _link(page: Page, *, max_page: int | None) -> Paginator | None:
    return LinkHeader(max_page=max_page) if "next" in links(page.headers) else None


def _cursor(page: Page, *, record_path: str | None) -> Paginator | None:
    body = page.body
    for path, param, companion in CURSORS:
        if _has(body, path) or (companion is not None and _has(body, f"{companion}.result_count")):
            if companion == "has_more" and not _has(body, "has_more"):
                continue  # a bare next_cursor is left to signs_of_more
            value = lookup(body, path)
            if value is not None and not isinstance(value, str):
                continue
            return Cursor(path, param, in_body=page.request.method != "GET" and path == "next_cursor")
    return None


def _last_id(page: Page, *, record_path: str | None) -> Paginator | None:
    body = page.body
    if not isinstance(lookup(body, "has_more"), bool) or not isinstance(body.get("data"), list):
        return None
    if _has(body, "last_id"):
        return LastId("after")  # OpenAI: last_id is the last record's id
    if body.get("object") == "list":
        return LastId("starting_after")  # Stripe
    return None


def _next_url(page: Page, *, record_path: str | None) -> Paginator | None:
    parent = _parent(record_path)
    paths = (*NEXT_URL_PATHS, f"{parent}.next") if parent else NEXT_URL_PATHS
    for path in paths:
        if not _has(page.body, path):
            continue
        value = lookup(page.body, path)
        link = _link_value(value)
        if value is None or (link is not None and _looks_like_url(link)):
            return NextURL(path)
    return None


def _page_number(page: Page, *, record_path: str | None, max_page: int | None) -> Paginator | None:
    for prefix in _where(page.body, record_path):
        if _int(lookup(page.body, prefix + "total_pages")) is not None:
            return PageNumber(total_path=prefix + "total_pages", max_page=max_page)
        if _has(page.body, prefix + "page") and _int(lookup(page.body, prefix + "total")) is not None:
            size = _page_size(page, prefix)
            if size:
                return PageNumber(total_path=prefix + "total", max_page=max_page, page_size=size)
    return None


def _offset(page: Page, *, record_path: str | None) -> Paginator | None:
    for prefix in _where(page.body, record_path):
        if _has(page.body, prefix + "offset") and _int(lookup(page.body, prefix + "total")) is not None:
            size = _page_size(page, prefix)
            if size:
                return Offset(size, total_path=prefix + "total")
    return None


def detect(page: Page, *, record_path: str | None = None, max_page: int | None = None) -> Paginator | None:
    """The paginator for the API that sent ``page``, or ``None`` when it shows no paging.

    Args:
        page: the first page (its request, body, headers and records).
        record_path: where its records were found (``"tracks.items"``), so fields next
            to them count too (Spotify's ``tracks.next``).
        max_page: the API's highest page number (TMDB: 500), for page-numbered styles.
    """
    if page.headers:
        found = _link(page, max_page=max_page)
        if found is not None:
            return found
    if not isinstance(page.body, Mapping):
        return None
    rules: tuple[Callable[[], Paginator | None], ...] = (
        lambda: _cursor(page, record_path=record_path),
        lambda: _last_id(page, record_path=record_path),
        lambda: _next_url(page, record_path=record_path),
        lambda: _page_number(page, record_path=record_path, max_page=max_page),
        lambda: _offset(page, record_path=record_path),
    )
    for rule in rules:
        paginator = rule()
        if paginator is not None:
            return paginator
    return None


def signs_of_more(page: Page, *, record_path: str | None = None) -> str | None:
    """The field showing that more data exists than ``page`` holds, or ``None``.

    Checked at the top level and next to the records: a true "more" flag, a non-empty
    cursor-like field, a record count above the records received.
    """
    if "next" in links(page.headers):
        return 'the Link header (rel="next")'
    body = page.body
    if not isinstance(body, Mapping):
        return None
    for prefix in _where(body, record_path):
        for name in MORE_FLAGS:
            if lookup(body, prefix + name) is True:
                return f"{prefix}{name}: true"
        for name in CURSOR_FIELDS:
            value = lookup(body, prefix + name)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                return f"{prefix}{name}: {str(value)[:40]!r}"
        for name in TOTAL_FIELDS:
            total = _int(lookup(body, prefix + name))
            if total is not None and total > len(page.records):
                return f"{prefix}{name}: {total} (this page has {len(page.records)} records)"
    for key in ("meta", "pagination", "paging", "response_metadata", "page_info", "pageInfo"):
        for name in (*MORE_FLAGS, *CURSOR_FIELDS):
            value = lookup(body, f"{key}.{name}")
            if value is True or (isinstance(value, str) and value.strip()):
                return f"{key}.{name}: {value if value is True else repr(value[:40])}"
    return None


def require_followable(page: Page, *, record_path: str | None = None) -> None:
    """Raise :class:`PagingError` when ``page`` shows more data that no paginator follows."""
    sign = signs_of_more(page, record_path=record_path)
    if sign is None:
        return
    raise PagingError(
        f"The response shows more data ({sign}) but its paging style is not one "
        "bearerkit recognises, so only the first page could be returned. Pass a "
        "paginator: e.g. paginator=bk.paging.Cursor('<cursor field>', '<query parameter>'), "
        "bk.paging.PageNumber(...), bk.paging.Offset(...), bk.paging.NextURL('<field>') or "
        "bk.paging.LastId('<parameter>'); or subclass bk.paging.Paginator."
    )


def describe_more(page: Page, *, record_path: str | None = None) -> str | None:
    """Why ``page`` is not the whole answer (``None`` when it is), in words for a warning."""
    paginator = detect(page, record_path=record_path)
    if paginator is not None:
        plan = paginator.plan(page)
        if plan:
            return f"{len(plan)} more pages ({paginator.style})"
        if plan is None and paginator.next_request(page) is not None:
            return f"more pages ({paginator.style})"
        return None
    return signs_of_more(page, record_path=record_path)

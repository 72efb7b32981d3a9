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

from collections.abc import Mapping
from typing import Any

from ..errors import PagingError
from ..frames import lookup
from .links import LinkHeader, NextURL, link_value, links
from .page import Page, Paginator, as_int
from .paginators import Cursor, LastId, Offset, PageNumber

__all__ = ["describe_more", "detect", "require_followable", "signs_of_more"]

# Cursor fields in the body, the parameter each API takes them back in, and the
# fields that must all be there for the rule to apply (X sends meta.result_count on
# every page, next_token on all but the last).
CURSORS = (
    ("next_cursor", "start_cursor", ("next_cursor", "has_more")),  # Notion
    ("response_metadata.next_cursor", "cursor", ("response_metadata.next_cursor",)),  # Slack
    ("meta.next_token", "pagination_token", ("meta.result_count",)),  # X API v2
    ("nextPageToken", "pageToken", ("nextPageToken",)),  # Google APIs
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
    "next_page",
    "next_page_token",
    "nextPageToken",
    "pagination_token",
    "next",
)
PAGE_SIZE_FIELDS = ("per_page", "page_size", "pageSize", "limit")

_MISSING = object()


def _parent(record_path: str | None) -> str | None:
    if not record_path or "." not in record_path:
        return None
    return record_path.rsplit(".", 1)[0]


def _where(body: Any, record_path: str | None) -> list[str]:
    """Prefixes to look for paging fields: the top level, then the records' parent."""
    parent = _parent(record_path)
    return ["", f"{parent}."] if parent and isinstance(lookup(body, parent), Mapping) else [""]


def _has(body: Any, path: str) -> bool:
    return lookup(body, path, _MISSING) is not _MISSING


def _looks_like_url(value: str) -> bool:
    return value.startswith(("http://", "https://", "/", "?"))


def _page_size(page: Page, prefix: str) -> int | None:
    for name in PAGE_SIZE_FIELDS:
        size = as_int(lookup(page.body, prefix + name))
        if size:
            return size
    for name in PAGE_SIZE_FIELDS:
        size = as_int((page.request.params or {}).get(name))
        if size:
            return size
    return len(page.records) or None


def _link(page: Page, *, max_page: int | None) -> Paginator | None:
    return LinkHeader(max_page=max_page) if "next" in links(page.headers) else None


def _cursor(page: Page) -> Paginator | None:
    for path, param, required in CURSORS:
        if not all(_has(page.body, field) for field in required):
            continue
        value = lookup(page.body, path)
        if value is not None and not isinstance(value, str):
            continue  # not a cursor this rule knows; signs_of_more will name it
        # Notion takes the cursor back in the JSON body of its POST queries.
        in_body = path == "next_cursor" and page.request.method != "GET"
        return Cursor(path, param, in_body=in_body)
    return None


def _last_id(page: Page) -> Paginator | None:
    body = page.body
    if not isinstance(lookup(body, "has_more"), bool) or not isinstance(body.get("data"), list):
        return None
    if _has(body, "last_id"):
        return LastId("after")  # OpenAI: last_id is the last record's id
    if body.get("object") == "list":
        return LastId("starting_after")  # Stripe
    return None


def _next_url(page: Page, record_path: str | None) -> Paginator | None:
    parent = _parent(record_path)
    paths = (*NEXT_URL_PATHS, f"{parent}.next") if parent else NEXT_URL_PATHS
    for path in paths:
        if not _has(page.body, path):
            continue
        value = lookup(page.body, path)
        link = link_value(value)
        if value is None or (link is not None and _looks_like_url(link)):
            return NextURL(path)
    return None


def _counted(page: Page, prefix: str, position: str) -> int | None:
    """The page size, when ``position`` (``page``, ``offset``) sits beside a record ``total``."""
    body = page.body
    if _has(body, prefix + position) and as_int(lookup(body, prefix + "total")) is not None:
        return _page_size(page, prefix)
    return None


def _page_number(page: Page, record_path: str | None, max_page: int | None) -> Paginator | None:
    for prefix in _where(page.body, record_path):
        if as_int(lookup(page.body, prefix + "total_pages")) is not None:
            return PageNumber(total_path=prefix + "total_pages", max_page=max_page)
        size = _counted(page, prefix, "page")
        if size:
            return PageNumber(total_path=prefix + "total", max_page=max_page, page_size=size)
    return None


def _offset(page: Page, record_path: str | None) -> Paginator | None:
    for prefix in _where(page.body, record_path):
        size = _counted(page, prefix, "offset")
        if size:
            return Offset(size, total_path=prefix + "total")
    return None


def detect(
    page: Page, *, record_path: str | None = None, max_page: int | None = None
) -> Paginator | None:
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
    # The first rule that finds a style wins (the paginators it builds are always true).
    return (
        _cursor(page)
        or _last_id(page)
        or _next_url(page, record_path)
        or _page_number(page, record_path, max_page)
        or _offset(page, record_path)
    )


def _signs(page: Page, record_path: str | None) -> list[tuple[str, str, str]]:
    """Fields showing more data than ``page`` holds: ``(kind, field, shown)`` tuples.

    ``kind`` is ``"flag"`` (a true "more" flag), ``"cursor"`` (a non-empty cursor-like
    field) or ``"total"`` (a record count above the records received).
    """
    body = page.body
    found: list[tuple[str, str, str]] = []
    if not isinstance(body, Mapping):
        return found
    nested = [f"{key}." for key in ("meta", "pagination", "paging", "page_info", "pageInfo")]
    for prefix in dict.fromkeys([*_where(body, record_path), *nested]):
        for name in MORE_FLAGS:
            if lookup(body, prefix + name) is True:
                found.append(("flag", prefix + name, f"{prefix}{name}: true"))
        for name in CURSOR_FIELDS:
            value = lookup(body, prefix + name)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                found.append(("cursor", prefix + name, f"{prefix}{name}: {str(value)[:40]!r}"))
        for name in TOTAL_FIELDS:
            total = as_int(lookup(body, prefix + name))
            if total is not None and total > len(page.records):
                shown = f"{prefix}{name}: {total}, this page has {len(page.records)} records"
                found.append(("total", prefix + name, shown))
    return found


def signs_of_more(page: Page, *, record_path: str | None = None) -> str | None:
    """The fields showing that more data exists than ``page`` holds, in words, or ``None``.

    Checked at the top level, next to the records and in ``meta``/``pagination``-like
    objects: a true "more" flag (``has_more``), a non-empty cursor-like field
    (``next_cursor``, ``next_token``, ``continuation``...), a record count (``total``...)
    above the records received, a ``Link`` header with ``rel="next"``.
    """
    if "next" in links(page.headers):
        return 'the Link header (rel="next")'
    signs = _signs(page, record_path)
    return "; ".join(shown for _, _, shown in signs) or None


def _suggestions(page: Page, signs: list[tuple[str, str, str]], record_path: str | None) -> str:
    """Paginators that would follow what ``signs`` show, as code to pass."""
    out = []
    size = len(page.records) or "<page size>"
    for kind, name, _ in signs:
        if kind == "cursor":
            value = str(lookup(page.body, name))
            if _looks_like_url(value):
                out.append(f"bk.paging.NextURL({name!r})")
            else:
                out.append(f"bk.paging.Cursor({name!r}, '<the parameter that takes it back>')")
        elif kind == "flag":
            out.append(
                f"bk.paging.LastId('<the parameter that takes the last id>', has_more_path={name!r})"
            )
        else:
            out.append(f"bk.paging.Offset({size}, total_path={name!r})")
            out.append(f"bk.paging.PageNumber(total_path={name!r}, page_size={size})")
    unique = list(dict.fromkeys(out))
    where = f", record_path={record_path!r}" if record_path else ""
    return " or ".join(f"paginator={s}{where}" for s in unique[:3])


def require_followable(page: Page, *, record_path: str | None = None) -> None:
    """Raise :class:`PagingError` when ``page`` shows more data that no paginator follows."""
    signs = _signs(page, record_path)
    if not signs:
        return
    shown = "; ".join(text for _, _, text in signs)
    raise PagingError(
        f"The response shows more data ({shown}) in a paging style bearerkit does not "
        "recognise, so paginate stopped rather than return only the first page. Pass a "
        f"paginator that follows it, e.g. {_suggestions(page, signs, record_path)}; any "
        "bk.paging paginator, or a subclass of bk.paging.Paginator, works."
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

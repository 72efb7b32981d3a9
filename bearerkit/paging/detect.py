"""Recognise an API's paging style from its first answer, and notice more data it hides.

:func:`detect` looks at one page (body and headers) and returns the paginator
that follows it, in this order: a ``Link`` header with ``rel="next"``; a GraphQL
connection (``pageInfo``); a cursor (Notion, Slack, X, Jira, Google, Intercom,
Airtable); the last id (Stripe, OpenAI); a next URL in the body (Spotify, Graph,
HAL, JSON:API, Zendesk, Salesforce); a page number with a total; an offset with a
total (Jira's ``startAt``). ``None`` means the answer shows no paging. :func:`signs_of_more` then catches what none of these follow
(``has_more: true``, an unknown cursor, a ``total`` larger than what came back)
so ``auto`` never returns part of the data silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import PagingError
from ..frames import lookup
from .graphql import detect_graphql
from .links import JsonApi, LinkHeader, NextURL, link_value, links
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
    ("nextPageToken", "nextPageToken", ("nextPageToken", "isLast")),  # Jira search/jql
    ("nextPageToken", "pageToken", ("nextPageToken",)),  # Google APIs
    ("pages.next.starting_after", "starting_after", ("pages.next.starting_after",)),  # Intercom
    ("offset", "offset", ("offset", "records")),  # Airtable: a string token beside records
)
# Where bodies put a next-page URL (OData v4 and v3, DRF, JSON:API and Zendesk's
# cursor pages, Facebook, Zendesk's offset pages, HAL, Salesforce); "<parent>.next"
# (Spotify's tracks.next) is added from where the records were found.
NEXT_URL_PATHS = (
    "@odata.nextLink",
    "odata.nextLink",
    "next",
    "links.next",
    "paging.next",
    "next_url",
    "next_page",
    "_links.next",
    "nextRecordsUrl",
)
# Flags that end a next-URL listing although a link is still there (Zendesk's cursor
# pages keep links.next on the last page), or that say it is done (Salesforce).
MORE_PATHS = ("meta.has_more", "has_more")
DONE_PATHS = ("done",)
# Record counts: a larger one than the records received means more pages.
TOTAL_FIELDS = ("total", "total_count", "total_results", "totalCount", "totalResults")
# Fields that mean "there is more" in APIs bearerkit does not know.
MORE_FLAGS = ("has_more", "hasMore", "more", "has_next", "hasNext", "hasNextPage", "next_page")
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
    # Schemes are case-insensitive (RFC 3986): "HTTP://..." is a link like "http://...".
    return value.lstrip().lower().startswith(("http://", "https://", "/", "?"))


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


# Record ids and "object" names that only one of the two list styles uses. OpenAI: files,
# fine-tuning jobs, events and checkpoints, assistants, threads, messages, runs, batches,
# vector stores. Stripe: customers, charges, payment intents, invoices, subscriptions...
OPENAI_ID_PREFIXES = (
    "file-",
    "ftjob-",
    "ftevent-",
    "ftckpt_",
    "asst_",
    "thread_",
    "msg_",
    "run_",
    "step_",
    "batch_",
    "vs_",
    "resp_",
)
STRIPE_ID_PREFIXES = (
    "cus_",
    "ch_",
    "pi_",
    "in_",
    "ii_",
    "sub_",
    "si_",
    "prod_",
    "price_",
    "evt_",
    "pm_",
    "src_",
    "card_",
    "txn_",
    "re_",
    "po_",
    "acct_",
    "seti_",
    "cs_",
    "plan_",
    "tax_",
    "dp_",
    "py_",
    "tr_",
    "il_",
    "file_",
)
# ("file" is both APIs' object name: OpenAI's ids are "file-...", Stripe's "file_...".)
OPENAI_OBJECTS = ("fine_tuning.", "assistant", "thread", "batch", "vector_store")


def _list_api(body: Mapping[str, Any]) -> str | None:
    """``"openai"`` or ``"stripe"`` when the list answer says which, else ``None``."""
    if _has(body, "last_id") or _has(body, "first_id"):
        return "openai"  # OpenAI's lists (files, assistants...) carry both ids
    url = body.get("url")
    if isinstance(url, str) and url.startswith("/v1/"):
        return "stripe"  # every Stripe list object names its endpoint
    votes = set()
    for record in body.get("data") or ():
        if not isinstance(record, Mapping):
            continue
        ident, kind = record.get("id"), record.get("object")
        if isinstance(ident, str):
            if ident.startswith(OPENAI_ID_PREFIXES):
                votes.add("openai")
            elif ident.startswith(STRIPE_ID_PREFIXES):
                votes.add("stripe")
        if isinstance(kind, str) and kind.startswith(OPENAI_OBJECTS):
            votes.add("openai")
    return votes.pop() if len(votes) == 1 else None


def _last_id(page: Page) -> Paginator | None:
    body = page.body
    more = lookup(body, "has_more")
    if not isinstance(more, bool) or not isinstance(body.get("data"), list):
        return None
    api = _list_api(body)
    if api == "openai":
        return LastId("after")  # OpenAI: the next page is after= the last id
    if api == "stripe":
        return LastId("starting_after")
    if body.get("object") != "list":
        return None
    if not more:
        return LastId("after")  # the one and only page: nothing to send either way
    raise PagingError(
        'The answer is a list with "has_more": true and the last record\'s id to continue '
        "after, as both OpenAI and Stripe page, but nothing in it says which of the two "
        "this API is (no first_id/last_id, no Stripe url, ids of neither). Pass "
        "paginator=bk.paging.LastId('after') for OpenAI-style APIs or "
        "paginator=bk.paging.LastId('starting_after') for Stripe-style ones."
    )


def _next_url(page: Page, record_path: str | None) -> Paginator | None:
    parent = _parent(record_path)
    paths = (*NEXT_URL_PATHS, f"{parent}.next") if parent else NEXT_URL_PATHS
    for path in paths:
        if not _has(page.body, path):
            continue
        value = lookup(page.body, path)
        link = link_value(value)
        if value is None or (link is not None and _looks_like_url(link)):
            more = next((p for p in MORE_PATHS if isinstance(lookup(page.body, p), bool)), None)
            done = next((p for p in DONE_PATHS if isinstance(lookup(page.body, p), bool)), None)
            if path == "links.next" and _is_json_api(page.body):
                return JsonApi(path, has_more_path=more, done_path=done)
            return NextURL(path, has_more_path=more, done_path=done)
    return None


def _is_json_api(body: Mapping[str, Any]) -> bool:
    """JSON:API (jsonapi.org): ``data`` records of ``{"type", "id", ...}``, or ``included``."""
    data = body.get("data")
    if "included" in body or "jsonapi" in body:
        return True
    return (
        isinstance(data, list)
        and bool(data)
        and all(isinstance(r, Mapping) and "type" in r and "id" in r for r in data)
    )


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
    body = page.body
    size = as_int(lookup(body, "maxResults"))
    if size and as_int(lookup(body, "startAt")) is not None:  # Atlassian (Jira, Confluence)
        last = "isLast" if isinstance(lookup(body, "isLast"), bool) else None
        return Offset(size, "startAt", "maxResults", total_path="total", last_path=last)
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
        detect_graphql(page, record_path)
        or _cursor(page)
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
        for name in ("total_pages", *TOTAL_FIELDS):
            # A count that is there but no number ("many", [3]) cannot say there is
            # nothing more: taking the page as the whole answer could drop the rest.
            value = lookup(body, prefix + name)
            if value is not None and as_int(value) is None:
                shown = f"{prefix}{name}: {str(value)[:40]!r} is not a whole number"
                found.append(("unusable", prefix + name, shown))
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
        elif kind == "unusable":
            out.append("bk.paging.PageNumber(total_path='<a field with a numeric page count>')")
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

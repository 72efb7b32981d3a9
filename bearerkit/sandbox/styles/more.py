"""HAL, JSON:API, Atlassian (Jira), Zendesk, Intercom, Airtable and Salesforce."""

from __future__ import annotations

import math
from typing import Any

from bearerkit.sandbox.dataset import (
    RECORD_COUNT,
    decode_cursor,
    encode_cursor,
    integer,
    message_error,
    more_after,
    page_size,
    url,
    window,
)
from bearerkit.sandbox.messages import Reply, Request, json_reply
from bearerkit.sandbox.styles.common import STYLES_PATH


def hal(request: Request, root: str) -> Reply:
    """HAL (Spring Data REST and others): ``_embedded.orders``, ``_links.next.href``."""
    query = request.query
    size = page_size(query, "size")
    page = integer(query, "page", default=0)  # Spring counts pages from 0
    last = math.ceil(RECORD_COUNT / size) - 1
    links: dict[str, Any] = {"self": {"href": url(root, request.path, query, {"page": page})}}
    if page < last:
        links["next"] = {"href": url(root, request.path, query, {"page": page + 1, "size": size})}
    return json_reply(200, {"_embedded": {"orders": window(page * size, size)}, "_links": links})


def jsonapi(request: Request, root: str) -> Reply:
    """JSON:API: resources in ``data``, ``included`` authors, ``links.next`` until the last."""
    query = request.query
    size = page_size(query, "page[size]")
    number = integer(query, "page[number]", default=1, minimum=1)
    offset = (number - 1) * size
    items = window(offset, size)
    data = [
        {
            "type": "articles",
            "id": str(offset + i + 1),
            "attributes": item,
            "relationships": {
                "author": {"data": {"type": "people", "id": str(1 + (offset + i) % 3)}}
            },
        }
        for i, item in enumerate(items)
    ]
    authors = sorted({1 + (offset + i) % 3 for i in range(len(items))})
    included = [
        {"type": "people", "id": str(a), "attributes": {"name": f"Author {a}"}} for a in authors
    ]
    links = {"self": url(root, request.path, query, {})}
    if more_after(offset, size):
        links["next"] = url(
            root, request.path, query, {"page[number]": number + 1, "page[size]": size}
        )
    body = {"data": data, "included": included, "links": links, "meta": {"total": RECORD_COUNT}}
    return Reply(200, json_reply(200, body).body, "application/vnd.api+json")


def atlassian_search(request: Request, root: str) -> Reply:
    """Jira's classic search: ``startAt``, ``maxResults``, ``total`` and ``issues``."""
    size = page_size(request.query, "maxResults")
    start = integer(request.query, "startAt", default=0)
    body = {
        "startAt": start,
        "maxResults": size,
        "total": RECORD_COUNT,
        "issues": window(start, size),
    }
    return json_reply(200, body)


def atlassian_board(request: Request, root: str) -> Reply:
    """Jira Agile's lists: ``startAt``, ``maxResults``, ``isLast``, ``values`` (no total)."""
    size = page_size(request.query, "maxResults")
    start = integer(request.query, "startAt", default=0)
    body = {
        "maxResults": size,
        "startAt": start,
        "isLast": not more_after(start, size),
        "values": window(start, size),
    }
    return json_reply(200, body)


def atlassian_jql(request: Request, root: str) -> Reply:
    """Jira's enhanced search: ``nextPageToken`` (left out on the last page) and ``isLast``."""
    query = request.query
    size = page_size(query, "maxResults")
    token = query.get("nextPageToken")
    invalid = message_error("The provided next page token is invalid or expired.")
    offset = decode_cursor("jql", token, error=invalid) if token else 0
    body: dict[str, Any] = {"issues": window(offset, size)}
    if more_after(offset, size):
        body["nextPageToken"] = encode_cursor("jql", offset + size)
    body["isLast"] = not more_after(offset, size)
    return json_reply(200, body)


def zendesk_tickets(request: Request, root: str) -> Reply:
    """Zendesk's offset pages: ``next_page``/``previous_page`` URLs and ``count``."""
    query = request.query
    size = page_size(query, "per_page")
    page = integer(query, "page", default=1, minimum=1)
    offset = (page - 1) * size
    body = {
        "tickets": window(offset, size),
        "next_page": url(root, request.path, query, {"page": page + 1, "per_page": size})
        if more_after(offset, size)
        else None,
        "previous_page": url(root, request.path, query, {"page": page - 1}) if page > 1 else None,
        "count": RECORD_COUNT,
    }
    return json_reply(200, body)


def zendesk_users(request: Request, root: str) -> Reply:
    """Zendesk's cursor pages: ``meta.has_more``, ``meta.after_cursor``, ``links.next``."""
    query = request.query
    size = page_size(query, "page[size]")
    after = query.get("page[after]")
    invalid = json_reply(400, {"error": "InvalidPaginationParameter"})
    offset = decode_cursor("zd", after, error=invalid) if after else 0
    end = encode_cursor("zd", min(offset + size, RECORD_COUNT))
    body = {
        "users": window(offset, size),
        "meta": {"has_more": more_after(offset, size), "after_cursor": end, "before_cursor": None},
        # Zendesk keeps a next link on the last page too; meta.has_more says stop.
        "links": {"next": url(root, request.path, query, {"page[after]": end}), "prev": None},
    }
    return json_reply(200, body)


def intercom(request: Request, root: str) -> Reply:
    """Intercom's contacts: ``pages.next.starting_after`` (no ``next`` on the last page)."""
    query = request.query
    size = page_size(query, "per_page")
    after = query.get("starting_after")
    invalid = json_reply(
        400,
        {
            "type": "error.list",
            "errors": [{"code": "client_error", "message": "Invalid starting_after param."}],
        },
    )
    offset = decode_cursor("ic", after, error=invalid) if after else 0
    page = offset // size + 1
    pages: dict[str, Any] = {"type": "pages", "page": page, "per_page": size}
    if more_after(offset, size):
        pages["next"] = {"page": page + 1, "starting_after": encode_cursor("ic", offset + size)}
    pages["total_pages"] = math.ceil(RECORD_COUNT / size)
    body = {
        "type": "list",
        "data": window(offset, size),
        "total_count": RECORD_COUNT,
        "pages": pages,
    }
    return json_reply(200, body)


def airtable(request: Request, root: str) -> Reply:
    """Airtable's list records: ``records`` of ``{"id", "createdTime", "fields"}``, ``offset``."""
    query = request.query
    size = page_size(query, "pageSize")
    token = query.get("offset")
    invalid = json_reply(422, {"error": {"type": "LIST_RECORDS_ITERATOR_NOT_AVAILABLE"}})
    # Airtable's offsets look like "itr<iterator>/rec<record id>".
    inner = token.removeprefix("itr").split("/", 1)[0] if token else None
    offset = decode_cursor("at", inner, error=invalid) if inner else 0
    if token and not token.startswith("itr"):
        return invalid
    items = [
        {"id": f"rec{offset + i + 1:014d}", "createdTime": "2026-01-01T00:00:00.000Z", "fields": r}
        for i, r in enumerate(window(offset, size))
    ]
    body: dict[str, Any] = {"records": items}
    if more_after(offset, size):
        body["offset"] = f"itr{encode_cursor('at', offset + size)}/{items[-1]['id']}"
    return json_reply(200, body)


_SF_BATCH = 10  # Salesforce's batch is 2,000 records; ten keep the sandbox's pages many


def salesforce(request: Request, root: str) -> Reply:
    """Salesforce's SOQL query: ``records``, ``done``, ``nextRecordsUrl`` (a path)."""
    if not request.query.get("q"):
        return json_reply(
            400, [{"message": "A query string is required", "errorCode": "MALFORMED_QUERY"}]
        )
    return _salesforce_batch(0)


def salesforce_more(request: Request, root: str) -> Reply:
    """``GET /salesforce/query/{locator}``: the batch after the one that named it."""
    locator = request.path.rsplit("/", 1)[-1]
    prefix, _, start = locator.partition("-")
    if prefix != "01gSANDBOX" or not start.isdigit() or int(start) >= RECORD_COUNT:
        return json_reply(
            400, [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]
        )
    return _salesforce_batch(int(start))


def _salesforce_batch(offset: int) -> Reply:
    done = not more_after(offset, _SF_BATCH)
    body: dict[str, Any] = {"totalSize": RECORD_COUNT, "done": done}
    if not done:
        body["nextRecordsUrl"] = f"{STYLES_PATH}/salesforce/query/01gSANDBOX-{offset + _SF_BATCH}"
    body["records"] = window(offset, _SF_BATCH)
    return json_reply(200, body)

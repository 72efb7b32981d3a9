"""Real APIs' ways of paging, and two generic ones, over the same 57 records.

Each endpoint answers with the shape its API documents (see the README's table
and the paths below): where the records sit, how the next page is announced (a
``Link`` header, a URL or a cursor in the body, a last id, a total) and how the
last page says it is the last. Page sizes default to 10 and are cut to 100.
Next-page URLs are absolute and keep the request's other query parameters.

Paths after ``/styles``, and how each announces the next page:

- ``GET /github/items?per_page&page``: ``Link`` rel prev/next/last/first, an ``ETag``
  (``If-None-Match`` with it gets a 304 and no body, as GitHub answers).
- ``GET /huggingface/models?limit&cursor``: ``Link`` rel next only (opaque cursor).
- ``GET /spotify/search?q&type=track&limit&offset``: ``tracks.next`` (a URL or null).
- ``POST /notion/databases/{id}/query`` with ``{"page_size", "start_cursor"}``:
  ``next_cursor`` and ``has_more``; ``GET /notion/users?page_size&start_cursor`` likewise.
- ``GET /slack/users.list?limit&cursor``: ``response_metadata.next_cursor`` ("" at the end).
- ``GET /x/users/{id}/tweets?max_results&pagination_token``: ``meta.next_token``
  (absent at the end).
- ``GET /stripe/customers?limit&starting_after``: ``has_more``; ids ``cus_0001``...
- ``GET /openai/files?limit&after``: ``has_more`` and ``last_id``; ids ``file-0001``...
- ``GET /openai/fine_tuning/jobs?limit&after``: ``has_more`` only (no ``first_id``/``last_id``),
  ids ``ftjob-0001``...; ``starting_after`` is refused as OpenAI refuses unknown arguments.
- ``GET /graph/users?$top&$skiptoken``: ``@odata.nextLink``.
- ``GET /facebook/posts?limit&after``: ``paging.next`` and ``paging.cursors``.
- ``GET /offset/items?offset&limit``: ``offset``, ``limit`` and ``total``.
- ``GET /pages/items?page&per_page``: ``page``, ``per_page`` and ``total`` (no page count).
- ``GET /unknown/items``: ``has_more`` and ``continuation``, always the same first ten
  (a scheme no detection should follow).
- ``POST /graphql`` (GitHub's GraphQL): ``repository { issues(first: N, after: $cursor) }``
  as a Relay connection, ``nodes`` or ``edges { cursor node }``, ``pageInfo``,
  ``totalCount``; mistakes come back as ``{"errors": [...]}`` with status 200.
- ``GET /hal/orders?page&size``: HAL, ``_embedded.orders`` and ``_links.next.href``.
- ``GET /jsonapi/articles?page[number]&page[size]``: JSON:API, ``data`` resources with
  ``attributes``, ``included`` authors, ``links.next`` (absent on the last page).
- ``GET /atlassian/search?startAt&maxResults``: Jira's ``startAt``, ``maxResults``, ``total``.
- ``GET /atlassian/board?startAt&maxResults``: Jira Agile's ``isLast`` (no total).
- ``GET /atlassian/jql?maxResults&nextPageToken``: Jira's ``nextPageToken`` and ``isLast``.
- ``GET /zendesk/tickets?page&per_page``: Zendesk offset pages, ``next_page`` (a URL or null).
- ``GET /zendesk/users?page[size]&page[after]``: Zendesk cursor pages, ``meta.has_more``
  and ``links.next`` (still a URL on the last page, as Zendesk sends it).
- ``GET /intercom/contacts?per_page&starting_after``: ``pages.next.starting_after``.
- ``GET /airtable/v0/{base}/{table}?pageSize&offset``: Airtable's ``offset`` token.
- ``GET /salesforce/query?q``: ``done``, ``totalSize``, ``nextRecordsUrl`` (a path to
  ``/salesforce/query/{locator}``, absent when done).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from typing import Any

from bearerkit.sandbox.dataset import (
    RECORD_COUNT,
    BadRequest,
    decode_cursor,
    encode_cursor,
    integer,
    message_error,
    more_after,
    offset_after,
    page_size,
    records,
    url,
    window,
)
from bearerkit.sandbox.messages import Reply, Request, json_reply

STYLES_PATH = "/styles"

Handler = Callable[[Request, str], Reply]  # (request, the server's own URL)


def handle(request: Request, root: str) -> Reply:
    """Answer an authenticated ``/styles/...`` request; ``root`` is the server's own URL."""
    for method, pattern, handler in _ROUTES:
        if method == request.method and pattern.fullmatch(request.path):
            try:
                return handler(request, root)
            except BadRequest as bad:
                return bad.reply
    return message_error("Not Found", 404)


def github(request: Request, root: str) -> Reply:
    """GitHub REST: a top-level list, pages announced in ``Link`` (prev, next, last, first)."""
    query = request.query
    size = page_size(query, "per_page")
    page = integer(query, "page", default=1, minimum=1)
    last = math.ceil(RECORD_COUNT / size)

    def link(number: int, rel: str) -> str:
        return f'<{url(root, request.path, query, {"page": number})}>; rel="{rel}"'

    links = []
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links.append(link(1, "first"))
    headers = (("Link", ", ".join(links)),) if links else ()
    return with_etag(request, json_reply(200, window((page - 1) * size, size), headers=headers))


def etag_of(body: bytes) -> str:
    """A strong ``ETag`` for a body: the same bytes, the same tag."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(request: Request, etag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``etag`` (or is ``*``)."""
    sent = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in sent.split(",")}
    return "*" in tags or etag in tags


def with_etag(request: Request, reply: Reply) -> Reply:
    """``reply`` with an ``ETag``; a 304 without a body when the client already has it."""
    etag = etag_of(reply.body)
    headers = (*reply.headers, ("ETag", etag))
    if not_modified(request, etag):
        return Reply(304, b"", reply.content_type, headers)
    return Reply(reply.status, reply.body, reply.content_type, headers)


def huggingface(request: Request, root: str) -> Reply:
    """Hugging Face Hub: a top-level list, ``Link: <...&cursor=...>; rel="next"`` only."""
    query = request.query
    size = page_size(query, "limit")
    cursor = query.get("cursor")
    invalid = json_reply(400, {"error": "Invalid cursor"})
    offset = decode_cursor("hf", cursor, error=invalid) if cursor is not None else 0
    headers: tuple[tuple[str, str], ...] = ()
    if more_after(offset, size):
        next_url = url(root, request.path, query, {"cursor": encode_cursor("hf", offset + size)})
        headers = (("Link", f'<{next_url}>; rel="next"'),)
    return json_reply(200, window(offset, size), headers=headers)


def spotify(request: Request, root: str) -> Reply:
    """Spotify search: ``{"tracks": {"items", "next", "previous", "total", ...}}``."""
    query = request.query
    if not query.get("q"):
        raise BadRequest(_spotify_error("No search query"))
    if query.get("type") != "track":
        raise BadRequest(_spotify_error("Unsupported type: this sandbox searches tracks only"))
    size = page_size(query, "limit", error=_spotify_error("Invalid limit"))
    offset = integer(query, "offset", default=0, error=_spotify_error("Invalid offset"))

    def at(start: int) -> str:
        return url(root, request.path, query, {"offset": start, "limit": size})

    tracks = {
        "href": at(offset),
        "items": window(offset, size),
        "limit": size,
        "next": at(offset + size) if more_after(offset, size) else None,
        "offset": offset,
        "previous": at(max(0, offset - size)) if offset > 0 else None,
        "total": RECORD_COUNT,
    }
    return json_reply(200, {"tracks": tracks})


def notion_query(request: Request, root: str) -> Reply:
    """Notion ``POST /databases/{id}/query``: the cursor travels in the JSON body."""
    try:
        body = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(_notion_error("Error parsing JSON body.")) from None
    if not isinstance(body, dict):
        raise BadRequest(_notion_error("body should be an object."))
    size, cursor = body.get("page_size", None), body.get("start_cursor", None)
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise BadRequest(_notion_error("body.page_size should be a positive integer."))
    if cursor is not None and not isinstance(cursor, str):
        raise BadRequest(_notion_error("body.start_cursor should be a string."))
    query = {"page_size": str(size)} if size is not None else {}
    if cursor is not None:
        query["start_cursor"] = cursor
    return _notion_list(query, "page_or_database")


def notion_users(request: Request, root: str) -> Reply:
    """Notion ``GET /users``: the same list shape, the cursor in the query."""
    return _notion_list(request.query, "user")


def _notion_list(query: dict[str, str], kind: str) -> Reply:
    size = page_size(query, "page_size", error=_notion_error("page_size should be an integer."))
    cursor = query.get("start_cursor")
    invalid = _notion_error("start_cursor is not a valid cursor.")
    offset = decode_cursor("notion", cursor, error=invalid) if cursor else 0
    has_more = more_after(offset, size)
    return json_reply(
        200,
        {
            "object": "list",
            "results": window(offset, size),
            "next_cursor": encode_cursor("notion", offset + size) if has_more else None,
            "has_more": has_more,
            "type": kind,
            kind: {},
        },
    )


def slack(request: Request, root: str) -> Reply:
    """Slack ``users.list``: ``response_metadata.next_cursor``, ``""`` on the last page."""
    query = request.query
    # Slack answers every error with HTTP 200 and "ok": false.
    size = page_size(query, "limit", error=json_reply(200, {"ok": False, "error": "invalid_limit"}))
    cursor = query.get("cursor")
    invalid = json_reply(200, {"ok": False, "error": "invalid_cursor"})
    offset = decode_cursor("user", cursor, error=invalid) if cursor else 0
    next_cursor = encode_cursor("user", offset + size) if more_after(offset, size) else ""
    return json_reply(
        200,
        {
            "ok": True,
            "members": window(offset, size),
            "cache_ts": 1_700_000_000,
            "response_metadata": {"next_cursor": next_cursor},
        },
    )


def x_tweets(request: Request, root: str) -> Reply:
    """X API v2 user tweets: ``meta.next_token``, left out on the last page."""
    query = request.query
    size = page_size(query, "max_results", error=_x_error("max_results", "an integer"))
    token = query.get("pagination_token")
    invalid = _x_error("pagination_token", "a token from meta.next_token")
    offset = decode_cursor("x", token, error=invalid) if token else 0
    items = window(offset, size)
    meta: dict[str, Any] = {"result_count": len(items)}
    if items:
        meta.update(newest_id=str(items[-1]["id"]), oldest_id=str(items[0]["id"]))
    if more_after(offset, size):
        meta["next_token"] = encode_cursor("x", offset + size)
    return json_reply(200, {"data": items, "meta": meta} if items else {"meta": meta})


def stripe(request: Request, root: str) -> Reply:
    """Stripe list objects: ``has_more``, the next page ``starting_after`` the last id."""
    query = request.query
    size = page_size(query, "limit", error=_stripe_error("limit", "Invalid integer"))
    after = query.get("starting_after")
    refusal = _stripe_error("starting_after", f"No such customer: '{after}'")
    offset = offset_after(after, "cus_", error=refusal)
    return json_reply(
        200,
        {
            "object": "list",
            "url": "/v1/customers",
            "has_more": more_after(offset, size),
            "data": window(offset, size, "cus_"),
        },
    )


def openai(request: Request, root: str) -> Reply:
    """OpenAI lists: ``has_more`` with ``first_id``/``last_id``; the next page is ``after``."""
    query = request.query
    size = page_size(query, "limit", error=_openai_error("limit", "Invalid limit"))
    after = query.get("after")
    offset = offset_after(
        after, "file-", error=_openai_error("after", f"No such File object: {after}")
    )
    items = window(offset, size, "file-")
    return json_reply(
        200,
        {
            "object": "list",
            "data": items,
            "first_id": items[0]["id"] if items else None,
            "last_id": items[-1]["id"] if items else None,
            "has_more": more_after(offset, size),
        },
    )


def openai_jobs(request: Request, root: str) -> Reply:
    """OpenAI's fine-tuning jobs: ``{"object": "list", "data", "has_more"}``, no ids beside."""
    query = request.query
    if "starting_after" in query:
        return _openai_error(
            "starting_after", "Unrecognized request argument supplied: starting_after"
        )
    size = page_size(query, "limit", error=_openai_error("limit", "Invalid limit"))
    after = query.get("after")
    offset = offset_after(
        after, "ftjob-", error=_openai_error("after", f"No such fine-tuning job: {after}")
    )
    items = [{"object": "fine_tuning.job", **r} for r in window(offset, size, "ftjob-")]
    return json_reply(200, {"object": "list", "data": items, "has_more": more_after(offset, size)})


def graph(request: Request, root: str) -> Reply:
    """Microsoft Graph: ``value`` and ``@odata.nextLink`` (absent on the last page)."""
    query = request.query
    bad = json_reply(400, {"error": {"code": "BadRequest", "message": "Invalid $top or token."}})
    size = page_size(query, "$top", error=bad)
    token = query.get("$skiptoken")
    offset = decode_cursor("graph", token, error=bad) if token else 0
    body: dict[str, Any] = {
        "@odata.context": f"{root}{STYLES_PATH}/graph/$metadata#users",
        "value": window(offset, size),
    }
    if more_after(offset, size):
        changes = {"$top": size, "$skiptoken": encode_cursor("graph", offset + size)}
        body["@odata.nextLink"] = url(root, request.path, query, changes)
    return json_reply(200, body)


def facebook(request: Request, root: str) -> Reply:
    """Facebook Graph: ``data`` with ``paging.cursors`` and ``paging.next`` (a URL)."""
    query = request.query
    bad = json_reply(
        400,
        {"error": {"message": "Invalid cursor or limit.", "type": "OAuthException", "code": 100}},
    )
    size = page_size(query, "limit", error=bad)
    after = query.get("after")
    offset = decode_cursor("fb", after, error=bad) if after else 0
    items = window(offset, size)
    body: dict[str, Any] = {"data": items}
    if items:
        end = encode_cursor("fb", offset + len(items))
        paging: dict[str, Any] = {"cursors": {"before": encode_cursor("fb", offset), "after": end}}
        if more_after(offset, size):
            paging["next"] = url(root, request.path, query, {"limit": size, "after": end})
        body["paging"] = paging
    return json_reply(200, body)


def offset_items(request: Request, root: str) -> Reply:
    """A generic offset/limit API: ``{"items", "total", "offset", "limit"}``."""
    size = page_size(request.query, "limit")
    offset = integer(request.query, "offset", default=0)
    return json_reply(
        200, {"items": window(offset, size), "total": RECORD_COUNT, "offset": offset, "limit": size}
    )


def page_items(request: Request, root: str) -> Reply:
    """Page numbers with a total and a page size, no ``total_pages``."""
    size = page_size(request.query, "per_page")
    page = integer(request.query, "page", default=1, minimum=1)
    return json_reply(
        200,
        {
            "results": window((page - 1) * size, size),
            "page": page,
            "per_page": size,
            "total": RECORD_COUNT,
        },
    )


def unknown(request: Request, root: str) -> Reply:
    """A scheme no detection should follow: always the first ten and ``has_more``."""
    return json_reply(
        200, {"entries": list(records()[:10]), "has_more": True, "continuation": "abc"}
    )


_GQL_ISSUES = re.compile(r"\bissues\s*\(([^)]*)\)")
_GQL_FIRST = re.compile(r"\bfirst\s*:\s*(\$\w+|-?\d+)")
_GQL_AFTER = re.compile(r"\bafter\s*:\s*(\$\w+|\"[^\"]*\"|null)")


def graphql(request: Request, root: str) -> Reply:
    """GitHub's GraphQL: ``repository { issues(first, after) }`` as a Relay connection.

    Only that one connection is served; the query is read for its arguments
    (literal or ``$variables``) and for ``nodes``/``edges``/``totalCount``.
    """
    try:
        body = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, ValueError):
        return _graphql_error("Problems parsing JSON")
    query = body.get("query") if isinstance(body, dict) else None
    variables = body.get("variables") if isinstance(body, dict) else None
    if not isinstance(query, str) or not query.strip():
        return _graphql_error("A query attribute must be specified and must be a string.")
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        return _graphql_error("Variables must be a JSON object")
    call = _GQL_ISSUES.search(query)
    if call is None or "repository" not in query:
        return _graphql_error(
            "This sandbox serves one connection: repository(owner:, name:) "
            "{ issues(first:, after:) { ... } }"
        )
    first = _gql_argument(_GQL_FIRST.search(call.group(1)), variables)
    after = _gql_argument(_GQL_AFTER.search(call.group(1)), variables)
    if first is None:
        return _graphql_error(
            "You must provide a `first` or `last` value to properly paginate the `issues` "
            "connection.",
            path=["repository", "issues"],
        )
    if isinstance(first, bool) or not isinstance(first, int) or not 1 <= first <= 100:
        return _graphql_error(
            "Requesting " + str(first) + " records on the `issues` connection exceeds the "
            "`first` limit of 100 records (or is below 1).",
            path=["repository", "issues"],
        )
    offset = 0
    if after is not None:
        invalid = json_reply(200, {})
        try:
            offset = decode_cursor("gql", str(after), error=invalid)
        except BadRequest:
            return _graphql_error(
                f"`{after}` does not appear to be a valid cursor.",
                path=["repository", "issues"],
                kind="INVALID_CURSOR_ARGUMENTS",
            )
    items = window(offset, first)
    end = encode_cursor("gql", offset + len(items)) if items else None
    issues: dict[str, Any] = {}
    if "totalCount" in query:
        issues["totalCount"] = RECORD_COUNT
    issues["pageInfo"] = {"hasNextPage": more_after(offset, first), "endCursor": end}
    if re.search(r"\bedges\b", query):
        issues["edges"] = [
            {"cursor": encode_cursor("gql", offset + i + 1), "node": item}
            for i, item in enumerate(items)
        ]
    else:
        issues["nodes"] = items
    return json_reply(200, {"data": {"repository": {"issues": issues}}})


def _gql_argument(match: re.Match[str] | None, variables: dict[str, Any]) -> Any:
    if match is None:
        return None
    raw = match.group(1)
    if raw.startswith("$"):
        return variables.get(raw[1:])
    if raw == "null":
        return None
    if raw.startswith('"'):
        return raw[1:-1]
    return int(raw)


def _graphql_error(
    message: str, *, path: list[str] | None = None, kind: str | None = None
) -> Reply:
    error: dict[str, Any] = {"message": message}
    if kind is not None:
        error["type"] = kind
    if path is not None:
        error["path"] = path
    return json_reply(200, {"data": None, "errors": [error]} if path else {"errors": [error]})


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


def _spotify_error(message: str) -> Reply:
    return json_reply(400, {"error": {"status": 400, "message": message}})


def _notion_error(message: str) -> Reply:
    return json_reply(
        400, {"object": "error", "status": 400, "code": "validation_error", "message": message}
    )


def _x_error(parameter: str, expected: str) -> Reply:
    return json_reply(
        400,
        {
            "errors": [
                {"parameters": {parameter: []}, "message": f"{parameter} must be {expected}"}
            ],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )


def _stripe_error(parameter: str, message: str) -> Reply:
    error = {"type": "invalid_request_error", "param": parameter, "message": message}
    return json_reply(400, {"error": error})


def _openai_error(parameter: str, message: str) -> Reply:
    error = {"message": message, "type": "invalid_request_error", "param": parameter, "code": None}
    return json_reply(400, {"error": error})


def _route(method: str, path: str, handler: Handler) -> tuple[str, re.Pattern[str], Handler]:
    return method, re.compile(re.escape(STYLES_PATH) + path), handler


_ROUTES = [
    _route("GET", r"/github/items", github),
    _route("GET", r"/huggingface/models", huggingface),
    _route("GET", r"/spotify/search", spotify),
    _route("POST", r"/notion/databases/[^/]+/query", notion_query),
    _route("GET", r"/notion/users", notion_users),
    _route("GET", r"/slack/users\.list", slack),
    _route("GET", r"/x/users/[^/]+/tweets", x_tweets),
    _route("GET", r"/stripe/customers", stripe),
    _route("GET", r"/openai/files", openai),
    _route("GET", r"/openai/fine_tuning/jobs", openai_jobs),
    _route("GET", r"/graph/users", graph),
    _route("GET", r"/facebook/posts", facebook),
    _route("GET", r"/offset/items", offset_items),
    _route("GET", r"/pages/items", page_items),
    _route("GET", r"/unknown/items", unknown),
    _route("POST", r"/graphql", graphql),
    _route("GET", r"/hal/orders", hal),
    _route("GET", r"/jsonapi/articles", jsonapi),
    _route("GET", r"/atlassian/search", atlassian_search),
    _route("GET", r"/atlassian/board", atlassian_board),
    _route("GET", r"/atlassian/jql", atlassian_jql),
    _route("GET", r"/zendesk/tickets", zendesk_tickets),
    _route("GET", r"/zendesk/users", zendesk_users),
    _route("GET", r"/intercom/contacts", intercom),
    _route("GET", r"/airtable/v0/[^/]+/[^/]+", airtable),
    _route("GET", r"/salesforce/query", salesforce),
    _route("GET", r"/salesforce/query/[^/]+", salesforce_more),
]

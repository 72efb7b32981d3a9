"""The REST styles of GitHub, Hugging Face, Spotify, Notion, Slack, X, Stripe, OpenAI,
Microsoft Graph and Facebook, and two generic ones (offsets, page numbers)."""

from __future__ import annotations

import json
import math
from typing import Any

from bearerkit.sandbox.dataset import (
    RECORD_COUNT,
    BadRequest,
    decode_cursor,
    encode_cursor,
    integer,
    more_after,
    offset_after,
    page_size,
    records,
    url,
    window,
)
from bearerkit.sandbox.messages import Reply, Request, json_reply
from bearerkit.sandbox.styles.common import STYLES_PATH, with_etag


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

"""The sandbox's request and reply values, and TMDB's own status bodies.

Routing code receives a :class:`Request` and returns a :class:`Reply`; only the
HTTP handler touches sockets. Every TMDB status body the sandbox sends is
defined here, with the exact wording TMDB uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

JSON_TYPE = "application/json;charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

# (HTTP status, TMDB status_code, TMDB status_message), worded as TMDB words them.
INVALID_PARAMS = (400, 5, "Invalid parameters: Your request parameters are incorrect.")
INVALID_API_KEY = (401, 7, "Invalid API key: You must be granted a valid key.")
SERVICE_OFFLINE = (503, 9, "Service offline: This service is temporarily offline, try again later.")
INTERNAL_ERROR = (500, 11, "Internal error: Something went wrong, contact TMDB.")
INVALID_PAGE = (
    400,
    22,
    "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer.",
)
BACKEND_TIMEOUT = (504, 24, "Your request to the backend server timed out. Try again.")
NOT_FOUND = (404, 34, "The resource you requested could not be found.")
TOO_MANY_TEMPLATE = "Your request count ({count}) is over the allowed limit of ({limit})."
TOO_MANY_REQUESTS = (429, 25, TOO_MANY_TEMPLATE.format(count="#", limit=40))
VALUE_TOO_LOW = (400, 18, "Value too low: Value must be greater than 0.0.")
VALUE_TOO_HIGH = (400, 18, "Value too high: Value must be less than, or equal to 10.0.")
VALUE_INVALID = (400, 18, "Value invalid: Values must be a multiple of 0.50.")

# Success bodies for writes: (HTTP status, TMDB status_code, status_message).
CREATED = (201, 1, "Success.")
UPDATED = (201, 12, "The item/record was updated successfully.")
DELETED = (200, 13, "The item/record was deleted successfully.")
SUCCESS = (200, 1, "Success.")
LIST_CREATED = (201, 1, "The item/record was created successfully.")

# What ``fail_next(status=...)`` answers when no body is given.
DEFAULT_FAILURES = {
    400: INVALID_PARAMS,
    401: INVALID_API_KEY,
    404: NOT_FOUND,
    429: TOO_MANY_REQUESTS,
    500: INTERNAL_ERROR,
    502: BACKEND_TIMEOUT,
    503: SERVICE_OFFLINE,
    504: BACKEND_TIMEOUT,
}

Action = Literal["send", "reset", "truncate"]


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request, as the routing code sees it.

    ``headers`` has lower-case names; ``query`` keeps the first value of each key.
    """

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Reply:
    """One response to send, or a fault to act out instead (``action``)."""

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    action: Action = "send"


def json_reply(status: int, payload: Any, *, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """Build a JSON reply the way TMDB sends it: compact UTF-8, non-ASCII kept as is."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Reply(status, body, JSON_TYPE, headers)


def status_body(entry: tuple[int, int, str], *, success: bool) -> dict[str, Any]:
    """Return TMDB's ``{"status_code", "status_message", "success"}`` body for an entry."""
    _, code, message = entry
    return {"success": success, "status_code": code, "status_message": message}


def tmdb_error(entry: tuple[int, int, str], *, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """Build TMDB's error reply for one of the entries above."""
    return json_reply(entry[0], status_body(entry, success=False), headers=headers)


def tmdb_success(entry: tuple[int, int, str], **fields: Any) -> Reply:
    """Build TMDB's success reply (``"success": true``) for a write, plus any extra ``fields``."""
    return json_reply(entry[0], {**status_body(entry, success=True), **fields})


def too_many_requests(count: int, limit: str, *, retry_after: int) -> Reply:
    """Build TMDB's 429 (``status_code`` 25) naming the request count and the limit."""
    _, code, _ = TOO_MANY_REQUESTS
    entry = (429, code, TOO_MANY_TEMPLATE.format(count=count, limit=limit))
    return tmdb_error(entry, headers=(("Retry-After", str(retry_after)),))

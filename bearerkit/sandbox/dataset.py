"""The small dataset the paging styles and rate-limit dialects serve, and their helpers.

Fifty-seven records, always in id order, so a test can check that a walk through
any style returns each record once and in order. Each has what real listings have:
a nested ``owner`` object, a ``labels`` list (sometimes empty) and ISO-8601 UTC
timestamps ``created_at`` and ``updated_at``::

    {"id": 1, "name": "Item 01", "rank": 1,
     "owner": {"id": 102, "login": "grace", "name": "Grace Hopper"},
     "labels": ["docs", "question"], "created_at": "2024-01-08T10:07:00Z",
     "updated_at": "2024-01-09T13:07:00Z"}

Styles whose APIs use string ids (Stripe, OpenAI) get them with a prefix:
``cus_0001``, ``file-0001``. Everything is derived from the id: no randomness.

>>> records()[0]["owner"], records("cus_")[56]["id"]
({'id': 102, 'login': 'grace', 'name': 'Grace Hopper'}, 'cus_0057')
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any
from urllib.parse import urlencode

from bearerkit.sandbox.messages import Reply, json_reply

RECORD_COUNT = 57  # not a multiple of any usual page size: the last page is short
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100  # larger requested sizes are cut to this, as GitHub does

_INTEGER = re.compile(r"[0-9]{1,9}")
# Who owns the records: (id, login, name), assigned round-robin by record id.
OWNERS = (
    (101, "ada", "Ada Lovelace"),
    (102, "grace", "Grace Hopper"),
    (103, "alan", "Alan Turing"),
    (104, "katherine", "Katherine Johnson"),
    (105, "edsger", "Edsger Dijkstra"),
)
LABELS = ("bug", "docs", "feature", "question", "design")
FIRST_CREATED = datetime(2024, 1, 3, 9, 0, tzinfo=timezone.utc)
_ISO = "%Y-%m-%dT%H:%M:%SZ"


class BadRequest(ValueError):
    """A query value the endpoint refuses; ``reply`` is the answer to send."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def message_error(message: str, status: int = 400) -> Reply:
    """The generic error body of the styles that have none of their own: ``{"message"}``."""
    return json_reply(status, {"message": message})


@cache
def records(id_prefix: str | None = None) -> tuple[dict[str, Any], ...]:
    """The 57 records in id order; ``id_prefix`` turns ids into strings (``cus_0001``)."""
    return tuple(
        _record(i, i if id_prefix is None else f"{id_prefix}{i:04d}")
        for i in range(1, RECORD_COUNT + 1)
    )


def _record(i: int, record_id: int | str) -> dict[str, Any]:
    """Record number ``i`` (1-based): every field follows from ``i``."""
    owner_id, login, name = OWNERS[i % len(OWNERS)]
    # Every 7th record has no label; the others one or two, in a fixed order.
    labels = [] if i % 7 == 0 else sorted({LABELS[i % 5], LABELS[(i * 3) % 5]})
    created = FIRST_CREATED + timedelta(days=5 * i, hours=i % 24, minutes=7 * i % 60)
    updated = created + timedelta(days=i % 11, hours=3)
    return {
        "id": record_id,
        "name": f"Item {i:02d}",
        "rank": i,
        "owner": {"id": owner_id, "login": login, "name": name},
        "labels": labels,
        "created_at": created.strftime(_ISO),
        "updated_at": updated.strftime(_ISO),
    }


def integer(
    query: dict[str, str], name: str, *, default: int, minimum: int = 0, error: Reply | None = None
) -> int:
    """Read a non-negative integer parameter; refuse anything else with ``error`` (a 400)."""
    raw = query.get(name)
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw) or int(raw) < minimum:
        raise BadRequest(error or message_error(f"{name} must be an integer >= {minimum}"))
    return int(raw)


def page_size(query: dict[str, str], name: str, *, error: Reply | None = None) -> int:
    """Read a page-size parameter: default 10, at least 1, cut to 100."""
    size = integer(query, name, default=DEFAULT_PAGE_SIZE, minimum=1, error=error)
    return min(size, MAX_PAGE_SIZE)


def window(offset: int, size: int, id_prefix: str | None = None) -> list[dict[str, Any]]:
    """The records from ``offset`` (0-based), at most ``size`` of them."""
    return list(records(id_prefix)[offset : offset + size])


def more_after(offset: int, size: int) -> bool:
    """Whether records remain after the window ``[offset, offset + size)``."""
    return offset + size < RECORD_COUNT


def url(root: str, path: str, query: dict[str, str], changes: dict[str, object]) -> str:
    """An absolute URL to ``path`` with the request's query, ``changes`` applied.

    ``$`` stays literal, as in Microsoft Graph's ``$top`` and ``$skiptoken``.
    """
    merged = {**query, **changes}
    return f"{root}{path}?{urlencode(merged, safe='$')}" if merged else f"{root}{path}"


def encode_cursor(kind: str, offset: int) -> str:
    """An opaque cursor for ``offset``; ``kind`` keeps one style's cursors out of another."""
    return base64.urlsafe_b64encode(f"{kind}:{offset}".encode()).decode("ascii").rstrip("=")


def decode_cursor(kind: str, cursor: str, *, error: Reply) -> int:
    """The offset inside a cursor from :func:`encode_cursor`; refuse others with ``error``."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest(error) from None
    label, _, offset = text.partition(":")
    if label != kind or not _INTEGER.fullmatch(offset) or int(offset) > RECORD_COUNT:
        raise BadRequest(error)
    return int(offset)


def index_of(record_id: str, id_prefix: str) -> int | None:
    """The 0-based position of a string id such as ``cus_0010``, or ``None`` if unknown."""
    number = record_id.removeprefix(id_prefix)
    if record_id == number or not re.fullmatch(r"[0-9]{4}", number):
        return None
    position = int(number) - 1
    return position if 0 <= position < RECORD_COUNT else None


def offset_after(record_id: str | None, id_prefix: str, *, error: Reply) -> int:
    """The offset just past the record ``record_id`` (0 for ``None``); refuse an unknown id."""
    if record_id is None:
        return 0
    position = index_of(record_id, id_prefix)
    if position is None:
        raise BadRequest(error)
    return position + 1

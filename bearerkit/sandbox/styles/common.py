"""What every ``/styles`` answer shares: the path prefix, the handler type, ETags."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from bearerkit.sandbox.messages import Reply, Request

STYLES_PATH = "/styles"

Handler = Callable[[Request, str], Reply]  # (request, the server's own URL)


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

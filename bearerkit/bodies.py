"""Reading an answer's body: decompressed here, streamed, with a size limit that holds.

requests would inflate a gzip or deflate body whole (255 KB on the wire can become
256 MB in memory) and take one cut after its header for an empty body (so ``get()``
returned ``None``). The client's adapter reads every body with :func:`read_body`
instead: chunk by chunk, decompressed with ``zlib`` up to ``max_body`` bytes, and a
stream that ends before its last block is an error, never a shorter answer.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

import requests
import urllib3.exceptions as u3
from urllib3.response import BaseHTTPResponse

__all__ = ["CHUNK", "DEFAULT_MAX_BODY", "BodyTooLarge", "DamagedBody", "read_body"]

DEFAULT_MAX_BODY = 256 * 1024 * 1024  # bytes after decompression; no JSON page is near it
CHUNK = 64 * 1024  # bytes read from the socket at a time

# urllib3's failures while reading, as requests' iter_content maps them (so the
# client's table in responses.py sees the requests exception it knows).
_READ_ERRORS: tuple[tuple[type[BaseException], type[requests.RequestException]], ...] = (
    (u3.ProtocolError, requests.exceptions.ChunkedEncodingError),
    (u3.DecodeError, requests.exceptions.ContentDecodingError),
    (u3.ReadTimeoutError, requests.exceptions.ConnectionError),
    (u3.SSLError, requests.exceptions.SSLError),
)


class BodyTooLarge(Exception):
    """The body grew past ``limit`` bytes (after decompression when ``compressed``)."""

    def __init__(self, limit: int, *, compressed: bool) -> None:
        super().__init__(limit)
        self.limit = limit
        self.compressed = compressed


class DamagedBody(Exception):
    """A body in ``coding`` that does not decompress: ``why`` says how."""

    def __init__(self, coding: str, why: str) -> None:
        super().__init__(coding, why)
        self.coding = coding
        self.why = why


def read_body(response: requests.Response, *, limit: int) -> None:
    """Read ``response``'s whole body into ``response.content``, decompressed, at most ``limit`` bytes.

    Raises:
        BodyTooLarge: the (decompressed) body is larger than ``limit``.
        DamagedBody: a gzip/deflate body that is cut short or not in that format.
        requests.RequestException: the connection failed while reading.
    """
    raw = response.raw
    codings = [
        c.strip().lower()
        for c in (response.headers.get("Content-Encoding") or "").split(",")
        if c.strip() and c.strip().lower() != "identity"
    ]
    try:
        if not isinstance(raw, BaseHTTPResponse):
            # vcrpy's stand-in while recording: it hands over the body urllib3 already
            # decoded, under the server's Content-Encoding header. The limit still holds.
            content = _joined(raw.stream(CHUNK, decode_content=True), limit, compressed=True)
        elif not codings:
            declared = response.headers.get("Content-Length") or ""
            if declared.strip().isdigit() and int(declared) > limit:
                raise BodyTooLarge(limit, compressed=False)  # no need to read it to know
            content = _joined(raw.stream(CHUNK, decode_content=False), limit, compressed=False)
        elif codings in (["gzip"], ["x-gzip"], ["deflate"]):
            content = _inflate(raw.stream(CHUNK, decode_content=False), codings[0], limit)
        else:  # br, zstd, several codings: urllib3 decodes them, the limit still holds
            content = _joined(raw.stream(CHUNK, decode_content=True), limit, compressed=True)
    except (BodyTooLarge, DamagedBody):
        response.close()  # the rest of the body is not wanted: drop the connection
        raise
    except tuple(u3_error for u3_error, _ in _READ_ERRORS) as exc:
        mapped = next(ours for theirs, ours in _READ_ERRORS if isinstance(exc, theirs))
        raise mapped(exc) from exc
    response._content = content  # what requests' .content would have read, already here
    response._content_consumed = True  # type: ignore[attr-defined]
    raw.release_conn()


def _joined(chunks: Iterable[bytes], limit: int, *, compressed: bool) -> bytes:
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit, compressed=compressed)
        parts.append(chunk)
    return b"".join(parts)


def _inflate(chunks: Iterator[bytes], coding: str, limit: int) -> bytes:
    """Decompress a gzip or deflate stream, never holding more than ``limit + 1`` bytes of it."""
    gzip = coding != "deflate"
    wbits = 16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    parts: list[bytes] = []
    size = 0
    got_input = started = new_member = ignoring = False
    for chunk in chunks:
        got_input = got_input or bool(chunk)
        data = b"" if ignoring else chunk
        while data:
            if inflater.eof:
                if not gzip or not data.strip(b"\0"):
                    break  # padding after the stream (urllib3 ignores it too)
                inflater, new_member = zlib.decompressobj(wbits), True  # another gzip member
            try:
                piece = inflater.decompress(data, limit + 1 - size)
            except zlib.error:
                if not gzip and not started:
                    # "deflate" from a server that sends it raw, without the zlib header
                    inflater, started = zlib.decompressobj(-zlib.MAX_WBITS), True
                    continue
                if new_member:  # bytes after a whole gzip stream: ignored, as urllib3 does
                    ignoring = True
                    break
                raise DamagedBody(coding, "is not valid compressed data") from None
            started, new_member = True, False
            size += len(piece)
            if size > limit:
                raise BodyTooLarge(limit, compressed=True)
            parts.append(piece)
            data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
    if got_input and not (inflater.eof or ignoring):
        raise DamagedBody(coding, "ends before its last block (the answer was cut short)")
    return b"".join(parts)

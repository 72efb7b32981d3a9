"""One recorded interaction as vcrpy keeps it: origins swapped, lengths fixed, damage
found, and the words for how a missed request differs from the closest recorded one."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..redact import mask_url, scrub

__all__ = [
    "as_list",
    "closest",
    "damage",
    "fix_length",
    "origin_of",
    "path_and_query",
    "replace_text",
]


def origin_of(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def replace_text(response: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """``response`` (vcrpy's dict) with ``old`` replaced by ``new`` in headers and body."""
    if not old or old == new:
        return response
    headers = response.get("headers") or {}
    for name in list(headers):
        values = as_list(headers[name])
        if any(old in str(v) for v in values):
            headers[name] = [str(v).replace(old, new) for v in values]
    body = response.get("body") or {}
    raw = body.get("string")
    if isinstance(raw, bytes) and old.encode() in raw:
        body["string"] = raw.replace(old.encode(), new.encode())
        fix_length(headers, body["string"])
    elif isinstance(raw, str) and old in raw:
        body["string"] = raw.replace(old, new)
        fix_length(headers, body["string"])
    return response


def fix_length(headers: dict[str, Any], body: bytes | str) -> None:
    # A body that shrank or grew with a stale Content-Length would be cut short on replay.
    for name in list(headers):
        if name.lower() == "content-length":
            headers[name] = [str(len(body.encode("utf-8") if isinstance(body, str) else body))]


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def closest(mine: Any, stored: list[Any], secrets: frozenset[str]) -> str:
    """`` The closest recorded request is ...: ... differs.`` for a miss, masked."""
    if not stored:
        return " The cassette holds no requests."
    weighed = [(_differences(mine, other, secrets), other) for other in stored]
    diffs, other = min(weighed, key=lambda pair: sum(w for w, _ in pair[0]))
    said = "; ".join(text for _, text in diffs[:4]) or "only in parts not matched on"
    return (
        f" The closest recorded request is {other.method} "
        f"{_show(path_and_query(other.uri), secrets)}: {said}."
    )


def path_and_query(uri: str) -> str:
    parts = urlsplit(uri)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _show(value: object, secrets: frozenset[str], limit: int = 60) -> str:
    text = scrub(mask_url(str(value)) if "://" in str(value) else str(value), secrets)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _differences(mine: Any, other: Any, secrets: frozenset[str]) -> list[tuple[int, str]]:
    """(weight, words) for each part of ``mine`` that differs from the recorded ``other``."""
    found: list[tuple[int, str]] = []

    def differ(weight: int, what: str, here: object, there: object) -> None:
        here_text = "absent" if here is None else _show(here, secrets)
        there_text = "absent" if there is None else _show(there, secrets)
        found.append((weight, f"{what} is {here_text} here, {there_text} in the cassette"))

    if mine.method != other.method:
        differ(10, "the method", mine.method, other.method)
    a, b = urlsplit(mine.uri), urlsplit(other.uri)
    if a.path != b.path:
        differ(10, "the path", a.path, b.path)
    qa = dict(parse_qsl(a.query, keep_blank_values=True))
    qb = dict(parse_qsl(b.query, keep_blank_values=True))
    for name in sorted(set(qa) | set(qb)):
        if qa.get(name) != qb.get(name):
            differ(1, f"the query parameter {_show(name, secrets)}", qa.get(name), qb.get(name))
    body_a, body_b = _body_data(mine.body), _body_data(other.body)
    if body_a != body_b:
        if isinstance(body_a, dict) and isinstance(body_b, dict):
            for name in sorted(set(body_a) | set(body_b), key=str):
                if body_a.get(name) != body_b.get(name):
                    differ(
                        1,
                        f"the body field {_show(name, secrets)}",
                        body_a.get(name),
                        body_b.get(name),
                    )
        else:
            differ(2, "the body", body_a, body_b)
    return found


def _body_data(body: Any) -> Any:
    """A request body for comparison: decoded JSON when it is JSON, else text."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, TypeError, RecursionError):
        return body


def damage(data: list[Any]) -> str | None:
    """What is wrong with a loaded cassette's interactions, or ``None`` if they can replay."""
    for number, (_, response) in enumerate(data, 1):
        status = response.get("status") if isinstance(response, dict) else None
        code = status.get("code") if isinstance(status, dict) else None
        body = response.get("body") if isinstance(response, dict) else None
        headers = response.get("headers", {}) if isinstance(response, dict) else None
        if not isinstance(code, int) or isinstance(code, bool) or not 100 <= code <= 599:
            return f"interaction {number} has no valid status code"
        if not isinstance(body, dict) or not isinstance(body.get("string"), (bytes, str)):
            return f"interaction {number} has no response body"
        if headers is not None and not isinstance(headers, dict):
            return f"interaction {number} has unreadable headers"
    return None

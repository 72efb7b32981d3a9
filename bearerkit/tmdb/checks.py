"""Shape checks on TMDB's answers, before anything indexes into them.

Each raises :class:`~bearerkit.ResponseFormatError` naming the endpoint, what
came back (a few words and a short excerpt) and what TMDB's shape is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import ResponseFormatError
from ..redact import snippet

__all__ = ["checked_genres", "checked_records"]


def checked_genres(body: object, endpoint: str) -> list[dict[str, Any]]:
    """``body["genres"]`` as ``[{"id": int, "name": str}, ...]``, or ResponseFormatError."""
    expected = "a JSON object with a 'genres' list of {'id': int, 'name': str} records"
    genres = body.get("genres") if isinstance(body, Mapping) else None
    if not isinstance(genres, list):
        raise ResponseFormatError(f"{endpoint} answered {_what(body)}; expected {expected}.")
    for genre in genres:
        if not (
            isinstance(genre, Mapping)
            and _is_int(genre.get("id"))
            and isinstance(genre.get("name"), str)
        ):
            raise ResponseFormatError(
                f"{endpoint} answered a genre without an integer 'id' and a 'name': "
                f"{_excerpt(genre)}; expected {expected}."
            )
    return [{"id": int(g["id"]), "name": g["name"]} for g in genres]


def checked_records(records: object, endpoint: str) -> list[dict[str, Any]]:
    """``records`` if each is an object whose ``genre_ids`` (if any) are ints; else ResponseFormatError."""
    expected = "pages of the form {'results': [{...}, ...], 'total_pages': int}"
    if not isinstance(records, list):
        raise ResponseFormatError(f"{endpoint} answered {_what(records)}; expected {expected}.")
    for record in records:
        if not isinstance(record, Mapping):
            raise ResponseFormatError(
                f"{endpoint} answered a result that is {_what(record)}; expected {expected}."
            )
        ids = record.get("genre_ids", [])
        if not (isinstance(ids, list) and all(_is_int(i) for i in ids)):
            raise ResponseFormatError(
                f"{endpoint} answered a result whose 'genre_ids' is {_excerpt(ids)}; "
                "expected a list of integer genre ids."
            )
    return records  # checked above: a list of mappings


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _what(value: object) -> str:
    """A few words for an unexpected JSON value: "an empty body", "a JSON list", ..."""
    if value == "":
        return "an empty body"
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        keys = ", ".join(map(str, list(value)[:8]))
        return f"an object with keys {keys}" if keys else "an empty object"
    kinds = {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return f"{kinds.get(type(value), type(value).__name__)} ({_excerpt(value)})"


def _excerpt(value: object) -> str:
    return snippet(json.dumps(value, ensure_ascii=False, default=str), limit=80)

"""TMDB v4 lists under ``/4``: the one place TMDB takes a PUT. Kept in memory per sandbox.

=========================================  ===========================================
request                                    answer
=========================================  ===========================================
``POST /4/list`` {name, iso_639_1, ...}    201, ``status_code`` 1 and the new ``id``
``GET /4/list/{id}?page=N``                the list, items paged in ``results`` (20)
``PUT /4/list/{id}`` {name, description,   201, ``status_code`` 12
public, sort_by}
``POST /4/list/{id}/items`` {items}        200, one ``success`` per item
``PUT /4/list/{id}/items`` {items}         200, sets each item's ``comment``
``DELETE /4/list/{id}/items`` {items}      200, one ``success`` per item
``GET /4/list/{id}/clear``                 200, ``items_deleted``
``DELETE /4/list/{id}``                    200, ``status_code`` 13; then 404 (34)
=========================================  ===========================================

Items are ``{"media_type": "movie" | "tv", "media_id": N}`` and resolve to the
sandbox catalogue; an unknown title, or one already in (or not in) the list,
gets ``"success": false`` in its own result while the others go through.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bearerkit.sandbox import catalogue, listing
from bearerkit.sandbox.messages import (
    DELETED,
    INVALID_PARAMS,
    LIST_CREATED,
    NOT_FOUND,
    SUCCESS,
    UPDATED,
    Reply,
    Request,
    json_reply,
    tmdb_error,
    tmdb_success,
)
from bearerkit.tmdb_kinds import KINDS

V4_PATH = "/4"
FIRST_LIST_ID = 8_300_001  # the size of ids TMDB hands out to new lists today
SORT_BY = tuple(
    f"{name}.{order}"
    for name in ("original_order", "vote_average", "primary_release_date", "title")
    for order in ("asc", "desc")
)
DEFAULT_SORT = "original_order.asc"

MediaKey = tuple[str, int]  # ("movie", 550)


class _Invalid(ValueError):
    """The request body is not what the endpoint takes (TMDB's 400, status_code 5)."""


@dataclass
class UserList:
    """One list: its settings and its items in the order they were added."""

    id: int
    name: str
    iso_639_1: str
    description: str = ""
    public: bool = True
    sort_by: str = DEFAULT_SORT
    items: dict[MediaKey, str | None] = field(default_factory=dict)  # item -> comment

    def body(self, page: int) -> dict[str, Any]:
        """``GET /4/list/{id}``'s answer for one page of items."""
        records = [{**_record(key), "media_type": key[0]} for key in self._sorted()]
        comments = {f"{kind}:{media_id}": note for (kind, media_id), note in self.items.items()}
        return {
            "average_rating": 0.0,
            "backdrop_path": None,
            "comments": comments,
            "description": self.description,
            "id": self.id,
            "iso_3166_1": "US",
            "iso_639_1": self.iso_639_1,
            "item_count": len(self.items),
            "name": self.name,
            "poster_path": None,
            "public": self.public,
            "revenue": 0,
            "runtime": 0,
            "sort_by": self.sort_by,
            **listing.page_of(records, page),
        }

    def _sorted(self) -> list[MediaKey]:
        name, _, order = self.sort_by.rpartition(".")
        keys = list(self.items)
        if name == "original_order":
            return keys[::-1] if order == "desc" else keys

        def value(key: MediaKey) -> Any:
            fields, record = KINDS[key[0]], _record(key)
            if name == "title":
                return record[fields.title].casefold()
            if name == "primary_release_date":
                return record[fields.date]
            return record["vote_average"]

        return sorted(keys, key=value, reverse=order == "desc")  # stable: ties keep their order

    # The items endpoints' changes, one item at a time; False is that item's "success": false.

    def add(self, key: MediaKey, item: dict[str, Any]) -> bool:
        """Add a catalogue title that is not in the list yet."""
        if key in self.items or _lookup(key) is None:
            return False
        self.items[key] = None
        return True

    def comment(self, key: MediaKey, item: dict[str, Any]) -> bool:
        """Set the ``comment`` of a title already in the list."""
        note = item.get("comment")
        if key not in self.items or not isinstance(note, str):
            return False
        self.items[key] = note
        return True

    def remove(self, key: MediaKey, item: dict[str, Any]) -> bool:
        """Take a title out of the list."""
        return self.items.pop(key, False) is not False


class ListStore:
    """Every list of one sandbox, and the routes that read and change them; thread-safe."""

    def __init__(self) -> None:
        self._lists: dict[int, UserList] = {}
        self._ids = itertools.count(FIRST_LIST_ID)
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Reply:
        """Answer an authenticated ``/4/...`` request."""
        for method, pattern, handler in _ROUTES:
            match = pattern.fullmatch(request.path)
            if match is None or method != request.method:
                continue
            try:
                with self._lock:
                    return handler(self, request, match)
            except _Invalid:
                return tmdb_error(INVALID_PARAMS)
            except listing.BadQuery as bad:
                return tmdb_error(bad.entry)
        return tmdb_error(NOT_FOUND)

    def create(self, request: Request, match: re.Match[str]) -> Reply:
        """``POST /4/list``."""
        body = _object(request.body)
        name, language = body.get("name"), body.get("iso_639_1")
        if not isinstance(name, str) or not name.strip():
            raise _Invalid
        if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2}", language):
            raise _Invalid
        created = UserList(next(self._ids), name, language)
        _apply(created, body, ("description", "public"))
        self._lists[created.id] = created
        return tmdb_success(LIST_CREATED, id=created.id)

    def read(self, request: Request, match: re.Match[str]) -> Reply:
        """``GET /4/list/{id}?page=N``."""
        found = self._lists.get(int(match[1]))
        if found is None:
            return tmdb_error(NOT_FOUND)
        return json_reply(200, found.body(listing.parse_page(request.query.get("page"))))

    def update(self, request: Request, match: re.Match[str]) -> Reply:
        """``PUT /4/list/{id}``: any of name, description, public, sort_by."""
        found = self._lists.get(int(match[1]))
        if found is None:
            return tmdb_error(NOT_FOUND)
        _apply(found, _object(request.body), ("name", "description", "public", "sort_by"))
        return tmdb_success(UPDATED)

    def delete(self, request: Request, match: re.Match[str]) -> Reply:
        """``DELETE /4/list/{id}``."""
        if self._lists.pop(int(match[1]), None) is None:
            return tmdb_error(NOT_FOUND)
        return tmdb_success(DELETED)

    def clear(self, request: Request, match: re.Match[str]) -> Reply:
        """``GET /4/list/{id}/clear``: remove every item."""
        found = self._lists.get(int(match[1]))
        if found is None:
            return tmdb_error(NOT_FOUND)
        removed = len(found.items)
        found.items.clear()
        return tmdb_success(SUCCESS, id=found.id, items_deleted=removed)

    def add_items(self, request: Request, match: re.Match[str]) -> Reply:
        """``POST /4/list/{id}/items``: unknown titles and ones already there fail alone."""
        return self._each_item(request, match, UserList.add)

    def comment_items(self, request: Request, match: re.Match[str]) -> Reply:
        """``PUT /4/list/{id}/items``: set the ``comment`` of items already in the list."""
        return self._each_item(request, match, UserList.comment)

    def remove_items(self, request: Request, match: re.Match[str]) -> Reply:
        """``DELETE /4/list/{id}/items``: items not in the list fail alone."""
        return self._each_item(request, match, UserList.remove)

    def _each_item(
        self,
        request: Request,
        match: re.Match[str],
        change: Callable[[UserList, MediaKey, dict[str, Any]], bool],
    ) -> Reply:
        found = self._lists.get(int(match[1]))
        if found is None:
            return tmdb_error(NOT_FOUND)
        items = _object(request.body).get("items")
        if not isinstance(items, list) or not items:
            raise _Invalid
        keys = [_media_key(item) for item in items]  # all checked before any change
        results = [
            {"media_type": key[0], "media_id": key[1], "success": change(found, key, item)}
            for key, item in zip(keys, items, strict=True)
        ]
        return tmdb_success(SUCCESS, results=results)


_LIST = r"/4/list/([0-9]{1,9})"
_ROUTES: list[tuple[str, re.Pattern[str], Callable[[ListStore, Request, re.Match[str]], Reply]]] = [
    ("POST", re.compile(r"/4/list"), ListStore.create),
    ("GET", re.compile(_LIST), ListStore.read),
    ("PUT", re.compile(_LIST), ListStore.update),
    ("DELETE", re.compile(_LIST), ListStore.delete),
    ("GET", re.compile(_LIST + "/clear"), ListStore.clear),
    ("POST", re.compile(_LIST + "/items"), ListStore.add_items),
    ("PUT", re.compile(_LIST + "/items"), ListStore.comment_items),
    ("DELETE", re.compile(_LIST + "/items"), ListStore.remove_items),
]


def _object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        raise _Invalid from None
    if not isinstance(body, dict):
        raise _Invalid
    return body


# What each settable list field accepts.
_FIELD_CHECKS: dict[str, Callable[[Any], bool]] = {
    "name": lambda v: isinstance(v, str) and bool(v.strip()),
    "description": lambda v: isinstance(v, str),
    "public": lambda v: isinstance(v, bool),
    "sort_by": lambda v: v in SORT_BY,
}


def _apply(target: UserList, body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Copy the ``allowed`` fields present in ``body``, refusing a wrong type or value."""
    changes = {name: body[name] for name in allowed if name in body}
    if not all(_FIELD_CHECKS[name](value) for name, value in changes.items()):
        raise _Invalid
    for name, value in changes.items():
        setattr(target, name, value)


def _media_key(item: Any) -> MediaKey:
    if not isinstance(item, dict):
        raise _Invalid
    kind, media_id = item.get("media_type"), item.get("media_id")
    if kind not in KINDS or isinstance(media_id, bool) or not isinstance(media_id, int):
        raise _Invalid
    return str(kind), media_id


def _lookup(key: MediaKey) -> dict[str, Any] | None:
    by_id = catalogue.movies_by_id() if key[0] == "movie" else catalogue.tv_by_id()
    return by_id.get(key[1])


def _record(key: MediaKey) -> dict[str, Any]:
    record = _lookup(key)
    assert record is not None  # only catalogue titles are ever added
    return record

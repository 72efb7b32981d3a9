"""TMDB v4 lists in the sandbox (``/4/list``): the round trip, with TMDB's bodies and statuses."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from bearerkit import sandbox
from bearerkit.sandbox import catalogue

from ..conftest import INVALID_KEY, INVALID_PARAMS, NOT_FOUND
from .conftest import CANARY


def send(
    http: requests.Session,
    sb: sandbox.Sandbox,
    method: str,
    path: str,
    body: Any = None,
    **params: Any,
) -> tuple[int, Any]:
    response = http.request(
        method, f"{sb.v4_url}{path}", json=body, params=params or None, timeout=10
    )
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    return response.status_code, response.json()


def new_list(http: requests.Session, sb: sandbox.Sandbox, **fields: Any) -> int:
    status, body = send(http, sb, "POST", "/list", {"name": "Watch", "iso_639_1": "en", **fields})
    assert status == 201, body
    return int(body["id"])


def movie_ids(count: int) -> list[int]:
    return [record["id"] for record in catalogue.movies()[:count]]


def items(*pairs: tuple[str, int]) -> dict[str, Any]:
    return {"items": [{"media_type": kind, "media_id": media_id} for kind, media_id in pairs]}


def test_round_trip(http: requests.Session, sb: sandbox.Sandbox) -> None:
    status, created = send(
        http, sb, "POST", "/list", {"name": "Weekend", "iso_639_1": "en", "public": False}
    )
    assert status == 201
    list_id = created.pop("id")
    assert created == {
        "status_message": "The item/record was created successfully.",
        "success": True,
        "status_code": 1,
    }
    assert isinstance(list_id, int)

    status, updated = send(
        http, sb, "PUT", f"/list/{list_id}", {"name": "Renamed", "description": "for Sunday"}
    )
    assert (status, updated) == (
        201,
        {
            "status_message": "The item/record was updated successfully.",
            "success": True,
            "status_code": 12,
        },
    )

    movie, show = movie_ids(1)[0], catalogue.tv_shows()[0]["id"]
    status, added = send(
        http, sb, "POST", f"/list/{list_id}/items", items(("movie", movie), ("tv", show))
    )
    assert status == 200
    assert added == {
        "status_message": "Success.",
        "success": True,
        "status_code": 1,
        "results": [
            {"media_type": "movie", "media_id": movie, "success": True},
            {"media_type": "tv", "media_id": show, "success": True},
        ],
    }

    status, read = send(http, sb, "GET", f"/list/{list_id}")
    assert status == 200
    assert (read["id"], read["name"], read["description"], read["public"]) == (
        list_id,
        "Renamed",
        "for Sunday",
        False,
    )
    assert (read["page"], read["total_pages"], read["total_results"]) == (1, 1, 2)
    assert [(r["media_type"], r["id"]) for r in read["results"]] == [("movie", movie), ("tv", show)]
    assert read["results"][0]["title"] == catalogue.movies_by_id()[movie]["title"]
    assert read["results"][1]["name"] == catalogue.tv_shows()[0]["name"]

    status, removed = send(http, sb, "DELETE", f"/list/{list_id}/items", items(("movie", movie)))
    assert (status, removed["results"]) == (
        200,
        [{"media_type": "movie", "media_id": movie, "success": True}],
    )
    assert send(http, sb, "GET", f"/list/{list_id}")[1]["total_results"] == 1

    status, deleted = send(http, sb, "DELETE", f"/list/{list_id}")
    assert (status, deleted) == (
        200,
        {
            "status_message": "The item/record was deleted successfully.",
            "success": True,
            "status_code": 13,
        },
    )
    assert send(http, sb, "GET", f"/list/{list_id}") == (404, NOT_FOUND)
    assert send(http, sb, "DELETE", f"/list/{list_id}") == (404, NOT_FOUND)


def test_each_item_succeeds_or_fails_alone(http: requests.Session, sb: sandbox.Sandbox) -> None:
    list_id = new_list(http, sb)
    movie = movie_ids(1)[0]
    unknown = 10  # the catalogue's ids start at 11
    _, added = send(
        http,
        sb,
        "POST",
        f"/list/{list_id}/items",
        items(("movie", movie), ("movie", unknown), ("movie", movie)),
    )
    assert [r["success"] for r in added["results"]] == [True, False, False]  # unknown, duplicate
    _, removed = send(
        http, sb, "DELETE", f"/list/{list_id}/items", items(("tv", movie), ("movie", movie))
    )
    assert [r["success"] for r in removed["results"]] == [False, True]


def test_items_are_paged_20_at_a_time(http: requests.Session, sb: sandbox.Sandbox) -> None:
    list_id = new_list(http, sb)
    ids = movie_ids(45)
    send(http, sb, "POST", f"/list/{list_id}/items", items(*(("movie", i) for i in ids)))
    pages = [send(http, sb, "GET", f"/list/{list_id}", page=n)[1] for n in (1, 2, 3)]
    assert [len(p["results"]) for p in pages] == [20, 20, 5]
    assert all((p["total_pages"], p["total_results"]) == (3, 45) for p in pages)
    assert [r["id"] for p in pages for r in p["results"]] == ids
    assert send(http, sb, "GET", f"/list/{list_id}", page=0)[0] == 400


def test_sort_by_orders_the_items(http: requests.Session, sb: sandbox.Sandbox) -> None:
    list_id = new_list(http, sb)
    ids = movie_ids(8)
    send(http, sb, "POST", f"/list/{list_id}/items", items(*(("movie", i) for i in ids)))
    send(http, sb, "PUT", f"/list/{list_id}", {"sort_by": "title.asc"})
    read = send(http, sb, "GET", f"/list/{list_id}")[1]
    titles = [r["title"] for r in read["results"]]
    assert read["sort_by"] == "title.asc"
    assert titles == sorted(titles, key=str.casefold)
    send(http, sb, "PUT", f"/list/{list_id}", {"sort_by": "original_order.desc"})
    assert [r["id"] for r in send(http, sb, "GET", f"/list/{list_id}")[1]["results"]] == ids[::-1]


def test_clear_empties_the_list(http: requests.Session, sb: sandbox.Sandbox) -> None:
    list_id = new_list(http, sb)
    send(http, sb, "POST", f"/list/{list_id}/items", items(*(("movie", i) for i in movie_ids(3))))
    status, body = send(http, sb, "GET", f"/list/{list_id}/clear")
    assert status == 200
    assert (body["success"], body["status_code"], body["items_deleted"], body["id"]) == (
        True,
        1,
        3,
        list_id,
    )
    assert send(http, sb, "GET", f"/list/{list_id}")[1]["total_results"] == 0


def test_comments_on_items(http: requests.Session, sb: sandbox.Sandbox) -> None:
    list_id = new_list(http, sb)
    movie = movie_ids(1)[0]
    send(http, sb, "POST", f"/list/{list_id}/items", items(("movie", movie)))
    body = {"items": [{"media_type": "movie", "media_id": movie, "comment": "with popcorn"}]}
    status, answer = send(http, sb, "PUT", f"/list/{list_id}/items", body)
    assert (status, answer["results"][0]["success"]) == (200, True)
    assert send(http, sb, "GET", f"/list/{list_id}")[1]["comments"] == {
        f"movie:{movie}": "with popcorn"
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/list", {"iso_639_1": "en"}),  # no name
        ("POST", "/list", {"name": "x"}),  # no language
        ("POST", "/list", {"name": "x", "iso_639_1": "en", "public": "yes"}),
        ("POST", "/list", ["name"]),
        ("PUT", "/list/{id}", {"sort_by": "random"}),
        ("PUT", "/list/{id}", {"name": ""}),
        ("POST", "/list/{id}/items", {"items": []}),
        ("POST", "/list/{id}/items", {"items": [{"media_type": "person", "media_id": 1}]}),
        ("POST", "/list/{id}/items", {"items": [{"media_type": "movie", "media_id": "11"}]}),
    ],
)
def test_bad_bodies_are_invalid_parameters(
    http: requests.Session, sb: sandbox.Sandbox, method: str, path: str, body: Any
) -> None:
    list_id = new_list(http, sb)
    assert send(http, sb, method, path.format(id=list_id), body) == (400, INVALID_PARAMS)
    assert send(http, sb, "GET", f"/list/{list_id}")[1]["name"] == "Watch"  # nothing changed


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/list/1"),
        ("PUT", "/list/1"),
        ("GET", "/list/1/clear"),
        ("POST", "/list/1/items"),
        ("GET", "/list"),
        ("GET", "/list/abc"),
        ("GET", "/account/1/lists"),
    ],
)
def test_unknown_lists_and_paths_are_404(
    http: requests.Session, sb: sandbox.Sandbox, method: str, path: str
) -> None:
    assert send(http, sb, method, path, items(("movie", 11))) == (404, NOT_FOUND)


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {CANARY}"])
def test_a_wrong_token_gets_tmdb_401(sb: sandbox.Sandbox, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = requests.post(
        f"{sb.v4_url}/list", json={"name": "x", "iso_639_1": "en"}, headers=headers, timeout=10
    )
    assert (response.status_code, response.json()) == (401, INVALID_KEY)


def test_lists_live_per_sandbox(http: requests.Session, sb: sandbox.Sandbox) -> None:
    list_id = new_list(http, sb)
    with sandbox.start(token=CANARY) as other:
        assert send(http, other, "GET", f"/list/{list_id}") == (404, NOT_FOUND)

"""The sandbox's paging styles (``/styles``), walked over real HTTP with plain ``requests``.

Each style is walked by a few lines written here, the way that API's own
documentation says to walk it, so the test checks the shapes, not bearerkit.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from bearerkit import sandbox
from bearerkit.sandbox.dataset import records as dataset_records

from .conftest import CANARY

# The dataset's records: id, name and rank, plus nested and dated fields (test_dataset.py).
EXPECTED = [dict(record) for record in dataset_records()]
LINK = re.compile(r'<([^>]+)>; rel="([a-z]+)"')


def links(response: requests.Response) -> dict[str, str]:
    """``rel`` -> URL from a ``Link`` header; checks that nothing else is in it."""
    header = response.headers.get("Link", "")
    found = LINK.findall(header)
    assert ", ".join(f'<{u}>; rel="{rel}"' for u, rel in found) == header
    return {rel: u for u, rel in found}


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def get_json(http: requests.Session, url: str, **params: Any) -> Any:
    response = http.get(url, params=params or None, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


# --- one walker per style: (records in order, requests made) ----------------------------

Walk = Callable[[requests.Session, str, int], tuple[list[dict[str, Any]], int]]


def walk_github(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    url: str | None = f"{base}/github/items?per_page={size}"
    records, calls = [], 0
    while url:
        response = http.get(url, timeout=10)
        records += response.json()
        calls += 1
        url = links(response).get("next")
    return records, calls


def walk_huggingface(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    url: str | None = f"{base}/huggingface/models?limit={size}"
    records, calls = [], 0
    while url:
        response = http.get(url, timeout=10)
        records += response.json()
        calls += 1
        found = links(response)
        assert set(found) <= {"next"}
        url = found.get("next")
    return records, calls


def walk_spotify(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    url: str | None = f"{base}/spotify/search?q=x&type=track&limit={size}"
    records, calls = [], 0
    while url:
        tracks = get_json(http, url)["tracks"]
        records += tracks["items"]
        calls += 1
        url = tracks["next"]
    return records, calls


def walk_notion_query(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    body: dict[str, Any] = {"page_size": size}
    records, calls = [], 0
    while True:
        response = http.post(f"{base}/notion/databases/db-1/query", json=body, timeout=10)
        page = response.json()
        records += page["results"]
        calls += 1
        if not page["has_more"]:
            assert page["next_cursor"] is None
            return records, calls
        body["start_cursor"] = page["next_cursor"]


def walk_notion_users(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    params: dict[str, Any] = {"page_size": size}
    records, calls = [], 0
    while True:
        page = get_json(http, f"{base}/notion/users", **params)
        records += page["results"]
        calls += 1
        if not page["has_more"]:
            return records, calls
        params["start_cursor"] = page["next_cursor"]


def walk_slack(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    params: dict[str, Any] = {"limit": size}
    records, calls = [], 0
    while True:
        page = get_json(http, f"{base}/slack/users.list", **params)
        assert page["ok"] is True
        records += page["members"]
        calls += 1
        cursor = page["response_metadata"]["next_cursor"]
        if cursor == "":
            return records, calls
        params["cursor"] = cursor


def walk_x(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    params: dict[str, Any] = {"max_results": size}
    records, calls = [], 0
    while True:
        page = get_json(http, f"{base}/x/users/2244994945/tweets", **params)
        records += page["data"]
        calls += 1
        assert page["meta"]["result_count"] == len(page["data"])
        if "next_token" not in page["meta"]:
            return records, calls
        params["pagination_token"] = page["meta"]["next_token"]


def walk_stripe(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    params: dict[str, Any] = {"limit": size}
    records, calls = [], 0
    while True:
        page = get_json(http, f"{base}/stripe/customers", **params)
        assert (page["object"], page["url"]) == ("list", "/v1/customers")
        records += page["data"]
        calls += 1
        if not page["has_more"]:
            return records, calls
        params["starting_after"] = page["data"][-1]["id"]


def walk_openai(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    params: dict[str, Any] = {"limit": size}
    records, calls = [], 0
    while True:
        page = get_json(http, f"{base}/openai/files", **params)
        assert (page["first_id"], page["last_id"]) == (
            page["data"][0]["id"],
            page["data"][-1]["id"],
        )
        records += page["data"]
        calls += 1
        if not page["has_more"]:
            return records, calls
        params["after"] = page["last_id"]


def walk_graph(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    url: str | None = f"{base}/graph/users?$top={size}"
    records, calls = [], 0
    while url:
        page = get_json(http, url)
        records += page["value"]
        calls += 1
        url = page.get("@odata.nextLink")
    return records, calls


def walk_facebook(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    url: str | None = f"{base}/facebook/posts?limit={size}"
    records, calls = [], 0
    while url:
        page = get_json(http, url)
        records += page["data"]
        calls += 1
        url = page["paging"].get("next")
    return records, calls


def walk_offset(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    records, calls, offset = [], 0, 0
    while True:
        page = get_json(http, f"{base}/offset/items", offset=offset, limit=size)
        assert (page["offset"], page["limit"], page["total"]) == (offset, size, 57)
        records += page["items"]
        calls += 1
        offset += size
        if offset >= page["total"]:
            return records, calls


def walk_pages(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    records, calls, number = [], 0, 1
    while True:
        page = get_json(http, f"{base}/pages/items", page=number, per_page=size)
        assert (page["page"], page["per_page"], page["total"]) == (number, size, 57)
        assert "total_pages" not in page
        records += page["results"]
        calls += 1
        if number * size >= page["total"]:
            return records, calls
        number += 1


WALKS: dict[str, tuple[Walk, str | None]] = {
    "github": (walk_github, None),
    "huggingface": (walk_huggingface, None),
    "spotify": (walk_spotify, None),
    "notion-query": (walk_notion_query, None),
    "notion-users": (walk_notion_users, None),
    "slack": (walk_slack, None),
    "x": (walk_x, None),
    "stripe": (walk_stripe, "cus_"),
    "openai": (walk_openai, "file-"),
    "graph": (walk_graph, None),
    "facebook": (walk_facebook, None),
    "offset": (walk_offset, None),
    "pages": (walk_pages, None),
}


def expected(prefix: str | None) -> list[dict[str, Any]]:
    if prefix is None:
        return EXPECTED
    return [{**record, "id": f"{prefix}{record['id']:04d}"} for record in EXPECTED]


@pytest.mark.parametrize("style", WALKS)
@pytest.mark.parametrize(("size", "pages"), [(10, 6), (20, 3), (57, 1), (7, 9)])
def test_each_style_walks_all_57_records_in_order(
    http: requests.Session, sb: sandbox.Sandbox, style: str, size: int, pages: int
) -> None:
    walk, prefix = WALKS[style]
    records, calls = walk(http, sb.styles_url, size)
    assert records == expected(prefix)
    assert calls == pages


@pytest.mark.parametrize("style", ["github", "slack", "offset", "pages", "stripe"])
def test_page_size_defaults_to_10(http: requests.Session, sb: sandbox.Sandbox, style: str) -> None:
    path = {"github": "github/items", "slack": "slack/users.list", "offset": "offset/items"}
    path |= {"pages": "pages/items", "stripe": "stripe/customers"}
    body = get_json(http, f"{sb.styles_url}/{path[style]}")
    found = (
        body if isinstance(body, list) else next(v for v in body.values() if isinstance(v, list))
    )
    assert [r["rank"] for r in found] == list(range(1, 11))


def test_page_sizes_over_100_are_cut_to_100(http: requests.Session, sb: sandbox.Sandbox) -> None:
    body = get_json(http, f"{sb.styles_url}/offset/items", limit=500)
    assert (body["limit"], len(body["items"])) == (100, 57)


@pytest.mark.parametrize(
    "path",
    [
        "github/items?per_page=0",
        "github/items?page=x",
        "offset/items?offset=-1",
        "huggingface/models?cursor=not-a-cursor",
        "stripe/customers?starting_after=cus_9999",
        "openai/files?after=file-abc",
        "graph/users?$skiptoken=%25%25",
        "x/users/1/tweets?pagination_token=bm90aW9uOjU",  # a Notion cursor is not X's
        "spotify/search?type=track",
        "spotify/search?q=x&type=album",
    ],
)
def test_bad_paging_parameters_get_a_400(
    http: requests.Session, sb: sandbox.Sandbox, path: str
) -> None:
    response = http.get(f"{sb.styles_url}/{path}", timeout=10)
    assert response.status_code == 400
    assert isinstance(response.json(), dict)


def test_slack_refuses_a_bad_cursor_the_slack_way(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    body = get_json(http, f"{sb.styles_url}/slack/users.list", cursor="garbage")
    assert body == {"ok": False, "error": "invalid_cursor"}


def test_notion_query_refuses_a_body_that_is_not_an_object(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    response = http.post(f"{sb.styles_url}/notion/databases/d/query", data=b"[1]", timeout=10)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_notion_query_takes_post_only(http: requests.Session, sb: sandbox.Sandbox) -> None:
    assert http.get(f"{sb.styles_url}/notion/databases/d/query", timeout=10).status_code == 404


# --- Link headers ----------------------------------------------------------------------


def test_github_link_header_on_a_middle_page(http: requests.Session, sb: sandbox.Sandbox) -> None:
    response = http.get(f"{sb.styles_url}/github/items?per_page=10&page=3&state=open", timeout=10)
    assert [rel for _, rel in LINK.findall(response.headers["Link"])] == [
        "prev",
        "next",
        "last",
        "first",
    ]
    found = links(response)
    for rel, page in {"prev": "2", "next": "4", "last": "6", "first": "1"}.items():
        assert found[rel].startswith(f"{sb.styles_url}/github/items?")
        assert query_of(found[rel]) == {"per_page": "10", "page": page, "state": "open"}


def test_github_first_and_last_pages_link_only_forward_and_back(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    first = http.get(f"{sb.styles_url}/github/items?per_page=10", timeout=10)
    assert set(links(first)) == {"next", "last"}
    last = http.get(f"{sb.styles_url}/github/items?per_page=10&page=6", timeout=10)
    assert set(links(last)) == {"prev", "first"}
    assert [r["id"] for r in last.json()] == list(range(51, 58))


def test_one_page_of_everything_has_no_link_header(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    response = http.get(f"{sb.styles_url}/github/items?per_page=100", timeout=10)
    assert "Link" not in response.headers
    assert len(response.json()) == 57


def test_next_urls_are_absolute_and_keep_other_parameters(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    spotify = get_json(http, f"{sb.styles_url}/spotify/search?q=abba&type=track&market=SE")
    assert query_of(spotify["tracks"]["next"])["market"] == "SE"
    assert spotify["tracks"]["previous"] is None
    graph = get_json(http, f"{sb.styles_url}/graph/users?$top=5&$select=id")
    assert graph["@odata.nextLink"].startswith(f"{sb.styles_url}/graph/users?$top=5&$select=id&")
    hf = http.get(f"{sb.styles_url}/huggingface/models?limit=5&search=bert", timeout=10)
    assert query_of(links(hf)["next"])["search"] == "bert"


def test_the_unknown_style_always_says_there_is_more(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    for params in ({}, {"continuation": "abc"}, {"page": "2"}):
        body = get_json(http, f"{sb.styles_url}/unknown/items", **params)
        assert body == {"entries": EXPECTED[:10], "has_more": True, "continuation": "abc"}


# --- auth and latency --------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {CANARY}"])
def test_styles_want_the_sandbox_token(sb: sandbox.Sandbox, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = requests.get(f"{sb.styles_url}/stripe/customers", headers=headers, timeout=10)
    assert response.status_code == 401
    assert CANARY not in response.text


def test_unknown_style_paths_are_404(http: requests.Session, sb: sandbox.Sandbox) -> None:
    assert http.get(f"{sb.styles_url}/gitlab/items", timeout=10).status_code == 404


def test_latency_delays_styles_and_overlaps_for_concurrent_clients() -> None:
    with sandbox.start(token=CANARY) as server:
        server.set_latency(0.3)
        assert server.latency == 0.3
        durations: list[float] = []

        def one() -> None:
            started = time.perf_counter()
            response = requests.get(
                f"{server.styles_url}/offset/items",
                headers={"Authorization": f"Bearer {CANARY}"},
                timeout=10,
            )
            assert response.status_code == 200
            durations.append(time.perf_counter() - started)

        started = time.perf_counter()
        threads = [threading.Thread(target=one) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        total = time.perf_counter() - started
    assert len(durations) == 4 and min(durations) >= 0.3
    assert total < 1.0  # four 0.3 s answers side by side, not one after another (1.2 s)


# --- issue 21: more styles, each walked as its API's documentation says ------------------

RECORDS = list(dataset_records())


def walk_next(
    http: requests.Session,
    url: str | None,
    records_at: Callable[[Any], list[Any]],
    link: Callable[[Any], Any],
) -> tuple[list[Any], int]:
    """Follow a next link found in each body until there is none."""
    records: list[Any] = []
    calls = 0
    while url:
        body = get_json(http, url)
        records += records_at(body)
        calls += 1
        url = link(body)
    return records, calls


def walk_cursor(
    http: requests.Session,
    url: str,
    records_at: Callable[[Any], list[Any]],
    cursor: Callable[[Any], Any],
    param: str,
) -> tuple[list[Any], int]:
    """Send each body's cursor back in ``param`` until there is none."""
    records: list[Any] = []
    calls = 0
    token = None
    while True:
        body = get_json(http, url, **({param: token} if token else {}))
        records += records_at(body)
        calls += 1
        token = cursor(body)
        if not token:
            return records, calls


def gql_walk(http: requests.Session, base: str, size: int) -> tuple[list[Any], int]:
    query = (
        'query($after: String) { repository(owner: "o", name: "r") { issues(first: '
        f"{size}, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ id }} }} }} }}"
    )
    records: list[Any] = []
    variables: dict[str, Any] = {}
    calls = 0
    while True:
        response = http.post(
            f"{base}/graphql", json={"query": query, "variables": variables}, timeout=10
        )
        issues = response.json()["data"]["repository"]["issues"]
        records += issues["nodes"]
        calls += 1
        if not issues["pageInfo"]["hasNextPage"]:
            return records, calls
        variables = {"after": issues["pageInfo"]["endCursor"]}


MORE_WALKS: dict[str, Callable[[requests.Session, str, int], tuple[list[Any], int]]] = {
    "graphql": gql_walk,
    "hal": lambda h, b, n: walk_next(
        h,
        f"{b}/hal/orders?size={n}",
        lambda x: x["_embedded"]["orders"],
        lambda x: x["_links"].get("next", {}).get("href"),
    ),
    "jsonapi": lambda h, b, n: walk_next(
        h,
        f"{b}/jsonapi/articles?page[size]={n}",
        lambda x: [r["attributes"] for r in x["data"]],
        lambda x: x["links"].get("next"),
    ),
    "atlassian-search": lambda h, b, n: walk_next(
        h,
        f"{b}/atlassian/search?maxResults={n}",
        lambda x: x["issues"],
        lambda x: (
            f"{b}/atlassian/search?maxResults={n}&startAt={x['startAt'] + n}"
            if x["startAt"] + n < x["total"]
            else None
        ),
    ),
    "atlassian-board": lambda h, b, n: walk_next(
        h,
        f"{b}/atlassian/board?maxResults={n}",
        lambda x: x["values"],
        lambda x: (
            None
            if x["isLast"]
            else f"{b}/atlassian/board?maxResults={n}&startAt={x['startAt'] + n}"
        ),
    ),
    "atlassian-jql": lambda h, b, n: walk_cursor(
        h,
        f"{b}/atlassian/jql?maxResults={n}",
        lambda x: x["issues"],
        lambda x: None if x["isLast"] else x["nextPageToken"],
        "nextPageToken",
    ),
    "zendesk-tickets": lambda h, b, n: walk_next(
        h, f"{b}/zendesk/tickets?per_page={n}", lambda x: x["tickets"], lambda x: x["next_page"]
    ),
    "zendesk-users": lambda h, b, n: walk_next(
        h,
        f"{b}/zendesk/users?page[size]={n}",
        lambda x: x["users"],
        lambda x: x["links"]["next"] if x["meta"]["has_more"] else None,
    ),
    "intercom": lambda h, b, n: walk_cursor(
        h,
        f"{b}/intercom/contacts?per_page={n}",
        lambda x: x["data"],
        lambda x: x["pages"].get("next", {}).get("starting_after"),
        "starting_after",
    ),
    "airtable": lambda h, b, n: walk_cursor(
        h,
        f"{b}/airtable/v0/appX/tblY?pageSize={n}",
        lambda x: [r["fields"] for r in x["records"]],
        lambda x: x.get("offset"),
        "offset",
    ),
}


@pytest.mark.parametrize("style", MORE_WALKS)
@pytest.mark.parametrize(("size", "pages"), [(10, 6), (57, 1), (7, 9)])
def test_issue_21_styles_walk_all_57_records_in_order(
    http: requests.Session, sb: sandbox.Sandbox, style: str, size: int, pages: int
) -> None:
    records, calls = MORE_WALKS[style](http, sb.styles_url, size)
    assert [r["id"] for r in records] == [r["id"] for r in RECORDS]
    assert calls == pages


def test_salesforce_follows_next_records_url_until_done(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    origin = sb.styles_url.rsplit("/styles", 1)[0]
    body = get_json(http, f"{sb.styles_url}/salesforce/query", q="SELECT Id FROM Item")
    records, calls = body["records"], 1
    while not body["done"]:
        assert body["nextRecordsUrl"].startswith("/styles/salesforce/query/")
        body = get_json(http, origin + body["nextRecordsUrl"])
        records += body["records"]
        calls += 1
    assert "nextRecordsUrl" not in body and body["totalSize"] == 57
    assert [r["id"] for r in records] == [r["id"] for r in RECORDS] and calls == 6


def test_jsonapi_includes_authors_and_drops_next_on_the_last_page(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    last = get_json(http, f"{sb.styles_url}/jsonapi/articles", **{"page[number]": 6})
    assert "next" not in last["links"]
    assert {p["type"] for p in last["included"]} == {"people"}
    related = {r["relationships"]["author"]["data"]["id"] for r in last["data"]}
    assert related == {p["id"] for p in last["included"]}


def test_graphql_mistakes_answer_200_with_errors(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    query = 'query { repository(owner: "o", name: "r") { issues(first: 5, after: "nope") { nodes { id } } } }'
    response = http.post(f"{sb.styles_url}/graphql", json={"query": query}, timeout=10)
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert "not appear to be a valid cursor" in error["message"]
    assert error["type"] == "INVALID_CURSOR_ARGUMENTS"


@pytest.mark.parametrize("path", ["github/items?page=2", None])
def test_github_style_answers_carry_an_etag_and_a_304_without_a_body(
    http: requests.Session, sb: sandbox.Sandbox, path: str | None
) -> None:
    url = f"{sb.styles_url}/{path}" if path else f"{sb.ratelimit_url}/github/100/3600/items?page=2"
    first = http.get(url, timeout=10)
    etag = first.headers["ETag"]
    again = http.get(url, headers={"If-None-Match": etag}, timeout=10)
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", etag)
    assert "Content-Length" not in again.headers  # a 304 says nothing of a body it has not
    changed = http.get(url.replace("page=2", "page=3"), headers={"If-None-Match": etag}, timeout=10)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_github_dialect_does_not_count_304s_against_the_budget(
    http: requests.Session, sb: sandbox.Sandbox
) -> None:
    url = f"{sb.ratelimit_url}/github/5/3600/items"
    etag = http.get(url, timeout=10).headers["ETag"]
    remaining = []
    for _ in range(8):  # more than the budget of 5
        answer = http.get(url, headers={"If-None-Match": etag}, timeout=10)
        assert answer.status_code == 304
        remaining.append(answer.headers["X-RateLimit-Remaining"])
    assert remaining == ["4"] * 8
    assert http.get(url, timeout=10).headers["X-RateLimit-Remaining"] == "3"

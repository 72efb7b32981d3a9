"""Client.paginate end to end, against the sandbox's paging styles and scriptable loopback servers.

Every style: all 57 records in order, with no paginator given. Then the promises:
concurrency where the plan is known, no token to another host, TMDB through the
sandbox. Never silently partial: test_partial.py; resume: test_resume.py; the
progress bar: test_progress.py.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

import bearerkit as bk
from bearerkit import sandbox
from bearerkit.sandbox import dataset

from .conftest import CANARY, PLANNED, RECORDS, SEQUENTIAL, STYLES, Hit, InFlight, PageServer, run

# --- every style, detected --------------------------------------------------------------


@pytest.mark.parametrize("name", list(STYLES))
def test_auto_gets_every_record_in_order(api: bk.Client, name: str) -> None:
    frame = run(api, name)
    assert frame["id"].tolist() == STYLES[name][5]
    assert frame["name"].tolist() == [r["name"] for r in RECORDS]
    info = frame.attrs["paging"]
    assert info["style"] == STYLES[name][6]
    assert info["pages"] == 6 and info["records"] == 57 and info["complete"] is True
    assert info["stopped"] and "resume" not in info


@pytest.mark.parametrize("name", list(STYLES))
def test_explicit_paginator_gets_the_same(api: bk.Client, name: str) -> None:
    assert run(api, name, explicit=True)["id"].tolist() == STYLES[name][5]


def test_paginate_records_returns_the_dicts(api: bk.Client) -> None:
    served = api.paginate_records("slack/users.list", progress=False)
    assert served == list(dataset.records())  # the sandbox's records, nested fields and all
    assert [{k: r[k] for k in ("id", "name", "rank")} for r in served] == RECORDS


def test_notion_post_sends_the_cursor_in_the_body(page_server: Any) -> None:
    def notion(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        start = int((hit.body or {}).get("start_cursor") or 0)
        more = start + 2 < 6
        rows = [{"id": i} for i in range(start + 1, start + 3)]
        return (
            200,
            {},
            {"results": rows, "next_cursor": str(start + 2) if more else None, "has_more": more},
        )

    server = page_server(notion)
    with bk.Client(server.url, CANARY) as api:
        frame = api.paginate("q", method="POST", json={"page_size": 2}, progress=False)
    assert frame["id"].tolist() == [1, 2, 3, 4, 5, 6]
    assert [h.body for h in server.hits] == [
        {"page_size": 2},
        {"page_size": 2, "start_cursor": "2"},
        {"page_size": 2, "start_cursor": "4"},
    ]
    assert all(h.method == "POST" and h.query == {} for h in server.hits)


# --- speed: concurrent where the plan is known, one round trip a page otherwise -----------


@pytest.mark.parametrize("name", PLANNED)
def test_planned_styles_fetch_concurrently(api: bk.Client, sb: sandbox.Sandbox, name: str) -> None:
    sb.set_latency(0.05)
    spy = InFlight(api)
    frame = run(api, name, workers=4)
    assert len(frame) == 57
    assert spy.calls == 6  # one request per page, nothing repeated
    assert spy.peak >= 2  # round trips overlapped: fewer than one per page


@pytest.mark.parametrize("name", SEQUENTIAL)
def test_sequential_styles_send_one_request_per_page(
    api: bk.Client, sb: sandbox.Sandbox, name: str
) -> None:
    latency = 0.03
    sb.set_latency(latency)
    spy = InFlight(api)
    started = time.perf_counter()
    frame = run(api, name)
    elapsed = time.perf_counter() - started
    assert len(frame) == 57
    assert spy.calls == 6 and spy.peak == 1
    assert elapsed >= 6 * latency  # a lower bound only: the machine may be busy


# --- the token stays with its API ---------------------------------------------------------


def link_to(target: str) -> Any:
    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        return 200, {"Link": f'<{target}>; rel="next"'}, [{"id": 1}]

    return route


@pytest.mark.parametrize("style", ["link", "body"])
def test_a_next_link_to_another_host_never_gets_the_token(page_server: Any, style: str) -> None:
    other = page_server(lambda hit, server: (200, {}, [{"id": 99}]))
    target = f"{other.url}/steal?page=2"
    if style == "link":
        api_server = page_server(link_to(target))
    else:
        api_server = page_server(
            lambda hit, server: (200, {}, {"results": [{"id": 1}], "next": target})
        )
    with bk.Client(api_server.url, CANARY) as api, pytest.raises(bk.PagingError) as info:
        api.paginate("items", progress=False)
    assert other.hits == []
    assert "another host" in str(info.value) or "not this client's API" in str(info.value)
    assert CANARY not in str(info.value)
    assert info.value.partial["id"].tolist() == [1]  # after the first page: partial kept


def test_a_next_link_to_another_scheme_is_refused_before_sending(page_server: Any) -> None:
    api_server = page_server(lambda hit, server: (200, {}, []))
    target = api_server.url.replace("http://", "https://") + "/items?page=2"
    api_server.route = link_to(target)
    with bk.Client(api_server.url, CANARY) as api, pytest.raises(bk.PagingError, match="scheme"):
        api.paginate("items", progress=False)
    assert len(api_server.hits) == 1


@pytest.mark.parametrize(
    "link",
    [
        "/other/items?page=2",
        # dot segments cannot lead out of base_url either
        "/api/../admin/x?page=2",
        "/api/./../admin/x?page=2",
        "/api/%2e%2e/admin/x?page=2",
    ],
)
def test_a_next_link_outside_base_url_is_refused(page_server: Any, link: str) -> None:
    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        return 200, {"Link": f'<{server.url}{link}>; rel="next"'}, [{"id": 1}]

    api_server = page_server(route)
    with (
        bk.Client(api_server.url + "/api", CANARY) as api,
        pytest.raises(bk.PagingError, match="outside this client's base_url"),
    ):
        api.paginate("items", progress=False)
    assert [h.path for h in api_server.hits] == ["/api/items"]


def test_a_same_origin_link_spelled_differently_is_followed(page_server: Any) -> None:
    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        page = int(hit.query.get("page", 1))
        port = server.url.rsplit(":", 1)[1]
        link = f'<HTTP://127.0.0.1:{port}/api/items?page={page + 1}>; rel="next"'
        return 200, {"Link": link} if page < 3 else {}, [{"id": page}]

    api_server = page_server(route)
    with bk.Client(api_server.url + "/api/", CANARY) as api:
        frame = api.paginate("items", progress=False)
    assert frame["id"].tolist() == [1, 2, 3]
    assert all(h.authorization == f"Bearer {CANARY}" for h in api_server.hits)


def test_a_cursor_that_repeats_is_an_error_not_a_loop(page_server: Any) -> None:
    server = page_server(
        lambda hit, s: (
            200,
            {},
            {"data": [{"id": 1}], "meta": {"result_count": 1, "next_token": "same"}},
        )
    )
    with (
        bk.Client(server.url, CANARY) as api,
        pytest.raises(bk.PagingError, match="same next page"),
    ):
        api.paginate("tweets", progress=False)
    assert len(server.hits) == 2


# --- TMDB through the sandbox's /3 API ----------------------------------------------------------


@pytest.fixture
def tmdb_api(sb: sandbox.Sandbox) -> Any:
    sb.set_latency(0)
    with bk.Client(sb.url, CANARY) as client:
        yield client


def test_tmdb_concurrent_pages_equal_a_sequential_fetch(tmdb_api: bk.Client) -> None:
    sequential = [
        r for n in range(1, 9) for r in tmdb_api.get("discover/movie", {"page": n})["results"]
    ]
    with pytest.warns(UserWarning):
        frame = tmdb_api.paginate("discover/movie", max_pages=8, workers=4, progress=False)
        records = tmdb_api.paginate_records(
            "discover/movie", max_pages=8, workers=1, progress=False
        )
    assert frame["id"].tolist() == [r["id"] for r in sequential]
    assert records == sequential


def test_tmdb_params_pass_through_and_page_is_set(tmdb_api: bk.Client) -> None:
    with pytest.warns(UserWarning):
        frame = tmdb_api.paginate(
            "discover/movie", {"sort_by": "vote_average.desc"}, max_pages=2, progress=False
        )
    votes = frame["vote_average"].tolist()
    assert len(votes) == 40 and votes == sorted(votes, reverse=True)


def test_tmdb_stops_at_total_pages(tmdb_api: bk.Client) -> None:
    first = tmdb_api.get("discover/tv", {"first_air_date_year": 2001})
    frame = tmdb_api.paginate("discover/tv", {"first_air_date_year": 2001}, progress=False)
    assert len(frame) == first["total_results"]
    assert frame.attrs["paging"]["pages"] == first["total_pages"] == math.ceil(len(frame) / 20)


def test_tmdb_error_on_the_first_page_has_no_partial(sb: sandbox.Sandbox) -> None:
    with bk.Client(sb.url, CANARY, retries=0) as c, pytest.raises(bk.ApiError) as info:
        c.paginate("discover/movie", {"sort_by": "nonsense.desc"}, max_pages=3, progress=False)
    assert info.value.status_code == 400 and info.value.partial is None


def test_rate_limiter_paces_the_whole_client_without_429() -> None:
    rate, pages = 20.0, 8
    with (
        sandbox.start(rate_limit=rate) as sb,
        bk.Client(sb.url, sb.token, rate_limit=rate, retries=0) as c,
        pytest.warns(UserWarning),
    ):
        started = time.monotonic()
        frame = c.paginate("discover/movie", max_pages=pages, workers=8, progress=False)
        elapsed = time.monotonic() - started
        statuses = [r.status for r in sb.request_log]
    assert len(frame) == pages * 20
    assert elapsed >= (pages - 1) / rate - 0.01
    assert 429 not in statuses


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("github/items", "github/items"),
        ("/notion/databases/d9824bdc-8445-4327-be8b-5b47500af6ce/query", "notion/…/query"),
        ("/", "pages"),
    ],
)
def test_progress_label_keeps_a_long_path_readable(path: str, label: str) -> None:
    from bearerkit.paging.fetch import _label

    assert _label(path) == label


# --- limits that hold (issue 19, items 14-21) ---------------------------------------------------


@pytest.mark.parametrize("bad", [2.5, "2", 0, -1, True])
def test_a_bad_max_pages_is_refused_before_anything_is_sent(page_server: Any, bad: Any) -> None:
    server = page_server(lambda hit, s: (200, {}, {"results": [{"id": 1}], "total_pages": 3}))
    with bk.Client(server.url, CANARY) as api, pytest.raises(ValueError, match="max_pages") as info:
        api.paginate("items", max_pages=bad, progress=False)
    assert "whole number of at least 1" in str(info.value)
    assert server.hits == []


def test_an_absolute_next_link_with_harmless_dot_segments_is_followed(page_server: Any) -> None:
    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        page = int(hit.query.get("page", 1))
        link = f'<{server.url}/api/x/../items?page={page + 1}>; rel="next"'
        return 200, {"Link": link} if page < 2 else {}, [{"id": page}]

    api_server = page_server(route)
    with bk.Client(api_server.url + "/api", CANARY) as api:
        assert api.paginate("items", progress=False)["id"].tolist() == [1, 2]
    assert [h.path for h in api_server.hits] == ["/api/items", "/api/items"]


def _billion(kind: str) -> Any:
    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        page = int(hit.query.get("page", 1))
        records = [{"id": page * 10 + i} for i in range(2)]
        if kind == "total_pages":
            return 200, {}, {"page": page, "results": records, "total_pages": 1_000_000_000}
        nxt = f'<{server.url}/items?page={page + 1}>; rel="next"'
        last = f'<{server.url}/items?page=1000000000>; rel="last"'
        return 200, {"Link": f"{nxt}, {last}"}, records

    return route


@pytest.mark.parametrize("kind", ["total_pages", "link_last"])
def test_a_billion_page_plan_with_max_pages_2_sends_two_requests(
    page_server: Any, kind: str
) -> None:
    import pickle

    server = page_server(_billion(kind))
    with bk.Client(server.url, CANARY) as api:
        with pytest.warns(UserWarning, match="max_pages=2"):
            frame = api.paginate("items", max_pages=2, progress=False)
        assert frame["id"].tolist() == [10, 11, 20, 21]
        assert len(server.hits) == 2
        info = frame.attrs["paging"]
        assert info["complete"] is False and info["total_pages"] == 1_000_000_000
        # The resume point holds the rest lazily: it pickles, and resume goes on from page 3.
        restored = pickle.loads(pickle.dumps(frame))
        with pytest.warns(UserWarning, match="max_pages=3"):
            more = api.paginate("items", max_pages=3, progress=False, resume=restored)
        assert more["id"].tolist()[-2:] == [30, 31]
        assert [h.query.get("page") for h in server.hits][2:] == ["3"]


def test_get_df_on_a_billion_page_listing_warns_without_building_the_plan(
    page_server: Any,
) -> None:
    server = page_server(_billion("total_pages"))
    with (
        bk.Client(server.url, CANARY) as api,
        pytest.warns(UserWarning, match="999999999 more pages"),
    ):
        api.get_df("items")


def test_a_billion_page_listing_under_a_page_cap_stops_at_the_cap(page_server: Any) -> None:
    server = page_server(_billion("total_pages"))
    with (
        bk.Client(server.url, CANARY, page_cap=3) as api,
        pytest.warns(UserWarning, match="page cap"),
    ):
        frame = api.paginate("items", progress=False)
    assert len(frame) == 6 and len(server.hits) == 3


def _capped(kind: str, cap: int = 10) -> Any:
    """A listing of RECORDS that serves at most ``cap`` per page whatever the request asks."""

    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        asked = int(hit.query.get("limit") or hit.query.get("per_page") or 20)
        size = min(asked, cap)
        if kind == "offset":
            offset = int(hit.query.get("offset", 0))
            body = {"items": RECORDS[offset : offset + size], "offset": offset, "limit": asked}
            return 200, {}, {**body, "total": len(RECORDS)}
        page = int(hit.query.get("page", 1))
        chunk = RECORDS[(page - 1) * size : page * size]
        return 200, {}, {"results": chunk, "page": page, "per_page": asked, "total": 57}

    return route


@pytest.mark.parametrize(
    ("kind", "params", "paginator"),
    [
        ("offset", {"limit": 20}, "auto"),
        ("offset", None, bk.paging.Offset(20)),
        ("pages", {"per_page": 20}, "auto"),
        ("pages", {"per_page": 20}, bk.paging.PageNumber(total_path="total", page_size=20)),
    ],
    ids=["offset-auto", "offset-explicit", "pages-auto", "pages-explicit"],
)
def test_a_server_capping_the_page_size_loses_no_records(
    page_server: Any, kind: str, params: Any, paginator: Any
) -> None:
    server = page_server(_capped(kind))
    with bk.Client(server.url, CANARY) as api:
        frame = api.paginate("items", params, paginator=paginator, progress=False)
    assert frame["id"].tolist() == list(range(1, 58))
    assert frame.attrs["paging"]["complete"] is True
    assert len(server.hits) == 6


@pytest.mark.parametrize("later", ["oops", [1, 2, 3], {"id": 9}], ids=["text", "numbers", "object"])
@pytest.mark.parametrize("planned", [True, False], ids=["planned", "sequential"])
def test_a_later_page_of_another_shape_is_a_paging_error_with_partial(
    page_server: Any, later: Any, planned: bool
) -> None:
    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        page = int(hit.query.get("page", 1))
        items: Any = [{"id": 1}, {"id": 2}] if page == 1 else later
        if page == 2 and isinstance(later, list):
            items = later
        body = {"page": page, "items": items}
        if planned:
            return 200, {}, {**body, "total_pages": 3}
        nxt = f'<{server.url}/items?page={page + 1}>; rel="next"'
        return 200, {"Link": nxt} if page < 3 else {}, body

    server = page_server(route)
    with bk.Client(server.url, CANARY) as api:
        if isinstance(later, dict):  # one object where the first page had objects: same shape
            assert len(api.paginate("items", progress=False, workers=1)) == 4
            return
        with pytest.raises(bk.PagingError, match="another shape") as info:
            api.paginate("items", progress=False, workers=1)
    assert info.value.partial["id"].tolist() == [1, 2]
    assert info.value.partial.attrs["paging"]["complete"] is False


@pytest.mark.parametrize(
    "value", ["many", [3], {"n": 3}, 2.5], ids=["text", "list", "object", "fraction"]
)
@pytest.mark.parametrize("field", ["total_pages", "total"])
def test_a_paging_total_that_is_no_number_is_not_taken_as_one_page(
    page_server: Any, value: Any, field: str
) -> None:
    server = page_server(
        lambda hit, s: (200, {}, {"page": 1, "results": [{"id": 1}, {"id": 2}], field: value})
    )
    with bk.Client(server.url, CANARY) as api:
        with pytest.raises(bk.PagingError, match=f"{field}: .* is not a whole number"):
            api.paginate("items", progress=False)
        with pytest.warns(UserWarning, match="not a whole number"):
            api.get_df("items")
    assert CANARY not in str(server.hits[0].query)


def test_a_capped_page_size_under_a_wrong_page_count_is_marked_incomplete(
    page_server: Any,
) -> None:
    """The server serves 10 where 20 were asked, yet counts its pages for 20: 3 pages, 30 of 57."""

    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        page = int(hit.query.get("page", 1))
        chunk = RECORDS[(page - 1) * 10 : page * 10]
        return 200, {}, {"page": page, "results": chunk, "total_pages": 3, "total_results": 57}

    server = page_server(route)
    with (
        bk.Client(server.url, CANARY) as api,
        pytest.warns(UserWarning, match="announced 57 records and served 30"),
    ):
        frame = api.paginate("items", {"per_page": 20}, progress=False)
    assert len(frame) == 30
    assert frame.attrs["paging"]["complete"] is False


def test_a_short_last_page_of_an_honest_listing_is_complete(page_server: Any) -> None:
    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        page = int(hit.query.get("page", 1))
        chunk = RECORDS[(page - 1) * 20 : page * 20]
        return 200, {}, {"page": page, "results": chunk, "total_pages": 3, "total_results": 57}

    server = page_server(route)
    with bk.Client(server.url, CANARY) as api:
        frame = api.paginate("items", {"per_page": 20, "page": 3}, progress=False)  # 17 < 20
    assert len(frame) == 17 and frame.attrs["paging"]["complete"] is True

"""Client.paginate end to end, against the sandbox's paging styles and scriptable loopback servers.

Every style: all 57 records in order, with no paginator given. Then the promises:
concurrency where the plan is known, never silently partial (PagingError, get_df's
warning, attrs, max_pages and page caps), no token to another host, resume.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import pandas as pd
import pytest

import bearerkit as bk
from bearerkit import sandbox
from bearerkit.paging import Cursor, LastId, LinkHeader, NextURL, Offset, PageNumber

from .conftest import CANARY, IDS, RECORDS, Hit, InFlight, PageServer

STRIPE_IDS = [f"cus_{i:04d}" for i in IDS]
OPENAI_IDS = [f"file-{i:04d}" for i in IDS]

# name: (method, path, params, json, explicit paginator, ids, detected style)
STYLES: dict[str, tuple[str, str, Any, Any, Any, list[Any], str]] = {
    "github": ("GET", "github/items", None, None, LinkHeader(), IDS, "link_header"),
    "huggingface": ("GET", "huggingface/models", None, None, LinkHeader(), IDS, "link_header"),
    "spotify": (
        "GET",
        "spotify/search",
        {"q": "x", "type": "track"},
        None,
        NextURL("tracks.next"),
        IDS,
        "next_url",
    ),
    "notion_post": (
        "POST",
        "notion/databases/d1/query",
        None,
        {"page_size": 10},
        Cursor("next_cursor", "start_cursor", in_body=True),
        IDS,
        "cursor",
    ),
    "notion_get": (
        "GET",
        "notion/users",
        None,
        None,
        Cursor("next_cursor", "start_cursor"),
        IDS,
        "cursor",
    ),
    "slack": (
        "GET",
        "slack/users.list",
        None,
        None,
        Cursor("response_metadata.next_cursor", "cursor"),
        IDS,
        "cursor",
    ),
    "x": (
        "GET",
        "x/users/7/tweets",
        None,
        None,
        Cursor("meta.next_token", "pagination_token"),
        IDS,
        "cursor",
    ),
    "stripe": (
        "GET",
        "stripe/customers",
        None,
        None,
        LastId("starting_after"),
        STRIPE_IDS,
        "last_id",
    ),
    "openai": ("GET", "openai/files", None, None, LastId("after"), OPENAI_IDS, "last_id"),
    "graph": ("GET", "graph/users", None, None, NextURL("@odata.nextLink"), IDS, "next_url"),
    "facebook": ("GET", "facebook/posts", None, None, NextURL("paging.next"), IDS, "next_url"),
    "offset": ("GET", "offset/items", None, None, Offset(10), IDS, "offset"),
    "pages": (
        "GET",
        "pages/items",
        None,
        None,
        PageNumber(total_path="total", page_size=10),
        IDS,
        "page_number",
    ),
}
PLANNED = ("github", "offset", "pages")  # the first page tells how many there are
SEQUENTIAL = ("huggingface", "slack", "stripe", "graph")


def run(api: bk.Client, name: str, *, explicit: bool = False, **kwargs: Any) -> pd.DataFrame:
    method, path, params, body, paginator, _, _ = STYLES[name]
    return api.paginate(
        path,
        params,
        method=method,
        json=body,
        paginator=paginator if explicit else "auto",
        progress=False,
        **kwargs,
    )


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
    assert api.paginate_records("slack/users.list", progress=False) == RECORDS


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


# --- never silently partial ----------------------------------------------------------------


def test_unknown_scheme_raises_paging_error(api: bk.Client) -> None:
    with pytest.raises(bk.PagingError) as info:
        api.paginate("unknown/items", progress=False)
    text = str(info.value)
    assert "has_more: true" in text and "continuation" in text
    assert "paginator=bk.paging." in text
    assert CANARY not in text


def test_get_df_warns_when_there_are_more_pages(api: bk.Client) -> None:
    with pytest.warns(UserWarning, match=r"paginate") as caught:
        frame = api.get_df("github/items")
    assert len(frame) == 10
    assert caught[0].filename == __file__  # points at the caller, not bearerkit


def test_get_df_on_a_whole_answer_does_not_warn(api: bk.Client) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = api.get_df("pages/items", {"per_page": 100})
    assert len(frame) == 57


@pytest.mark.parametrize("name", ["pages", "slack"])
def test_max_pages_marks_incomplete_warns_and_keeps_the_pages(api: bk.Client, name: str) -> None:
    with pytest.warns(UserWarning, match="max_pages=2"):
        frame = run(api, name, max_pages=2)
    assert frame["id"].tolist() == IDS[:20]
    info = frame.attrs["paging"]
    assert info["complete"] is False and info["pages"] == 2 and "max_pages" in info["stopped"]
    # ...and the rest can be fetched later, without refetching the first two pages.
    spy = InFlight(api)
    method, path, params, body, *_ = STYLES[name]
    rest = api.paginate(path, params, method=method, json=body, resume=frame, progress=False)
    assert rest["id"].tolist() == IDS and rest.attrs["paging"]["complete"] is True
    assert spy.calls == 4


def test_max_pages_equal_to_the_total_is_complete(api: bk.Client) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = run(api, "pages", max_pages=6)
    assert frame.attrs["paging"]["complete"] is True


def test_max_pages_must_be_positive(api: bk.Client) -> None:
    with pytest.raises(ValueError, match="max_pages"):
        api.paginate("pages/items", max_pages=0)


def tmdb_like(cap: int, total_pages: int) -> Any:
    """A TMDB-shaped listing that refuses pages past ``cap`` as TMDB does (400, code 22)."""

    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        page = int(hit.query.get("page", 1))
        if page > cap:
            body = {
                "status_code": 22,
                "status_message": "Invalid page: Pages start at 1 and max at 500.",
            }
            return 400, {}, body
        rows = [{"id": page * 100 + i} for i in range(2)]
        return (
            200,
            {},
            {
                "page": page,
                "results": rows,
                "total_pages": total_pages,
                "total_results": 2 * total_pages,
            },
        )

    return route


def test_page_cap_stops_there_incomplete_and_warns(page_server: Any) -> None:
    server = page_server(tmdb_like(cap=5, total_pages=9))
    with (
        bk.Client(server.url, CANARY, page_cap=5) as api,
        pytest.warns(UserWarning, match="page cap"),
    ):
        frame = api.paginate("discover/movie", progress=False)
    assert len(frame) == 10
    info = frame.attrs["paging"]
    assert info["complete"] is False and info["pages"] == 5 and "cap" in info["stopped"]
    assert sorted(server.pages_hit()) == [1, 2, 3, 4, 5]  # nothing past the cap was asked for


def test_without_the_cap_the_refusal_keeps_the_pages_fetched(page_server: Any) -> None:
    server = page_server(tmdb_like(cap=3, total_pages=5))
    with bk.Client(server.url, CANARY, retries=0) as api, pytest.raises(bk.ApiError) as info:
        api.paginate("discover/movie", workers=1, progress=False)
    partial = info.value.partial
    assert partial["id"].tolist() == [100, 101, 200, 201, 300, 301]
    assert partial.attrs["paging"]["complete"] is False


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


def test_a_next_link_outside_base_url_is_refused(page_server: Any) -> None:
    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        return 200, {"Link": f'<{server.url}/other/items?page=2>; rel="next"'}, [{"id": 1}]

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


# --- resume ---------------------------------------------------------------------------------


def flaky_pages(fail_page: int, total: int = 6) -> Any:
    """Page-numbered listing of ``total`` pages that fails ``fail_page`` once (HTTP 500)."""
    failed: list[int] = []

    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        page = int(hit.query.get("page", 1))
        if page == fail_page and not failed:
            failed.append(page)
            return 500, {}, {"message": "try later"}
        rows = [r for r in RECORDS if (page - 1) * 10 < r["id"] <= page * 10]
        return 200, {}, {"page": page, "results": rows, "total_pages": total}

    return route


def test_resume_fetches_only_the_missing_pages(page_server: Any) -> None:
    server = page_server(flaky_pages(fail_page=4))
    with bk.Client(server.url, CANARY, retries=0) as api:
        with pytest.raises(bk.ServerError) as info:
            api.paginate("items", workers=1, progress=False)
        partial = info.value.partial
        assert partial["id"].tolist() == IDS[:30]  # pages 1-3, in order
        assert partial.attrs["paging"]["complete"] is False
        assert "page=4" in partial.attrs["paging"]["next"]
        before = len(server.hits)
        frame = api.paginate("items", resume=info.value, progress=False)
    resumed = server.pages_hit()[before:]
    assert 4 in resumed and set(resumed) <= {4, 5, 6}  # nothing from pages 1-3
    assert sorted(server.pages_hit()) == [1, 2, 3, 4, 4, 5, 6]  # every page fetched once (4: twice)
    assert frame.equals(pd.DataFrame.from_records(RECORDS))
    assert frame.attrs["paging"]["complete"] is True and frame.attrs["paging"]["pages"] == 6


def test_resume_after_concurrent_failure_keeps_pages_fetched_past_it(page_server: Any) -> None:
    server = page_server(flaky_pages(fail_page=3, total=6))
    with bk.Client(server.url, CANARY, retries=0) as api:
        with pytest.raises(bk.ServerError) as info:
            api.paginate("items", workers=4, progress=False)
        assert info.value.partial["id"].tolist() == IDS[:20]
        frame = api.paginate("items", resume=info.value.partial, progress=False)
    hits = server.pages_hit()
    assert hits.count(3) == 2  # refused once, fetched once
    assert all(hits.count(n) == 1 for n in (1, 2, 4, 5, 6))  # nothing else fetched twice
    assert frame["id"].tolist() == IDS


def test_resume_a_cursor_run(page_server: Any) -> None:
    calls: list[str] = []

    def slack(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        start = int(hit.query.get("cursor") or 0)
        calls.append(str(start))
        if start == 30 and calls.count("30") == 1:
            return 503, {}, {"ok": False, "error": "ratelimited"}
        rows = RECORDS[start : start + 10]
        following = str(start + 10) if start + 10 < 57 else ""
        return (
            200,
            {},
            {"ok": True, "members": rows, "response_metadata": {"next_cursor": following}},
        )

    server = page_server(slack)
    with bk.Client(server.url, CANARY, retries=0) as api:
        with pytest.raises(bk.ServerError) as info:
            api.paginate("users.list", progress=False)
        assert info.value.partial["id"].tolist() == IDS[:30]
        frame = api.paginate("users.list", resume=info.value, progress=False)
    assert calls == ["0", "10", "20", "30", "30", "40", "50"]
    assert frame["id"].tolist() == IDS


def test_resume_refuses_another_call(page_server: Any) -> None:
    server = page_server(flaky_pages(fail_page=2))
    with bk.Client(server.url, CANARY, retries=0) as api:
        with pytest.raises(bk.ServerError) as info:
            api.paginate("items", workers=1, progress=False)
        with pytest.raises(bk.PagingError, match="same arguments"):
            api.paginate("other", resume=info.value, progress=False)


def test_resume_of_a_complete_frame_is_refused(api: bk.Client) -> None:
    frame = run(api, "pages")
    with pytest.raises(bk.PagingError, match="nothing to resume"):
        api.paginate("pages/items", resume=frame, progress=False)


def test_no_token_in_attrs_or_partial(page_server: Any) -> None:
    server = page_server(flaky_pages(fail_page=2))
    with bk.Client(server.url, CANARY, retries=0) as api, pytest.raises(bk.ServerError) as info:
        api.paginate("items", workers=1, progress=False)
    shown = repr(info.value.partial.attrs) + str(info.value) + repr(info.value.partial)
    assert CANARY not in shown


# --- progress -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pages", "slack"])
def test_progress_bar_ends_at_100_percent(
    api: bk.Client, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    method, path, params, body, *_ = STYLES[name]
    api.paginate(path, params, method=method, json=body, progress=True)
    err = capsys.readouterr().err
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert "6/6" in last and "100%" in last


@pytest.mark.parametrize("name", ["pages", "slack"])
def test_notebook_bar_ends_full_and_green(
    api: bk.Client, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ipywidgets")
    import tqdm.auto
    import tqdm.notebook

    bars: list[Any] = []

    class Spy(tqdm.notebook.tqdm):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            bars.append(self)

    monkeypatch.setattr(tqdm.auto, "tqdm", Spy)
    method, path, params, body, *_ = STYLES[name]
    api.paginate(path, params, method=method, json=body, progress=True)
    (bar,) = bars
    widget = bar.container.children[1]
    assert widget.value == widget.max == 6 and widget.bar_style == "success"


def test_no_progress_bar_when_off_or_one_page(
    api: bk.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    api.paginate("pages/items", progress=False)
    api.paginate("pages/items", {"per_page": 100})
    assert capsys.readouterr().err == ""


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

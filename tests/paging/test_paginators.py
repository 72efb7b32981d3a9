"""Each paginator on the pages its API sends: the next request, the plan, when it stops."""

from __future__ import annotations

from typing import Any

import pytest

import bearerkit as bk
from bearerkit.paging import (
    Cursor,
    LastId,
    LinkHeader,
    NextURL,
    Offset,
    Page,
    PageNumber,
    PageRequest,
    Paginator,
)

BASE = "https://api.example.com/v1"


def page(
    body: Any,
    *,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    json: Any = None,
    url: str = f"{BASE}/items",
    records: list[Any] | None = None,
) -> Page:
    request = PageRequest(method, "items", params, json)
    found = records if records is not None else (body if isinstance(body, list) else [])
    return Page(request, body, headers or {}, url, found)


# --- PageNumber (TMDB) ------------------------------------------------------------------


def test_page_number_plans_the_rest_from_total_pages() -> None:
    p = PageNumber()
    first = p.first_request(PageRequest("GET", "discover/movie", {"sort_by": "x"}))
    assert first.params == {"sort_by": "x", "page": 1}
    plan = p.plan(page({"page": 1, "total_pages": 4}, params=first.params, records=[{}]))
    assert [r.params for r in plan or []] == [{"sort_by": "x", "page": n} for n in (2, 3, 4)]


def test_page_number_with_total_records_and_page_size() -> None:
    p = PageNumber(total_path="total", page_size=10)
    plan = p.plan(page({"total": 57}, params={"page": 1}, records=[{}] * 10))
    assert [r.params["page"] for r in plan or []] == [2, 3, 4, 5, 6]  # type: ignore[index]


def test_page_number_without_total_goes_on_until_an_empty_page() -> None:
    p = PageNumber(total_path="nothing")
    assert p.plan(page({}, params={"page": 2}, records=[{}])) is None
    nxt = p.next_request(page({}, params={"page": 2}, records=[{"id": 1}]))
    assert nxt is not None and nxt.params == {"page": 3}
    assert p.next_request(page({}, params={"page": 3}, records=[])) is None


def test_page_number_caller_may_start_elsewhere_and_max_page_limits_the_count() -> None:
    p = PageNumber(max_page=500)
    request = p.first_request(PageRequest("GET", "x", {"page": 3}))
    assert request.params == {"page": 3}
    assert p.page_limit() == 500


@pytest.mark.parametrize("bad", [{"max_page": 0}, {"page_size": 0}])
def test_page_number_refuses_nonsense(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        PageNumber(**bad)


# --- Offset --------------------------------------------------------------------------


def test_offset_plans_every_offset_below_total() -> None:
    o = Offset(20)
    first = o.first_request(PageRequest("GET", "search", {"q": "x"}))
    assert first.params == {"q": "x", "offset": 0, "limit": 20}
    plan = o.plan(page({"total": 57}, params=first.params))
    assert [r.params["offset"] for r in plan or []] == [20, 40]  # type: ignore[index]


def test_offset_without_total_stops_at_a_short_page() -> None:
    o = Offset(2, total_path="count")
    assert o.plan(page({}, params={"offset": 0, "limit": 2})) is None
    nxt = o.next_request(page({}, params={"offset": 0, "limit": 2}, records=[{}, {}]))
    assert nxt is not None and nxt.params["offset"] == 2  # type: ignore[index]
    assert o.next_request(page({}, params={"offset": 2, "limit": 2}, records=[{}])) is None


def test_offset_needs_a_positive_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        Offset(0)


# --- NextURL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("next", {"next": f"{BASE}/items?cursor=2", "results": []}),
        ("links.next", {"links": {"next": {"href": f"{BASE}/items?cursor=2"}}}),  # JSON:API
        ("paging.next", {"paging": {"next": f"{BASE}/items?cursor=2"}}),  # Facebook
        ("tracks.next", {"tracks": {"next": f"{BASE}/items?cursor=2", "items": []}}),  # Spotify
        ("@odata.nextLink", {"@odata.nextLink": f"{BASE}/items?cursor=2"}),  # Microsoft Graph
    ],
)
def test_next_url_follows_the_link_without_repeating_params(path: str, body: Any) -> None:
    nxt = NextURL(path).next_request(page(body, params={"q": "x"}))
    assert nxt == PageRequest("GET", f"{BASE}/items?cursor=2", None, None)


def test_next_url_resolves_a_relative_link_and_stops_on_null() -> None:
    n = NextURL()
    nxt = n.next_request(page({"next": "/v1/items?page=2"}))
    assert nxt is not None and nxt.path == "https://api.example.com/v1/items?page=2"
    assert n.next_request(page({"next": None})) is None
    assert n.next_request(page({"next": ""})) is None
    assert n.next_request(page({})) is None


# --- LinkHeader (GitHub, Hugging Face) --------------------------------------------------


def github_links(current: int, last: int) -> dict[str, str]:
    url = f"{BASE}/items?per_page=10&page="
    return {"Link": f'<{url}{current + 1}>; rel="next", <{url}{last}>; rel="last"'}


def test_link_header_with_last_plans_every_page() -> None:
    plan = LinkHeader().plan(page([{}], headers=github_links(1, 4)))
    assert [r.path for r in plan or []] == [f"{BASE}/items?per_page=10&page={n}" for n in (2, 3, 4)]


def test_link_header_with_only_next_is_followed_one_by_one() -> None:
    headers = {"Link": f'<{BASE}/models?cursor=eyJhIjoxfQ%3D%3D>; rel="next"'}
    p = page([{}], headers=headers)
    assert LinkHeader().plan(p) is None
    nxt = LinkHeader().next_request(p)
    assert nxt is not None and nxt.path == f"{BASE}/models?cursor=eyJhIjoxfQ%3D%3D"
    assert LinkHeader().next_request(page([{}])) is None


def test_link_header_last_that_differs_in_more_than_the_page_is_not_planned() -> None:
    headers = {
        "Link": f'<{BASE}/items?page=2&after=x>; rel="next", <{BASE}/items?page=9&after=y>; '
        'rel="last"'
    }
    assert LinkHeader().plan(page([{}], headers=headers)) is None


# --- Cursor (Notion, Slack, X) ----------------------------------------------------------


def test_cursor_in_the_query() -> None:
    c = Cursor("response_metadata.next_cursor", "cursor")
    body = {"members": [{}], "response_metadata": {"next_cursor": "dXNlcjpVMEc5V0ZYTlo="}}
    nxt = c.next_request(page(body, params={"limit": 10}))
    assert nxt is not None and nxt.params == {"limit": 10, "cursor": "dXNlcjpVMEc5V0ZYTlo="}


def test_cursor_in_the_json_body_for_notion_post() -> None:
    c = Cursor("next_cursor", "start_cursor", in_body=True)
    nxt = c.next_request(page({"next_cursor": "abc"}, method="POST", json={"page_size": 10}))
    assert nxt is not None
    assert nxt.json == {"page_size": 10, "start_cursor": "abc"} and nxt.params is None


@pytest.mark.parametrize(
    "body", [{}, {"meta": {}}, {"meta": {"next_token": None}}, {"meta": {"next_token": ""}}]
)
def test_cursor_stops_when_missing_null_or_empty(body: Any) -> None:
    assert Cursor("meta.next_token", "pagination_token").next_request(page(body)) is None


# --- LastId (Stripe, OpenAI) --------------------------------------------------------------


def test_last_id_sends_the_last_records_id_while_has_more() -> None:
    l = LastId("starting_after")  # noqa: E741
    records = [{"id": "cus_0009"}, {"id": "cus_0010"}]
    nxt = l.next_request(page({"has_more": True}, params={"limit": 10}, records=records))
    assert nxt is not None and nxt.params == {"limit": 10, "starting_after": "cus_0010"}
    assert l.next_request(page({"has_more": False}, records=records)) is None


def test_last_id_with_more_but_no_records_is_a_paging_error() -> None:
    with pytest.raises(bk.PagingError, match="has_more is true"):
        LastId("after").next_request(page({"has_more": True}, records=[]))


# --- the interface ------------------------------------------------------------------------


def test_a_subclass_needs_only_next_request() -> None:
    class ResumeFrom(Paginator):
        style = "resume_from"

        def next_request(self, page: Page) -> PageRequest | None:
            body = page.body
            return (
                page.request.with_params(**{"from": body["resume_from"]}) if body["more"] else None
            )

    r = ResumeFrom()
    assert r.plan(page({})) is None
    nxt = r.next_request(page({"more": True, "resume_from": "x"}))
    assert nxt is not None and nxt.params == {"from": "x"}
    assert "ResumeFrom(" in repr(r)


def test_base_paginator_says_what_to_implement() -> None:
    with pytest.raises(NotImplementedError, match="next_request"):
        Paginator().next_request(page({}))


def test_reprs_show_the_settings() -> None:
    assert repr(Cursor("meta.next_token", "pagination_token")) == (
        "Cursor(path='meta.next_token', param='pagination_token', in_body=False)"
    )


def test_page_request_repr_masks_credentials_in_params_and_body() -> None:
    request = PageRequest(
        "POST",
        "https://me:pw@api.example.com/x?api_key=k1",
        {"api_key": "k2", "page": 2},
        {"client_secret": "s3", "n": 1},
    )
    shown = repr(request)
    assert "k1" not in shown and "k2" not in shown and "s3" not in shown and "pw" not in shown
    assert "'page': 2" in shown and "'n': 1" in shown

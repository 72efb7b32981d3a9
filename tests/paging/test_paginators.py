"""Each paginator on the pages its API sends: the next request, the plan, when it stops."""

from __future__ import annotations

from typing import Any

import pytest

import bearerkit as bk
from bearerkit.paging import Cursor, LastId, Offset, PageNumber, PageRequest

from .conftest import page

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


def test_offset_with_last_path_stops_on_atlassians_is_last() -> None:
    p = Offset(2, "startAt", "maxResults", last_path="isLast")
    more = p.next_request(page({"isLast": False}, params={"startAt": 0}, records=[{}, {}]))
    assert more is not None and more.params == {"startAt": 2, "maxResults": 2}
    assert p.next_request(page({"isLast": True}, params={"startAt": 2}, records=[{}, {}])) is None
    assert p.plan(page({"isLast": False}, params={"startAt": 0}, records=[{}, {}])) is None

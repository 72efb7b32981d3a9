"""Lazy page plans: a billion planned pages are a range, sliced and joined, never a list."""

from __future__ import annotations

import pickle
import tracemalloc

import pytest

from bearerkit.paging import PageRequest
from bearerkit.paging.plan import FollowURL, NumberedURL, Pending, Plan, WithParams

BASE = PageRequest("GET", "items", {"q": "x"})


def test_a_plan_of_a_billion_pages_costs_nothing_until_read() -> None:
    tracemalloc.start()
    try:
        plan = Plan(range(2, 1_000_000_001), WithParams(BASE, "page"))
        head = plan[:2]
        pending = Pending(head, plan[2:])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    assert len(plan) == 999_999_999 and len(pending) == 999_999_999
    assert [r.params for r in head] == [{"q": "x", "page": 2}, {"q": "x", "page": 3}]
    assert pending[-1] == (BASE.with_params(page=1_000_000_000), None)


def test_pending_slices_and_joins_like_a_list() -> None:
    plan = Plan(range(1, 11), WithParams(BASE, "offset", (("limit", 5),)))
    fetched = [(BASE.with_params(page=0), [{"id": 0}])]
    pending = Pending(fetched, plan)
    as_list = list(pending)
    assert len(as_list) == 11
    for cut in (slice(0, 3), slice(1, None), slice(5, 8), slice(None, -2), slice(11, None)):
        assert list(pending[cut]) == as_list[cut]
    assert pending[3] == as_list[3] and pending[-1] == as_list[-1]
    assert as_list[1][0].params == {"q": "x", "limit": 5, "offset": 1}
    with pytest.raises(IndexError):
        pending[11]


def test_link_plans_pickle_and_rebuild_each_url() -> None:
    url = NumberedURL(
        "https://api.example.com/items?per_page=10&page=2",
        (("per_page", "10"), ("page", "2")),
        "page",
    )
    plan = Plan(range(2, 10**9), FollowURL("GET", None, url))
    copy = pickle.loads(pickle.dumps(Pending(plan)))
    assert copy[0][0].path == "https://api.example.com/items?per_page=10&page=2"
    assert copy[-1][0].path == "https://api.example.com/items?per_page=10&page=999999999"


def test_a_sample_sees_every_part_without_reading_the_plan_whole() -> None:
    plan = Plan(range(1, 10**9), WithParams(BASE, "page"))
    seen = list(Pending([(BASE, None)], plan).sample(size=3))
    assert len(seen) == 5  # the list's one request, the plan's first three and its last

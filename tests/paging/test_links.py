"""NextURL and LinkHeader on the pages their APIs send: the next request, the plan, when they stop."""

from __future__ import annotations

from typing import Any

import pytest

from bearerkit.paging import LinkHeader, NextURL, PageRequest

from .conftest import BASE, page

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

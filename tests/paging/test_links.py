"""NextURL and LinkHeader on the pages their APIs send: the next request, the plan, when they stop."""

from __future__ import annotations

from typing import Any

import pytest

import bearerkit as bk
from bearerkit.paging import JsonApi, LinkHeader, NextURL, PageRequest
from tests.rawserver import raw_server, response_bytes

from .conftest import BASE, CANARY, Hit, PageServer, page

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


# --- issue 21: upper-case schemes, oversized Link headers, flags beside the link -------


def test_an_upper_case_scheme_is_followed_like_a_lower_case_one(page_server: Any) -> None:
    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        n = int(hit.query.get("page", 1))
        upper = server.url.replace("http://", "HTTP://")
        headers = {"Link": f'<{upper}/items?page={n + 1}>; rel="next"'} if n < 3 else {}
        return 200, headers, [{"id": n}]

    server = page_server(route)
    with bk.Client(server.url, CANARY) as api:
        frame = api.paginate("items", progress=False)
    assert frame["id"].tolist() == [1, 2, 3]
    assert frame.attrs["paging"]["style"] == "link_header"
    assert all(h.authorization == f"Bearer {CANARY}" for h in server.hits)


def test_an_upper_case_scheme_in_the_body_is_a_next_url(page_server: Any) -> None:
    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        n = int(hit.query.get("page", 1))
        nxt = f"{server.url.upper()}/items?page={n + 1}" if n < 3 else None
        return 200, {}, {"results": [{"id": n}], "next": nxt}

    server = page_server(route)
    with bk.Client(server.url, CANARY) as api:
        frame = api.paginate("items", progress=False)
    assert frame["id"].tolist() == [1, 2, 3]
    assert frame.attrs["paging"]["style"] == "next_url"


def test_a_link_header_over_64_kb_is_a_clear_error_naming_the_cause() -> None:
    def script(head: bytes) -> list[bytes | float]:
        link = ", ".join(f'<http://127.0.0.1/items?page={i}>; rel="p{i}"' for i in range(2500))
        assert len(link) > 65_536
        return [response_bytes(headers=[("Link", link)], body=b"[]")]

    with (
        raw_server(script) as (url, heads),
        bk.Client(url, CANARY, retries=0) as api,
        pytest.raises(bk.ResponseFormatError) as info,
    ):
        api.paginate("items", progress=False)
    text = str(info.value)
    assert "longer than 64 KB" in text and "Link header" in text
    assert "connection broke" not in text and CANARY not in text
    assert len(heads) == 1


def test_next_url_stops_on_has_more_false_although_a_link_is_there() -> None:
    n = NextURL("links.next", has_more_path="meta.has_more")
    link = {"next": f"{BASE}/users.json?page[after]=x"}
    assert n.next_request(page({"meta": {"has_more": True}, "links": link})) is not None
    assert n.next_request(page({"meta": {"has_more": False}, "links": link})) is None


def test_next_url_stops_when_done() -> None:
    n = NextURL("nextRecordsUrl", done_path="done")
    more = n.next_request(page({"done": False, "nextRecordsUrl": "/v1/query/01g-500"}))
    assert more is not None and more.path == "https://api.example.com/v1/query/01g-500"
    assert n.next_request(page({"done": True, "nextRecordsUrl": "/v1/query/01g-500"})) is None


def test_json_api_gathers_included_once_each() -> None:
    paginator = JsonApi()
    author = {"type": "people", "id": "9", "attributes": {"name": "Dan"}}
    first = {"data": [], "included": [author], "links": {"next": f"{BASE}/a?page=2"}}
    last = {"data": [], "included": [author, {"type": "people", "id": "2"}], "links": {}}
    assert paginator.next_request(page(first)) is not None
    assert paginator.next_request(page(last)) is None
    assert paginator.attrs() == {"included": [author, {"type": "people", "id": "2"}]}

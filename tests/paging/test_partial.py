"""Never silently partial: PagingError, get_df's warning, max_pages and page caps (bearerkit.paging.partial)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import bearerkit as bk

from .conftest import CANARY, IDS, STYLES, Hit, InFlight, PageServer, run

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

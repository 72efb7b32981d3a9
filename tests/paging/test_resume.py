"""An error after the first page carries ``.partial``; ``resume=`` fetches only what is missing."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import bearerkit as bk

from .conftest import CANARY, IDS, RECORDS, Hit, PageServer, run

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
        with pytest.raises(bk.PagingError, match=r"belongs to a run of GET .*items"):
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


def test_a_partial_frame_saves_to_parquet_and_resumes_after_a_round_trip(
    page_server: Any, tmp_path: Any
) -> None:
    """pandas writes attrs as JSON (to_parquet): the resume point must survive that."""
    import json
    import pickle

    server = page_server(flaky_pages(fail_page=4))
    with bk.Client(server.url, CANARY, retries=0) as api:
        with pytest.raises(bk.ServerError) as info:
            api.paginate("items", workers=1, progress=False)
        partial = info.value.partial
        json.dumps(partial.attrs)  # no TypeError
        partial.to_parquet(tmp_path / "partial.parquet")
        assert pd.read_parquet(tmp_path / "partial.parquet")["id"].tolist() == IDS[:30]
        again = pickle.loads(pickle.dumps(partial))
        full = api.paginate("items", resume=again, progress=False)
    assert full["id"].tolist() == IDS[:60]


@pytest.mark.parametrize("other", ["another API", "another path", "another client"])
def test_resume_from_another_api_or_path_is_refused_naming_its_run(
    page_server: Any, other: str
) -> None:
    first = page_server(flaky_pages(fail_page=2))
    second = page_server(flaky_pages(fail_page=99))
    with bk.Client(first.url, CANARY, retries=0) as api, pytest.raises(bk.ServerError) as info:
        api.paginate("items", workers=1, progress=False)
    target, path = {
        "another API": (second.url, "items"),
        "another path": (first.url, "other"),
        "another client": (second.url + "/", "/items"),  # same path, another API root
    }[other]
    hits_before = len(first.hits) + len(second.hits)
    with (
        bk.Client(target, CANARY, retries=0) as api,
        pytest.raises(bk.PagingError, match="belongs to a run of GET") as refused,
    ):
        api.paginate(path, resume=info.value, progress=False)
    text = str(refused.value)
    assert f"{first.url}/items" in text  # whose run it is
    assert "stopped after page 1" in text
    assert len(first.hits) + len(second.hits) == hits_before  # nothing sent, nothing mixed
    assert CANARY not in text


def test_resume_with_the_same_call_on_a_new_client_still_works(page_server: Any) -> None:
    server = page_server(flaky_pages(fail_page=3))
    with bk.Client(server.url, CANARY, retries=0) as api, pytest.raises(bk.ServerError) as info:
        api.paginate("items", workers=1, progress=False)
    with bk.Client(server.url + "/", CANARY, retries=0) as api:  # re-run cell: a new client
        frame = api.paginate("items", resume=info.value, progress=False)
    assert frame["id"].tolist() == IDS

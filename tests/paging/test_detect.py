"""Auto-detection from a first page in each API's documented shape, and signs of more data."""

from __future__ import annotations

from typing import Any

import pytest

import bearerkit as bk
from bearerkit import sandbox
from bearerkit.frames import locate_records
from bearerkit.paging import Page, PageRequest, detect, signs_of_more
from bearerkit.paging.detect import describe_more, require_followable

from .conftest import BASE, CANARY, IDS

ROWS = [{"id": 1}, {"id": 2}]


def first_page(
    body: Any, *, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[Page, str | None]:
    """The page as the engine sees it, and where its records were found."""
    path, records = locate_records(body)
    return Page(PageRequest(method, "x"), body, headers or {}, f"{BASE}/x", records), path


def detected(body: Any, **kwargs: Any) -> str:
    p, path = first_page(body, **kwargs)
    found = detect(p, record_path=path)
    return "none" if found is None else repr(found)


@pytest.mark.parametrize(
    ("body", "headers", "method", "expected"),
    [
        (  # GitHub
            ROWS,
            {"Link": f'<{BASE}/x?page=2>; rel="next", <{BASE}/x?page=5>; rel="last"'},
            "GET",
            "LinkHeader(max_page=None)",
        ),
        (  # Notion POST query: the cursor goes back in the body
            {"object": "list", "results": ROWS, "next_cursor": "c2", "has_more": True},
            None,
            "POST",
            "Cursor(path='next_cursor', param='start_cursor', in_body=True)",
        ),
        (  # Notion GET
            {"object": "list", "results": ROWS, "next_cursor": "c2", "has_more": True},
            None,
            "GET",
            "Cursor(path='next_cursor', param='start_cursor', in_body=False)",
        ),
        (  # Slack
            {"ok": True, "members": ROWS, "response_metadata": {"next_cursor": "dXNl"}},
            None,
            "GET",
            "Cursor(path='response_metadata.next_cursor', param='cursor', in_body=False)",
        ),
        (  # X API v2
            {"data": ROWS, "meta": {"result_count": 2, "next_token": "b26v89c19zqg8o3f"}},
            None,
            "GET",
            "Cursor(path='meta.next_token', param='pagination_token', in_body=False)",
        ),
        (  # Stripe
            {"object": "list", "url": "/v1/customers", "has_more": True, "data": ROWS},
            None,
            "GET",
            "LastId(param='starting_after', id_field='id', has_more_path='has_more')",
        ),
        (  # OpenAI
            {"object": "list", "data": ROWS, "first_id": 1, "last_id": 2, "has_more": True},
            None,
            "GET",
            "LastId(param='after', id_field='id', has_more_path='has_more')",
        ),
        (  # Spotify: the next URL next to the records
            {"tracks": {"items": ROWS, "next": f"{BASE}/search?offset=2", "total": 9, "offset": 0}},
            None,
            "GET",
            "NextURL(path='tracks.next')",
        ),
        (  # Microsoft Graph
            {"value": ROWS, "@odata.nextLink": f"{BASE}/users?$skiptoken=X"},
            None,
            "GET",
            "NextURL(path='@odata.nextLink')",
        ),
        (  # Facebook Graph
            {"data": ROWS, "paging": {"cursors": {"after": "QVFI"}, "next": f"{BASE}/posts?a=1"}},
            None,
            "GET",
            "NextURL(path='paging.next')",
        ),
        (  # TMDB
            {"page": 1, "results": ROWS, "total_pages": 9, "total_results": 170},
            None,
            "GET",
            "PageNumber(param='page', start=1, total_path='total_pages', max_page=None, page_size=None)",
        ),
        (  # page + total + per_page, no total_pages
            {"results": ROWS, "page": 1, "per_page": 2, "total": 57},
            None,
            "GET",
            "PageNumber(param='page', start=1, total_path='total', max_page=None, page_size=2)",
        ),
        (  # offset + total
            {"items": ROWS, "total": 57, "offset": 0, "limit": 2},
            None,
            "GET",
            "Offset(limit=2, offset_param='offset', limit_param='limit', total_path='total')",
        ),
        ({"genres": ROWS}, None, "GET", "none"),  # one page, no paging
        ({"id": 5, "title": "x"}, None, "GET", "none"),
    ],
)
def test_each_documented_shape_is_detected(
    body: Any, headers: dict[str, str] | None, method: str, expected: str
) -> None:
    assert detected(body, headers=headers, method=method) == expected


def test_the_last_page_of_a_cursor_style_is_still_recognised() -> None:
    # X leaves next_token out of its last page; Slack sends "" there.
    x = detected({"data": ROWS, "meta": {"result_count": 2}})
    slack = detected({"members": ROWS, "response_metadata": {"next_cursor": ""}})
    assert x.startswith("Cursor(path='meta.next_token'")
    assert slack.startswith("Cursor(path='response_metadata.next_cursor'")


def test_page_cap_reaches_page_numbered_styles() -> None:
    p, _ = first_page({"page": 1, "results": ROWS, "total_pages": 900})
    found = detect(p, record_path="results", max_page=500)
    assert found is not None and found.max_page == 500


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"entries": ROWS, "has_more": True, "continuation": "abc"}, "has_more: true"),
        ({"entries": ROWS, "continuation": "abc"}, "continuation: 'abc'"),
        ({"data": ROWS, "next_token": "t1"}, "next_token: 't1'"),
        ({"rows": ROWS, "total": 40}, "total: 40"),
        ({"rows": ROWS, "pagination": {"hasNext": True}}, "pagination.hasNext: true"),
        ({"rows": ROWS, "next": "opaque-cursor-not-a-url"}, "next: 'opaque-cursor-not-a-url'"),
    ],
)
def test_signs_of_more_name_the_field(body: Any, field: str) -> None:
    p, path = first_page(body)
    assert detect(p, record_path=path) is None
    sign = signs_of_more(p, record_path=path)
    assert sign is not None and field in sign


def test_unknown_scheme_raises_paging_error_naming_the_field_and_a_paginator() -> None:
    p, _ = first_page({"entries": ROWS, "has_more": True, "continuation": "abc"})
    with pytest.raises(bk.PagingError) as info:
        require_followable(p, record_path="entries")
    text = str(info.value)
    assert "has_more: true" in text and "continuation: 'abc'" in text
    assert "paginator=bk.paging.Cursor('continuation'" in text
    assert isinstance(info.value, bk.BearerkitError)


@pytest.mark.parametrize(
    "body",
    [
        {"genres": ROWS},
        {"rows": ROWS, "total": 2},  # a total that matches what came back
        {"rows": ROWS, "has_more": False, "next_cursor": None},
        {"page": 1, "results": ROWS, "total_pages": 1},
    ],
)
def test_a_whole_answer_shows_no_signs(body: Any) -> None:
    p, path = first_page(body)
    assert signs_of_more(p, record_path=path) is None
    assert describe_more(p, record_path=path) is None
    require_followable(p, record_path=path)


def test_describe_more_counts_planned_pages() -> None:
    p, _ = first_page({"page": 1, "results": ROWS, "total_pages": 4})
    assert describe_more(p, record_path="results") == "3 more pages (page_number)"


# --- issue 21: the styles real APIs answer with -----------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (  # HAL: records under _embedded.<name>, the next link an {"href"} object
            {"_embedded": {"orders": ROWS}, "_links": {"next": {"href": f"{BASE}/o?page=1"}}},
            "NextURL(path='_links.next')",
        ),
        (  # JSON:API with a compound document
            {
                "data": [{"type": "articles", "id": "1", "attributes": {}}],
                "included": [{"type": "people", "id": "9"}],
                "links": {"next": f"{BASE}/articles?page[number]=2"},
            },
            "JsonApi(path='links.next')",
        ),
        (  # OData v3 (JSON light)
            {"value": ROWS, "odata.nextLink": f"{BASE}/Products?$skiptoken=5"},
            "NextURL(path='odata.nextLink')",
        ),
        (  # Jira's classic search: concurrent, from startAt/maxResults/total
            {"startAt": 0, "maxResults": 2, "total": 57, "issues": ROWS},
            "Offset(limit=2, offset_param='startAt', limit_param='maxResults', total_path='total')",
        ),
        (  # Jira Agile: isLast, no total
            {"maxResults": 2, "startAt": 0, "isLast": False, "values": ROWS},
            "Offset(limit=2, offset_param='startAt', limit_param='maxResults', "
            "total_path='total', last_path='isLast')",
        ),
        (  # Jira's enhanced search takes nextPageToken back as nextPageToken
            {"issues": ROWS, "nextPageToken": "CAEaAggD", "isLast": False},
            "Cursor(path='nextPageToken', param='nextPageToken', in_body=False)",
        ),
        (  # Google APIs: the same field, sent back as pageToken
            {"items": ROWS, "nextPageToken": "CAEaAggD"},
            "Cursor(path='nextPageToken', param='pageToken', in_body=False)",
        ),
        (  # Zendesk offset pages
            {"tickets": ROWS, "next_page": f"{BASE}/tickets.json?page=2", "count": 57},
            "NextURL(path='next_page')",
        ),
        (  # Zendesk cursor pages: links.next stays on the last page, meta.has_more decides
            {
                "users": ROWS,
                "meta": {"has_more": True, "after_cursor": "xxx"},
                "links": {"next": f"{BASE}/users.json?page[after]=xxx"},
            },
            "NextURL(path='links.next', has_more_path='meta.has_more')",
        ),
        (  # Intercom
            {
                "type": "list",
                "data": ROWS,
                "pages": {"type": "pages", "next": {"page": 2, "starting_after": "WzE3"}},
            },
            "Cursor(path='pages.next.starting_after', param='starting_after', in_body=False)",
        ),
        (  # Airtable
            {"records": ROWS, "offset": "itrABC/recDEF"},
            "Cursor(path='offset', param='offset', in_body=False)",
        ),
        (  # Salesforce: a path to the next batch, and done
            {
                "totalSize": 57,
                "done": False,
                "nextRecordsUrl": "/services/data/v60.0/query/01gRO0000016PIAYA2-500",
                "records": ROWS,
            },
            "NextURL(path='nextRecordsUrl', done_path='done')",
        ),
        (  # an upper-case scheme is a URL like any other (RFC 3986)
            {"results": ROWS, "next": "HTTPS://API.EXAMPLE.COM/v1/x?page=2"},
            "NextURL(path='next')",
        ),
    ],
)
def test_issue_21_shapes_are_detected(body: Any, expected: str) -> None:
    assert detected(body) == expected


FINE_TUNING_JOBS = {  # OpenAI's fine-tuning jobs list: no first_id/last_id
    "object": "list",
    "data": [{"object": "fine_tuning.job", "id": "ftjob-abc123", "model": "gpt-4o-mini"}],
    "has_more": True,
}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (FINE_TUNING_JOBS, "after"),
        ({**FINE_TUNING_JOBS, "data": [{"id": "asst_abc123"}]}, "after"),
        ({"object": "list", "data": [{"id": "x"}], "first_id": "x", "has_more": True}, "after"),
        (
            {"object": "list", "url": "/v1/charges", "data": [{"id": "x"}], "has_more": True},
            "starting_after",
        ),
        (
            {"object": "list", "data": [{"id": "cus_NffrFeUfNV2Hib"}], "has_more": True},
            "starting_after",
        ),
    ],
)
def test_openai_and_stripe_lists_are_told_apart(body: Any, param: str) -> None:
    assert detected(body).startswith(f"LastId(param='{param}'")


def test_a_list_nothing_identifies_raises_naming_both_paginators() -> None:
    body = {"object": "list", "data": [{"id": "item-7"}], "has_more": True}
    with pytest.raises(bk.PagingError) as info:
        detected(body)
    text = str(info.value)
    assert "LastId('after')" in text and "LastId('starting_after')" in text


def test_a_last_page_of_an_unknown_list_needs_no_guess() -> None:
    body = {"object": "list", "data": [{"id": "item-7"}], "has_more": False}
    assert detected(body).startswith("LastId(")


def test_a_graphql_connection_wins_over_its_total_count() -> None:
    body = {
        "data": {
            "repository": {
                "issues": {
                    "totalCount": 65,
                    "pageInfo": {"hasNextPage": True, "endCursor": "Y3Vy"},
                    "nodes": ROWS,
                }
            }
        }
    }
    p, _ = first_page(body, method="POST")
    for record_path in (None, "data.repository.issues.nodes"):
        found = detect(p, record_path=record_path)
        assert repr(found) == "GraphQL(variable=None, connection='data.repository.issues')"


def test_openai_fine_tuning_jobs_are_paged_with_after_over_loopback() -> None:
    # The real case that failed: no last_id, and starting_after= is refused (a 400 here).
    with (
        sandbox.start(token=CANARY) as sb,
        bk.Client(sb.styles_url, CANARY, retries=0) as api,
    ):
        frame = api.paginate("openai/fine_tuning/jobs", {"limit": 10}, progress=False)
    assert frame["id"].tolist() == [f"ftjob-{i:04d}" for i in range(1, 58)]
    assert frame.attrs["paging"]["paginator"].startswith("LastId(param='after'")
    assert frame.attrs["paging"]["pages"] == 6


# Each issue-21 style, auto-detected by paginate from the sandbox's real-shaped answers.
# name: (path, params, expected style, how to read a record's id)
SANDBOX_STYLES: dict[str, tuple[str, dict[str, Any] | None, str, str]] = {
    "hal": ("hal/orders", None, "next_url", "id"),
    "jsonapi": ("jsonapi/articles", None, "json_api", "attributes.id"),
    "atlassian-search": ("atlassian/search", None, "offset", "id"),
    "atlassian-board": ("atlassian/board", None, "offset", "id"),
    "atlassian-jql": ("atlassian/jql", None, "cursor", "id"),
    "zendesk-tickets": ("zendesk/tickets", None, "next_url", "id"),
    "zendesk-users": ("zendesk/users", {"page[size]": 10}, "next_url", "id"),
    "intercom": ("intercom/contacts", None, "cursor", "id"),
    "airtable": ("airtable/v0/appX/tblY", None, "cursor", "fields.id"),
    "salesforce": ("salesforce/query", {"q": "SELECT Id FROM Item"}, "next_url", "id"),
    "odata": ("graph/users", {"$top": 10}, "next_url", "id"),
}


@pytest.mark.parametrize("name", SANDBOX_STYLES)
def test_paginate_detects_each_style_the_sandbox_serves(api: bk.Client, name: str) -> None:
    path, params, style, id_column = SANDBOX_STYLES[name]
    frame = api.paginate(path, params, progress=False)
    assert frame[id_column].tolist() == IDS
    info = frame.attrs["paging"]
    assert (info["style"], info["pages"], info["complete"]) == (style, 6, True)


def test_json_api_included_lands_in_attrs(api: bk.Client) -> None:
    frame = api.paginate("jsonapi/articles", progress=False)
    assert [p["id"] for p in frame.attrs["included"]] == ["1", "2", "3"]
    assert {p["type"] for p in frame.attrs["included"]} == {"people"}


def test_a_relay_page_info_outside_graphql_is_a_sign_of_more() -> None:
    # Shopify's REST-like answers and others borrow pageInfo without a "data" envelope.
    p, path = first_page({"products": ROWS, "pageInfo": {"hasNextPage": True}})
    assert detect(p, record_path=path) is None
    with pytest.raises(bk.PagingError, match=r"pageInfo\.hasNextPage: true"):
        require_followable(p, record_path=path)

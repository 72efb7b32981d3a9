"""GraphQL connections: detected at any depth, the cursor sent in the variable the query
declares, errors in a 200 answer raised; against loopback servers (the sandbox's
``/styles/graphql`` and GitHub-shaped answers written here)."""

from __future__ import annotations

from typing import Any

import pytest

import bearerkit as bk
from bearerkit import sandbox
from bearerkit.paging.graphql import connections, cursor_variable

from .conftest import CANARY, IDS, Hit, PageServer

QUERY = """query($owner: String!, $after: String) {
  repository(owner: $owner, name: "bearerkit") {
    issues(first: 10, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id name }
    }
  }
}"""
EDGES = QUERY.replace("nodes { id name }", "edges { cursor node { id name } }")


@pytest.fixture
def gql(sb: sandbox.Sandbox) -> Any:
    sb.set_latency(0)
    with bk.Client(sb.styles_url, CANARY, retries=0) as client:
        yield client


@pytest.mark.parametrize("query", [QUERY, EDGES], ids=["nodes", "edges"])
def test_a_relay_connection_is_paged_to_the_end(gql: bk.Client, query: str) -> None:
    frame = gql.paginate("graphql", query=query, variables={"owner": "o"}, progress=False)
    assert frame["id"].tolist() == IDS  # nodes, or edges[].node: the records themselves
    info = frame.attrs["paging"]
    assert info["style"] == "graphql" and info["pages"] == 6 and info["complete"] is True
    assert info["stopped"] == "pageInfo.hasNextPage is false"


def test_json_with_a_query_is_posted_and_paged_too(gql: bk.Client) -> None:
    body = {"query": QUERY, "variables": {"owner": "o"}}
    assert gql.paginate_records("graphql", json=body, progress=False)[-1]["id"] == 57


def test_client_graphql_returns_data(gql: bk.Client) -> None:
    data = gql.graphql(QUERY, {"owner": "o"}, path="graphql")
    issues = data["repository"]["issues"]
    assert issues["totalCount"] == 57 and issues["pageInfo"]["hasNextPage"] is True
    assert [n["id"] for n in issues["nodes"]] == IDS[:10]


def test_graphql_errors_in_a_200_answer_raise_with_the_apis_message(gql: bk.Client) -> None:
    bad = QUERY.replace("first: 10", "first: 500")
    for call in (
        lambda: gql.graphql(bad, {"owner": "o"}),
        lambda: gql.paginate("graphql", query=bad, variables={"owner": "o"}, progress=False),
    ):
        with pytest.raises(bk.ApiError) as info:
            call()
        assert "exceeds the `first` limit of 100" in (info.value.api_message or "")
        assert "exceeds the `first` limit of 100" in str(info.value)
        assert info.value.status_code == 200 and CANARY not in str(info.value)


def test_an_error_after_the_first_page_keeps_the_partial(gql: bk.Client) -> None:
    pages: list[int] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        pages.append(1)
        if len(pages) == 3:  # the third page's cursor goes bad on the way
            kwargs["json"] = {**kwargs["json"], "variables": {"owner": "o", "after": "bogus"}}
        return original(*args, **kwargs)

    original = gql.response
    gql.response = spy  # type: ignore[method-assign]
    with pytest.raises(bk.ApiError) as info:
        gql.paginate("graphql", query=QUERY, variables={"owner": "o"}, progress=False)
    assert "does not appear to be a valid cursor" in str(info.value)
    assert info.value.partial is not None and len(info.value.partial) == 20


# --- GitHub-shaped answers from a scripted server ---------------------------------------


def github_graphql(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
    """Two connections: issues (3 pages of 2) and, when asked, labels with more pages."""
    variables = (hit.body or {}).get("variables") or {}
    query = (hit.body or {}).get("query", "")
    cursor = next((v for k, v in variables.items() if k != "owner"), None)
    start = int(cursor) if cursor else 0
    issues = {
        "totalCount": 6,
        "pageInfo": {"hasNextPage": start + 2 < 6, "endCursor": str(start + 2)},
        "nodes": [{"number": n} for n in range(start + 1, start + 3)],
    }
    repo: dict[str, Any] = {"issues": issues}
    if "labels" in query:
        repo["labels"] = {"pageInfo": {"hasNextPage": True, "endCursor": "L"}, "nodes": []}
    return 200, {}, {"data": {"viewer": {"login": "me"}, "repository": repo}}


@pytest.mark.parametrize("name", ["cursor", "endCursor", "afterCursor"])
def test_the_cursor_goes_into_the_variable_the_query_declares(page_server: Any, name: str) -> None:
    server = page_server(github_graphql)
    query = QUERY.replace("$after", f"${name}")
    with bk.Client(server.url, CANARY) as api:
        frame = api.paginate("graphql", query=query, variables={"owner": "o"}, progress=False)
    assert frame["number"].tolist() == [1, 2, 3, 4, 5, 6]
    sent = [h.body["variables"] for h in server.hits]
    assert sent == [{"owner": "o"}, {"owner": "o", name: "2"}, {"owner": "o", name: "4"}]
    assert all(h.method == "POST" and h.authorization == f"Bearer {CANARY}" for h in server.hits)


def test_several_connections_with_more_pages_raise_naming_them(page_server: Any) -> None:
    server = page_server(github_graphql)
    query = QUERY.replace("totalCount", "totalCount } labels(first: 5) { pageInfo { hasNextPage")
    with bk.Client(server.url, CANARY) as api, pytest.raises(bk.PagingError) as info:
        api.paginate("graphql", query=query, variables={"owner": "o"}, progress=False)
    text = str(info.value)
    assert "data.repository.issues" in text and "data.repository.labels" in text
    assert "record_path='data.repository.issues.nodes'" in text
    assert len(server.hits) == 1


def test_record_path_picks_one_of_several_connections(page_server: Any) -> None:
    server = page_server(github_graphql)
    query = QUERY.replace("totalCount", "totalCount } labels(first: 5) { pageInfo { hasNextPage")
    with bk.Client(server.url, CANARY) as api:
        frame = api.paginate(
            "graphql",
            query=query,
            variables={"owner": "o"},
            record_path="data.repository.issues.nodes",
            progress=False,
        )
    assert frame["number"].tolist() == [1, 2, 3, 4, 5, 6]


def test_a_query_without_a_cursor_variable_names_the_paginator_to_pass(page_server: Any) -> None:
    server = page_server(github_graphql)
    query = 'query { repository(owner: "o", name: "r") { issues(first: 2) { nodes { number } } } }'
    with bk.Client(server.url, CANARY) as api, pytest.raises(bk.PagingError) as info:
        api.paginate("graphql", query=query, progress=False)
    text = str(info.value)
    assert "declares no variable for its cursor" in text
    assert "bk.paging.GraphQL(variable='after', connection='data.repository.issues')" in text
    assert info.value.partial is not None and len(info.value.partial) == 2


def test_the_explicit_paginator_names_variable_and_connection(page_server: Any) -> None:
    server = page_server(github_graphql)
    query = "query($c: String) { repository { issues(first: 2, after: $c) { nodes { number } } } }"
    paginator = bk.paging.GraphQL(variable="c", connection="data.repository.issues")
    with bk.Client(server.url, CANARY) as api:
        frame = api.paginate("graphql", query=query, paginator=paginator, progress=False)
    assert frame["number"].tolist() == [1, 2, 3, 4, 5, 6]
    assert server.hits[-1].body["variables"] == {"c": "4"}


def test_github_not_found_and_rate_limited_errors_map_to_their_classes(page_server: Any) -> None:
    kinds = iter(["NOT_FOUND", "RATE_LIMITED"])

    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        error = {"type": next(kinds), "path": ["repository"], "message": "Could not resolve."}
        return 200, {}, {"data": {"repository": None}, "errors": [error]}

    server = page_server(route)
    with bk.Client(server.url, CANARY, retries=0) as api:
        with pytest.raises(bk.NotFoundError, match=r"Could not resolve\. \(at repository\)"):
            api.graphql(QUERY)
        with pytest.raises(bk.RateLimitError):
            api.graphql(QUERY)


# --- the pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "expected"),
    [
        (QUERY, "issues", "after"),
        ("query($c: String) { a { issues(first: 1, after: $c) { x } } }", "issues", "c"),
        (  # two connections: the argument of the one asked about
            "query($a: String, $b: String) { x { one(after: $a) { y } two(after: $b) { y } } }",
            "two",
            "b",
        ),
        (  # an alias is the key in the answer
            "query($x: String) { r { open: issues(after: $x, first: 5) { y } } }",
            "open",
            "x",
        ),
        ("query($endCursor: String) { r { issues(first: 5) { y } } }", "issues", "endCursor"),
        ("query { r { issues(first: 5) { y } } }", "issues", None),
    ],
)
def test_cursor_variable(query: str, field: str, expected: str | None) -> None:
    assert cursor_variable(query, field) == expected


def test_connections_are_found_at_any_depth_but_not_inside_records() -> None:
    body = {
        "data": {
            "org": {
                "team": {
                    "members": {
                        "pageInfo": {"hasNextPage": False, "endCursor": None},
                        "nodes": [{"repos": {"pageInfo": {"hasNextPage": True}}}],
                    }
                }
            }
        }
    }
    assert [c.path for c in connections(body)] == ["data.org.team.members"]


def test_an_error_message_that_echoes_the_token_does_not_show_it(page_server: Any) -> None:
    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        return 200, {}, {"errors": [{"message": f"bad credentials {hit.authorization}"}]}

    server = page_server(route)
    with bk.Client(server.url, CANARY) as api, pytest.raises(bk.ApiError) as info:
        api.graphql(QUERY)
    assert "bad credentials" in str(info.value) and CANARY not in str(info.value)
    assert CANARY not in (info.value.api_message or "")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"query": QUERY, "json": {"query": QUERY}}, "either query= .* or json="),
        ({"variables": {"a": 1}}, "variables= goes with a GraphQL query="),
        ({"query": "  "}, "query must be the GraphQL query text"),
    ],
)
def test_paginate_refuses_mixed_graphql_arguments(
    gql: bk.Client, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        gql.paginate("graphql", progress=False, **kwargs)

"""GitHub's GraphQL API, as far as one Relay connection goes: ``repository { issues }``."""

from __future__ import annotations

import json
import re
from typing import Any

from bearerkit.sandbox.dataset import (
    RECORD_COUNT,
    BadRequest,
    decode_cursor,
    encode_cursor,
    more_after,
    window,
)
from bearerkit.sandbox.messages import Reply, Request, json_reply

_GQL_ISSUES = re.compile(r"\bissues\s*\(([^)]*)\)")


_GQL_FIRST = re.compile(r"\bfirst\s*:\s*(\$\w+|-?\d+)")


_GQL_AFTER = re.compile(r"\bafter\s*:\s*(\$\w+|\"[^\"]*\"|null)")


def graphql(request: Request, root: str) -> Reply:
    """GitHub's GraphQL: ``repository { issues(first, after) }`` as a Relay connection.

    Only that one connection is served; the query is read for its arguments
    (literal or ``$variables``) and for ``nodes``/``edges``/``totalCount``.
    """
    try:
        body = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, ValueError):
        return _graphql_error("Problems parsing JSON")
    query = body.get("query") if isinstance(body, dict) else None
    variables = body.get("variables") if isinstance(body, dict) else None
    if not isinstance(query, str) or not query.strip():
        return _graphql_error("A query attribute must be specified and must be a string.")
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        return _graphql_error("Variables must be a JSON object")
    call = _GQL_ISSUES.search(query)
    if call is None or "repository" not in query:
        return _graphql_error(
            "This sandbox serves one connection: repository(owner:, name:) "
            "{ issues(first:, after:) { ... } }"
        )
    first = _gql_argument(_GQL_FIRST.search(call.group(1)), variables)
    after = _gql_argument(_GQL_AFTER.search(call.group(1)), variables)
    if first is None:
        return _graphql_error(
            "You must provide a `first` or `last` value to properly paginate the `issues` "
            "connection.",
            path=["repository", "issues"],
        )
    if isinstance(first, bool) or not isinstance(first, int) or not 1 <= first <= 100:
        return _graphql_error(
            "Requesting " + str(first) + " records on the `issues` connection exceeds the "
            "`first` limit of 100 records (or is below 1).",
            path=["repository", "issues"],
        )
    offset = 0
    if after is not None:
        invalid = json_reply(200, {})
        try:
            offset = decode_cursor("gql", str(after), error=invalid)
        except BadRequest:
            return _graphql_error(
                f"`{after}` does not appear to be a valid cursor.",
                path=["repository", "issues"],
                kind="INVALID_CURSOR_ARGUMENTS",
            )
    items = window(offset, first)
    end = encode_cursor("gql", offset + len(items)) if items else None
    issues: dict[str, Any] = {}
    if "totalCount" in query:
        issues["totalCount"] = RECORD_COUNT
    issues["pageInfo"] = {"hasNextPage": more_after(offset, first), "endCursor": end}
    if re.search(r"\bedges\b", query):
        issues["edges"] = [
            {"cursor": encode_cursor("gql", offset + i + 1), "node": item}
            for i, item in enumerate(items)
        ]
    else:
        issues["nodes"] = items
    return json_reply(200, {"data": {"repository": {"issues": issues}}})


def _gql_argument(match: re.Match[str] | None, variables: dict[str, Any]) -> Any:
    if match is None:
        return None
    raw = match.group(1)
    if raw.startswith("$"):
        return variables.get(raw[1:])
    if raw == "null":
        return None
    if raw.startswith('"'):
        return raw[1:-1]
    return int(raw)


def _graphql_error(
    message: str, *, path: list[str] | None = None, kind: str | None = None
) -> Reply:
    error: dict[str, Any] = {"message": message}
    if kind is not None:
        error["type"] = kind
    if path is not None:
        error["path"] = path
    return json_reply(200, {"data": None, "errors": [error]} if path else {"errors": [error]})

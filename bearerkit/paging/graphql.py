"""GraphQL connections: Relay's ``pageInfo`` found in the answer, its cursor sent back.

GitHub's GraphQL API (and Shopify, GitLab, Linear, Contentful...) page with Relay
connections: a POST of ``{"query": ..., "variables": {...}}`` whose answer holds,
somewhere under ``data``, an object with ``pageInfo {hasNextPage endCursor}`` and the
records as ``nodes`` or ``edges[].node``. :class:`GraphQL` finds that connection,
returns its records and sends the next request with ``endCursor`` in the variable
the query declares for it (``after: $after``, ``$cursor``, ``$endCursor``...).

GraphQL reports failures inside a 200 answer (``{"errors": [...]}``):
:func:`raise_for_errors` turns them into a bearerkit error with the API's words.

>>> q = "query($after: String) { viewer { repos(first: 50, after: $after) { nodes { name } } } }"
>>> cursor_variable(q, "repos")
'after'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ApiError, NotFoundError, PagingError, RateLimitError
from ..frames import lookup
from ..redact import mask_url, scrub
from .page import Page, PageRequest, Paginator

__all__ = [
    "GraphQL",
    "connections",
    "cursor_variable",
    "graphql_request",
    "is_graphql",
    "raise_for_errors",
]

# Variable names queries commonly give the cursor, when no ``after: $x`` argument says.
CURSOR_VARIABLES = ("after", "cursor", "endCursor", "afterCursor", "after_cursor", "nextCursor")
MAX_DEPTH = 12  # how deep under ``data`` a connection is looked for
_SHOWN_ERRORS = 3

# GitHub's (and others') error "type" values that mean a known bearerkit error.
_ERROR_TYPES: dict[str, type[ApiError]] = {
    "RATE_LIMITED": RateLimitError,
    "NOT_FOUND": NotFoundError,
}


def is_graphql(json: Any) -> bool:
    """Whether a request body is a GraphQL request (``{"query": "...", ...}``)."""
    return isinstance(json, Mapping) and isinstance(json.get("query"), str)


def graphql_request(
    path: str, query: str, variables: Mapping[str, Any] | None = None
) -> PageRequest:
    """The POST that sends ``query`` with ``variables`` to ``path``."""
    if not isinstance(query, str) or not query.strip():
        raise ValueError("query must be the GraphQL query text, e.g. 'query { viewer { login } }'")
    if variables is not None and not isinstance(variables, Mapping):
        raise ValueError(f"variables must be a dict, not {type(variables).__name__}")
    return PageRequest("POST", path, None, {"query": query, "variables": dict(variables or {})})


def raise_for_errors(
    body: Any, *, url: str, method: str = "POST", secrets: Iterable[str | None] = ()
) -> None:
    """Raise the API's GraphQL ``errors`` (sent in a 200 answer) as a bearerkit error.

    GitHub answers ``{"data": null, "errors": [{"type": "NOT_FOUND", "message": ...}]}``;
    partial ``data`` beside ``errors`` is an error too (a frame would hide what failed).
    ``RATE_LIMITED`` becomes :class:`RateLimitError`, ``NOT_FOUND`` :class:`NotFoundError`.
    ``secrets`` (the request's credentials) are removed from the API's words, should
    it echo one.
    """
    if not isinstance(body, Mapping):
        return
    errors = body.get("errors")
    if not errors:
        return
    items = errors if isinstance(errors, list) else [errors]
    messages = [scrub(_error_text(e), secrets) for e in items]
    shown = "; ".join(messages[:_SHOWN_ERRORS])
    if len(messages) > _SHOWN_ERRORS:
        shown += f" (and {len(messages) - _SHOWN_ERRORS} more)"
    types = {str(e.get("type")) for e in items if isinstance(e, Mapping)}
    kind = next((_ERROR_TYPES[t] for t in _ERROR_TYPES if t in types), ApiError)
    raise kind(
        f"{method} {mask_url(url)}: the GraphQL API answered with errors: {shown}. Nothing "
        "was turned into a frame; fix the query or its variables (the message names the "
        "field) and run it again.",
        status_code=200,
        api_message=shown,
        url=mask_url(url),
    )


def _error_text(error: Any) -> str:
    if not isinstance(error, Mapping):
        return str(error)[:300]
    text = str(error.get("message") or error.get("type") or error)[:300]
    path = error.get("path")
    if isinstance(path, list) and path:
        text += f" (at {'.'.join(map(str, path))})"
    return text


@dataclass(frozen=True)
class Connection:
    """A Relay connection in an answer: where it is and what its ``pageInfo`` says."""

    path: str  # dotted, from the top of the body: "data.repository.issues"
    has_next: bool
    end_cursor: Any


def connections(body: Any) -> list[Connection]:
    """Every Relay connection under ``data`` (objects with ``pageInfo.hasNextPage``), in order.

    Lists are not entered: a connection inside each record (a label list per issue)
    belongs to that record, not to the listing.
    """
    data = body.get("data") if isinstance(body, Mapping) else None
    found: list[Connection] = []
    todo: list[tuple[str, Any, int]] = [("data", data, 0)]
    while todo:
        path, node, depth = todo.pop(0)
        if not isinstance(node, Mapping) or depth > MAX_DEPTH:
            continue
        info = node.get("pageInfo")
        if isinstance(info, Mapping) and "hasNextPage" in info:
            found.append(Connection(path, info.get("hasNextPage") is True, info.get("endCursor")))
            continue
        todo.extend((f"{path}.{key}", value, depth + 1) for key, value in node.items())
    return found


def connection_records(node: Any) -> list[Any]:
    """A connection's records: its ``nodes``, else each ``edges[].node``."""
    if not isinstance(node, Mapping):
        return []
    nodes = node.get("nodes")
    if isinstance(nodes, list):
        return nodes
    edges = node.get("edges")
    if isinstance(edges, list):
        return [e.get("node") if isinstance(e, Mapping) and "node" in e else e for e in edges]
    return []


_DECLARATION = re.compile(r"\$(\w+)\s*:")
_ARGUMENT = re.compile(r"\b(\w+)\s*:\s*\$(\w+)")


def cursor_variable(query: str, field: str | None = None) -> str | None:
    """The variable that takes the cursor for ``field`` (the connection's key) in ``query``.

    Looked for in order: the ``after: $x`` argument of ``field`` (or of its alias);
    the only ``after: $x`` in the query; a declared variable named like a cursor
    (``$after``, ``$cursor``, ``$endCursor``...). ``None`` when nothing says.
    """
    if field:
        call = re.search(rf"\b{re.escape(field)}\s*(?::\s*\w+\s*)?\(([^)]*)\)", query)
        if call is not None:
            for name, variable in _ARGUMENT.findall(call.group(1)):
                if name == "after":
                    return str(variable)
    afters = {v for n, v in _ARGUMENT.findall(query) if n == "after"}
    if len(afters) == 1:
        return afters.pop()
    header = query.split("{", 1)[0]
    declared = _DECLARATION.findall(header)
    for name in CURSOR_VARIABLES:
        if name in declared:
            return name
    return None


class GraphQL(Paginator):
    """Relay connections over GraphQL: GitHub, Shopify, GitLab, Linear, Contentful.

    Follows ``pageInfo.endCursor`` while ``pageInfo.hasNextPage`` is true; the records
    are the connection's ``nodes`` (or ``edges[].node``).

    Args:
        variable: the query variable that takes the cursor (``"after"``); found in the
            query when ``None`` (the ``after: $x`` argument of the connection).
        connection: dotted path of the connection (``"data.repository.issues"``); when
            ``None``, the one connection with ``hasNextPage`` in the answer.

    >>> import bearerkit as bk
    >>> q = '''query($after: String) { repository(owner: "o", name: "r") {
    ...   issues(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { title } } } }'''
    >>> api.paginate("graphql", query=q)                                # doctest: +SKIP
    >>> api.paginate("graphql", query=q, paginator=bk.paging.GraphQL(
    ...     variable="after", connection="data.repository.issues"))       # doctest: +SKIP
    """

    style = "graphql"

    def __init__(self, variable: str | None = None, connection: str | None = None) -> None:
        if connection is not None and not (connection == "data" or connection.startswith("data.")):
            connection = f"data.{connection}"
        self.variable = variable
        self.connection = connection

    def first_request(self, request: PageRequest) -> PageRequest:
        if not is_graphql(request.json):
            raise PagingError(
                "bk.paging.GraphQL pages a GraphQL query: call paginate(path, query=..., "
                "variables=...) or pass json={'query': ..., 'variables': {...}} with method='POST'"
            )
        return request

    def _connection(self, body: Any) -> Connection | None:
        found = connections(body)
        if self.connection is not None:
            for conn in found:
                if conn.path == self.connection:
                    return conn
            if lookup(body, self.connection) is None:
                return None  # an empty answer (the parent is null): no records, no next page
            raise PagingError(
                f"{self.connection} in the GraphQL answer is not a connection with "
                "pageInfo { hasNextPage endCursor }; connections there: "
                f"{', '.join(c.path for c in found) or 'none'}. Add pageInfo to the query, "
                "or pass connection= naming one of those."
            )
        return pick(found, None)

    def records(self, body: Any) -> list[Any] | None:
        conn = self._connection(body)
        return [] if conn is None else connection_records(lookup(body, conn.path))

    def next_request(self, page: Page) -> PageRequest | None:
        conn = self._connection(page.body)
        if conn is None or not conn.has_next:
            return None
        if not isinstance(conn.end_cursor, str) or not conn.end_cursor:
            raise PagingError(
                f"{conn.path}.pageInfo.hasNextPage is true but endCursor is missing; ask for "
                "it in the query: pageInfo { hasNextPage endCursor }"
            )
        body = page.request.json if isinstance(page.request.json, Mapping) else {}
        query = str(body.get("query", ""))
        variable = self.variable or cursor_variable(query, conn.path.rsplit(".", 1)[-1])
        if variable is None:
            raise PagingError(
                f"The GraphQL connection {conn.path} has more pages, but the query declares no "
                "variable for its cursor. Declare one and pass it on: query($after: String) "
                "{ ... issues(first: 100, after: $after) ... }, or name it with "
                f"paginator=bk.paging.GraphQL(variable='after', connection={conn.path!r})."
            )
        sent = body.get("variables")
        variables: Mapping[str, Any] = sent if isinstance(sent, Mapping) else {}
        new_body = {**body, "variables": {**variables, variable: conn.end_cursor}}
        return PageRequest(page.request.method, page.request.path, page.request.params, new_body)


def pick(found: list[Connection], record_path: str | None) -> Connection | None:
    """The connection a listing pages: the one with more pages, or the one record_path names.

    Raises:
        PagingError: several connections have more pages and ``record_path`` names none.
    """
    if record_path:
        for conn in found:
            if record_path == conn.path or record_path.startswith(conn.path + "."):
                return conn
    more = [c for c in found if c.has_next]
    if len(more) > 1:
        names = ", ".join(c.path for c in more)
        first = more[0].path
        raise PagingError(
            f"The GraphQL answer has several connections with more pages ({names}); "
            "bearerkit pages one at a time. Say which with "
            f"record_path='{first}.nodes' or paginator=bk.paging.GraphQL(connection={first!r})."
        )
    if more:
        return more[0]
    return found[0] if found else None


def detect_graphql(page: Page, record_path: str | None) -> GraphQL | None:
    """A :class:`GraphQL` paginator when ``page`` answers a GraphQL query with a connection."""
    if not isinstance(page.body, Mapping) or not isinstance(page.body.get("data"), Mapping):
        return None
    found = connections(page.body)
    conn = pick(found, record_path)
    if conn is None:
        return None
    return GraphQL(connection=conn.path)

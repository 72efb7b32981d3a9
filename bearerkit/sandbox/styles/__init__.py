"""Real APIs' ways of paging, and two generic ones, over the same 57 records.

``classic`` holds the REST styles of the first releases, ``graphql`` GitHub's GraphQL
connection, ``more`` HAL, JSON:API, Atlassian, Zendesk, Intercom, Airtable and
Salesforce; ``common`` the path prefix and ETags. This module routes to them.

Each endpoint answers with the shape its API documents (see the README's table
and the paths below): where the records sit, how the next page is announced (a
``Link`` header, a URL or a cursor in the body, a last id, a total) and how the
last page says it is the last. Page sizes default to 10 and are cut to 100.
Next-page URLs are absolute and keep the request's other query parameters.

Paths after ``/styles``, and how each announces the next page:

- ``GET /github/items?per_page&page``: ``Link`` rel prev/next/last/first, an ``ETag``
  (``If-None-Match`` with it gets a 304 and no body, as GitHub answers).
- ``GET /huggingface/models?limit&cursor``: ``Link`` rel next only (opaque cursor).
- ``GET /spotify/search?q&type=track&limit&offset``: ``tracks.next`` (a URL or null).
- ``POST /notion/databases/{id}/query`` with ``{"page_size", "start_cursor"}``:
  ``next_cursor`` and ``has_more``; ``GET /notion/users?page_size&start_cursor`` likewise.
- ``GET /slack/users.list?limit&cursor``: ``response_metadata.next_cursor`` ("" at the end).
- ``GET /x/users/{id}/tweets?max_results&pagination_token``: ``meta.next_token``
  (absent at the end).
- ``GET /stripe/customers?limit&starting_after``: ``has_more``; ids ``cus_0001``...
- ``GET /openai/files?limit&after``: ``has_more`` and ``last_id``; ids ``file-0001``...
- ``GET /openai/fine_tuning/jobs?limit&after``: ``has_more`` only (no ``first_id``/``last_id``),
  ids ``ftjob-0001``...; ``starting_after`` is refused as OpenAI refuses unknown arguments.
- ``GET /graph/users?$top&$skiptoken``: ``@odata.nextLink``.
- ``GET /facebook/posts?limit&after``: ``paging.next`` and ``paging.cursors``.
- ``GET /offset/items?offset&limit``: ``offset``, ``limit`` and ``total``.
- ``GET /pages/items?page&per_page``: ``page``, ``per_page`` and ``total`` (no page count).
- ``GET /unknown/items``: ``has_more`` and ``continuation``, always the same first ten
  (a scheme no detection should follow).
- ``POST /graphql`` (GitHub's GraphQL): ``repository { issues(first: N, after: $cursor) }``
  as a Relay connection, ``nodes`` or ``edges { cursor node }``, ``pageInfo``,
  ``totalCount``; mistakes come back as ``{"errors": [...]}`` with status 200.
- ``GET /hal/orders?page&size``: HAL, ``_embedded.orders`` and ``_links.next.href``.
- ``GET /jsonapi/articles?page[number]&page[size]``: JSON:API, ``data`` resources with
  ``attributes``, ``included`` authors, ``links.next`` (absent on the last page).
- ``GET /atlassian/search?startAt&maxResults``: Jira's ``startAt``, ``maxResults``, ``total``.
- ``GET /atlassian/board?startAt&maxResults``: Jira Agile's ``isLast`` (no total).
- ``GET /atlassian/jql?maxResults&nextPageToken``: Jira's ``nextPageToken`` and ``isLast``.
- ``GET /zendesk/tickets?page&per_page``: Zendesk offset pages, ``next_page`` (a URL or null).
- ``GET /zendesk/users?page[size]&page[after]``: Zendesk cursor pages, ``meta.has_more``
  and ``links.next`` (still a URL on the last page, as Zendesk sends it).
- ``GET /intercom/contacts?per_page&starting_after``: ``pages.next.starting_after``.
- ``GET /airtable/v0/{base}/{table}?pageSize&offset``: Airtable's ``offset`` token.
- ``GET /salesforce/query?q``: ``done``, ``totalSize``, ``nextRecordsUrl`` (a path to
  ``/salesforce/query/{locator}``, absent when done).
"""

from __future__ import annotations

import re

from bearerkit.sandbox.dataset import BadRequest, message_error
from bearerkit.sandbox.messages import Reply, Request
from bearerkit.sandbox.styles.classic import (
    facebook,
    github,
    graph,
    huggingface,
    notion_query,
    notion_users,
    offset_items,
    openai,
    openai_jobs,
    page_items,
    slack,
    spotify,
    stripe,
    unknown,
    x_tweets,
)
from bearerkit.sandbox.styles.common import STYLES_PATH, Handler, etag_of, not_modified, with_etag
from bearerkit.sandbox.styles.graphql import graphql
from bearerkit.sandbox.styles.more import (
    airtable,
    atlassian_board,
    atlassian_jql,
    atlassian_search,
    hal,
    intercom,
    jsonapi,
    salesforce,
    salesforce_more,
    zendesk_tickets,
    zendesk_users,
)

__all__ = ["STYLES_PATH", "Handler", "etag_of", "handle", "not_modified", "with_etag"]


def handle(request: Request, root: str) -> Reply:
    """Answer an authenticated ``/styles/...`` request; ``root`` is the server's own URL."""
    for method, pattern, handler in _ROUTES:
        if method == request.method and pattern.fullmatch(request.path):
            try:
                return handler(request, root)
            except BadRequest as bad:
                return bad.reply
    return message_error("Not Found", 404)


def _route(method: str, path: str, handler: Handler) -> tuple[str, re.Pattern[str], Handler]:
    return method, re.compile(re.escape(STYLES_PATH) + path), handler


_ROUTES = [
    _route("GET", r"/github/items", github),
    _route("GET", r"/huggingface/models", huggingface),
    _route("GET", r"/spotify/search", spotify),
    _route("POST", r"/notion/databases/[^/]+/query", notion_query),
    _route("GET", r"/notion/users", notion_users),
    _route("GET", r"/slack/users\.list", slack),
    _route("GET", r"/x/users/[^/]+/tweets", x_tweets),
    _route("GET", r"/stripe/customers", stripe),
    _route("GET", r"/openai/files", openai),
    _route("GET", r"/openai/fine_tuning/jobs", openai_jobs),
    _route("GET", r"/graph/users", graph),
    _route("GET", r"/facebook/posts", facebook),
    _route("GET", r"/offset/items", offset_items),
    _route("GET", r"/pages/items", page_items),
    _route("GET", r"/unknown/items", unknown),
    _route("POST", r"/graphql", graphql),
    _route("GET", r"/hal/orders", hal),
    _route("GET", r"/jsonapi/articles", jsonapi),
    _route("GET", r"/atlassian/search", atlassian_search),
    _route("GET", r"/atlassian/board", atlassian_board),
    _route("GET", r"/atlassian/jql", atlassian_jql),
    _route("GET", r"/zendesk/tickets", zendesk_tickets),
    _route("GET", r"/zendesk/users", zendesk_users),
    _route("GET", r"/intercom/contacts", intercom),
    _route("GET", r"/airtable/v0/[^/]+/[^/]+", airtable),
    _route("GET", r"/salesforce/query", salesforce),
    _route("GET", r"/salesforce/query/[^/]+", salesforce_more),
]

"""Paging any bearer API: detect the style, fetch every page, never return part silently.

``Client.paginate(path)`` detects the style from the first answer: a ``Link``
header (GitHub, Hugging Face), a next URL in the body (Spotify ``tracks.next``,
Microsoft Graph ``@odata.nextLink``, Facebook ``paging.next``), page numbers with
a total (TMDB), offsets with a total, a cursor (Notion, Slack, X, Google) or the
last id (Stripe, OpenAI), a GraphQL connection (GitHub, Shopify: ``pageInfo``), HAL,
JSON:API, Atlassian, Zendesk, Intercom, Airtable and Salesforce. For anything else
pass one of these paginators, or subclass :class:`Paginator`:

>>> import bearerkit as bk
>>> api.paginate("v1/search", {"q": "x", "type": "track"})            # doctest: +SKIP
>>> api.paginate("v1/users.list", paginator=bk.paging.Cursor(
...     "response_metadata.next_cursor", "cursor"))                    # doctest: +SKIP

Every frame says how it ended in ``df.attrs["paging"]`` (``style``, ``pages``,
``records``, ``complete``, ``stopped``); an error after the first page carries
``err.partial`` and ``paginate(..., resume=err)`` fetches only what is missing.
"""

from __future__ import annotations

from .detect import detect, signs_of_more
from .fetch import paginate
from .graphql import GraphQL
from .links import JsonApi, LinkHeader, NextURL
from .page import Page, PageRequest, Paginator
from .paginators import Cursor, LastId, Offset, PageNumber
from .resume import ResumePoint, Run

__all__ = [
    "Cursor",
    "GraphQL",
    "JsonApi",
    "LastId",
    "LinkHeader",
    "NextURL",
    "Offset",
    "Page",
    "PageNumber",
    "PageRequest",
    "Paginator",
    "ResumePoint",
    "Run",
    "detect",
    "paginate",
    "signs_of_more",
]

"""Paging by links: a next URL in the body, or an HTTP ``Link`` header.

:class:`NextURL` follows a link the body carries (Spotify ``next``, Microsoft
Graph ``@odata.nextLink``, Facebook ``paging.next``); :class:`LinkHeader` follows
``rel="next"`` (GitHub, Hugging Face) and, when ``rel="last"`` differs from it in
one page number only, plans every page at once. Either link is followed only
within the client's ``base_url`` (see :mod:`bearerkit.paging.fetch`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from requests.utils import parse_header_links

from ..frames import lookup
from .page import Page, PageRequest, Paginator, as_int
from .plan import FollowURL, NumberedURL, Plan

__all__ = ["JsonApi", "LinkHeader", "NextURL", "link_value", "links"]


def link_value(value: Any) -> str | None:
    """A next link from the body: a URL string, or JSON:API's ``{"href": URL}``."""
    if isinstance(value, Mapping):
        value = value.get("href")
    return value if isinstance(value, str) and value.strip() else None


class NextURL(Paginator):
    """A next-page URL in the body: ``next`` (DRF, Stripe-like), ``links.next`` (JSON:API,
    Zendesk cursor pages), ``paging.next`` (Facebook Graph), ``tracks.next`` (Spotify),
    ``@odata.nextLink`` (Microsoft Graph, OData), ``_links.next`` (HAL), ``next_page``
    (Zendesk), ``nextRecordsUrl`` (Salesforce).

    Args:
        path: dotted path of the URL in the body (a key with dots in it, such as
            ``@odata.nextLink``, is found whole; HAL's ``{"href": URL}`` is read too). A
            relative URL is resolved against the page's URL. Stops when the value is
            missing, null or empty.
        has_more_path: a flag that must be true to go on (Zendesk: ``"meta.has_more"``,
            whose last page still carries ``links.next``).
        done_path: a flag that ends the listing when true (Salesforce: ``"done"``).
    """

    style = "next_url"

    def __init__(
        self,
        path: str = "next",
        *,
        has_more_path: str | None = None,
        done_path: str | None = None,
    ) -> None:
        self.path = path
        self.has_more_path = has_more_path
        self.done_path = done_path

    def next_request(self, page: Page) -> PageRequest | None:
        if self.has_more_path is not None and lookup(page.body, self.has_more_path) is False:
            return None
        if self.done_path is not None and lookup(page.body, self.done_path) is True:
            return None
        link = link_value(lookup(page.body, self.path))
        if link is None:
            return None
        return _follow(page, urljoin(page.url, link.strip()))

    def __repr__(self) -> str:
        extras = "".join(
            f", {k}={v!r}"
            for k, v in (("has_more_path", self.has_more_path), ("done_path", self.done_path))
            if v is not None
        )
        return f"{type(self).__name__}(path={self.path!r}{extras})"


class JsonApi(NextURL):
    """JSON:API (jsonapi.org): records in ``data``, the next page at ``links.next``.

    The compound documents' ``included`` resources (authors of articles...) are not
    records: they are gathered from every page, without repeats, into
    ``df.attrs["included"]``.
    """

    style = "json_api"

    def __init__(
        self,
        path: str = "links.next",
        *,
        has_more_path: str | None = None,
        done_path: str | None = None,
    ) -> None:
        super().__init__(path, has_more_path=has_more_path, done_path=done_path)
        self._included: dict[tuple[str, str], Any] = {}

    def first_request(self, request: PageRequest) -> PageRequest:
        self._included = {}
        return request

    def next_request(self, page: Page) -> PageRequest | None:
        included = page.body.get("included") if isinstance(page.body, Mapping) else None
        for resource in included if isinstance(included, list) else ():
            if isinstance(resource, Mapping):
                key = (str(resource.get("type")), str(resource.get("id")))
                self._included.setdefault(key, resource)
        return super().next_request(page)

    def attrs(self) -> dict[str, Any]:
        return {"included": list(self._included.values())} if self._included else {}


def links(headers: Mapping[str, str]) -> dict[str, str]:
    """The ``Link`` header (RFC 8288) as ``{rel: url}``; empty when absent or unreadable."""
    value = headers.get("Link") or headers.get("link")
    if not value:
        return {}
    out: dict[str, str] = {}
    for link in parse_header_links(value):
        url = link.get("url")
        for rel in (link.get("rel") or "").split():
            if url:
                out.setdefault(rel.lower(), url)
    return out


class LinkHeader(Paginator):
    """The ``Link`` response header (RFC 8288): GitHub, GitLab, Hugging Face.

    Follows ``rel="next"``. When ``rel="last"`` differs from the next link only in
    a page number (GitHub's ``page=9``), every page up to it is known after the
    first, and fetched concurrently.

    Args:
        max_page: the highest page number the API serves, for such numbered links
            (counted from page 1).
    """

    style = "link_header"

    def __init__(self, max_page: int | None = None) -> None:
        self.max_page = max_page

    def next_request(self, page: Page) -> PageRequest | None:
        target = links(page.headers).get("next")
        return None if target is None else _follow(page, urljoin(page.url, target))

    def plan(self, page: Page) -> Plan | None:
        found = links(page.headers)
        if "next" not in found or "last" not in found:
            return None
        numbered = _numbered(urljoin(page.url, found["next"]), urljoin(page.url, found["last"]))
        if numbered is None:
            return None
        template, first, last = numbered
        # Lazy: rel="last" may say page 1,000,000,000; max_pages or the cap slice it.
        return Plan(
            range(first, last + 1), FollowURL(page.request.method, page.request.json, template)
        )


def _follow(page: Page, url: str) -> PageRequest:
    """The request for ``url`` with ``page``'s method and body.

    The link carries the query; the original params would repeat it.
    """
    return PageRequest(page.request.method, url, None, page.request.json)


def _numbered(next_url: str, last_url: str) -> tuple[Callable[[int], str], int, int] | None:
    """When two URLs differ only in one integer query value: (url maker, next, last)."""
    a, b = urlsplit(next_url), urlsplit(last_url)
    if (a.scheme, a.netloc, a.path) != (b.scheme, b.netloc, b.path):
        return None
    qa = parse_qsl(a.query, keep_blank_values=True)
    qb = dict(parse_qsl(b.query, keep_blank_values=True))
    changed = [(k, v) for k, v in qa if qb.get(k) != v]
    if len(changed) != 1 or len(qa) != len(qb):
        return None
    name, value = changed[0]
    first, last = as_int(value), as_int(qb.get(name))
    if first is None or last is None or last < first:
        return None

    # A picklable maker, not a closure: a resume point holding the plan must pickle.
    return NumberedURL(next_url, tuple(qa), name), first, last

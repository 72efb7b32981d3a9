"""The paging engine: fetch every page once, in order, concurrently when the plan is known.

One run: fetch the first page; find its records; pick the paginator (detected, or
the caller's); then either fetch every planned request on a thread pool (results
kept in page order) or follow ``next_request`` one page at a time. It never returns
less than everything without saying so: stopping at ``max_pages`` or an API's page
cap marks the result incomplete and warns, and an error after the first page
carries ``.partial`` (the records so far) and a :class:`ResumePoint` that
``resume=`` continues from.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from ..auth import origin
from ..cassette import recording
from ..errors import BearerkitError, PagingError, PagingInterrupted, ResponseFormatError
from ..frames import locate_records, lookup
from ..redact import mask_url
from .detect import PAGE_SIZE_FIELDS, TOTAL_FIELDS, detect, require_followable
from .page import GetPage, Page, PageRequest, Paginator, as_int
from .partial import done_reason, incomplete, interrupted, run_info, with_partial
from .plan import Pending, Plan
from .pool import run_planned
from .progress import close_bar, progress_bar, tick
from .resume import Run, RunState, resume_point, shown

__all__ = ["paginate"]


def paginate(
    get_page: GetPage,
    request: PageRequest,
    *,
    base_url: str,
    paginator: Paginator | str = "auto",
    record_path: str | None = None,
    max_pages: int | None = None,
    workers: int = 4,
    progress: bool | None = None,
    page_cap: int | None = None,
    resume: Any = None,
    on_page: Callable[[list[Any], PageRequest | None], None] | None = None,
) -> Run:
    """Fetch every page of ``request``'s listing and return the records in order.

    Args:
        get_page: sends one :class:`PageRequest` through the client and returns the page.
        request: the first page's request (method, path, params, JSON body).
        base_url: the client's API root; next links elsewhere are refused.
        paginator: ``"auto"`` (detect from the first page) or a paginator.
        record_path: dotted path of each page's records; found when ``None``.
        max_pages: stop after this many pages (marked incomplete, with a warning).
        workers: threads for planned pages.
        progress: a progress bar; ``None``: when more than one page is known.
        page_cap: the highest page number the API serves (TMDB: 500), for auto-detected
            page-numbered styles.
        resume: an error from an earlier run (its ``.partial``), or an incomplete
            frame: continue where it stopped, fetching nothing it already has.
        on_page: called with each page's records in page order (and, for sequential
            styles, the next request), as the run goes: see :mod:`bearerkit.bulk.stream`.
            The run then keeps no records of its own (a one-page answer excepted).

    Raises:
        PagingError: more data shown that ``auto`` cannot follow; a next link to
            another host; an API going round in circles.
        BearerkitError: any request failure; after the first page with ``.partial``.
    """
    # Checked before anything is sent: a bad value found after the first page would
    # cost a request and fail with a bare TypeError from deep inside the run.
    if max_pages is not None:
        _whole_number("max_pages", max_pages, "how many pages to fetch at most, or None for all")
    _whole_number("workers", workers, "how many pages to fetch at once")
    if not (paginator == "auto" or isinstance(paginator, Paginator)):
        raise ValueError(
            f"paginator must be 'auto' or a bearerkit.paging paginator (PageNumber, Offset, "
            f"NextURL, LinkHeader, Cursor, LastId, or a Paginator subclass), not {paginator!r}"
        )
    desc = _label(urlsplit(request.path).path)
    # The API's root is part of a run's identity: the same path of another API (or a
    # resume point from another client's run) must never mix its records in.
    run_origin = hashlib.sha256(f"{base_url.rstrip('/')}\n{request.key()}".encode()).hexdigest()
    label = shown(_absolute(request, base_url))

    counts = _CacheCounts()

    def fetch(req: PageRequest) -> Page:
        return counts.seen(get_page(_checked(req, base_url)))

    if resume is not None:
        point = resume_point(resume)
        if point.origin != run_origin:
            belongs = f"a run of {point.label}" if point.label else "another paginate call"
            raise PagingError(
                f"resume= belongs to {belongs} (stopped after page {point.pages}, "
                f"{len(point.records)} records), not to this call, {label}. Resume it with "
                "the client, path, parameters and body of the run that stopped, or leave out "
                "resume= to start this listing afresh."
            )
        state = RunState.resumed(point)
        state.on_page = on_page
        pending = Pending(point.pending) if point.pending else None
        following = point.next_request
        cached = False
    else:
        first_request = (
            paginator.first_request(request) if isinstance(paginator, Paginator) else request
        )
        first = fetch(first_request)
        if first.body is None:  # an empty frame would hide that nothing came back
            raise ResponseFormatError(
                f"{shown(first_request)} answered with an empty body, not JSON records. "
                "Check the path; use get() for endpoints that answer nothing."
            )
        path, first.records = locate_records(first.body, record_path)
        chosen = (
            paginator
            if isinstance(paginator, Paginator)
            else detect(first, record_path=path, max_page=page_cap)
        )
        if chosen is None:
            require_followable(first, record_path=path)
            stopped = "one page: the response shows no paging"
            single = Run(list(first.records), run_info(None, 1, len(first.records), True, stopped))
            return counts.noted(single, None)
        own = chosen.records(first.body)  # a style that knows its records (GraphQL's nodes)
        if own is not None:
            first.records = own
        state = RunState(
            run_origin, chosen, path, record_path is not None, on_page=on_page, label=label
        )
        state.add(first.records)
        state.seen.add(first_request.key())
        state.limit = _page_limit(chosen, first)
        state.expected = _announced_total(first, path)
        try:
            planned = chosen.plan(first)
            following = None if planned is not None else chosen.next_request(first)
        except BearerkitError as err:
            raise with_partial(err, state) from None
        pending = _pending(planned)
        cached = first.from_cache and not first.revalidated  # a 304 is a round trip

    if pending is not None:
        if recording():
            workers = 1  # vcrpy loses interactions recorded from several threads at once
        run = run_planned(state, pending, fetch, max_pages, workers, progress, desc, cached)
    else:
        run = _run_sequential(state, following, fetch, max_pages, progress, desc)
    return counts.noted(run, state.paginator)


class _CacheCounts:
    """Pages the cache answered (``from_cache``) and those it revalidated with a 304."""

    def __init__(self) -> None:
        self.from_cache = 0
        self.revalidated = 0
        self._lock = threading.Lock()

    def seen(self, page: Page) -> Page:
        if page.from_cache:
            with self._lock:
                self.from_cache += 1
                self.revalidated += bool(getattr(page, "revalidated", False))
        return page

    def noted(self, run: Run, paginator: Paginator | None) -> Run:
        """``run`` with the counts in ``attrs["paging"]`` and the paginator's extra attrs."""
        run.info["from_cache"] = self.from_cache
        run.info["revalidated"] = self.revalidated
        if paginator is not None:
            run.attrs.update(paginator.attrs())
        return run


def _run_sequential(
    state: RunState,
    following: PageRequest | None,
    fetch: GetPage,
    max_pages: int | None,
    progress: bool | None,
    desc: str,
) -> Run:
    """Follow ``next_request`` one page at a time (cursors, next links, last ids)."""
    bar = None
    ok = False
    stop: PagingInterrupted | None = None
    try:
        try:
            while following is not None:
                allowed, cut_by = state.allowed(max_pages)
                if allowed is not None and allowed <= 0 and cut_by is not None:
                    ok = True
                    return incomplete(
                        state,
                        cut_by,
                        max_pages,
                        None,
                        next_request=following if cut_by == "max_pages" else None,
                    )
                key = following.key()
                if key in state.seen:
                    raise with_partial(
                        PagingError(
                            f"The API sent the same next page twice ({shown(following)}); "
                            "stopping instead of going round in circles. Check the "
                            "paginator's cursor field."
                        ),
                        state,
                        next_request=None,
                    )
                state.seen.add(key)
                if bar is None and progress is not False:
                    bar = progress_bar(None, True, desc=desc, initial=state.pages)
                try:
                    page = state.fetch(fetch, following)
                    nxt = state.paginator.next_request(page)
                except BearerkitError as err:
                    raise with_partial(err, state, next_request=following) from None
                state.add(page.records, next_request=nxt)
                following = nxt  # straight after add: a Ctrl-C now resumes at the right page
                tick(bar)
            ok = True
        except KeyboardInterrupt:
            # The page being fetched is dropped; resume= sends it again.
            stop = interrupted(state, next_request=following)
    finally:
        close_bar(bar, finished=ok)
    if stop is not None:
        raise stop  # outside the except block: no chained interrupt (its frames hold headers)
    return Run(
        state.records,
        run_info(state.paginator, state.pages, len(state.records), True, done_reason(state)),
    )


def _pending(planned: Sequence[PageRequest] | None) -> Pending | None:
    """What the run has to fetch: a lazy plan stays lazy; a paginator's own list is kept."""
    if planned is None:
        return None
    return Pending(planned if isinstance(planned, Plan) else [(r, None) for r in planned])


def _absolute(request: PageRequest, base_url: str) -> PageRequest:
    """``request`` with its path under ``base_url`` (for messages that name the API)."""
    if urlsplit(request.path).scheme:
        return request
    path = f"{base_url.rstrip('/')}/{request.path.lstrip('/')}"
    return PageRequest(request.method, path, request.params, request.json)


def _announced_total(first: Page, record_path: str | None) -> int | None:
    """The record total a first page announced, when it came back shorter than asked.

    A server that serves 10 records where ``per_page=20`` was asked may count its pages
    for 20: the run then checks that the records it got add up to the total.
    """
    params = first.request.params or {}
    asked = next((as_int(params[n]) for n in PAGE_SIZE_FIELDS if n in params), None)
    if not asked or not 0 < len(first.records) < asked:
        return None
    # Only from the listing's start: a run begun at its last page is short for no fault.
    if as_int(params.get("page", 1)) not in (0, 1) or any(
        as_int(params.get(name, 0)) != 0 for name in ("offset", "startAt")
    ):
        return None
    parent = record_path.rsplit(".", 1)[0] + "." if record_path and "." in record_path else ""
    for prefix in dict.fromkeys(("", parent)):
        for name in TOTAL_FIELDS:
            total = as_int(lookup(first.body, prefix + name))
            if total is not None:
                return total
    return None


def _whole_number(name: str, value: Any, meaning: str) -> None:
    """Refuse anything but a whole number of at least 1 (``2.5``, ``"2"``, ``0``, ``True``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1 ({meaning}), not {value!r}")


def _page_limit(paginator: Paginator, first: Page) -> int | None:
    """Pages the API serves from the first page on, from the paginator's ``max_page``."""
    cap = paginator.page_limit()
    if cap is None:
        return None
    current = getattr(paginator, "current", None)
    start = getattr(paginator, "start", 1)
    if callable(current):
        return max(1, cap - (current(first) - start))
    return cap


def _checked(request: PageRequest, base_url: str) -> PageRequest:
    """``request``, unless it is a link to another host or scheme, or outside ``base_url``.

    The client sends its token with every request; a next link chosen by the server
    must not carry it anywhere else.
    """
    parts = urlsplit(request.path)
    if not (parts.scheme or parts.netloc):
        return request
    # ".../api/../admin/x" is "/admin/x" to the server: check (and send) what it will serve.
    parts = parts._replace(path=_without_dot_segments(parts.path))
    base = urlsplit(base_url.rstrip("/"))
    target = origin(request.path)
    if target is None or target != origin(base_url):
        raise PagingError(
            f"The next page link points at {_origin_text(parts)}, not this client's API "
            f"({_origin_text(base)}); bearerkit does not send the token to another host or "
            "scheme and stopped. If that host is trusted, page it with a Client for it."
        )
    if not (parts.path == base.path or parts.path.startswith(base.path + "/")):
        raise PagingError(
            f"The next page link {mask_url(request.path)} is outside this client's base_url "
            f"{base_url}; create the Client with base_url={_origin_text(base)} to follow it."
        )
    # Spelled as the client spells its base_url (a link may say :443 or HOST in capitals).
    rest = parts.path[len(base.path) :] + (f"?{parts.query}" if parts.query else "")
    return PageRequest(request.method, base_url.rstrip("/") + rest, request.params, request.json)


def _without_dot_segments(path: str) -> str:
    """``path`` with ``.`` and ``..`` segments resolved (RFC 3986, 5.2.4).

    Percent-encoded dots (``%2e%2e``) count too: many servers decode them first.
    """
    out: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        dots = unquote(segment)
        last = i == len(segments) - 1
        if dots == ".":
            if last:
                out.append("")
        elif dots == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/".join(out)


def _origin_text(parts: Any) -> str:
    return mask_url(f"{parts.scheme}://{parts.netloc}")


def _label(path: str, *, limit: int = 40) -> str:
    """The progress bar's label: the path, or its first and last parts when it is long."""
    path = path.strip("/") or "pages"
    parts = path.split("/")
    if len(path) <= limit or len(parts) < 3:
        return path[-limit:]
    return f"{parts[0]}/…/{parts[-1]}"[-limit:]

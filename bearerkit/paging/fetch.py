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

from typing import Any
from urllib.parse import urlsplit

from ..auth import origin
from ..cassette import recording
from ..errors import BearerkitError, PagingError, ResponseFormatError
from ..frames import locate_records
from ..redact import mask_url
from .detect import detect, require_followable
from .page import GetPage, Page, PageRequest, Paginator
from .partial import done_reason, incomplete, run_info, with_partial
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

    Raises:
        PagingError: more data shown that ``auto`` cannot follow; a next link to
            another host; an API going round in circles.
        BearerkitError: any request failure; after the first page with ``.partial``.
    """
    if max_pages is not None and max_pages < 1:
        raise ValueError(f"max_pages must be at least 1, not {max_pages!r}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers!r}")
    if not (paginator == "auto" or isinstance(paginator, Paginator)):
        raise ValueError(
            f"paginator must be 'auto' or a bearerkit.paging paginator (PageNumber, Offset, "
            f"NextURL, LinkHeader, Cursor, LastId, or a Paginator subclass), not {paginator!r}"
        )
    desc = _label(urlsplit(request.path).path)
    run_origin = request.key()

    def fetch(req: PageRequest) -> Page:
        return get_page(_checked(req, base_url))

    if resume is not None:
        point = resume_point(resume)
        if point.origin != run_origin:
            raise PagingError(
                "resume= comes from a paginate call with another path, parameters or body; "
                "call paginate with the same arguments as the run that stopped"
            )
        state = RunState.resumed(point)
        pending = list(point.pending) if point.pending else None
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
            return Run(list(first.records), run_info(None, 1, len(first.records), True, stopped))
        state = RunState(run_origin, chosen, path, record_path is not None)
        state.add(first.records)
        state.seen.add(first_request.key())
        state.limit = _page_limit(chosen, first)
        try:
            planned = chosen.plan(first)
            following = None if planned is not None else chosen.next_request(first)
        except BearerkitError as err:
            raise with_partial(err, state) from None
        pending = [(r, None) for r in planned] if planned is not None else None
        cached = first.from_cache

    if pending is not None:
        if recording():
            workers = 1  # vcrpy loses interactions recorded from several threads at once
        return run_planned(state, pending, fetch, max_pages, workers, progress, desc, cached)
    return _run_sequential(state, following, fetch, max_pages, progress, desc)


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
                        f"The API sent the same next page twice ({shown(following)}); stopping "
                        "instead of going round in circles. Check the paginator's cursor field."
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
            state.add(page.records)
            tick(bar)
            following = nxt
        ok = True
    finally:
        close_bar(bar, finished=ok)
    return Run(
        state.records,
        run_info(state.paginator, state.pages, len(state.records), True, done_reason(state)),
    )


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


def _origin_text(parts: Any) -> str:
    return mask_url(f"{parts.scheme}://{parts.netloc}")


def _label(path: str, *, limit: int = 40) -> str:
    """The progress bar's label: the path, or its first and last parts when it is long."""
    path = path.strip("/") or "pages"
    parts = path.split("/")
    if len(path) <= limit or len(parts) < 3:
        return path[-limit:]
    return f"{parts[0]}/…/{parts[-1]}"[-limit:]

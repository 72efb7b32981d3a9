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

import os
import sys
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..cassette import recording
from ..errors import BearerkitError, PagingError
from ..frames import find_records, locate_records, lookup, records_to_frame
from ..redact import mask_url
from .detect import describe_more, detect, require_followable
from .paginators import Page, PageRequest, Paginator

__all__ = ["GetPage", "ResumePoint", "Run", "paginate", "progress_bar", "warn_if_more_pages"]

# Fetches one page: sends the request through the client, decodes the JSON.
GetPage = Callable[[PageRequest], Page]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, eq=False)
class ResumePoint:
    """Where an unfinished paging run stopped; ``paginate(..., resume=...)`` continues here.

    Kept in ``df.attrs["paging"]["resume"]`` of a partial or incomplete frame (and so
    reachable from ``err.partial``). Copying a frame does not copy it.

    Attributes:
        origin: the first request's identity; ``resume`` refuses a different call.
        paginator: the paginator of the run.
        record_path: where the records are in each page.
        strict_path: the caller named ``record_path``: a page without it is an error.
        records: every record so far, in order.
        pages: how many pages those came from.
        pending: planned requests still to fetch, each with its records when a
            worker already fetched it out of order (so it is not fetched again).
        next_request: for sequential styles, the request to send next.
        limit: pages the API serves at most from the first page (a page cap), or ``None``.
    """

    origin: tuple[Any, ...]
    paginator: Paginator
    record_path: str | None
    strict_path: bool
    records: list[Any]
    pages: int
    pending: tuple[tuple[PageRequest, list[Any] | None], ...] = ()
    next_request: PageRequest | None = None
    limit: int | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> ResumePoint:
        return self  # never changed after creation; pandas deep-copies attrs often

    def __repr__(self) -> str:
        if self.pending:
            todo = f"{len(self.pending)} planned pages left"
        elif self.next_request is not None:
            todo = f"next: {_shown(self.next_request)}"
        else:
            todo = "nothing left"
        return f"<ResumePoint after page {self.pages} ({len(self.records)} records); {todo}>"


@dataclass
class Run:
    """What :func:`paginate` returns: the records in order and the ``attrs["paging"]`` dict."""

    records: list[Any]
    info: dict[str, Any]

    def frame(self) -> Any:
        """The records as a DataFrame carrying ``attrs["paging"]``."""
        frame = records_to_frame(self.records)
        frame.attrs["paging"] = self.info
        return frame


@dataclass
class _State:
    """A run in progress (one per call; workers only return pages, this thread adds them)."""

    origin: tuple[Any, ...]
    paginator: Paginator
    record_path: str | None
    explicit_path: bool
    records: list[Any] = field(default_factory=list)
    pages: int = 0
    limit: int | None = None
    seen: set[tuple[Any, ...]] = field(default_factory=set)

    def add(self, records: list[Any]) -> None:
        self.records.extend(records)
        self.pages += 1

    def point(
        self,
        *,
        pending: list[tuple[PageRequest, list[Any] | None]] | None = None,
        next_request: PageRequest | None = None,
    ) -> ResumePoint:
        return ResumePoint(
            self.origin,
            self.paginator,
            self.record_path,
            self.explicit_path,
            list(self.records),
            self.pages,
            tuple(pending or ()),
            next_request,
            self.limit,
        )


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
    desc = urlsplit(request.path).path.strip("/")[-40:] or "pages"
    origin = request.key()

    def fetch(req: PageRequest) -> Page:
        return get_page(_checked(req, base_url))

    if resume is not None:
        point = _resume_point(resume)
        if point.origin != origin:
            raise PagingError(
                "resume= comes from a paginate call with another path, parameters or body; "
                "call paginate with the same arguments as the run that stopped"
            )
        state = _State(
            origin,
            point.paginator,
            point.record_path,
            point.strict_path,
            list(point.records),
            point.pages,
            point.limit,
        )
        pending = list(point.pending) if point.pending else None
        following = point.next_request
        cached = False
    else:
        first_request = (
            paginator.first_request(request) if isinstance(paginator, Paginator) else request
        )
        first = fetch(first_request)
        path: str | None = record_path
        if record_path is not None:
            first.records = find_records(first.body, record_path)
        else:
            path, first.records = locate_records(first.body)
        chosen = (
            paginator
            if isinstance(paginator, Paginator)
            else detect(first, record_path=path, max_page=page_cap)
        )
        if chosen is None:
            require_followable(first, record_path=path)
            stopped = "one page: the response shows no paging"
            return Run(list(first.records), _info(None, 1, len(first.records), True, stopped))
        state = _State(origin, chosen, path, record_path is not None)
        state.add(first.records)
        state.seen.add(first_request.key())
        state.limit = _page_limit(chosen, first)
        try:
            planned = chosen.plan(first)
            following = None if planned is not None else chosen.next_request(first)
        except BearerkitError as err:
            raise _with_partial(err, state) from None
        pending = [(r, None) for r in planned] if planned is not None else None
        cached = first.from_cache

    if pending is not None:
        if recording():
            workers = 1  # vcrpy loses interactions recorded from several threads at once
        return _run_planned(state, pending, fetch, max_pages, workers, progress, desc, cached)
    return _run_sequential(state, following, fetch, max_pages, progress, desc)


def warn_if_more_pages(page: Page, *, record_path: str | None = None) -> None:
    """Warn (``UserWarning``) when ``page`` is one page of several, naming ``paginate``."""
    if record_path is None:
        path, page.records = locate_records(page.body)
    else:
        path, page.records = record_path, find_records(page.body, record_path)
    try:
        more = describe_more(page, record_path=path)
    except BearerkitError:
        return  # a shape the paginators cannot read: nothing to advise
    if more is None:
        return
    warnings.warn(
        f"This response is one page of several ({more}); get_df returned only its "
        f"{len(page.records)} records. Use client.paginate(...) to fetch every page.",
        UserWarning,
        stacklevel=_stacklevel(),
    )


def _run_planned(
    state: _State,
    pending: list[tuple[PageRequest, list[Any] | None]],
    fetch: GetPage,
    max_pages: int | None,
    workers: int,
    progress: bool | None,
    desc: str,
    cached: bool,
) -> Run:
    """Fetch every planned request (a pool once the cache stops answering), in order."""
    known_total = state.pages + len(pending)
    allowed, cut_by = _allowed(state, max_pages)
    kept = pending if allowed is None else pending[: max(0, allowed)]
    left = pending[len(kept) :]
    # Pages past max_pages can be fetched later; pages past the API's cap never.
    later = left if cut_by == "max_pages" else []
    bar = progress_bar(state.pages + len(kept), progress, desc=desc, initial=state.pages)
    ok = False
    try:
        index = 0
        # Pages the cache answers cost a millisecond: read them here, in order, while
        # the cache keeps answering (a thread per page would double a cached re-run);
        # the first page that needs the network sends the rest to the pool.
        while cached and index < len(kept):
            req, got = kept[index]
            if got is None:
                try:
                    page = _fetch_records(fetch, req, state)
                except BearerkitError as err:
                    raise _with_partial(err, state, pending=kept[index:] + later) from None
                got, cached = page.records, page.from_cache
            state.add(got)
            index += 1
            _tick(bar)
        if index < len(kept):
            _fetch_pool(state, kept[index:], later, fetch, workers, bar)
        ok = True
    finally:
        _close(bar, finished=ok)
    if left and cut_by is not None:
        return _incomplete(state, cut_by, max_pages, known_total, pending=later)
    return Run(
        state.records,
        _info(
            state.paginator,
            state.pages,
            len(state.records),
            True,
            f"last page ({known_total} pages planned from the first)",
            total_pages=known_total,
        ),
    )


def _fetch_pool(
    state: _State,
    todo: list[tuple[PageRequest, list[Any] | None]],
    left: list[tuple[PageRequest, list[Any] | None]],
    fetch: GetPage,
    workers: int,
    bar: Any,
) -> None:
    """Fetch ``todo`` on ``workers`` threads; add the records in order as they complete."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bearerkit-page")
    futures: list[Future[Page] | None] = []
    try:
        for req, got in todo:
            futures.append(None if got is not None else pool.submit(fetch, req))
        for i, future in enumerate(futures):
            if future is None:
                records = todo[i][1] or []
            else:
                try:
                    page = future.result()
                    page.records = _records(page.body, state)
                    records = page.records
                except BearerkitError as err:
                    # Keep what the workers fetched past the failed page: resume then
                    # fetches only the pages that are really missing.
                    for later in futures[i + 1 :]:
                        if later is not None:
                            later.cancel()
                    pool.shutdown(wait=True, cancel_futures=True)
                    rest = []
                    for j, (req, got) in enumerate(todo[i:]):
                        if got is None and j > 0:
                            got = _done_records(futures[i + j], state)
                        rest.append((req, got))
                    raise _with_partial(err, state, pending=rest + left) from None
            state.add(records)
            _tick(bar)
    finally:
        # On an error, don't keep fetching pages nobody will read.
        pool.shutdown(wait=True, cancel_futures=True)


def _done_records(future: Future[Page] | None, state: _State) -> list[Any] | None:
    """The records of a future that finished without error, else ``None`` (to fetch again)."""
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return None
    try:
        return _records(future.result().body, state)
    except BearerkitError:
        return None


def _run_sequential(
    state: _State,
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
            allowed, cut_by = _allowed(state, max_pages)
            if allowed is not None and allowed <= 0 and cut_by is not None:
                ok = True
                return _incomplete(
                    state,
                    cut_by,
                    max_pages,
                    None,
                    next_request=following if cut_by == "max_pages" else None,
                )
            key = following.key()
            if key in state.seen:
                raise _with_partial(
                    PagingError(
                        f"The API sent the same next page twice ({_shown(following)}); stopping "
                        "instead of going round in circles. Check the paginator's cursor field."
                    ),
                    state,
                    next_request=None,
                )
            state.seen.add(key)
            if bar is None and progress is not False:
                bar = progress_bar(None, True, desc=desc, initial=state.pages)
            try:
                page = _fetch_records(fetch, following, state)
                nxt = state.paginator.next_request(page)
            except BearerkitError as err:
                raise _with_partial(err, state, next_request=following) from None
            state.add(page.records)
            _tick(bar)
            following = nxt
        ok = True
    finally:
        _close(bar, finished=ok)
    return Run(
        state.records,
        _info(state.paginator, state.pages, len(state.records), True, _done_reason(state)),
    )


def _fetch_records(fetch: GetPage, request: PageRequest, state: _State) -> Page:
    page = fetch(request)
    page.records = _records(page.body, state)
    return page


def _records(body: Any, state: _State) -> list[Any]:
    """A later page's records, at the place the first page had them."""
    if state.record_path is None:
        return locate_records(body)[1]
    if state.explicit_path:
        return find_records(body, state.record_path)
    # An API may leave the list out of its last, empty page (X omits "data").
    found = lookup(body, state.record_path)
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


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


def _allowed(state: _State, max_pages: int | None) -> tuple[int | None, str | None]:
    """How many more pages may be fetched, and which limit decides (``max_pages``/``cap``)."""
    limits = []
    if max_pages is not None:
        limits.append((max_pages - state.pages, "max_pages"))
    if state.limit is not None:
        limits.append((state.limit - state.pages, "cap"))
    if not limits:
        return None, None
    # On a tie the cap wins: more max_pages would not fetch more.
    return min(limits, key=lambda x: (x[0], x[1] != "cap"))


def _incomplete(
    state: _State,
    cut_by: str,
    max_pages: int | None,
    known_total: int | None,
    *,
    pending: list[tuple[PageRequest, list[Any] | None]] | None = None,
    next_request: PageRequest | None = None,
) -> Run:
    """The result of a run stopped by ``max_pages`` or a page cap: marked, warned, resumable."""
    more = f" of {known_total}" if known_total is not None else ""
    if cut_by == "max_pages":
        stopped = f"max_pages={max_pages} reached after {state.pages}{more} pages; more remain"
        advice = "pass a larger max_pages, or resume=<this frame> to fetch the rest"
    else:
        stopped = (
            f"the API's page cap: it serves {state.limit} pages from the first, and this "
            f"listing has more{f' ({known_total} pages)' if known_total else ''}"
        )
        advice = "narrow the query (filters, a date range, another sort) to reach the rest"
    resumable = bool(pending) or next_request is not None
    info = _info(
        state.paginator,
        state.pages,
        len(state.records),
        False,
        stopped,
        total_pages=known_total,
        resume=state.point(pending=pending, next_request=next_request) if resumable else None,
    )
    warnings.warn(
        f"paginate returned {len(state.records)} records from {state.pages} pages, not all of "
        f"them: {stopped}. df.attrs['paging'] has the details; {advice}.",
        UserWarning,
        stacklevel=_stacklevel(),
    )
    return Run(state.records, info)


def _with_partial(
    err: BearerkitError,
    state: _State,
    *,
    pending: list[tuple[PageRequest, list[Any] | None]] | None = None,
    next_request: PageRequest | None = None,
) -> BearerkitError:
    """Attach ``.partial`` (the records so far, resumable) to ``err`` and return it."""
    resumable = bool(pending) or next_request is not None
    info = _info(
        state.paginator,
        state.pages,
        len(state.records),
        False,
        f"{type(err).__name__} on page {state.pages + 1}",
        resume=state.point(pending=pending, next_request=next_request) if resumable else None,
    )
    err.partial = Run(list(state.records), info).frame()
    return err


def _info(
    paginator: Paginator | None,
    pages: int,
    records: int,
    complete: bool,
    stopped: str,
    *,
    total_pages: int | None = None,
    resume: ResumePoint | None = None,
) -> dict[str, Any]:
    info: dict[str, Any] = {
        "style": paginator.style if paginator is not None else "single",
        "paginator": repr(paginator) if paginator is not None else None,
        "pages": pages,
        "records": records,
        "complete": complete,
        "stopped": stopped,
    }
    if total_pages is not None:
        info["total_pages"] = total_pages
    if resume is not None:
        info["next"] = (
            f"{len(resume.pending)} planned pages, from {_shown(resume.pending[0][0])}"
            if resume.pending
            else _shown(resume.next_request)
        )
        info["resume"] = resume
    return info


def _done_reason(state: _State) -> str:
    words = {
        "cursor": "the next cursor is empty",
        "next_url": "no next link in the body",
        "link_header": 'no rel="next" in the Link header',
        "last_id": "has_more is false",
        "page_number": "an empty or last page",
        "offset": "the last offset",
    }
    return words.get(state.paginator.style, "the paginator found no next page")


def _resume_point(resume: Any) -> ResumePoint:
    """The :class:`ResumePoint` inside an error, a partial frame, or the point itself."""
    if isinstance(resume, ResumePoint):
        return resume
    frame = resume.partial if isinstance(resume, BearerkitError) else resume
    attrs = getattr(frame, "attrs", None)
    info = attrs.get("paging") if isinstance(attrs, Mapping) else None
    point = info.get("resume") if isinstance(info, Mapping) else None
    if isinstance(point, ResumePoint):
        return point
    raise PagingError(
        "resume= takes an error raised by paginate after its first page (err), its "
        "err.partial, or a frame paginate returned incomplete; this one has nothing to "
        "resume (it is complete, or the error came before the first page arrived)"
    )


def _checked(request: PageRequest, base_url: str) -> PageRequest:
    """``request``, unless it is a link to another host or scheme, or outside ``base_url``.

    The client sends its token with every request; a next link chosen by the server
    must not carry it anywhere else.
    """
    parts = urlsplit(request.path)
    if not (parts.scheme or parts.netloc):
        return request
    base = urlsplit(base_url.rstrip("/"))
    if _origin(parts) != _origin(base):
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


def _origin(parts: Any) -> tuple[str, str, int | None]:
    scheme = (parts.scheme or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = -1  # unreadable: never equal to the client's
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _origin_text(parts: Any) -> str:
    return mask_url(f"{parts.scheme}://{parts.netloc}")


def _shown(request: PageRequest | None) -> str:
    """A request in words for messages: method, masked URL, and the params."""
    if request is None:
        return "nothing"
    params = "&".join(f"{k}={v}" for k, v in (request.params or {}).items())
    url = request.path + (("&" if "?" in request.path else "?") + params if params else "")
    body = f" {request.json}" if request.json else ""
    return f"{request.method} {mask_url(url)}{body}"[:300]


def _stacklevel() -> int:
    """The ``warnings`` stacklevel of the first caller outside bearerkit (the user's cell)."""
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def progress_bar(total: int | None, progress: bool | None, *, desc: str, initial: int = 0) -> Any:
    """A tqdm.auto bar (a widget in Jupyter, text in a terminal), or ``None`` when off.

    ``total=None`` is a count without an end, for styles that learn of each page from
    the one before; it is set to the count when the run finishes, so the bar ends full.
    """
    if progress is False or (progress is None and (total is None or total <= 1)):
        return None
    from tqdm.auto import tqdm  # late: tqdm.auto pulls in ipywidgets inside Jupyter

    return tqdm(total=total, desc=desc, unit="page", leave=True, initial=initial)


def _tick(bar: Any) -> None:
    if bar is not None:
        bar.update(1)


def _close(bar: Any, *, finished: bool) -> None:
    """Close the bar; a finished run's bar ends at 100% even when the total was unknown."""
    if bar is None:
        return
    if finished and bar.total != bar.n:
        done, started = bar.n, bar.start_t
        bar.reset(total=done)  # also sets a widget's maximum in Jupyter
        bar.start_t = started  # keep the elapsed time and rate honest
        bar.update(done)
    bar.close()

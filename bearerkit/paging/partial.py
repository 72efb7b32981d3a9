"""Never silently partial: the ``attrs["paging"]`` record, ``.partial`` on errors, warnings.

A run cut short by ``max_pages`` or an API's page cap returns what it has, marked
incomplete, with a warning; an error after the first page carries the records so
far as ``err.partial``; ``get_df`` on one page of several warns and names
``paginate``. Each warning points at the user's own line, not at bearerkit.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from ..errors import BearerkitError, PagingInterrupted
from ..frames import locate_records
from .detect import describe_more
from .page import Page, PageRequest, Paginator
from .resume import ResumeNote, ResumePoint, Run, RunState, shown

__all__ = [
    "done_reason",
    "incomplete",
    "interrupted",
    "run_info",
    "warn_if_more_pages",
    "with_partial",
]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def warn_if_more_pages(page: Page, *, record_path: str | None = None) -> None:
    """Warn (``UserWarning``) when ``page`` is one page of several, naming ``paginate``."""
    path, page.records = locate_records(page.body, record_path)
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
        stacklevel=stacklevel(),
    )


def incomplete(
    state: RunState,
    cut_by: str,
    max_pages: int | None,
    known_total: int | None,
    *,
    pending: Sequence[tuple[PageRequest, list[Any] | None]] | None = None,
    next_request: PageRequest | None = None,
) -> Run:
    """The result of a run stopped by ``max_pages`` or a page cap: marked, warned, resumable."""
    more = f" of {known_total}" if known_total is not None else ""
    if cut_by == "max_pages":
        stopped = f"max_pages={max_pages} reached after {state.pages}{more} pages; more remain"
        advice = "pass a larger max_pages, or resume=<this frame> to fetch the rest"
    elif cut_by == "short":
        stopped = (
            f"every planned page came back, but the API announced {state.expected} records "
            f"and served {len(state.records)}: its first page held fewer than asked, so it "
            "caps the page size and its page count does not cover everything"
        )
        advice = (
            "ask for the page size it really serves (per_page=/limit=), or pass "
            "paginator=bk.paging.PageNumber(total_path=..., page_size=<what it serves>)"
        )
    else:
        stopped = (
            f"the API's page cap: it serves {state.limit} pages from the first, and this "
            f"listing has more{f' ({known_total} pages)' if known_total else ''}"
        )
        advice = "narrow the query (filters, a date range, another sort) to reach the rest"
    info = run_info(
        state.paginator,
        state.pages,
        len(state.records),
        False,
        stopped,
        total_pages=known_total,
        resume=state.point(pending=pending, next_request=next_request),
    )
    warnings.warn(
        f"paginate returned {len(state.records)} records from {state.pages} pages, not all of "
        f"them: {stopped}. df.attrs['paging'] has the details; {advice}.",
        UserWarning,
        stacklevel=stacklevel(),
    )
    return Run(state.records, info)


def with_partial(
    err: BearerkitError,
    state: RunState,
    *,
    pending: Sequence[tuple[PageRequest, list[Any] | None]] | None = None,
    next_request: PageRequest | None = None,
) -> BearerkitError:
    """Attach ``.partial`` (the records so far, resumable) to ``err`` and return it."""
    stopped = f"{type(err).__name__} on page {state.pages + 1}"
    err.partial = _partial(state, stopped, pending=pending, next_request=next_request)
    return err


def interrupted(
    state: RunState,
    *,
    pending: Sequence[tuple[PageRequest, list[Any] | None]] | None = None,
    next_request: PageRequest | None = None,
) -> PagingInterrupted:
    """The :class:`PagingInterrupted` for Ctrl-C during a run: the records so far as ``.partial``.

    Still a ``KeyboardInterrupt``, so a loop around ``paginate`` stops too; its text
    says where the pages are, and holds no request (a next link may carry a credential).
    """
    err = PagingInterrupted(
        f"paginate stopped by Ctrl-C after {state.pages} pages; their {len(state.records)} "
        "records are in .partial of this exception, and paginate(..., resume=<it>) fetches "
        "only the rest (in Jupyter: resume=sys.last_value)."
    )
    stopped = f"interrupted (Ctrl-C) after page {state.pages}"
    err.partial = _partial(state, stopped, pending=pending, next_request=next_request)
    return err


def _partial(
    state: RunState,
    stopped: str,
    *,
    pending: Sequence[tuple[PageRequest, list[Any] | None]] | None,
    next_request: PageRequest | None,
) -> Any:
    """The ``.partial`` of a run that stopped: its records so far, resumable from here."""
    info = run_info(
        state.paginator,
        state.pages,
        len(state.records),
        False,
        stopped,
        resume=state.point(pending=pending, next_request=next_request),
    )
    return Run(list(state.records), info).frame()


def run_info(
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
            f"{len(resume.pending)} planned pages, from {shown(resume.pending[0][0])}"
            if resume.pending
            else shown(resume.next_request)
        )
        info["resume"] = ResumeNote(resume)
    return info


# Why a sequential run ended, by paginator style.
_DONE_WORDS = {
    "cursor": "the next cursor is empty",
    "next_url": "no next link in the body",
    "link_header": 'no rel="next" in the Link header',
    "last_id": "has_more is false",
    "graphql": "pageInfo.hasNextPage is false",
    "json_api": "no next link in the body",
    "page_number": "an empty or last page",
    "offset": "the last offset",
}


def done_reason(state: RunState) -> str:
    return _DONE_WORDS.get(state.paginator.style, "the paginator found no next page")


def stacklevel() -> int:
    """The ``warnings`` stacklevel of the first caller outside bearerkit (the user's cell)."""
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level

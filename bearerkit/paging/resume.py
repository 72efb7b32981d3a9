"""Where a paging run stands: its state, what it returns, and where it can resume.

A :class:`Run` is the records and the ``attrs["paging"]`` record. A run that
stopped early keeps a :class:`ResumePoint` there (and in ``err.partial``);
``paginate(..., resume=...)`` continues from it, fetching nothing it already has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..errors import BearerkitError, PagingError, PagingInterrupted, ResponseFormatError
from ..frames import find_records, locate_records, lookup, records_to_frame
from ..redact import SECRET_BODY_FIELDS, is_secret_param, mask_url
from .page import GetPage, Page, PageRequest, Paginator
from .plan import Pending

__all__ = ["ResumeNote", "ResumePoint", "Run", "RunState", "resume_point", "shown"]


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
        label: the run in words (method, the API's URL, parameters; credentials
            masked), so a ``resume=`` given to another call can say whose it is.
        expected: the records the first page's total announced, when that page came
            back shorter than asked (a server capping the page size), else ``None``.
    """

    origin: str
    paginator: Paginator
    record_path: str | None
    strict_path: bool
    records: list[Any]
    pages: int
    pending: Sequence[tuple[PageRequest, list[Any] | None]] = ()
    next_request: PageRequest | None = None
    limit: int | None = None
    label: str = ""
    expected: int | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> ResumePoint:
        return self  # never changed after creation; pandas deep-copies attrs often

    def __reduce_ex__(self, protocol: Any) -> Any:
        # A pickled frame (df.to_pickle, joblib) goes to disk: requests that carry a
        # credential (a next link's access_token=, a query api_key) stay behind, and
        # the point is saved as words that say so.
        # A lazy plan makes every request from one template: a sample of it tells.
        pending = Pending(self.pending)
        requests = [*pending.sample(), self.next_request]
        if any(r is not None and carries_credential(r) for r in requests):
            saved = f"{self!r}, saved without its requests (they carry a credential)"
            return (str, (saved,))
        return super().__reduce_ex__(protocol)

    def __repr__(self) -> str:
        if self.pending:
            todo = f"{len(self.pending)} planned pages left"
        elif self.next_request is not None:
            todo = f"next: {shown(self.next_request)}"
        else:
            todo = "nothing left"
        return f"<ResumePoint after page {self.pages} ({len(self.records)} records); {todo}>"


@dataclass
class Run:
    """What :func:`paginate` returns: the records in order and the ``attrs["paging"]`` dict."""

    records: list[Any]
    info: dict[str, Any]
    attrs: dict[str, Any] = field(default_factory=dict)  # more df.attrs (JSON:API "included")

    def frame(self) -> Any:
        """The records as a DataFrame carrying ``attrs["paging"]`` (and any ``attrs``)."""
        frame = records_to_frame(self.records)
        frame.attrs["paging"] = self.info
        frame.attrs.update(self.attrs)
        return frame


@dataclass
class RunState:
    """A run in progress (one per call; workers only return pages, this thread adds them)."""

    origin: str
    paginator: Paginator
    record_path: str | None
    strict_path: bool
    records: list[Any] = field(default_factory=list)
    pages: int = 0
    limit: int | None = None
    seen: set[str] = field(default_factory=set)
    # Called with each page's records, in page order, and (sequential styles) the request
    # for the page after it: how bearerkit.bulk streams pages to disk or to dlt. The
    # records are then the receiver's: the run does not keep them in `records`.
    on_page: Callable[[list[Any], PageRequest | None], None] | None = None
    # What the first page's records are ("object", "list", "value"): a later page of
    # another shape is refused, not mixed in (one string page turns a frame into "value").
    kinds: frozenset[str] | None = None
    label: str = ""  # the run in words (method, API URL, params) for resume's messages
    # Records a short first page's total announced: a complete run with fewer is not complete.
    expected: int | None = None

    @classmethod
    def resumed(cls, point: ResumePoint) -> RunState:
        """The state of the run that stopped at ``point``, to continue it."""
        return cls(
            point.origin,
            point.paginator,
            point.record_path,
            point.strict_path,
            list(point.records),
            point.pages,
            point.limit,
            kinds=_kinds(point.records) if point.records else None,
            label=point.label,
            expected=point.expected,
        )

    def add(self, records: list[Any], next_request: PageRequest | None = None) -> None:
        if self.kinds is None and records:
            self.kinds = _kinds(records)
        self.pages += 1
        if self.on_page is not None:
            # The receiver keeps the page (a folder, dlt): a streamed run holds no listing.
            self.on_page(records, next_request)
            return
        self.records.extend(records)

    def point(
        self,
        *,
        pending: Sequence[tuple[PageRequest, list[Any] | None]] | None = None,
        next_request: PageRequest | None = None,
    ) -> ResumePoint | None:
        """Where to continue from, or ``None`` when nothing is left to fetch."""
        if not pending and next_request is None:
            return None
        return ResumePoint(
            self.origin,
            self.paginator,
            self.record_path,
            self.strict_path,
            list(self.records),
            self.pages,
            Pending(pending or ()),  # lazy plans stay lazy (a billion pages left is a range)
            next_request,
            self.limit,
            self.label,
            self.expected,
        )

    def records_of(self, body: Any) -> list[Any]:
        """A later page's records, at the place the first page had them, of the same shape."""
        records = self._find_records(body)
        if self.kinds is not None and records:
            other = _kinds(records) - self.kinds
            if other:
                raise PagingError(
                    f"Page {self.pages + 1} holds records of another shape than the pages "
                    f"before it ({_KIND_WORDS[min(other)]} where they had "
                    f"{' and '.join(_KIND_WORDS[k] for k in sorted(self.kinds))}); stopping "
                    "rather than mix them into one frame. err.partial has the records so far; "
                    "check the API's answer for that page, or pass record_path= if the records "
                    "sit elsewhere."
                )
        return records

    def _find_records(self, body: Any) -> list[Any]:
        if body is None:  # no JSON at all: not an empty page, and not the end
            raise ResponseFormatError(
                "A page answered with an empty body, not a page of records; stopping "
                "rather than leaving its records out. Try again: paginate(..., resume=err) "
                "fetches only what is missing."
            )
        own = self.paginator.records(body)  # a style that knows its records (GraphQL)
        if own is not None:
            return own
        if self.record_path is None:
            return locate_records(body)[1]
        if self.strict_path:
            return find_records(body, self.record_path)
        # An API may leave the list out of its last, empty page (X omits "data").
        found = lookup(body, self.record_path)
        if found is None:
            return []
        return found if isinstance(found, list) else [found]

    def fetch(self, fetch: GetPage, request: PageRequest) -> Page:
        """Fetch ``request`` and find its records."""
        page = fetch(request)
        page.records = self.records_of(page.body)
        return page

    def allowed(self, max_pages: int | None) -> tuple[int | None, str | None]:
        """How many more pages may be fetched, and which limit decides (``max_pages``/``cap``)."""
        limits = []
        if max_pages is not None:
            limits.append((max_pages - self.pages, "max_pages"))
        if self.limit is not None:
            limits.append((self.limit - self.pages, "cap"))
        if not limits:
            return None, None
        # On a tie the cap wins: more max_pages would not fetch more.
        return min(limits, key=lambda x: (x[0], x[1] != "cap"))


_KIND_WORDS = {"object": "objects", "list": "lists", "value": "plain values (text, numbers)"}


def _kinds(records: list[Any]) -> frozenset[str]:
    """The shapes of ``records``: ``object`` (a JSON object), ``list``, ``value``; nulls aside."""
    return frozenset(
        "object" if isinstance(r, Mapping) else "list" if isinstance(r, list) else "value"
        for r in records
        if r is not None
    )


class ResumeNote(str):
    """The resume point as ``df.attrs`` holds it: text to JSON, the point inside.

    pandas writes ``attrs`` as JSON (``to_parquet``), so what sits there must be
    JSON-serialisable: a ``str`` is, and this one carries the :class:`ResumePoint`
    for ``paginate(..., resume=df)``.
    """

    point: ResumePoint

    def __new__(cls, point: ResumePoint) -> ResumeNote:
        note = super().__new__(cls, repr(point))
        note.point = point
        return note

    def __deepcopy__(self, memo: dict[int, Any]) -> ResumeNote:
        return self  # immutable, as the point is; pandas deep-copies attrs often

    def __reduce_ex__(self, protocol: Any) -> Any:
        # Pickling keeps the point only where ResumePoint allows it (no credentials).
        return (_note_from_point, (self.point,))


def _note_from_point(point: Any) -> Any:
    return ResumeNote(point) if isinstance(point, ResumePoint) else point


def resume_point(resume: Any) -> ResumePoint:
    """The :class:`ResumePoint` inside an error, a partial frame, or the point itself."""
    if isinstance(resume, ResumePoint):
        return resume
    carries = isinstance(resume, (BearerkitError, PagingInterrupted))  # Ctrl-C keeps them too
    frame = resume.partial if carries else resume
    attrs = getattr(frame, "attrs", None)
    info = attrs.get("paging") if isinstance(attrs, Mapping) else None
    point = info.get("resume") if isinstance(info, Mapping) else None
    if isinstance(point, ResumeNote):
        point = point.point
    if isinstance(point, ResumePoint):
        return point
    raise PagingError(
        "resume= takes an error raised by paginate after its first page (err), its "
        "err.partial, or a frame paginate returned incomplete; this one has nothing to "
        "resume (it is complete, or the error came before the first page arrived)"
    )


def carries_credential(request: PageRequest) -> bool:
    """Whether ``request`` holds a credential (URL userinfo, a secret query or body field)."""
    parts = urlsplit(request.path)
    names = [k for k, _ in parse_qsl(parts.query, keep_blank_values=True)]
    names += [str(k) for k in request.params or {}]
    body = request.json if isinstance(request.json, Mapping) else {}
    return (
        "@" in parts.netloc
        or any(is_secret_param(name) for name in names)
        or any(str(k).lower() in SECRET_BODY_FIELDS for k in body)
    )


def shown(request: PageRequest | None) -> str:
    """A request in words for messages: method, masked URL, and the params."""
    if request is None:
        return "nothing"
    params = "&".join(f"{k}={v}" for k, v in (request.params or {}).items())
    url = request.path + (("&" if "?" in request.path else "?") + params if params else "")
    body = f" {request.json}" if request.json else ""
    return f"{request.method} {mask_url(url)}{body}"[:300]

"""Lazy page plans: the requests of planned pages, made only when the run reaches them.

A ``rel="last"`` of page 1,000,000,000 or ``total_pages: 1e9`` must not build a
billion requests before ``max_pages=2`` or a page cap applies: a :class:`Plan` is
a ``range`` of page numbers (or offsets) and a picklable way to make each request,
like ``range`` itself never a list. :class:`Pending` is what a run still has to
fetch: the same plan, sliced, after any pages a worker already fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload
from urllib.parse import urlencode, urlsplit, urlunsplit

from .page import PageRequest

__all__ = ["FollowURL", "NumberedURL", "Pending", "Plan", "WithParams"]

# One planned page: its request, and its records when a worker already fetched it
# (out of order, before the run stopped), else None.
Todo = tuple[PageRequest, list[Any] | None]


@dataclass(frozen=True)
class WithParams:
    """Makes the request for one number: ``request`` with ``{name: n, **fixed}`` in its query.

    A class, not a lambda, so a frame holding a resume point still pickles.
    """

    request: PageRequest
    name: str
    fixed: tuple[tuple[str, Any], ...] = ()

    def __call__(self, n: int) -> PageRequest:
        return self.request.with_params(**dict(self.fixed), **{self.name: n})


class Plan(Sequence[PageRequest]):
    """The requests for ``numbers``, each made by ``make(n)`` when it is read.

    >>> plan = Plan(range(2, 1_000_000_001), WithParams(PageRequest("GET", "items"), "page"))
    >>> len(plan), plan[0].params, len(plan[:2])
    (999999999, {'page': 2}, 2)
    """

    def __init__(self, numbers: range, make: Callable[[int], PageRequest]) -> None:
        self.numbers = numbers
        self.make = make

    def __len__(self) -> int:
        return len(self.numbers)

    @overload
    def __getitem__(self, index: int) -> PageRequest: ...
    @overload
    def __getitem__(self, index: slice) -> Plan: ...
    def __getitem__(self, index: int | slice) -> PageRequest | Plan:
        if isinstance(index, slice):
            return Plan(self.numbers[index], self.make)
        return self.make(self.numbers[index])

    def __iter__(self) -> Iterator[PageRequest]:
        return map(self.make, self.numbers)

    def __repr__(self) -> str:
        return f"<Plan of {len(self)} requests>"


class Pending(Sequence[Todo]):
    """Planned pages still to fetch, in order: small lists and lazy plans joined, never copied.

    Slicing and joining keep the plans lazy, so a resume point of a listing with a
    billion pages holds a few objects, not a billion requests.
    """

    def __init__(self, *parts: Sequence[Todo] | Plan) -> None:
        self.parts: tuple[Sequence[Todo] | Plan, ...] = tuple(
            p
            for part in parts
            for p in (part.parts if isinstance(part, Pending) else (part,))
            if len(p)
        )

    def __len__(self) -> int:
        return sum(len(p) for p in self.parts)

    @overload
    def __getitem__(self, index: int) -> Todo: ...
    @overload
    def __getitem__(self, index: slice) -> Pending: ...
    def __getitem__(self, index: int | slice) -> Todo | Pending:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("Pending slices take every item")
            out: list[Sequence[Todo] | Plan] = []
            for part in self.parts:
                size = len(part)
                if stop > 0 and start < size:
                    out.append(part[max(0, start) : min(size, stop)])
                start, stop = start - size, stop - size
            return Pending(*out)
        if index < 0:
            index += len(self)
        for part in self.parts:
            if index < len(part):
                return (part[index], None) if isinstance(part, Plan) else part[index]
            index -= len(part)
        raise IndexError("Pending index out of range")

    def __iter__(self) -> Iterator[Todo]:
        for part in self.parts:
            if isinstance(part, Plan):
                yield from ((request, None) for request in part)
            else:
                yield from part

    def sample(self, size: int = 100) -> Iterator[PageRequest]:
        """Some requests of each part (its first ``size`` and its last): enough to see what
        every request of a plan carries, since a plan makes them all from one template."""
        for part in self.parts:
            if isinstance(part, Plan):
                yield from part[:size]
                yield part[-1]
            else:
                yield from (request for request, _ in part)

    def __repr__(self) -> str:
        return f"<Pending: {len(self)} pages>"


@dataclass(frozen=True)
class NumberedURL:
    """A link URL with one query value replaced by ``n`` (GitHub's ``page=9`` in ``rel="last"``)."""

    url: str
    query: tuple[tuple[str, str], ...]
    name: str

    def __call__(self, n: int) -> str:
        query = [(k, str(n) if k == self.name else v) for k, v in self.query]
        return urlunsplit(urlsplit(self.url)._replace(query=urlencode(query)))


@dataclass(frozen=True)
class FollowURL:
    """Makes the request for link ``url(n)`` with the first page's method and body."""

    method: str
    json: Any
    url: Callable[[int], str]

    def __call__(self, n: int) -> PageRequest:
        # The link carries the query; the original params would repeat it.
        return PageRequest(self.method, self.url(n), None, self.json)

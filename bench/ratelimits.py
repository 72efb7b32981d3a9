"""Announced rate limits: N requests against a sandbox that announces ``rate`` per second.

The sandbox's ``/ratelimit/{dialect}/{limit}/1/items`` keeps fixed one-second
windows, announces them in the dialect's headers and refuses beyond them. A
client that reads the headers sends ``rate`` requests a window and then waits for
the reset, so N requests need ``N / rate`` seconds (the announced bound) and get
no refusal. Four threads share one client, as ``paginate`` does.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bearerkit import Client
from bearerkit.sandbox import Sandbox

WORKERS = 4
# (requests, announced requests per second): the full run, and the quick one for CI.
FULL = (200, 50)
QUICK = (30, 10)
# The target dialects (whole-second or finer resets), then GitHub's for information:
# its epoch reset is rounded up to a whole second, up to a second late per window,
# which only matters for windows as short as this one (GitHub's are an hour).
DIALECTS = ("ietf", "openai", "github")


@dataclass(frozen=True)
class RateRun:
    """One dialect: seconds for ``requests`` requests, the bound, and the refusals seen."""

    dialect: str
    requests: int
    rate: int
    seconds: float
    refusals: int

    @property
    def bound_s(self) -> float:
        """The announced bound: ``requests / rate`` seconds."""
        return self.requests / self.rate


def announced_limits(sb: Sandbox, *, quick: bool) -> list[RateRun]:
    """Run every dialect once; each gets a fresh budget (budgets are kept per dialect)."""
    n, rate = QUICK if quick else FULL
    return [_run(sb, dialect, n, rate) for dialect in DIALECTS]


def _run(sb: Sandbox, dialect: str, n: int, rate: int) -> RateRun:
    path = f"{dialect}/{rate}/1/items"
    with Client(sb.ratelimit_url, sb.token, retries=3) as client:
        before = sb.ratelimit_refusals
        started = time.perf_counter()
        with ThreadPoolExecutor(WORKERS) as pool:
            answers = list(
                pool.map(lambda page: client.get(path, {"page": 1 + page % 6}), range(n))
            )
        seconds = time.perf_counter() - started
        refusals = sb.ratelimit_refusals - before
    if len(answers) != n:
        raise RuntimeError(f"{dialect}: {len(answers)} answers for {n} requests")
    return RateRun(dialect, n, rate, seconds, refusals)

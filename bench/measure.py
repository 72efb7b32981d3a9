"""Paging, per-request overhead, conversion and cache, against the sandbox on 127.0.0.1.

Every function returns plain numbers (a frozen dataclass); ``report`` turns them
into the table and the chart. Baselines are the code an analyst would write by
hand with requests and pandas, doing the same work on the same data.
"""

from __future__ import annotations

import gc
import math
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from bearerkit import Client
from bearerkit.sandbox import Sandbox
from bearerkit.tmdb import TMDB

LATENCY = 0.030  # seconds the sandbox waits before each answer: a near-by real API
SANDBOX_RATE = 40.0  # requests/s the sandbox allows before 429 (TMDB's "about 40")
# bearerkit's pace: just under the server's limit. TMDB_RATE_LIMIT (35) would cost
# 40/35 = 1.14x the bound by itself, leaving no room for the target's 1.15x.
CLIENT_RATE = 38.0
WORKERS = 4
PAGE_SIZE = 20  # records per discover page
TIMEOUT = 10.0  # seconds, for every hand-written request

DISCOVER = "discover/movie"


@dataclass(frozen=True)
class Settings:
    """How big each measurement is; ``QUICK`` exercises every path in seconds."""

    pages: int  # discover pages fetched by each paging contender
    overhead_calls: int  # calls to each of client.get and session.get
    records: int  # records converted to a DataFrame
    convert_repeats: int  # best of this many conversions
    cache_pages: int  # pages in the cached re-run
    import_runs: int  # fresh interpreters per import command (see imports.py)
    import_warmup: bool  # one untimed run of each import first (writes the bytecode)
    settle_s: float  # pause between paging contenders, for the sandbox's bucket to refill
    style_page_size: int = 10  # records per page in the paging-styles runs (57 records)


FULL = Settings(
    pages=200,
    overhead_calls=2000,
    records=10_000,
    convert_repeats=7,
    cache_pages=50,
    import_runs=15,
    import_warmup=True,
    settle_s=1.0,
    style_page_size=1,  # 57 pages per style
)
QUICK = Settings(
    pages=8,
    overhead_calls=100,
    records=1000,
    convert_repeats=2,
    cache_pages=5,
    import_runs=1,
    import_warmup=False,
    settle_s=0.0,
)


@dataclass(frozen=True)
class Paging:
    """Seconds to fetch ``pages`` pages three ways, and the 429s each received."""

    pages: int
    bound_s: float
    bearerkit_s: float
    get_loop_s: float
    session_loop_s: float
    bearerkit_429: int
    get_loop_429: int
    session_loop_429: int


@dataclass(frozen=True)
class Overhead:
    """Per-call times of ``client.get`` and a bare ``session.get().json()``."""

    calls: int
    bearerkit_median_us: float
    bare_median_us: float
    bearerkit_total_s: float
    bare_total_s: float


@dataclass(frozen=True)
class Conversion:
    """Best-of times to turn discover records into a DataFrame with genre names."""

    records: int
    bearerkit_s: float
    pandas_s: float


@dataclass(frozen=True)
class CacheRun:
    """A paginate with an empty cache, then the same paginate again."""

    pages: int
    uncached_s: float
    cached_s: float
    cached_cpu_s: float  # CPU time of the cached run: less sensitive to a busy machine
    sent_on_rerun: int  # requests that reached the server during the cached run
    fresh_client_s: float  # the same run by a new Client on the same file (a kernel restart)
    sent_by_fresh_client: int


def _count_429(sb: Sandbox, since: int) -> int:
    return sum(1 for record in sb.request_log[since:] if record.status == 429)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def _settle(settings: Settings) -> None:
    """Let the sandbox's token bucket refill (1 s refills all 40) between contenders."""
    time.sleep(settings.settle_s)


def warm_up(sb: Sandbox, settings: Settings) -> None:
    """One untimed request each way, so no contender pays for first-use costs.

    The sandbox sorts its catalogue on the first discover request, and the first
    request in a process pays for lazy imports in requests and urllib3.
    """
    with Client(sb.url, sb.token) as client:
        client.get(DISCOVER, {"page": 1})
        client.get("genre/movie/list")
    requests.get(
        f"{sb.url}/{DISCOVER}", headers={"Authorization": f"Bearer {sb.token}"}, timeout=TIMEOUT
    ).json()
    _settle(settings)


def paging(sb: Sandbox, settings: Settings) -> Paging:
    """Fetch ``settings.pages`` discover pages: bearerkit, a ``requests.get`` loop, a Session loop."""
    n = settings.pages
    url = f"{sb.url}/{DISCOVER}"
    auth = {"Authorization": f"Bearer {sb.token}"}

    def get_loop() -> pd.DataFrame:
        records: list[Any] = []
        for page in range(1, n + 1):
            # A new TCP connection per page, as tmdbsimple and many tutorials do.
            answer = requests.get(
                url, params={"page": page}, headers={**auth, "Connection": "close"}, timeout=TIMEOUT
            )
            records += answer.json().get("results", [])
        return pd.DataFrame(records)

    def session_loop() -> pd.DataFrame:
        records: list[Any] = []
        with requests.Session() as session:
            session.headers.update(auth)
            for page in range(1, n + 1):
                records += (
                    session.get(url, params={"page": page}, timeout=TIMEOUT)
                    .json()
                    .get("results", [])
                )
        return pd.DataFrame(records)

    with Client(sb.url, sb.token, rate_limit=CLIENT_RATE) as client:
        mark = len(sb.request_log)
        bk_s, frame = _timed(
            lambda: client.paginate(DISCOVER, max_pages=n, workers=WORKERS, progress=False)
        )
        bk_429 = _count_429(sb, mark)
    _check_rows(frame, n * PAGE_SIZE, "bearerkit paginate")
    _settle(settings)
    mark = len(sb.request_log)
    get_s, frame = _timed(get_loop)
    get_429 = _count_429(sb, mark)
    _settle(settings)
    mark = len(sb.request_log)
    session_s, frame = _timed(session_loop)
    session_429 = _count_429(sb, mark)
    bound = max(n / SANDBOX_RATE, n * sb.latency / WORKERS)
    return Paging(n, bound, bk_s, get_s, session_s, bk_429, get_429, session_429)


def _check_rows(frame: pd.DataFrame, expected: int, who: str) -> None:
    if len(frame) != expected:
        raise RuntimeError(f"{who} returned {len(frame)} rows, expected {expected}")


def overhead(sb: Sandbox, settings: Settings) -> Overhead:
    """Time ``client.get`` and ``session.get(...).json()`` on the genre list, interleaved."""
    path = "genre/movie/list"
    url = f"{sb.url}/{path}"
    with Client(sb.url, sb.token) as client, requests.Session() as bare:
        bare.headers["Authorization"] = f"Bearer {sb.token}"

        def bk_call() -> Any:
            return client.get(path)

        def bare_call() -> Any:
            return bare.get(url, timeout=TIMEOUT).json()

        if bk_call() != bare_call():
            raise RuntimeError("client.get and session.get disagree on the genre list")
        for _ in range(20):  # warm connections and code paths
            bk_call(), bare_call()
        bk_times: list[float] = []
        bare_times: list[float] = []
        for i in range(settings.overhead_calls):
            # Alternate who goes first, so neither always follows the other's garbage.
            order = ((bk_call, bk_times), (bare_call, bare_times))
            for call, times in order if i % 2 == 0 else order[::-1]:
                started = time.perf_counter()
                call()
                times.append(time.perf_counter() - started)
    return Overhead(
        settings.overhead_calls,
        statistics.median(bk_times) * 1e6,
        statistics.median(bare_times) * 1e6,
        sum(bk_times),
        sum(bare_times),
    )


def plain_pandas_frame(records: list[dict[str, Any]], genres: list[dict[str, Any]]) -> pd.DataFrame:
    """The usual hand-written route: normalize, explode the ids, map names, regroup."""
    names = {g["id"]: g["name"] for g in genres}
    frame = pd.json_normalize(records)
    long = frame.explode("genre_ids")
    long["genre"] = long["genre_ids"].map(names)
    frame["genres"] = long.groupby(level=0)["genre"].agg(list)
    return frame


def conversion(sb: Sandbox, settings: Settings) -> Conversion:
    """Convert ``settings.records`` discover records: ``TMDB.records_frame`` vs plain pandas."""
    with Client(sb.url, sb.token) as client:
        tmdb = TMDB(client)
        records = client.paginate_records(
            DISCOVER, max_pages=-(-settings.records // PAGE_SIZE), workers=WORKERS, progress=False
        )[: settings.records]
        genres = tmdb.genre_list("movie")  # fetched once here; records_frame reuses it
        _check_same_genres(
            tmdb.records_frame(records, "movie"), plain_pandas_frame(records, genres)
        )
        bk_best = pandas_best = float("inf")
        for _ in range(settings.convert_repeats):
            gc.collect()
            bk_best = min(bk_best, _timed(lambda: tmdb.records_frame(records, "movie"))[0])
            gc.collect()
            pandas_best = min(pandas_best, _timed(lambda: plain_pandas_frame(records, genres))[0])
    return Conversion(len(records), bk_best, pandas_best)


def _check_same_genres(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Both routes must produce the same genre names (where a record has any)."""
    has = ours["genre_ids"].map(len) > 0
    if ours.loc[has, "genres"].tolist() != theirs.loc[has, "genres"].tolist():
        raise RuntimeError("records_frame and the plain pandas route disagree on genre names")


def cache_rerun(sb: Sandbox, settings: Settings) -> CacheRun:
    """``paginate`` with an empty SQLite cache, then again, answered from the cache.

    The re-run uses the same client (a notebook cell run twice); a third run by a new
    client on the same file shows the cost after a kernel restart (no target).
    """
    n = settings.cache_pages
    with tempfile.TemporaryDirectory(prefix="bearerkit-bench-") as tmp:
        cache = Path(tmp) / "cache.sqlite"
        with Client(sb.url, sb.token, cache=cache, rate_limit=CLIENT_RATE) as client:

            def run() -> pd.DataFrame:
                return client.paginate(DISCOVER, max_pages=n, workers=WORKERS, progress=False)

            uncached_s, first = _timed(run)
            mark = len(sb.request_log)
            cpu_started = time.process_time()
            cached_s, second = _timed(run)
            cached_cpu_s = time.process_time() - cpu_started
            sent = len(sb.request_log) - mark
        # A new client has nothing in memory: every page comes from the SQLite file.
        with Client(sb.url, sb.token, cache=cache, rate_limit=CLIENT_RATE) as fresh:
            mark = len(sb.request_log)
            fresh_s, third = _timed(
                lambda: fresh.paginate(DISCOVER, max_pages=n, workers=WORKERS, progress=False)
            )
            fresh_sent = len(sb.request_log) - mark
    if not (first.equals(second) and first.equals(third)):
        raise RuntimeError("the cached re-run returned a different DataFrame")
    _check_rows(second, n * PAGE_SIZE, "cached paginate")
    return CacheRun(n, uncached_s, cached_s, cached_cpu_s, sent, fresh_s, fresh_sent)


# Paging styles on the sandbox's /styles paths (57 records; no rate limit there, so
# only latency bounds them): (row name, path, extra params, page-size parameter, concurrent).
STYLE_RUNS = (
    ("paging style: Link with last (GitHub)", "github/items", {}, "per_page", True),
    ("paging style: offset + total", "offset/items", {}, "limit", True),
    ("paging style: cursor (Slack)", "slack/users.list", {}, "limit", False),
    (
        "paging style: next URL (Spotify)",
        "spotify/search",
        {"q": "x", "type": "track"},
        "limit",
        False,
    ),
    ("paging style: last id (Stripe)", "stripe/customers", {}, "limit", False),
)
STYLE_RECORDS = 57
GRAPHQL_RUN = "paging style: GraphQL connection (GitHub)"
GRAPHQL_QUERY = (
    'query($after: String) { repository(owner: "o", name: "r") { issues(first: %d, '
    "after: $after) { pageInfo { hasNextPage endCursor } nodes { id name } } } }"
)
REVALIDATE_RUN = "revalidated re-run (304s)"
# The sandbox's GitHub dialect (ETags, 304s free): a budget far above the run's requests.
REVALIDATE_PATH = "github/100000/3600/items"


def concurrent_bound(pages: int, latency: float, workers: int) -> float:
    """``(1 + ceil((N - 1) / workers)) x latency``: the first page must come alone."""
    return (1 + math.ceil((pages - 1) / workers)) * latency


@dataclass(frozen=True)
class StylePaging:
    """One paging style fetched by ``paginate``: seconds against its latency bound.

    Concurrent styles: bound ``(1 + ceil((N - 1) / workers)) x latency`` (no rate limit
    on /styles; the first page must come alone), and the same run with ``workers=1``
    for comparison. Sequential styles (GraphQL among them): ``N x latency``.
    """

    name: str
    pages: int
    concurrent: bool
    bearerkit_s: float
    one_at_a_time_s: float | None
    bound_s: float
    session_threads_s: float | None = None  # plain requests.Session threads, same plan


def _session_threads(
    sb: Sandbox, path: str, query: dict[str, Any], size_param: str, size: int, pages: int
) -> float:
    """The same pages by ``WORKERS`` threads with a ``requests.Session`` each, the first alone.

    The hand-written concurrent baseline: what the bound leaves out (the client's and the
    in-process server's CPU, serialised by the GIL; the sandbox's sleeps overshooting).
    """
    from concurrent.futures import ThreadPoolExecutor

    numbered = "page" if size_param == "per_page" else "offset"
    first_at = 1 if numbered == "page" else 0
    step = 1 if numbered == "page" else size
    where = [first_at + k * step for k in range(pages)]
    url = f"{sb.styles_url}/{path}"
    local = threading.local()

    def get(at: int) -> Any:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers["Authorization"] = f"Bearer {sb.token}"
        return session.get(url, params={**query, numbered: at}, timeout=TIMEOUT).json()

    def run() -> None:
        get(where[0])
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(get, where[1:]))

    run()  # warm
    return _timed(run)[0]


def paging_styles(sb: Sandbox, settings: Settings) -> list[StylePaging]:
    """``paginate`` on each style in :data:`STYLE_RUNS`, detected automatically."""
    size = settings.style_page_size
    pages = -(-STYLE_RECORDS // size)
    out = []
    with Client(sb.styles_url, sb.token) as client:
        for name, path, params, size_param, concurrent in STYLE_RUNS:
            query = {**params, size_param: size}

            def fetch(workers: int, path: str = path, query: dict[str, Any] = query) -> Any:
                return client.paginate(path, query, workers=workers, progress=False)

            fetch(WORKERS)  # warm: connections, the sandbox's first-use costs
            seconds, frame = _timed(lambda: fetch(WORKERS))
            _check_rows(frame, STYLE_RECORDS, name)
            if frame.attrs["paging"]["pages"] != pages:
                raise RuntimeError(
                    f"{name}: {frame.attrs['paging']['pages']} pages, expected {pages}"
                )
            one_s = _timed(lambda: fetch(1))[0] if concurrent else None
            threads_s = None
            if concurrent:
                bound = concurrent_bound(pages, sb.latency, WORKERS)
                threads_s = _session_threads(sb, path, query, size_param, size, pages)
            else:
                bound = pages * sb.latency
            out.append(StylePaging(name, pages, concurrent, seconds, one_s, bound, threads_s))
        out.append(_graphql_style(client, sb, size, pages))
    return out


def _graphql_style(client: Client, sb: Sandbox, size: int, pages: int) -> StylePaging:
    """The sandbox's GraphQL connection, paged through its ``$after`` variable."""

    def fetch() -> Any:
        return client.paginate("graphql", query=GRAPHQL_QUERY % size, progress=False)

    fetch()  # warm
    seconds, frame = _timed(fetch)
    _check_rows(frame, STYLE_RECORDS, GRAPHQL_RUN)
    if frame.attrs["paging"]["style"] != "graphql" or frame.attrs["paging"]["pages"] != pages:
        raise RuntimeError(f"{GRAPHQL_RUN}: {frame.attrs['paging']}")
    return StylePaging(GRAPHQL_RUN, pages, False, seconds, None, pages * sb.latency)


@dataclass(frozen=True)
class RevalidateRun:
    """A cached re-run where every page is revalidated: N conditional requests, N 304s.

    Baseline: the same N conditional GETs (``If-None-Match``) sent one after another by a
    plain ``requests.Session``, i.e. N 304 round trips.
    """

    pages: int
    bearerkit_s: float
    baseline_s: float
    latency_bound_s: float  # N x latency
    sent: int
    not_modified: int
    budget_spent: int  # of the announced X-RateLimit budget, during the re-run
    same_frame: bool


def revalidated_rerun(sb: Sandbox, settings: Settings) -> RevalidateRun:
    """``Client(cache=..., revalidate=True)`` re-running a GitHub-style listing."""
    params = {"per_page": settings.style_page_size}
    auth = {"Authorization": f"Bearer {sb.token}"}
    url = f"{sb.ratelimit_url}/{REVALIDATE_PATH}"

    def remaining() -> int:
        # "If-None-Match: *" always gets a 304, which the GitHub dialect does not count.
        answer = requests.get(url, headers={**auth, "If-None-Match": "*"}, timeout=TIMEOUT)
        return int(answer.headers["X-RateLimit-Remaining"])

    with tempfile.TemporaryDirectory(prefix="bearerkit-bench-") as tmp:
        cache = Path(tmp) / "cache.sqlite"
        with Client(sb.ratelimit_url, sb.token, cache=cache, revalidate=True) as client:

            def run() -> pd.DataFrame:
                return client.paginate(REVALIDATE_PATH, params, workers=WORKERS, progress=False)

            first = run()
            run()  # warm: the revalidation path once before it is timed
            before = remaining()
            mark = len(sb.request_log)
            seconds, second = _timed(run)
            statuses = [r.status for r in sb.request_log[mark:]]
            spent = before - remaining()
    pages = first.attrs["paging"]["pages"]
    with requests.Session() as session:
        session.headers.update(auth)
        tags = [
            session.get(url, params={**params, "page": n}, timeout=TIMEOUT).headers["ETag"]
            for n in range(1, pages + 1)
        ]

        def baseline() -> int:
            codes = [
                session.get(
                    url,
                    params={**params, "page": n},
                    headers={"If-None-Match": tag},
                    timeout=TIMEOUT,
                ).status_code
                for n, tag in enumerate(tags, start=1)
            ]
            return sum(code == 304 for code in codes)

        baseline()  # warm
        baseline_s, baseline_304 = _timed(baseline)
    if baseline_304 != pages:
        raise RuntimeError(f"the baseline got {baseline_304} 304s for {pages} pages")
    return RevalidateRun(
        pages,
        seconds,
        baseline_s,
        pages * sb.latency,
        len(statuses),
        statuses.count(304),
        spent,
        second.equals(first),
    )

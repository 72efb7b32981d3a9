"""The bearer-token HTTP client: one ``requests.Session``, safe defaults, clear errors.

``Client`` holds all the logic; everything else in bearerkit (the TMDB layer, the
widgets, the CLI) calls it. What it guarantees:

- every request has a timeout, and every retry loop is bounded (see ``retrying``);
- the token goes only into the ``Authorization`` header, only over https or to
  loopback, and is dropped by requests on a redirect to another host;
- every failure comes out as one :mod:`bearerkit.errors` exception whose message
  says what happened and what to do, never the token.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Mapping, Sequence
from json import dumps as json_dumps
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from .auth import BearerAuth, check_transport
from .cache import CacheSpec, Expiry
from .cassette import Cassette, cassette_miss, replaying
from .deadline import Deadline, DeadlineExceeded
from .errors import BearerkitError, ResponseFormatError
from .frames import DateColumns, convert_dates, to_frame
from .paging import Page, PageRequest, Paginator, Run
from .paging.fetch import paginate as run_paging
from .paging.graphql import graphql_request, is_graphql, raise_for_errors
from .paging.partial import warn_if_more_pages
from .ratelimit import DEFAULT_MAX_WAIT, Pacer, RateLimiter, RateSpec
from .redact import MaskedURL, mask_url
from .responses import (
    api_error,
    decode_json,
    network_error,
    response_secrets,
    timeout_error,
)
from .retrying import DEFAULT_RETRIES
from .secrets import register as register_secrets
from .secrets import shown_url
from .token import Token
from .transport import DEFAULT_MAX_BODY, build_session

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_TIMEOUT", "Client"]

log = logging.getLogger("bearerkit")

DEFAULT_TIMEOUT = 10.0  # seconds each attempt may take, first byte sent to last byte read

Timeout = float | tuple[float, float]


class Client:
    """A client for one bearer-token API.

    Args:
        base_url: the API root, e.g. ``"https://api.themoviedb.org/3"``.
        token: a :class:`~bearerkit.Token` or a plain string; ``None`` for no auth.
        auth: any ``requests.auth.AuthBase`` instead of a token
            (e.g. :class:`~bearerkit.ClientCredentials`).
        timeout: seconds a request may take: a deadline for each attempt, from
            sending the request to the last byte of the answer (connecting has the
            same limit again), so a server that trickles bytes cannot stretch it; an
            attempt that runs out of time is not retried. ``(connect, read)`` sets the
            two apart (the deadline is ``read``). Overridable per call.
        retries: retries after the first attempt: at most ``retries + 1`` sends.
        headers: extra headers for every request.
        rate_limit: the client's own limit, for all its threads: requests per second
            (evenly spaced), ``"N/period"`` (``"40/s"``, ``"200/15min"``, ``"2000/day"``,
            ``"10/2s"``: at most N in any such period), or a list of them, all kept.
        cache: ``True`` (per-user SQLite file), a path, or ``None``/``False`` (off).
        cache_expire_after: seconds, or ``{url_glob: seconds}`` overriding the defaults.
            A stale answer that came with an ``ETag`` or ``Last-Modified`` is revalidated
            (``If-None-Match``/``If-Modified-Since``): a 304 reuses the stored body, and
            GitHub does not count it against the rate limit.
        revalidate: with ``cache``, ask the server every time (a conditional request,
            answered by a cheap 304 when nothing changed) instead of trusting a fresh
            entry: for data that must be current.
        max_wait: the longest wait (seconds) for a rate limit, announced or the
            client's own; a longer one fails at once with ``RateLimitError``.
        max_retry_after: deprecated alias of ``max_wait``.
        cassette: a cassette file to record this client's requests to, or replay them
            from (see :func:`bearerkit.use_cassette`); active until :meth:`close`.
        record_mode: the cassette's mode: ``"once"``, ``"none"``, ``"new_episodes"``
            or ``"all"`` (``BEARERKIT_RECORD_MODE`` overrides it).
        page_cap: the highest page number the API serves (TMDB refuses pages past
            500): ``paginate`` stops there, marks the frame incomplete and warns.
        max_body: the largest answer body in bytes, after decompression (default
            256 MB): a larger one (a gzip bomb: 255 KB on the wire, 256 MB inflated) is
            a ``ResponseFormatError`` once that much has been read, not a full memory.

    >>> with Client("https://api.themoviedb.org/3", load_token()) as api:  # doctest: +SKIP
    ...     genres = api.get_df("genre/movie/list")
    """

    def __init__(
        self,
        base_url: str,
        token: Token | str | None = None,
        *,
        auth: AuthBase | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        headers: Mapping[str, str] | None = None,
        rate_limit: RateSpec | RateLimiter | None = None,
        cache: CacheSpec = None,
        cache_expire_after: Mapping[str, Expiry] | Expiry | None = None,
        max_wait: float = DEFAULT_MAX_WAIT,
        max_retry_after: float | None = None,
        cassette: str | os.PathLike[str] | None = None,
        record_mode: str = "once",
        page_cap: int | None = None,
        revalidate: bool = False,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"base_url must be an http(s) URL such as https://api.example.com/v1, not {base_url!r}"
            )
        if token is not None and auth is not None:
            raise ValueError("Pass either token= or auth=, not both")
        if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 1:
            raise ValueError(f"max_body must be a number of bytes (at least 1), not {max_body!r}")
        self.base_url = base_url.rstrip("/")
        self.token: Token | None = _as_token(token) if token is not None else None
        self.timeout = timeout
        self.retries = retries
        self.page_cap = page_cap  # the highest page number the API serves (TMDB: 500)
        self.cassette: Cassette | None = None
        if max_retry_after is not None:
            warnings.warn(
                "max_retry_after= is deprecated; use max_wait= (seconds)",
                DeprecationWarning,
                stacklevel=2,
            )
            max_wait = max_retry_after
        self.rate_limiter = _as_limiter(rate_limit)
        # A replay-only cassette sends nothing: its recorded rate limits neither wait nor count.
        self.pacer = Pacer(self.rate_limiter, max_wait=max_wait, idle=replaying)
        if self.token is not None or auth is not None:
            check_transport(self.base_url)  # fail before anything is sent

        self.session: requests.Session = build_session(
            self.base_url,
            auth=BearerAuth(self.token) if self.token is not None else auth,
            pacer=self.pacer,
            retries=retries,
            cache=cache,
            cache_expire_after=cache_expire_after,
            headers=headers,
            max_body=max_body,
        )
        self.cached = bool(cache)
        # Errors, cassettes and the cache scrub whatever this auth holds (bearerkit.secrets).
        register_secrets(self.session.auth)
        if revalidate:
            if not cache:
                raise ValueError(
                    "revalidate=True asks the server about cached answers: pass cache= too"
                )
            # requests-cache sends If-None-Match/If-Modified-Since for every stored answer.
            self.session.settings.always_revalidate = True  # type: ignore[attr-defined]
        if cassette is not None:
            self.cassette = Cassette(cassette, record_mode=record_mode)
            if self.token is not None:
                self.cassette.add_secret(self.token.value)
            self.cassette.start()

    @property
    def max_wait(self) -> float:
        """The longest wait (seconds) for a rate limit; the pacer's, which enforces it."""
        return self.pacer.max_wait

    # -- plumbing -----------------------------------------------------------------
    def url(self, path: str) -> str:
        """The absolute URL for ``path`` (relative to ``base_url``; leading slash optional)."""
        if path.startswith(("http://", "https://")):
            if not (path == self.base_url or path.startswith(self.base_url + "/")):
                raise ValueError(
                    f"{path!r} is outside this client's base_url {self.base_url!r}; the token is "
                    "only sent to its own API. Use a path relative to base_url."
                )
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def response(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout | None = None,
    ) -> requests.Response:
        """Send a request and return the checked ``requests.Response``.

        The response has ``.from_cache`` (``True`` when answered by the cache).

        Raises:
            NetworkError, AuthError, NotFoundError, RateLimitError, ServerError, ApiError.
        """
        method = method.upper()
        # Masked reprs: a next link can carry a credential (access_token=...), and a
        # verbose traceback prints this frame's locals.
        path = MaskedURL(path)
        url = MaskedURL(self.url(path))
        if json is not None:
            _check_json_body(method, url, json)
        limit = timeout if timeout is not None else self.timeout
        started = time.perf_counter()
        failure: BearerkitError | None = None
        with Deadline(_deadline_seconds(limit)) as deadline:
            try:
                response = self.session.request(
                    method,
                    url,
                    params=_clean_params(params),
                    json=json,
                    data=data,
                    headers=dict(headers) if headers else None,
                    timeout=limit,
                )
            except BearerkitError as exc:  # from the pacer, an auth, a hook: deep inside
                failure = exc
            except DeadlineExceeded:
                failure = timeout_error(method, url, timeout=limit)
            except requests.exceptions.RequestException as exc:
                failure = (
                    timeout_error(method, url, timeout=limit)
                    if deadline.expired  # the watchdog cut the body short
                    else network_error(method, url, exc, timeout=limit, retries=self.retries)
                )
            except Exception as exc:
                failure = cassette_miss(exc, method, url)
                if failure is None:
                    raise
            else:
                if deadline.expired:  # the watchdog cut the answer short: it is not the answer
                    failure = timeout_error(method, url, timeout=limit)
        if failure is not None:
            # Raised outside the except blocks, so no requests exception (which holds the
            # request and its Authorization header) rides along as __context__; and
            # without the frames of requests and urllib3, whose locals (urlopen's
            # `headers`) hold the Authorization header for a verbose traceback to print.
            failure.__context__ = None
            raise failure.with_traceback(None)
        if not hasattr(response, "from_cache"):
            response.from_cache = False  # type: ignore[attr-defined]
        if log.isEnabledFor(logging.DEBUG):  # masking the URL is work every request would pay
            log.debug(
                "%s %s -> %s in %.0f ms%s",
                method,
                shown_url(response.url or url),
                response.status_code,
                (time.perf_counter() - started) * 1000,
                " (cache)" if response.from_cache else "",  # type: ignore[attr-defined]
            )
        if response.status_code >= 400:
            raise api_error(
                method, response, token=self.token, retries=self.retries, base_url=self.base_url
            )
        return response

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout | None = None,
    ) -> Any:
        """Send a request and return the decoded JSON (``None`` for an empty body)."""
        response = self.response(
            method, path, params=params, json=json, data=data, headers=headers, timeout=timeout
        )
        return decode_json(method, response, token=self.token)

    def get(self, path: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        """GET ``path`` and return the decoded JSON.

        >>> Client(sb.url, sb.token).get("genre/movie/list")["genres"][0]  # doctest: +SKIP
        {'id': 28, 'name': 'Action'}
        """
        return self.request("GET", path, params=params, **kwargs)

    def post(
        self, path: str, json: Any = None, params: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        """POST a JSON body to ``path``; not retried on 5xx (it may have been processed)."""
        return self.request("POST", path, params=params, json=json, **kwargs)

    def graphql(
        self, query: str, variables: Mapping[str, Any] | None = None, *, path: str = "graphql"
    ) -> Any:
        """Send a GraphQL query and return its ``data``; GraphQL ``errors`` raise.

        Args:
            query: the query text.
            variables: its variables.
            path: the GraphQL endpoint, relative to ``base_url``.

        Raises:
            ApiError: the answer carries GraphQL ``errors`` (the API's message is in
                ``.api_message``); ``RateLimitError``/``NotFoundError`` for GitHub's
                ``RATE_LIMITED``/``NOT_FOUND``.

        >>> api = Client("https://api.github.com", load_token("GITHUB_TOKEN"))  # doctest: +SKIP
        >>> api.graphql("query { viewer { login } }")["viewer"]["login"]      # doctest: +SKIP
        'octocat'
        """
        request = graphql_request(path, query, variables)
        return self._get_page(request).body.get("data")

    def put(
        self, path: str, json: Any = None, params: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        """PUT a JSON body to ``path``."""
        return self.request("PUT", path, params=params, json=json, **kwargs)

    def patch(
        self, path: str, json: Any = None, params: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        """PATCH ``path`` with a JSON body; not retried on 5xx."""
        return self.request("PATCH", path, params=params, json=json, **kwargs)

    def delete(self, path: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        """DELETE ``path``."""
        return self.request("DELETE", path, params=params, **kwargs)

    # -- DataFrames ---------------------------------------------------------------
    def get_df(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        record_path: str | None = None,
        parse_dates: DateColumns = None,
    ) -> pd.DataFrame:
        """GET ``path`` and return its records as a DataFrame.

        Without ``record_path`` the records are found: a top-level list, the one list
        of objects in a dict (``genres``, ``results``...) or a level further down
        (``tracks.items``), or else the dict as one row. Warns (``UserWarning``) when
        the response shows more pages: :meth:`paginate` fetches them all.
        ``parse_dates``: column names to turn into datetimes, or ``"auto"`` for every
        column of ISO-8601 strings (:func:`bearerkit.frames.convert_dates`).

        >>> client.get_df("genre/movie/list").head(2)  # doctest: +SKIP
           id       name
        0  28     Action
        1  12  Adventure
        """
        page = self._get_page(PageRequest("GET", path, params))
        if page.body is None:  # an empty frame would hide that nothing came back
            raise ResponseFormatError(
                f"GET {mask_url(page.url)} answered with an empty body, not the JSON records "
                "a DataFrame needs. Check the path; use get() for endpoints that answer nothing."
            )
        frame = convert_dates(to_frame(page.body, record_path), parse_dates)
        warn_if_more_pages(page, record_path=record_path)
        return frame

    def paginate(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        paginator: Paginator | str = "auto",
        method: str = "GET",
        json: Any = None,
        record_path: str | None = None,
        max_pages: int | None = None,
        workers: int = 4,
        progress: bool | None = None,
        resume: Any = None,
        query: str | None = None,
        variables: Mapping[str, Any] | None = None,
        to: str | os.PathLike[str] | None = None,
        collect: bool = True,
        parse_dates: DateColumns = None,
    ) -> pd.DataFrame:
        """Fetch every page of a listing and return one DataFrame, rows in page order.

        The paging style is detected from the first answer (``Link`` header, next URL,
        page number or offset with a total, cursor, last id; see :mod:`bearerkit.paging`)
        unless ``paginator`` says. When the first page tells how many pages there are,
        the rest are fetched by ``workers`` threads over this client's session (its rate
        limit, retries and cache); cursor-like styles go one page at a time.

        ``df.attrs["paging"]`` says how it ended: ``style``, ``pages``, ``records``,
        ``complete`` and ``stopped``. Stopping early (``max_pages``, or the API's page
        cap, ``Client(page_cap=...)``) marks it incomplete and warns. An error after the
        first page carries ``err.partial`` (the records so far); ``resume=err``
        continues and fetches nothing already fetched.

        Args:
            path, params: as for :meth:`get`.
            paginator: ``"auto"`` or a :mod:`bearerkit.paging` paginator
                (``PageNumber``, ``Offset``, ``NextURL``, ``LinkHeader``, ``Cursor``, ``LastId``,
                ``GraphQL``, ``JsonApi``).
            method, json: for APIs that page by POST (Notion's database query).
            record_path: dotted path of each page's records (found when ``None``).
            max_pages: fetch at most this many pages.
            workers: concurrent requests when the pages are known in advance.
            progress: show a progress bar (tqdm; a widget in Jupyter). ``None``: on
                when there is more than one page.
            resume: an error from an earlier paginate (or its ``.partial``, or an
                incomplete frame) to continue from.
            query, variables: a GraphQL query (POSTed as ``{"query", "variables"}``);
                its Relay connection is paged through the cursor variable it declares
                (``after: $after``). ``json={"query": ...}`` works the same.
            to: a folder to stream the pages into as Parquet part files, with a
                manifest (see :mod:`bearerkit.bulk.stream`); needs pyarrow.
                ``resume="folder"`` continues such a run (after a kernel restart, or the
                next day), fetching only what is missing.
            collect: with ``to=``, ``False`` returns the folder's path instead of
                reading it back (for runs larger than memory).
            parse_dates: column names to turn into datetimes, or ``"auto"`` for every
                column of ISO-8601 strings (:func:`bearerkit.frames.convert_dates`).

        Raises:
            PagingError: more data that ``auto`` cannot follow (names the paginator to
                pass), or a next link to another host (the token never goes there).
            PagingInterrupted: Ctrl-C (a ``KeyboardInterrupt``), at once; ``.partial``
                holds the pages fetched and ``resume=`` continues from it.

        >>> client.paginate("discover/movie", max_pages=5)  # doctest: +SKIP
        >>> client.paginate("discover/movie", to="data/discover")  # doctest: +SKIP
        """
        request = _page_request(path, params, method, json, query, variables)
        if to is not None or _resumes_folder(resume):
            from .bulk.stream import open_for, paginate_to_folder

            folder = open_for(
                "paginate",
                to=to,
                resume=resume,
                base_url=self.base_url,
                secrets=self._secrets(),
                method=request.method,
                path=request.path,
                params=request.params,
                json=request.json,
                record_path=record_path,
                paginator=repr(paginator),
            )
            streamed = paginate_to_folder(
                self._paging,
                request,
                folder,
                collect=collect,
                max_pages=max_pages,
                paginator=paginator,
                record_path=record_path,
                workers=workers,
                progress=progress,
            )
            return streamed if not collect else convert_dates(streamed, parse_dates)
        frame = self._paging(
            request,
            paginator=paginator,
            record_path=record_path,
            max_pages=max_pages,
            workers=workers,
            progress=progress,
            resume=resume,
        ).frame()
        return convert_dates(frame, parse_dates)

    def paginate_records(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        paginator: Paginator | str = "auto",
        method: str = "GET",
        json: Any = None,
        record_path: str | None = None,
        max_pages: int | None = None,
        workers: int = 4,
        progress: bool | None = None,
        resume: Any = None,
        query: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> list[Any]:
        """Like :meth:`paginate` but return the raw records (a list of dicts)."""
        return self._paging(
            _page_request(path, params, method, json, query, variables),
            paginator=paginator,
            record_path=record_path,
            max_pages=max_pages,
            workers=workers,
            progress=progress,
            resume=resume,
        ).records

    def get_each(
        self,
        path: str,
        values: Any,
        *,
        params: Mapping[str, Any] | None = None,
        workers: int = 4,
        progress: bool | None = None,
        errors: str = "raise",
        record_path: str | None = None,
        resume: Any = None,
        to: str | os.PathLike[str] | None = None,
        collect: bool = True,
    ) -> pd.DataFrame:
        """GET ``path`` once per value, concurrently; one DataFrame, rows in the values' order.

        ``path`` is a template: ``"movie/{}"`` takes scalars (a list, ``df.id``),
        ``"repos/{owner}/{name}"`` dicts or a DataFrame's rows. Requests go over this
        client's session (its rate limit, announced budgets, retries, cache, cassette) on
        ``workers`` threads; duplicate values are fetched once. An object answer is one
        row; a list answer (or ``record_path``) gives several, each keeping the value's
        key columns (``id``, ``owner``, ``name``; ``value`` for an unnamed list) so they
        join back. ``df.attrs["each"]`` says ``requested``, ``fetched``, ``failed`` (a
        DataFrame of value, status, message), ``duplicates``, ``complete``.

        Args:
            path: the template, relative to ``base_url``; values are percent-encoded.
            values: scalars, dicts, a Series or a DataFrame.
            params: query parameters for every request (``append_to_response=...``).
            workers: concurrent requests.
            progress: a progress bar over the values; ``None``: when there are several.
            errors: ``"raise"``: the first failure raises with ``.partial`` (the rows so
                far); ``"skip"``: values the API answers with an error status (404, 410,
                422...) are left out, listed in ``attrs["each"]["failed"]``, with one
                warning. Network, rate-limit and auth failures always raise.
            record_path: dotted path of the records in each answer (``"results"``).
            resume: an error from an earlier ``get_each`` (or its ``.partial``): fetch
                only the values it lacks; or a folder ``to=`` wrote.
            to, collect: stream batches of rows into a Parquet folder, as
                :meth:`paginate` does; ``collect=False`` returns the folder's path.

        >>> details = client.get_each("movie/{}", movies.id, errors="skip")  # doctest: +SKIP
        """
        return self._each(
            path,
            values,
            params=params,
            workers=workers,
            progress=progress,
            errors=errors,
            record_path=record_path,
            resume=resume,
            to=to,
            collect=collect,
        )

    def get_each_records(
        self,
        path: str,
        values: Any,
        *,
        params: Mapping[str, Any] | None = None,
        workers: int = 4,
        progress: bool | None = None,
        errors: str = "raise",
        record_path: str | None = None,
        resume: Any = None,
    ) -> list[Any]:
        """Like :meth:`get_each` but return the raw rows (a list of dicts), in order."""
        return self._each(
            path,
            values,
            params=params,
            workers=workers,
            progress=progress,
            errors=errors,
            record_path=record_path,
            resume=resume,
            records=True,
        )

    def _each(self, path: str, values: Any, **options: Any) -> Any:
        """One get_each run over this client's pages, its files kept free of its credentials."""
        from .bulk import get_each

        return get_each(
            self._get_page,
            path,
            values,
            base_url=self.base_url,
            secrets=self._secrets(),
            **options,
        )

    def _secrets(self) -> list[str]:
        """The credentials this client holds, kept out of every file a run writes."""
        from .bulk.stream import secrets_for

        return secrets_for(self)

    def _paging(self, request: PageRequest, **options: Any) -> Run:
        """One paging run over this client's pages, kept within its base_url and page cap."""
        return run_paging(
            self._get_page, request, base_url=self.base_url, page_cap=self.page_cap, **options
        )

    def _get_page(self, request: PageRequest) -> Page:
        """One page: the decoded JSON, the headers, the final URL, whether the cache answered."""
        response = self.response(
            request.method, request.path, params=request.params, json=request.json
        )
        body = decode_json(request.method, response, token=self.token)
        if is_graphql(request.json):  # GraphQL's failures come in a 200 answer
            raise_for_errors(
                body,
                url=response.url or self.url(request.path),
                secrets=response_secrets(response, self.token),
            )
        return Page(
            request,
            body,
            response.headers,
            response.url or "",
            from_cache=bool(getattr(response, "from_cache", False)),
            revalidated=bool(getattr(response, "revalidated", False)),
        )

    # -- lifecycle ----------------------------------------------------------------
    def cache_clear(self) -> None:
        """Empty the response cache (no-op when the client has none)."""
        cache = getattr(self.session, "cache", None)
        if cache is not None:
            cache.clear()

    def close(self) -> None:
        """Close the session and its connections (and stop this client's cassette)."""
        if self.cassette is not None:
            self.cassette.stop()
        self.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.token is not None:
            auth = f"token={self.token!r}"
        elif self.session.auth is not None:
            auth = f"auth={type(self.session.auth).__name__}"
        else:
            auth = "no auth"
        extras = []
        if self.rate_limiter is not None:
            extras.append(f"rate_limit={self.rate_limiter}")
        if self.cached:
            extras.append("cache=on")
        return f"<bearerkit.Client {self.base_url} {auth}{''.join(', ' + e for e in extras)}>"


def _as_token(token: Token | str) -> Token:
    if isinstance(token, Token):
        return token
    if isinstance(token, str):
        return Token.parse(token, source="the token argument", name="token")
    raise TypeError(f"token must be a bearerkit.Token or a str, not {type(token).__name__}")


def _as_limiter(rate_limit: RateSpec | RateLimiter | None) -> RateLimiter | None:
    """The client's own limiter; ``None`` (or a rate of 0) means no limit of its own."""
    if rate_limit is None or (isinstance(rate_limit, (int, float)) and rate_limit == 0):
        return None
    if isinstance(rate_limit, RateLimiter):
        return rate_limit
    return RateLimiter(rate_limit)


def _deadline_seconds(timeout: Timeout | None) -> float:
    """The per-attempt deadline for a ``timeout=`` value (the read part of a pair)."""
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, tuple):
        return float(timeout[1])
    return float(timeout)


def _check_json_body(method: str, url: str, body: Any) -> None:
    """Refuse, before sending, a body JSON cannot carry (NaN, Infinity): an input error.

    requests would refuse it too, deep inside, and the refusal would read as "no answer".
    """
    try:
        json_dumps(body, allow_nan=False)
    except ValueError:
        raise ValueError(
            f"{method} {url}: the json= body holds NaN or Infinity, which JSON cannot carry; "
            "nothing was sent. Replace them with None (sent as null) or a number, e.g. "
            "df.replace({np.nan: None}) before df.to_dict('records')."
        ) from None
    except TypeError:
        return  # not JSON at all (a set, a datetime): requests names the type itself


def _clean_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Drop ``None`` values and join sequences with commas (``with_genres=[28, 12]``)."""
    if not params:
        return None
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = str(value).lower()
        elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
            value = ",".join(str(v) for v in value)
        out[key] = value
    return out


def _page_request(
    path: str,
    params: Mapping[str, Any] | None,
    method: str,
    json: Any,
    query: str | None,
    variables: Mapping[str, Any] | None,
) -> PageRequest:
    """The first request of a paging run; a GraphQL ``query`` becomes its POST body."""
    if query is not None:
        if json is not None:
            raise ValueError("Pass either query= (GraphQL) or json=, not both")
        request = graphql_request(path, query, variables)
        return PageRequest(request.method, path, params, request.json)
    if variables is not None:
        raise ValueError("variables= goes with a GraphQL query=")
    if is_graphql(json) and method.upper() == "GET":
        method = "POST"  # a GraphQL body is POSTed; a GET with a body is never meant
    return PageRequest(method.upper(), path, params, json)


def _resumes_folder(resume: Any) -> bool:
    """``resume=`` names a streaming folder (or an error of a run that wrote one)."""
    if resume is None:
        return False
    from .bulk.stream import resumes_folder

    return resumes_folder(resume)

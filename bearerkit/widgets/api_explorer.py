"""``ApiExplorer``: try any bearer API from a notebook, and take the code with you.

A path, parameters, a method and an "all pages" switch; Fetch shows the answer as
a table (identifying columns first, long text cut short on screen only, columns to
pick), a status line, any error in red, and the plain bearerkit code that gives the
same DataFrame. Each fetch starts from an empty view, so a table is never shown
under a request that did not make it. A multi-page fetch started with the button
runs in the background: the status line counts pages and rows, and Stop keeps what
arrived. The code names the token by its variable (or starts the sandbox it ran
against); the token itself never appears in it.
"""

from __future__ import annotations

import html
import json
import re
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import ipywidgets as widgets
import pandas as pd
import requests

from ..errors import BearerkitError, ResponseFormatError
from ..frames import locate_records, to_frame
from ..paging import Page, PageRequest
from ..paging.detect import describe_more
from ..paging.fetch import paginate as run_paging
from ..redact import SECRET_BODY_FIELDS, contains_secret, is_secret_param, scrub
from ..secrets import secrets_of
from .parts import SEPARATOR, FetchParts, describe, display_frame, show

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["METHODS", "ApiExplorer"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})  # their parameters travel as a JSON body
PAGING_METHODS = ("GET", "POST")  # POST: APIs that page a query (Notion's database query)
NOTE_STYLE = "color: #8a5a00; white-space: pre-wrap; margin: 0.25em 0"  # amber: a warning
DEFAULT_TOKEN_NAME = "API_TOKEN"  # for a client whose token did not come from a named variable
PROGRESS_EVERY = 0.1  # seconds between progress updates of the status line (the first at once)
_VARIABLE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) in ")  # Token.source: "TMDB_TOKEN in .env"
# The embedded sandbox's mounts (bearerkit.sandbox.server) and the Sandbox attribute for each.
_SANDBOX_MOUNTS = {
    "/3": "url",
    "/4": "v4_url",
    "/styles": "styles_url",
    "/ratelimit": "ratelimit_url",
    "": "root_url",
}
_SANDBOX_THREAD = "bearerkit-sandbox-{port}"  # the name Sandbox gives its server thread
_LOOPBACK = ("127.0.0.1", "localhost")


class _FetchStopped(BearerkitError):
    """Raised inside a paging run when Stop was pressed: no further page is sent."""


@dataclass(frozen=True)
class _Call:
    """One request as the explorer sends it and as its code repeats it."""

    method: str
    path: str
    params: dict[str, Any]
    all_pages: bool

    @property
    def body(self) -> bool:
        return self.method in BODY_METHODS

    def request(self) -> PageRequest:
        """The first (or only) request: parameters in the query, or the JSON body."""
        if self.body:
            return PageRequest(self.method, self.path, None, self.params or None)
        return PageRequest(self.method, self.path, self.params or None)

    def run(
        self,
        client: Client,
        *,
        stop: threading.Event | None = None,
        on_page: Callable[[Page], None] | None = None,
    ) -> tuple[pd.DataFrame, str | None]:
        """The DataFrame, computed exactly as :meth:`code` writes it, and "more pages" news.

        The second value says why a single response is one page of several (``None``
        when it is the whole answer, or for all pages). ``stop`` set: no further
        page is sent, and :class:`_FetchStopped` carries the pages so far (``.partial``).
        ``on_page`` hears of each page as it arrives (from paginate's threads too).
        """
        get_page: Callable[[PageRequest], Page] = client._get_page

        def checked(request: PageRequest) -> Page:
            if stop is not None and stop.is_set():
                raise _FetchStopped("Stopped: no further page was sent.")
            page = get_page(request)
            if on_page is not None:
                on_page(page)
            return page

        if self.all_pages:
            run = run_paging(
                checked,
                self.request(),
                base_url=client.base_url,
                page_cap=client.page_cap,
                progress=False,
            )
            return run.frame(), None
        page = checked(self.request())
        if page.body is None and self.method == "GET":  # as get_df says it
            raise ResponseFormatError(
                f"GET {self.path} answered with an empty body, not the JSON records a "
                "DataFrame needs. Check the path; use get() for endpoints that answer nothing."
            )
        return to_frame(page.body), _more_pages(page)

    def call_text(self) -> tuple[str, bool]:
        """The line that makes ``df`` (with ``api``), and whether it needs ``to_frame``."""
        params = f", {self.params!r}" if self.params else ""
        if self.all_pages:
            if self.body:
                body = f", json={self.params!r}" if self.params else ""
                return (
                    f"api.paginate({self.path!r}, method={self.method!r}{body}, progress=False)",
                    False,
                )
            return f"api.paginate({self.path!r}{params}, progress=False)", False
        if self.method == "GET":
            return f"api.get_df({self.path!r}{params})", False
        keyword = f", {'json' if self.body else 'params'}={self.params!r}" if self.params else ""
        return f"to_frame(api.request({self.method!r}, {self.path!r}{keyword}))", True


@dataclass
class _Tally:
    """What the responses of one fetch said: for the status line."""

    responses: int = 0
    cached: int = 0
    status: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)  # paginate's threads report too


@dataclass
class _Progress:
    """Pages and rows of a paging run so far, for the status line while it runs."""

    pages: int = 0
    rows: int = 0
    shown_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)  # pages arrive on threads


class ApiExplorer(FetchParts, widgets.VBox):
    """Explore any bearer API: path, parameters, method, all pages; table, status, code.

    Driven by hand (type a path, press Fetch) or from code: set
    ``explorer.path.value``, ``explorer.params.value`` (``key=value&...`` or a JSON
    object), ``explorer.method.value`` and ``explorer.all_pages.value``, call
    :meth:`fetch`, and read :attr:`frame`, :attr:`status`, :attr:`error` and
    :attr:`code` (and :attr:`note`: "one page of several", a stop, a page cap).
    For GET and DELETE the parameters go into the query string; for POST, PUT and
    PATCH they are the JSON body. "All pages" uses
    :meth:`Client.paginate <bearerkit.Client.paginate>` (with GET, or POST for APIs
    that page a query).

    Every fetch clears the previous table first: after a failure no table is shown
    and :attr:`frame` is ``None``. The Fetch button runs the fetch in the background,
    so the status line counts pages and rows as they come and **Stop** (or
    :meth:`stop`) ends a multi-page fetch keeping the pages that arrived (the frame
    is then marked incomplete). :meth:`fetch` itself runs to the end before it
    returns. The table shows ``id`` and a title or name column first and cuts long
    text short (the frame keeps it whole); **Columns** picks what is shown.

    Args:
        client: the :class:`~bearerkit.Client` to send with (its token, rate limit, cache).
        path: the path filled in at first, relative to the client's ``base_url``.
        params: parameters filled in at first.
        method: one of :data:`METHODS`.
        all_pages: fetch every page.
        token_name: the variable ``.code`` loads the token from; default: the
            variable the client's token was loaded from, else ``"API_TOKEN"``.
        autofetch: fetch once right away (needs ``path``).

    >>> api = bk.Client("https://api.github.com", bk.load_token("GITHUB_TOKEN"))  # doctest: +SKIP
    >>> explorer = ApiExplorer(api, path="user/repos", all_pages=True)          # doctest: +SKIP
    >>> explorer.fetch(); explorer.frame.shape; print(explorer.code)            # doctest: +SKIP
    """

    def __init__(
        self,
        client: Client,
        *,
        path: str = "",
        params: Mapping[str, Any] | str | None = None,
        method: str = "GET",
        all_pages: bool = False,
        token_name: str | None = None,
        autofetch: bool = False,
    ) -> None:
        method = method.upper()
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
        if token_name is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token_name):
            raise ValueError(
                f"token_name must be a variable name such as 'TMDB_TOKEN', not {token_name!r}"
            )
        self.client = client
        self.token_name = token_name or _token_variable(client)
        self.frame: pd.DataFrame | None = None
        self._note = ""
        self._last: _Call | None = None
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._picking = False  # the column picker is being refilled: no redraw

        if not isinstance(params, str):
            params = json.dumps(dict(params), ensure_ascii=False) if params else ""
        self.path = widgets.Text(
            value=path,
            description="Path",
            placeholder="e.g. genre/movie/list",
            layout=widgets.Layout(width="28em"),
        )
        self.params = widgets.Text(
            value=params,
            description="Parameters",
            placeholder='language=de&page=2  or  {"name": "My list"}',
            layout=widgets.Layout(width="28em"),
        )
        self.method = widgets.Dropdown(
            options=METHODS, value=method, description="Method", layout=widgets.Layout(width="12em")
        )
        self.all_pages = widgets.Checkbox(value=all_pages, description="All pages", indent=False)
        self._make_fetch_parts(f"{client.base_url}: enter a path and press Fetch.")
        self.stop_button = widgets.Button(
            description="Stop", icon="stop", disabled=True, tooltip="Stop after the pages so far"
        )
        self.stop_button.on_click(lambda _button: self.stop())
        self._note_line = widgets.HTML(value="")
        self.table = widgets.Output()
        self.columns = widgets.SelectMultiple(
            options=[], rows=8, description="Shown", layout=widgets.Layout(width="28em")
        )
        self.columns.observe(lambda _change: self._show_table(), names="value")
        self.columns_panel = widgets.Accordion(children=[self.columns], titles=("Columns",))
        self.columns_panel.selected_index = None
        self._code_view = widgets.HTML(value=_code_html(self.code))
        self.code_panel = widgets.Accordion(children=[self._code_view], titles=("Code",))
        self.code_panel.selected_index = None  # folded: the code is shown on demand
        for part, css in (
            (self.path, "bk-path"),
            (self.params, "bk-params"),
            (self.method, "bk-method"),
            (self.all_pages, "bk-all-pages"),
            (self.stop_button, "bk-stop"),
            (self._note_line, "bk-note"),
            (self.table, "bk-table"),
            (self.columns_panel, "bk-columns"),
            (self.code_panel, "bk-code"),
        ):
            part.add_class(css)
        super().__init__(
            children=[
                widgets.HBox([self.method, self.path]),
                widgets.HBox([self.params, self.all_pages, self.button, self.stop_button]),
                self._status,
                self._error_line,
                self._note_line,
                self.table,
                self.columns_panel,
                self.code_panel,
            ]
        )
        self.add_class("bk-api-explorer")
        if autofetch:
            self.fetch()

    @property
    def note(self) -> str:
        """News from the last fetch (one page of several, stopped, a page cap), or ``""``."""
        return self._note

    @property
    def code(self) -> str:
        """Plain bearerkit code that reproduces the table (``df``); never holds a credential.

        The last successful fetch's request, or (before any, and after a failure)
        the request in the fields. It runs as printed in a fresh kernel: against
        the sandbox it starts one (``bk.sandbox.start()``, or ``bk.tmdb.connect()``
        for the sandbox ``connect()`` chose); otherwise it loads the token by name.
        """
        try:
            call = self._last or self._call()
        except ValueError:
            call = _Call(self.method.value, self.path.value.strip(), {}, self.all_pages.value)
        code = _code(call, self.client.base_url, self._code_token_name())
        return scrub(code, self._secrets())  # a refused call's path may hold the token

    def fetch(self) -> None:
        """Send the request in the fields and show the result; returns when it is done.

        The previous table is cleared first. On failure the message goes to
        :attr:`error` (and the red line) and no table is shown. The Fetch button
        calls this in a background thread (see :meth:`stop` and :meth:`wait`).
        """
        started = time.perf_counter()
        self._stop.clear()
        self._clear_view()
        self._status.value = "Fetching…"
        self.button.disabled = True
        tally = _Tally()
        progress = _Progress()
        stopped: _FetchStopped | None = None
        try:
            call = self._call()
            self.stop_button.disabled = not call.all_pages
            with (
                _counting(self.client.session, tally),
                warnings.catch_warnings(record=True) as seen,
            ):
                warnings.simplefilter("always")
                try:
                    frame, more = call.run(
                        self.client,
                        stop=self._stop,
                        on_page=lambda page: self._progressed(progress, page),
                    )
                except _FetchStopped as exc:
                    if exc.partial is None:
                        raise
                    stopped, frame, more = exc, exc.partial, None
        except Exception as exc:  # shown in the widget: a callback has no caller to raise to
            self._set_error(describe(exc))
            status = getattr(exc, "status_code", None) or tally.status
            parts = [f"{self.method.value} {self.path.value.strip()}", "failed"]
            self._status.value = SEPARATOR.join(parts + ([str(status)] if status else []))
            self._code_view.value = _code_html(self.code)
            return
        finally:
            self.button.disabled = False
            self.stop_button.disabled = True
        self.frame, self._last = frame, call
        notes = [str(w.message) for w in seen]
        if more is not None:
            notes.insert(
                0,
                f"This is one page of several ({more}): {len(frame)} rows. Tick All pages "
                "to fetch every page (client.paginate).",
            )
        if stopped is not None:
            info = frame.attrs.get("paging", {})
            notes.insert(
                0,
                f"Stopped after {info.get('pages', '?')} pages: the {len(frame)} rows that "
                "arrived are kept, and the frame is marked incomplete (frame.attrs['paging']). "
                "Fetch again for every page.",
            )
        self._set_note(" ".join(notes))
        self._set_columns(display_frame(frame.iloc[:0]).columns.tolist())
        self._show_table()
        self._code_view.value = _code_html(self.code)
        if call.all_pages:
            pages = tally.responses
            count = f"{pages} page{'s' if pages != 1 else ''}"
            if stopped is not None:
                count += " (stopped)"
        else:
            count = "1 page of several" if more is not None else "1 request"
        self._status.value = SEPARATOR.join(
            [
                f"{call.method} {call.path}",
                str(tally.status),
                f"{len(frame)} rows",
                count,
                f"{tally.cached} cached",
                f"{time.perf_counter() - started:.2f} s",
            ]
        )

    def stop(self) -> None:
        """Stop a running multi-page fetch after the pages in flight; they are kept."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a fetch the Fetch button started; True when none is running any more."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
            return not worker.is_alive()
        return True

    def _on_fetch_click(self) -> None:
        # In the background: the kernel stays free to hear Stop and to draw the progress.
        if self._worker is not None and self._worker.is_alive():
            return
        self._worker = threading.Thread(target=self.fetch, name="bearerkit-explorer", daemon=True)
        self._worker.start()

    def _progressed(self, progress: _Progress, page: Page) -> None:
        try:
            rows = len(locate_records(page.body)[1])
        except BearerkitError:
            rows = 0  # counted for the status line only; paginate judges the records
        with progress.lock:
            progress.pages += 1
            progress.rows += rows
            now = time.perf_counter()
            if progress.pages > 1 and now - progress.shown_at < PROGRESS_EVERY:
                return
            progress.shown_at = now
            pages = progress.pages
            self._status.value = (
                f"Fetching… {pages} page{'s' if pages != 1 else ''}"
                f"{SEPARATOR}{progress.rows} rows so far (Stop keeps them)"
            )

    def _clear_view(self) -> None:
        """A new fetch starts from nothing: no table, note, error, columns or last call."""
        self.frame, self._last = None, None
        self._set_error("")
        self._set_note("")
        self.table.outputs = ()
        self._set_columns([])

    def _set_columns(self, names: list[str]) -> None:
        """Offer ``names`` in the column picker, all chosen (no redraw meanwhile)."""
        self._picking = True
        try:
            self.columns.options = names
            self.columns.value = tuple(names)
        finally:
            self._picking = False

    def _show_table(self) -> None:
        if self._picking:
            return
        if self.frame is None:
            self.table.outputs = ()
            return
        show(self.table, display_frame(self.frame, columns=self.columns.value or None))

    def _call(self) -> _Call:
        """The request in the fields, checked; ``ValueError`` says what to fix."""
        path = self.path.value.strip()
        if not path:
            raise ValueError("Enter a path relative to the API root, e.g. genre/movie/list.")
        method = self.method.value
        if self.all_pages.value and method not in PAGING_METHODS:
            raise ValueError(
                "All pages works with GET, and with POST for APIs that page a query "
                "(Notion's database query); untick it or choose GET or POST."
            )
        params = _parse_params(self.params.value)
        secrets = self._secrets()
        named = [name for name in params if _is_secret(name, method)]
        if named:
            # Out of the field too (its text is saved with the notebook's widget state).
            typed = secrets | {str(params[name]) for name in named}
            self.params.value = scrub(self.params.value, typed)
            self.path.value = scrub(self.path.value, secrets)
            raise ValueError(
                f"The parameter {named[0]!r} carries a credential; the client sends its token "
                "itself. It was removed from the field (shown as ***); keep credentials in "
                ".env, not in the parameters field."
            )
        if contains_secret(f"{self.path.value}\n{self.params.value}", secrets):
            # Out of the fields too: their text is saved with the notebook's widget state.
            self.path.value = scrub(self.path.value, secrets)
            self.params.value = scrub(self.params.value, secrets)
            raise ValueError(
                "The path or parameters contained the token; it was removed from them "
                "(shown as ***). The client sends the token itself, in the Authorization header."
            )
        return _Call(method, path, params, bool(self.all_pages.value))

    def _secrets(self) -> set[str]:
        """The credentials this client holds: never in the code, never sent in a path."""
        found = set(secrets_of(self.client.session.auth)) if self.client.session.auth else set()
        if self.client.token is not None:
            found.add(self.client.token.value)
        return found

    def _code_token_name(self) -> str | None:
        has_auth = self.client.token is not None or self.client.session.auth is not None
        return self.token_name if has_auth else None

    def _set_note(self, message: str) -> None:
        self._note = message
        self._note_line.value = (
            f"<div style='{NOTE_STYLE}'>{html.escape(message)}</div>" if message else ""
        )


def _more_pages(page: Page) -> str | None:
    """Why one response is one page of several (``None`` when it is all there is)."""
    path, page.records = locate_records(page.body)
    try:
        return describe_more(page, record_path=path)
    except BearerkitError:
        return None  # a shape the paginators cannot read: nothing to advise


def _code(call: _Call, base_url: str, token_name: str | None) -> str:
    """The code for ``call`` against ``base_url``: what :attr:`ApiExplorer.code` shows."""
    line, needs_to_frame = call.call_text()
    lines = ["import bearerkit as bk"]
    if needs_to_frame:
        lines.append("from bearerkit.frames import to_frame")
    lines.append("")
    sandbox = _sandbox_expression(base_url)
    if sandbox == "connect":
        lines.append("tmdb = bk.tmdb.connect()  # TMDB_TOKEN from .env; the sandbox without one")
        lines.append("api = tmdb.client")
        lines.append(f"df = {line}")
        return "\n".join(lines) + "\n"
    if sandbox is not None:
        lines.append("# The embedded sandbox stands in for the API (a new port each time).")
        lines.append(f"with bk.sandbox.start() as sb, bk.Client({sandbox}, sb.token) as api:")
    elif token_name is not None:
        lines.append(f"token = bk.load_token({token_name!r})  # from the environment or .env")
        lines.append(f"with bk.Client({base_url!r}, token) as api:")
    else:
        lines.append(f"with bk.Client({base_url!r}) as api:")
    lines.append(f"    df = {line}")
    return "\n".join(lines) + "\n"


def _sandbox_expression(base_url: str) -> str | None:
    """How code in a fresh kernel reaches ``base_url`` when an embedded sandbox serves it.

    ``"connect"`` for the sandbox ``bk.tmdb.connect()`` started; ``"sb.styles_url"``
    and the like for another sandbox in this process; ``None`` for anything else.
    """
    parts = urlsplit(base_url)
    if parts.hostname not in _LOOPBACK or parts.port is None:
        return None
    name = _SANDBOX_THREAD.format(port=parts.port)
    if not any(t.name == name and t.is_alive() for t in threading.enumerate()):
        return None
    backend = sys.modules.get("bearerkit.tmdb.backend")  # loaded only if connect() ran
    shared = getattr(backend, "_shared_sandbox", None)
    if shared is not None and shared.port == parts.port and base_url.rstrip("/") == shared.url:
        return "connect"
    mount = parts.path.rstrip("/")
    if mount in _SANDBOX_MOUNTS:
        return f"sb.{_SANDBOX_MOUNTS[mount]}"
    return f"sb.root_url + {mount!r}"


def _token_variable(client: Client) -> str:
    """The variable the client's token was loaded from (``"TMDB_TOKEN"``), else a default."""
    source = getattr(client.token, "source", "") or ""
    match = _VARIABLE.match(source)
    return match[1] if match else DEFAULT_TOKEN_NAME


def _is_secret(name: str, method: str) -> bool:
    if method in BODY_METHODS:
        return name.lower() in SECRET_BODY_FIELDS
    return is_secret_param(name)


def _no_constant(name: str) -> Any:
    raise ValueError(
        f"Parameters: {name} is not a JSON value (JSON has no NaN or Infinity); "
        "write null, a number or a string instead."
    )


def _parse_params(text: str) -> dict[str, Any]:
    """``key=value&...`` or a JSON object to a dict; ``ValueError`` for anything else."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith(("{", "[")):
        try:
            value = json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"Parameters: not valid JSON ({exc.msg} at character {exc.pos})."
            ) from None
        if not isinstance(value, dict):
            raise ValueError("Parameters: give a JSON object ({...}), not a list or a value.")
        return value
    try:
        pairs = parse_qsl(text.lstrip("?"), keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise ValueError(
            f"Parameters: write key=value pairs joined by & (or a JSON object), not {text!r}."
        ) from None
    return dict(pairs)


def _code_html(code: str) -> str:
    return f"<pre style='margin: 0'>{html.escape(code)}</pre>"


@contextmanager
def _counting(session: requests.Session, tally: _Tally) -> Iterator[None]:
    """Count the responses ``session`` receives meanwhile (a requests response hook)."""

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        with tally.lock:
            tally.responses += 1
            tally.cached += bool(getattr(response, "from_cache", False))
            tally.status = response.status_code

    hooks = session.hooks.setdefault("response", [])
    hooks.append(hook)
    try:
        yield
    finally:
        hooks.remove(hook)

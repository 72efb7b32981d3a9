"""``ApiExplorer``: try any bearer API from a notebook, and take the code with you.

A path, parameters, a method and an "all pages" switch; Fetch shows the answer as
a table, a status line, any error in red, and the plain bearerkit code that gives
the same DataFrame. The code loads the token by its variable name with
``load_token``; the token itself never appears in it.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import ipywidgets as widgets
import pandas as pd
import requests

from ..frames import to_frame
from ..redact import SECRET_BODY_FIELDS, is_secret_param
from .parts import SEPARATOR, FetchParts, describe, show

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["METHODS", "ApiExplorer"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})  # their parameters travel as a JSON body
NOTE_STYLE = "color: #8a5a00; white-space: pre-wrap; margin: 0.25em 0"  # amber: a warning
DEFAULT_TOKEN_NAME = "API_TOKEN"  # for a client whose token did not come from a named variable
_VARIABLE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) in ")  # Token.source: "TMDB_TOKEN in .env"


@dataclass(frozen=True)
class _Call:
    """One request as the explorer sends it and as its code repeats it."""

    method: str
    path: str
    params: dict[str, Any]
    all_pages: bool

    def run(self, client: Client) -> pd.DataFrame:
        """The DataFrame, computed exactly as :meth:`code` writes it."""
        if self.method in BODY_METHODS:
            return to_frame(client.request(self.method, self.path, json=self.params or None))
        if self.all_pages:
            return client.paginate(self.path, self.params or None, progress=False)
        if self.method == "GET":
            return client.get_df(self.path, self.params or None)
        return to_frame(client.request(self.method, self.path, params=self.params or None))

    def code(self, base_url: str, token_name: str | None) -> str:
        """Plain bearerkit code that gives the same DataFrame as :meth:`run`."""
        body = self.method in BODY_METHODS
        via_request = body or not (self.all_pages or self.method == "GET")  # as run() decides
        if via_request:
            keyword = f", {'json' if body else 'params'}={self.params!r}" if self.params else ""
            call = f"to_frame(api.request({self.method!r}, {self.path!r}{keyword}))"
        else:
            args = f"{self.path!r}, {self.params!r}" if self.params else repr(self.path)
            call = (
                f"api.paginate({args}, progress=False)" if self.all_pages else f"api.get_df({args})"
            )
        lines = ["import bearerkit as bk"]
        if via_request:
            lines.append("from bearerkit.frames import to_frame")
        lines.append("")
        if token_name is not None:
            lines.append(f"token = bk.load_token({token_name!r})  # from the environment or .env")
            lines.append(f"with bk.Client({base_url!r}, token) as api:")
        else:
            lines.append(f"with bk.Client({base_url!r}) as api:")
        lines.append(f"    df = {call}")
        return "\n".join(lines) + "\n"


@dataclass
class _Tally:
    """What the responses of one fetch said: for the status line."""

    responses: int = 0
    cached: int = 0
    status: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)  # paginate's threads report too


class ApiExplorer(FetchParts, widgets.VBox):
    """Explore any bearer API: path, parameters, method, all pages; table, status, code.

    Driven by hand (type a path, press Fetch) or from code: set
    ``explorer.path.value``, ``explorer.params.value`` (``key=value&...`` or a JSON
    object), ``explorer.method.value`` and ``explorer.all_pages.value``, call
    :meth:`fetch`, and read :attr:`frame`, :attr:`status`, :attr:`error` and
    :attr:`code` (and :attr:`note`: bearerkit's warnings, such as "one page of
    several"). For GET and DELETE the parameters go into the query string; for
    POST, PUT and PATCH they are the JSON body. "All pages" uses
    :meth:`Client.paginate <bearerkit.Client.paginate>`.

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
        self._note_line = widgets.HTML(value="")
        self.table = widgets.Output()
        self._code_view = widgets.HTML(value=_code_html(self.code))
        self.code_panel = widgets.Accordion(children=[self._code_view], titles=("Code",))
        self.code_panel.selected_index = None  # folded: the code is shown on demand
        for part, css in (
            (self.path, "bk-path"),
            (self.params, "bk-params"),
            (self.method, "bk-method"),
            (self.all_pages, "bk-all-pages"),
            (self._note_line, "bk-note"),
            (self.table, "bk-table"),
            (self.code_panel, "bk-code"),
        ):
            part.add_class(css)
        super().__init__(
            children=[
                widgets.HBox([self.method, self.path]),
                widgets.HBox([self.params, self.all_pages, self.button]),
                self._status,
                self._error_line,
                self._note_line,
                self.table,
                self.code_panel,
            ]
        )
        self.add_class("bk-api-explorer")
        if autofetch:
            self.fetch()

    @property
    def note(self) -> str:
        """Warnings from the last fetch (e.g. "one page of several"), or ``""``."""
        return self._note

    @property
    def code(self) -> str:
        """Plain bearerkit code that reproduces the table (``df``); never contains the token.

        The last successful fetch's request, or before any the request in the fields.
        """
        try:
            call = self._last or self._call()
        except ValueError:
            call = _Call(self.method.value, self.path.value.strip(), {}, self.all_pages.value)
        return call.code(self.client.base_url, self._code_token_name())

    def fetch(self) -> None:
        """Send the request in the fields and show the result (synchronous; Fetch calls it).

        On failure the message goes to :attr:`error` (and the red line) and the
        previous table stays.
        """
        started = time.perf_counter()
        self._set_error("")
        self._set_note("")
        self._status.value = "Fetching…"
        self.button.disabled = True
        tally = _Tally()
        try:
            call = self._call()
            with (
                _counting(self.client.session, tally),
                warnings.catch_warnings(record=True) as seen,
            ):
                warnings.simplefilter("always")
                frame = call.run(self.client)
        except Exception as exc:  # shown in the widget: a callback has no caller to raise to
            self._set_error(describe(exc))
            status = getattr(exc, "status_code", None) or tally.status
            parts = [f"{self.method.value} {self.path.value.strip()}", "failed"]
            self._status.value = SEPARATOR.join(parts + ([str(status)] if status else []))
            return
        finally:
            self.button.disabled = False
        self.frame, self._last = frame, call
        # bearerkit's warnings (one page of several, a page cap) are part of the answer.
        self._set_note(" ".join(str(w.message) for w in seen))
        show(self.table, frame)
        self._code_view.value = _code_html(self.code)
        pages = tally.responses
        self._status.value = SEPARATOR.join(
            [
                f"{call.method} {call.path}",
                str(tally.status),
                f"{len(frame)} rows",
                f"{pages} page{'s' if pages != 1 else ''}" if call.all_pages else "1 request",
                f"{tally.cached} cached",
                f"{time.perf_counter() - started:.2f} s",
            ]
        )

    def _call(self) -> _Call:
        """The request in the fields, checked; ``ValueError`` says what to fix."""
        path = self.path.value.strip()
        if not path:
            raise ValueError("Enter a path relative to the API root, e.g. genre/movie/list.")
        method = self.method.value
        if self.all_pages.value and method != "GET":
            raise ValueError("All pages works with GET; untick it or choose GET.")
        params = _parse_params(self.params.value)
        secret = next((name for name in params if _is_secret(name, method)), None)
        if secret is not None:
            raise ValueError(
                f"The parameter {secret!r} carries a credential; the client sends its token "
                "itself. Keep credentials in .env, not in the parameters field."
            )
        call = _Call(method, path, params, bool(self.all_pages.value))
        token = self.client.token
        if token is not None and token.value in repr(call):
            raise ValueError("The path or parameters contain the token; remove it from there.")
        return call

    def _code_token_name(self) -> str | None:
        has_auth = self.client.token is not None or self.client.session.auth is not None
        return self.token_name if has_auth else None

    def _set_note(self, message: str) -> None:
        self._note = message
        self._note_line.value = (
            f"<div style='{NOTE_STYLE}'>{html.escape(message)}</div>" if message else ""
        )


def _token_variable(client: Client) -> str:
    """The variable the client's token was loaded from (``"TMDB_TOKEN"``), else a default."""
    source = getattr(client.token, "source", "") or ""
    match = _VARIABLE.match(source)
    return match[1] if match else DEFAULT_TOKEN_NAME


def _is_secret(name: str, method: str) -> bool:
    if method in BODY_METHODS:
        return name.lower() in SECRET_BODY_FIELDS
    return is_secret_param(name)


def _parse_params(text: str) -> dict[str, Any]:
    """``key=value&...`` or a JSON object to a dict; ``ValueError`` for anything else."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith(("{", "[")):
        try:
            value = json.loads(text)
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

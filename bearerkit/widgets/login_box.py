"""``LoginBox``: the sign-in widget a ``DeviceLogin`` or ``BrowserLogin`` shows in Jupyter.

It renders from one snapshot, the login's ``state`` (``bearerkit.oauth.login.LoginState``),
which holds nothing secret: the verification link and the user code (meant to be read
and typed), the authorization URL (``state`` and the PKCE challenge, not the verifier),
the expiry time and one status line. Tokens, device codes, authorization codes and
verifiers never reach a widget: the paste box empties itself as soon as it is read,
and the code in a pasted URL is spent by then anyway.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .parts import ERROR_STYLE, describe, error_html

if TYPE_CHECKING:
    from ..oauth.login import LoginState

__all__ = ["LoginBox"]

TICK_SECONDS = 1.0  # the countdown's step
_TITLES = {
    "device": "Sign in with a code",
    "browser": "Sign in with your browser",
    "refresh": "Sign in with a refresh token",
}
_STATUS_TEXT = {
    "idle": "Not signed in yet: call login.start().",
    "pending": "Waiting for you to sign in …",
    "signed_in": "Signed in.",
    "denied": "Access was denied.",
    "expired": "The sign-in expired: call login.start() for a new one.",
    "error": "The sign-in failed.",
}
_FAILED = ("denied", "expired", "error")
_CODE_STYLE = (
    "font: bold 2em monospace; letter-spacing: .12em; padding: .1em .4em; "
    "border: 1px solid #bbb; border-radius: 4px; user-select: all"
)
# JupyterLab draws links like plain text: make them look like links.
_LINK_STYLE = "color: #1565c0; text-decoration: underline"
# The copy button works in the browser alone (no kernel round trip): the clipboard
# API, with a select-the-text fallback where it is not allowed.
_COPY_JS = (
    "const c=this.dataset.code;const b=this;"
    "(navigator.clipboard?navigator.clipboard.writeText(c):Promise.reject())"
    ".then(()=>{b.textContent='Copied'},()=>{const s=window.getSelection();"
    "s.selectAllChildren(b.previousElementSibling);b.textContent='Press Ctrl+C'})"
)


def _link(url: str, text: str | None = None) -> str:
    href = html.escape(url, quote=True)
    return (
        f'<a href="{href}" target="_blank" rel="noopener noreferrer" style="{_LINK_STYLE}">'
        f"{html.escape(text or url)}</a>"
    )


def countdown_text(seconds: float) -> str:
    """``"expires in 14:59"`` for the countdown (seconds rounded down), ``"expired"`` at 0.

    >>> countdown_text(899.4)
    'expires in 14:59'
    """
    if seconds <= 0:
        return "expired"
    whole = int(seconds)
    return f"expires in {whole // 60}:{whole % 60:02d}"


class LoginBox(widgets.VBox):
    """Shows a sign-in and follows it: link, code, countdown, paste box and status.

    ``DeviceLogin.start()`` and ``BrowserLogin.start()`` display one in Jupyter;
    build one yourself to show a login again.

    Device flow: the verification link (and the link with the code filled in, when
    the server gives one), the user code large with a Copy button, a countdown to
    its expiry and the status line. Browser flow: the sign-in link and a box to
    paste the address the browser ended on (for a kernel the redirect cannot reach:
    Colab, a remote hub), which calls ``login.complete(url)``.

    Args:
        login: a ``DeviceLogin``, ``BrowserLogin`` or ``RefreshLogin``.
        now: the wall clock for the countdown (tests pass a fake one).

    >>> box = LoginBox(login)   # doctest: +SKIP
    """

    def __init__(self, login: Any, *, now: Callable[[], datetime] | None = None) -> None:
        self.login = login
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._state: LoginState | None = None
        self._paste_error = ""
        self._status_plain = ""
        self._error_text = ""
        self._stopped = threading.Event()
        self._ticker: threading.Thread | None = None
        self._lock = threading.Lock()

        self._title = widgets.HTML()
        self._link = widgets.HTML()
        self._code = widgets.HTML()
        self._countdown = widgets.Label()
        self._status = widgets.HTML()
        self._storage = widgets.Label()
        self.paste = widgets.Text(
            placeholder="http://127.0.0.1:…/callback?code=…&state=…",
            description="Ended on:",
            continuous_update=False,
            layout=widgets.Layout(width="40em"),
        )
        self.finish = widgets.Button(description="Finish sign-in", icon="sign-in")
        self._paste_help = widgets.HTML(
            "<small>Did the browser end on a page that does not load (the notebook runs "
            "elsewhere)? Copy that page's address from the address bar, paste it here and "
            "press <b>Finish sign-in</b>.</small>"
        )
        self._paste_row = widgets.VBox([self._paste_help, widgets.HBox([self.paste, self.finish])])
        self._error = widgets.HTML()
        for part, name in (
            (self, "bk-login"),
            (self._title, "bk-login-title"),
            (self._link, "bk-login-link"),
            (self._code, "bk-login-code"),
            (self._countdown, "bk-login-countdown"),
            (self._status, "bk-login-status"),
            (self._storage, "bk-login-storage"),
            (self.paste, "bk-login-paste"),
            (self.finish, "bk-login-finish"),
            (self._paste_row, "bk-login-paste-row"),
            (self._error, "bk-error"),
        ):
            part.add_class(name)
        self.finish.on_click(lambda _button: self.submit())
        super().__init__()
        self._unsubscribe: Callable[[], None] = login.subscribe(self._render)

    def __repr__(self) -> str:
        # Stable (no code, port or time in it): it is the widget's text/plain, which
        # notebooks store and nbval compares.
        flow = self._state.flow if self._state is not None else "sign-in"
        return f"<bearerkit LoginBox: {flow} sign-in>"

    # --- what tests and users read -----------------------------------------------------

    @property
    def status(self) -> str:
        """The login's status as last shown (``"pending"``, ``"signed_in"``, ...)."""
        return self._state.status if self._state is not None else "idle"

    @property
    def status_text(self) -> str:
        """The status line as plain text."""
        return self._status_plain

    @property
    def countdown(self) -> str:
        """The countdown as shown (``"expires in 14:59"``, ``"expired"`` or ``""``)."""
        return str(self._countdown.value)

    @property
    def error(self) -> str:
        """The last error shown (a failed paste, or the login's failure), or ``""``."""
        return self._error_text

    # --- the paste box ------------------------------------------------------------------

    def submit(self, url: str | None = None) -> None:
        """Finish a browser sign-in with the address the browser ended on.

        Reads (and empties) the paste box unless ``url`` is given. Errors are shown in
        the widget, never raised into the browser console.
        """
        text = (url if url is not None else str(self.paste.value)).strip()
        self.paste.value = ""  # never keep the code in widget state
        if not text:
            self._paste_error = "Paste the address the browser ended on first."
            self._redraw()
            return
        self._paste_error = ""
        try:
            self.login.complete(text)
        except Exception as exc:  # shown, not raised: a widget callback has no caller
            self._paste_error = describe(exc)
        self._redraw()

    def close(self) -> None:
        """Stop following the login and close the widget."""
        self._stopped.set()
        self._unsubscribe()
        super().close()

    # --- rendering ------------------------------------------------------------------------

    def _render(self, state: LoginState) -> None:
        """Take a new snapshot from the login (called from any thread)."""
        with self._lock:
            self._state = state
        self._redraw()
        if state.status == "pending":
            self._start_ticker()

    def _redraw(self) -> None:
        state = self._state
        if state is None:
            return
        with self._lock:
            self._title.value = f"<b>{html.escape(_TITLES.get(state.flow, 'Sign in'))}</b>"
            children: list[widgets.Widget] = [self._title]
            pending = state.status == "pending"
            if state.flow == "device" and state.verification_uri and pending:
                children += self._device_parts(state)
            elif state.flow == "browser" and state.authorization_url and pending:
                children += self._browser_parts(state)
            message = state.message or _STATUS_TEXT.get(state.status, state.status)
            self._status_plain = message
            style = {"signed_in": "color: #1b5e20; font-weight: bold"}.get(state.status, "")
            if state.status in _FAILED:
                style = ERROR_STYLE
            self._status.value = (
                f'<span data-status="{html.escape(state.status)}" style="{style}">'
                f"{html.escape(message)}</span>"
            )
            children.append(self._status)
            if state.status == "signed_in":
                self._storage.value = f"Tokens kept in: {state.storage}"
                children.append(self._storage)
            failure = message if state.status in _FAILED else ""
            self._error_text = self._paste_error or failure
            self._error.value = error_html(self._paste_error)
            if self._paste_error:
                children.append(self._error)
            self.children = tuple(children)
            self._tick_locked()

    def _device_parts(self, state: LoginState) -> list[widgets.Widget]:
        assert state.verification_uri is not None and state.user_code is not None
        link = f"Open {_link(state.verification_uri)} and enter this code:"
        if state.verification_uri_complete:
            link += (
                f"<br><small>or open {_link(state.verification_uri_complete, 'this link')}, "
                "which has the code filled in.</small>"
            )
        self._link.value = link
        code = html.escape(state.user_code)
        self._code.value = (
            f'<span class="bk-login-user-code" style="{_CODE_STYLE}">{code}</span> '
            f'<button class="bk-login-copy" type="button" '
            f'data-code="{html.escape(state.user_code, quote=True)}" '
            f'onclick="{html.escape(_COPY_JS, quote=True)}">Copy</button>'
        )
        return [self._link, self._code, self._countdown]

    def _browser_parts(self, state: LoginState) -> list[widgets.Widget]:
        assert state.authorization_url is not None
        self._link.value = (
            f"{_link(state.authorization_url, 'Open the sign-in page')} in your browser "
            "and approve."
        )
        return [self._link, self._countdown, self._paste_row]

    # --- the countdown ----------------------------------------------------------------------

    def _tick_locked(self) -> None:
        state = self._state
        if state is None or state.status != "pending" or state.expires_at is None:
            self._countdown.value = ""
            return
        left = (state.expires_at - self._now()).total_seconds()
        self._countdown.value = countdown_text(left)

    def tick(self) -> None:
        """Update the countdown now (a background thread calls it every second)."""
        with self._lock:
            self._tick_locked()

    def _start_ticker(self) -> None:
        with self._lock:
            if self._ticker is not None and self._ticker.is_alive():
                return
            self._ticker = threading.Thread(
                target=self._tick_until_done, name="bearerkit-login-countdown", daemon=True
            )
            self._ticker.start()

    def _tick_until_done(self) -> None:
        while not self._stopped.wait(TICK_SECONDS):
            if self.status != "pending":
                return
            self.tick()

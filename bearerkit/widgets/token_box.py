"""``TokenBox``: paste a token for this session only, check it, get a TMDB connection."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ..tmdb_kinds import DEFAULT_LANGUAGE
from ..token import Token
from .parts import describe, error_html

if TYPE_CHECKING:
    from ..tmdb import TMDB

__all__ = ["TokenBox"]


class TokenBox(widgets.VBox):
    """Paste a token for this session only, check it, and get a TMDB connection.

    The token is never written to disk and never kept in a widget: the password
    field is emptied as soon as Connect reads it (widget values can be saved into
    the notebook file). After a successful check :attr:`tmdb` holds the connection.

    Args:
        base_url: another TMDB-compatible API root (default: the real TMDB).
        language: default language of the connection.

    >>> box = TokenBox()   # doctest: +SKIP
    >>> box                # paste, press Connect, then use box.tmdb  # doctest: +SKIP
    """

    HELP = (
        "<p>Paste a TMDB <b>API Read Access Token</b> (the long one starting with "
        "<code>eyJ</code>) for this session only: it is not saved anywhere and disappears "
        "when the kernel restarts.</p><p>To keep it, copy <code>.env.example</code> to "
        "<code>.env</code> at the top of your project and put <code>TMDB_TOKEN=...</code> in "
        "it; then <code>bk.tmdb.connect()</code> finds it. Never paste a token into a code "
        "cell: cells and their outputs are saved in the notebook.</p>"
    )

    def __init__(self, *, base_url: str | None = None, language: str = DEFAULT_LANGUAGE) -> None:
        self.base_url = base_url
        self.language = language
        self.tmdb: TMDB | None = None
        self._status_text = "Not connected."
        self.password = widgets.Password(
            description="Token", placeholder="eyJ…", layout=widgets.Layout(width="32em")
        )
        self.button = widgets.Button(description="Connect", icon="plug", button_style="primary")
        self._status = widgets.HTML(value="Not connected.")
        self.password.add_class("bk-token-input")
        self.button.add_class("bk-connect")
        self._status.add_class("bk-token-status")
        self.button.on_click(lambda _button: self.connect())
        super().__init__(
            children=[
                widgets.HTML(value=self.HELP),
                widgets.HBox([self.password, self.button]),
                self._status,
            ]
        )
        self.add_class("bk-token-box")

    @property
    def status(self) -> str:
        """The status line as plain text ("Not connected.", "Connected: ...", or the error)."""
        return self._status_text

    def connect(self) -> None:
        """Read and clear the password field, connect, and check the token with ``GET authentication``."""
        raw = self.password.value
        self.password.value = ""  # first thing: the secret must not stay in widget state
        if self.tmdb is not None:
            self.tmdb.client.close()
            self.tmdb = None
        if not raw.strip():
            self._set_status("Paste a token into the field first, then press Connect.", error=True)
            return
        from ..tmdb import connect  # late: the TMDB layer is only needed once a token arrives

        source = "the token box"
        tmdb: TMDB | None = None
        try:
            token = Token.parse(raw, source=source)
            tmdb = connect(
                token, backend="tmdb", base_url=self.base_url, language=self.language, quiet=True
            )
            tmdb.client.get("authentication")
        except Exception as exc:  # shown in the widget: a callback has no caller to raise to
            if tmdb is not None:
                tmdb.client.close()
            # bearerkit's messages never contain the token; a foreign one might.
            self._set_status(describe(exc).replace(raw.strip(), "***"), error=True)
            return
        self.tmdb = tmdb
        self._set_status(
            f"Connected: the token is valid for {tmdb.backend}. Use box.tmdb.", error=False
        )

    def _set_status(self, text: str, *, error: bool) -> None:
        self._status_text = text
        self._status.value = error_html(text) if error else html.escape(text)

"""What every bearerkit widget shares: Fetch, status and error lines, showing results, naming failures."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..errors import BearerkitError

__all__ = ["ERROR_STYLE", "SEPARATOR", "FetchParts", "describe", "error_html", "show"]

ERROR_STYLE = "color: #b00020; white-space: pre-wrap; margin: 0.25em 0"
SEPARATOR = " · "  # between the parts of a status line


def error_html(message: str) -> str:
    """``message`` escaped and in red, or ``""`` for no message."""
    return f'<div style="{ERROR_STYLE}">{html.escape(message)}</div>' if message else ""


def describe(exc: BaseException) -> str:
    """The text to show for a failed callback: bearerkit's own message, or a labelled other."""
    if isinstance(exc, (BearerkitError, ValueError)):
        return str(exc)
    return f"Unexpected error: {type(exc).__name__}: {exc}"


def show(output: widgets.Output, obj: Any) -> None:
    """Replace what ``output`` shows with ``obj``.

    Writing ``outputs`` directly (not ``with output: display(...)``) keeps the result
    inside the widget even when the callback runs from another cell, under nbval,
    nbclient or a browser alike.
    """
    output.outputs = ()
    output.append_display_data(obj)


class FetchParts:
    """The parts every explorer has: a Fetch button, a status line and a red error line.

    Mixed in before ``widgets.VBox``; ``__init__`` calls :meth:`_make_fetch_parts`
    (which also gives the parts their ``bk-fetch``, ``bk-status`` and ``bk-error``
    classes) and lays the parts out, the subclass implements :meth:`fetch`.
    """

    button: widgets.Button
    _status: widgets.Label
    _error_line: widgets.HTML
    _error: str

    def _make_fetch_parts(self, status: str) -> None:
        self._error = ""
        self.button = widgets.Button(description="Fetch", icon="download", button_style="primary")
        self._status = widgets.Label(value=status)
        self._error_line = widgets.HTML(value="")
        self.button.add_class("bk-fetch")
        self._status.add_class("bk-status")
        self._error_line.add_class("bk-error")
        self.button.on_click(lambda _button: self.fetch())

    @property
    def status(self) -> str:
        """The status line: what was fetched, how much, how long it took (or what failed)."""
        return str(self._status.value)

    @property
    def error(self) -> str:
        """The last fetch's error message, or ``""`` when it worked."""
        return self._error

    def fetch(self) -> None:
        """Fetch and show the result (the Fetch button calls it too)."""
        raise NotImplementedError

    def _set_error(self, message: str) -> None:
        self._error = message
        self._error_line.value = error_html(message)

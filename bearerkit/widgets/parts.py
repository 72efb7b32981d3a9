"""What every bearerkit widget shares: the red error line, showing results, naming failures."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..errors import BearerkitError

__all__ = ["ERROR_STYLE", "SEPARATOR", "describe", "error_html", "show"]

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

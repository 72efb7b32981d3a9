"""What every bearerkit widget shares: Fetch, status and error lines, showing results, naming failures."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..errors import BearerkitError

__all__ = [
    "ERROR_STYLE",
    "NAME_COLUMNS",
    "SEPARATOR",
    "TEXT_CHARS",
    "FetchParts",
    "describe",
    "display_frame",
    "error_html",
    "show",
]

ERROR_STYLE = "color: #b00020; white-space: pre-wrap; margin: 0.25em 0"
SEPARATOR = " · "  # between the parts of a status line
# Columns that name a record, best first: the one found is shown right after ``id``.
NAME_COLUMNS = ("title", "name", "full_name", "display_name", "login", "username", "label", "key")
# Longer text is cut short in a table on screen (the frame keeps it whole); under pandas'
# own display.max_colwidth (50), so the "…" shown is ours, at the same place every time.
TEXT_CHARS = 48


def error_html(message: str) -> str:
    """``message`` escaped and in red, or ``""`` for no message."""
    return f'<div style="{ERROR_STYLE}">{html.escape(message)}</div>' if message else ""


def describe(exc: BaseException) -> str:
    """The text to show for a failed callback: bearerkit's own message, or a labelled other."""
    if isinstance(exc, (BearerkitError, ValueError)):
        return str(exc)
    return f"Unexpected error: {type(exc).__name__}: {exc}"


def display_frame(frame: pd.DataFrame, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """``frame`` as a table shows it: ``id`` and a name column first, long text cut short.

    ``columns``: the columns to show (default all), in that order after the
    identifying ones. The frame itself is not changed.

    >>> shown = display_frame(pd.DataFrame({"adult": [0], "title": ["x" * 99], "id": [7]}))
    >>> shown.columns.tolist(), len(shown.loc[0, "title"])
    (['id', 'title', 'adult'], 48)
    """
    labels = {str(c): c for c in frame.columns}  # shown by name; JSON keys are strings anyway
    names = list(labels)
    first = [c for c in ("id", _name_column(names)) if c is not None and c in names]
    chosen = names if columns is None else [c for c in columns if c in names]
    order = [c for c in first if columns is None or c in chosen]
    order += [c for c in chosen if c not in order]
    shown = frame.loc[:, [labels[c] for c in order]].copy()
    shown.columns = order
    for column in shown.columns:
        if pd.api.types.is_object_dtype(shown[column]) or pd.api.types.is_string_dtype(
            shown[column]
        ):
            shown[column] = shown[column].map(_short)
    return shown


def _name_column(names: list[str]) -> str | None:
    """The column that names each record: ``title``, ``name``... (or a nested one)."""
    for wanted in NAME_COLUMNS:
        if wanted in names:
            return wanted
    for wanted in NAME_COLUMNS:
        nested = [c for c in names if c.rsplit(".", 1)[-1] == wanted]
        if nested:
            return nested[0]
    return None


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > TEXT_CHARS:
        return value[: TEXT_CHARS - 1] + "…"
    return value


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
        self.button.on_click(lambda _button: self._on_fetch_click())

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

    def _on_fetch_click(self) -> None:
        """What the Fetch button does: fetch now (an explorer may fetch in the background)."""
        self.fetch()

    def _set_error(self, message: str) -> None:
        self._error = message
        self._error_line.value = error_html(message)

"""Notebook widgets: a genre explorer and a paste-a-token box (ipywidgets 8).

Loaded lazily as ``bk.widgets`` so ``import bearerkit`` stays light; matplotlib is
imported only when a chart is drawn. Every part of a widget carries a CSS class
(``.bk-...``) so browser tests and custom styles can find it.

Callbacks never let an error escape into the browser console: a
:class:`~bearerkit.BearerkitError` (or anything unexpected) is shown in the
widget's error line instead, and the widget stays usable.

>>> import bearerkit as bk
>>> explorer = bk.widgets.GenreExplorer(bk.tmdb.connect())  # doctest: +SKIP
>>> explorer                                                 # doctest: +SKIP
"""

from __future__ import annotations

import functools
import html
import io
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import Image

from .errors import BearerkitError
from .tmdb import expand_kind
from .token import Token, clean_value

if TYPE_CHECKING:
    from .tmdb import TMDB

__all__ = ["LANGUAGE_NAMES", "GenreExplorer", "TokenBox"]

# Dropdown labels, each language in its own words; unknown codes show as themselves.
LANGUAGE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "ja": "日本語",
    "it": "Italiano",
    "pt": "Português",
}
KIND_OPTIONS = (("Movie", "movie"), ("TV", "tv"), ("Both", "both"))
CHART_DPI = 80
ERROR_STYLE = "color: #b00020; white-space: pre-wrap; margin: 0.25em 0"
SEPARATOR = " · "


def _language_label(code: str) -> str:
    return f"{LANGUAGE_NAMES.get(code, code)} ({code})"


def _error_html(message: str) -> str:
    return f'<div style="{ERROR_STYLE}">{html.escape(message)}</div>' if message else ""


def _describe(exc: Exception) -> str:
    """The text to show for a failed callback: bearerkit's own message, or a labelled other."""
    if isinstance(exc, (BearerkitError, ValueError)):
        return str(exc)
    return f"Unexpected error: {type(exc).__name__}: {exc}"


def _show(output: widgets.Output, obj: Any) -> None:
    """Replace what ``output`` shows with ``obj``.

    Writing ``outputs`` directly (not ``with output: display(...)``) keeps the result
    inside the widget even when the callback runs from another cell, under nbval,
    nbclient or a browser alike.
    """
    output.outputs = ()
    output.append_display_data(obj)


@functools.lru_cache(maxsize=1)
def _default_font_chars() -> frozenset[int]:
    from matplotlib import font_manager, ft2font

    path = font_manager.findfont(font_manager.FontProperties())
    return frozenset(ft2font.FT2Font(path).get_charmap())


def _font_can_draw(labels: Iterable[str]) -> bool:
    """True when matplotlib's default font has a glyph for every character of ``labels``."""
    chars = _default_font_chars()
    return all(ord(ch) in chars for label in labels for ch in label if not ch.isspace())


def _bar_chart_png(counts: pd.DataFrame, *, labels: list[str], title: str) -> bytes:
    """A horizontal bar chart of ``counts["count"]`` as PNG bytes (Agg, no pyplot state)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    width, height = 5.5, 1.2 + 0.24 * max(len(labels), 1)
    fig = Figure(figsize=(width, height), dpi=CHART_DPI)
    # Fixed margins sized from the longest label: a layout engine would draw twice.
    longest = max((len(label) for label in labels), default=0)
    left = min(0.55, (longest * 6.5 + 14) / (width * CHART_DPI))
    fig.subplots_adjust(left=left, right=0.96, top=1 - 0.45 / height, bottom=0.55 / height)
    ax = fig.subplots()
    # Numeric positions: two genres may share a name in some language. barh draws the
    # first bar at the bottom, so reverse to put the largest count on top.
    positions = range(len(labels))
    ax.barh(positions, list(counts["count"])[::-1], color="#01b4e4")
    ax.set_yticks(positions, labels[::-1])
    ax.set_xlabel("titles")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, fontsize=10)
    if not labels:
        ax.text(0.5, 0.5, "no titles", ha="center", va="center", transform=ax.transAxes)
    buffer = io.BytesIO()
    # No "Software" metadata: the same chart gives the same bytes on every run.
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


class GenreExplorer(widgets.VBox):
    """Browse TMDB's genres by kind and language, with a chart of titles per genre.

    Displays as a VBox with a Kind toggle, a Language dropdown, a Fetch button, a
    status line, an error line, the genre table and the chart. Everything can also
    be driven from code: set ``explorer.kind.value`` / ``explorer.language.value``
    and call :meth:`fetch` (or ``explorer.button.click()``); read :attr:`frame`,
    :attr:`counts`, :attr:`status` and :attr:`error`. ``explorer.table`` and
    ``explorer.chart`` are the Output widgets showing the table and the chart.

    Args:
        tmdb: a :class:`~bearerkit.tmdb.TMDB` connection (sandbox or real).
        languages: language codes offered in the dropdown; the first is selected.
        kind: ``"movie"``, ``"tv"`` or ``"both"`` selected at first.
        pages: discover pages per kind counted for the chart (20 titles a page).
        autofetch: fetch once right away, so the widget shows data when displayed.

    >>> explorer = GenreExplorer(bk.tmdb.connect(), languages=("en", "de"))  # doctest: +SKIP
    >>> explorer.language.value = "de"; explorer.fetch()                     # doctest: +SKIP
    >>> explorer.frame.head(3)                                               # doctest: +SKIP
    """

    def __init__(
        self,
        tmdb: TMDB,
        *,
        languages: Iterable[str] = ("en", "de", "fr", "es", "ja"),
        kind: str = "both",
        pages: int = 2,
        autofetch: bool = True,
    ) -> None:
        codes = [languages] if isinstance(languages, str) else list(dict.fromkeys(languages))
        if not codes:
            raise ValueError("GenreExplorer needs at least one language, e.g. languages=('en',)")
        if kind not in ("movie", "tv", "both"):
            raise ValueError(f"kind must be 'movie', 'tv' or 'both', not {kind!r}")
        if pages < 1:
            raise ValueError(f"pages must be at least 1, not {pages!r}")

        self.tmdb = tmdb
        self.pages = pages
        self.frame: pd.DataFrame | None = None
        self.counts: pd.DataFrame | None = None
        self._error = ""

        self.kind = widgets.ToggleButtons(
            options=KIND_OPTIONS,
            value=kind,
            description="Kind",
            style={"button_width": "5em"},  # narrow enough to keep the controls on one line
        )
        self.language = widgets.Dropdown(
            options=[(_language_label(c), c) for c in codes], value=codes[0], description="Language"
        )
        self.button = widgets.Button(description="Fetch", icon="download", button_style="primary")
        self._status = widgets.Label(value="Press Fetch to load the genres.")
        self._error_line = widgets.HTML(value="")
        self.table = widgets.Output(layout=widgets.Layout(margin="0 1em 0 0"))
        self.chart = widgets.Output()
        for part, css in (
            (self.kind, "bk-kind"),
            (self.language, "bk-language"),
            (self.button, "bk-fetch"),
            (self._status, "bk-status"),
            (self._error_line, "bk-error"),
            (self.table, "bk-table"),
            (self.chart, "bk-chart"),
        ):
            part.add_class(css)
        self.button.on_click(lambda _button: self.fetch())

        controls = widgets.HBox([self.kind, self.language, self.button])
        results = widgets.HBox(
            [self.table, self.chart], layout=widgets.Layout(align_items="flex-start")
        )
        super().__init__(children=[controls, self._status, self._error_line, results])
        self.add_class("bk-genre-explorer")
        if autofetch:
            self.fetch()

    @property
    def status(self) -> str:
        """The status line, e.g. ``"sandbox · Movie · Deutsch (de) · 19 rows · 40 titles · 0.04 s"``."""
        return str(self._status.value)

    @property
    def error(self) -> str:
        """The last fetch's error message, or ``""`` when it worked."""
        return self._error

    def fetch(self) -> None:
        """Fetch the genre table and the chart for the chosen kind and language.

        Synchronous; the Fetch button calls it too. On failure the message goes to
        :attr:`error` and the previous table and chart stay.
        """
        kind, code = self.kind.value, self.language.value
        started = time.perf_counter()
        self._set_error("")
        self._status.value = "Fetching…"
        self.button.disabled = True
        try:
            frame = self.tmdb.genre_table(languages=(code,), kind=kind)
            counts, titles = self._count_titles(kind, code)
            png = self._chart(counts, kind, code)
        except Exception as exc:  # shown in the widget: a callback has no caller to raise to
            self._set_error(_describe(exc))
            self._status.value = f"{self.tmdb.backend}{SEPARATOR}fetch failed"
            return
        finally:
            self.button.disabled = False
        self.frame, self.counts = frame, counts
        _show(self.table, frame)
        _show(self.chart, Image(data=png, format="png"))
        elapsed = time.perf_counter() - started
        label = dict((value, text) for text, value in KIND_OPTIONS)[kind]
        self._status.value = SEPARATOR.join(
            [
                self.tmdb.backend,
                label,
                _language_label(code),
                f"{len(frame)} rows",
                f"{titles} titles",
                f"{elapsed:.2f} s",
            ]
        )

    def _count_titles(self, kind: str, code: str) -> tuple[pd.DataFrame, int]:
        """Titles per genre over ``pages`` discover pages: (``id, genre, count`` frame, titles)."""
        ids: list[int] = []
        names: dict[int, str] = {}
        titles = 0
        for k in expand_kind(kind):
            found = self.tmdb.discover(k, pages=self.pages, progress=False)
            titles += len(found)
            if "genre_ids" in found.columns:
                ids.extend(i for row in found["genre_ids"] for i in row)
            for genre in self.tmdb.genre_list(k, code):
                names.setdefault(int(genre["id"]), str(genre["name"]))
        counts = (
            pd.Series(ids, dtype="int64").value_counts().rename_axis("id").reset_index(name="count")
        )
        counts = counts.sort_values(["count", "id"], ascending=[False, True], ignore_index=True)
        counts.insert(1, "genre", [names.get(i, str(i)) for i in counts["id"]])
        return counts, titles

    def _chart(self, counts: pd.DataFrame, kind: str, code: str) -> bytes:
        labels = list(counts["genre"])
        note = ""
        if not _font_can_draw(labels):
            # Without a CJK font matplotlib draws empty boxes: label in English instead.
            english: dict[int, str] = {}
            for k in expand_kind(kind):
                for genre in self.tmdb.genre_list(k, "en"):
                    english.setdefault(int(genre["id"]), str(genre["name"]))
            labels = [english.get(int(i), str(i)) for i in counts["id"]]
            note = f" (names in English: no font for {code})"
        what = {"movie": "Movie", "tv": "TV", "both": "Movie + TV"}[kind]
        pages = f"{self.pages} discover page{'s' if self.pages != 1 else ''}"
        title = f"{what} titles per genre, first {pages}{note}"
        return _bar_chart_png(counts, labels=labels, title=title)

    def _set_error(self, message: str) -> None:
        self._error = message
        self._error_line.value = _error_html(message)


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

    def __init__(self, *, base_url: str | None = None, language: str = "en-US") -> None:
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
        from .tmdb import connect  # late: the TMDB layer is only needed once a token arrives

        source = "the token box"
        tmdb: TMDB | None = None
        try:
            token = Token(clean_value(raw, name="token", source=source), source=source)
            tmdb = connect(token, base_url=self.base_url, language=self.language, quiet=True)
            tmdb.client.get("authentication")
        except Exception as exc:  # shown in the widget: a callback has no caller to raise to
            if tmdb is not None:
                tmdb.client.close()
            # bearerkit's messages never contain the token; a foreign one might.
            self._set_status(_describe(exc).replace(raw.strip(), "***"), error=True)
            return
        self.tmdb = tmdb
        self._set_status(
            f"Connected: the token is valid for {tmdb.backend}. Use box.tmdb.", error=False
        )

    def _set_status(self, text: str, *, error: bool) -> None:
        self._status_text = text
        self._status.value = _error_html(text) if error else html.escape(text)

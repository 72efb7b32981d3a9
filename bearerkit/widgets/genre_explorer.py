"""``GenreExplorer``: TMDB's genres by kind and language, with a chart of titles per genre.

The widget only draws: the table comes from :meth:`TMDB.genre_table`, the counts
from :meth:`TMDB.genre_counts`, the kinds and language names from
:mod:`bearerkit.tmdb_kinds`.
"""

from __future__ import annotations

import functools
import io
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd
from IPython.display import Image

from ..tmdb_kinds import (
    DEFAULT_LANGUAGE,
    KIND_CHOICES,
    LANGUAGES,
    expand_kind,
    kind_label,
    language_label,
)
from .parts import SEPARATOR, FetchParts, describe, show

if TYPE_CHECKING:
    from ..tmdb import TMDB

__all__ = ["GenreExplorer"]

CHART_DPI = 80


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


# Toggle labels: "Movie", "TV", then "Both" (shorter than "Movie + TV" on a button).
_KIND_LABELS = {k: kind_label(k) if k != "both" else "Both" for k in KIND_CHOICES}


class GenreExplorer(FetchParts, widgets.VBox):
    """Browse TMDB's genres by kind and language, with a chart of titles per genre.

    Displays as a VBox with a Kind toggle, a Language dropdown, a Fetch button, a
    status line, an error line, the genre table and the chart. Everything can also
    be driven from code: set ``explorer.kind.value`` / ``explorer.language.value``
    and call :meth:`fetch` (or ``explorer.button.click()``); read :attr:`frame`,
    :attr:`counts`, :attr:`status` and :attr:`error`. ``explorer.table`` and
    ``explorer.chart`` are the Output widgets showing the table and the chart.

    Args:
        tmdb: a :class:`~bearerkit.tmdb.TMDB` connection (sandbox or real).
        languages: language codes offered in the dropdown (default: every language
            in :data:`bearerkit.tmdb_kinds.LANGUAGES`); the connection's language is
            selected when offered, else the first.
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
        languages: Iterable[str] | None = None,
        kind: str = "both",
        pages: int = 2,
        autofetch: bool = True,
    ) -> None:
        if languages is None:
            languages = LANGUAGES
        codes = [languages] if isinstance(languages, str) else list(dict.fromkeys(languages))
        if not codes:
            raise ValueError("GenreExplorer needs at least one language, e.g. languages=('en',)")
        expand_kind(kind)  # the TMDB vocabulary's own check and message
        if isinstance(pages, bool) or not isinstance(pages, int) or pages < 1:
            raise ValueError(f"pages must be a whole number of at least 1, not {pages!r}")

        self.tmdb = tmdb
        self.pages = pages
        self.frame: pd.DataFrame | None = None
        self.counts: pd.DataFrame | None = None
        self._make_fetch_parts("Press Fetch to load the genres.")

        self.kind = widgets.ToggleButtons(
            options=[(label, k) for k, label in _KIND_LABELS.items()],
            value=kind,
            description="Kind",
            style={"button_width": "5em"},  # narrow enough to keep the controls on one line
        )
        self.language = widgets.Dropdown(
            options=[(language_label(c), c) for c in codes],
            value=tmdb.language if tmdb.language in codes else codes[0],
            description="Language",
        )
        self.table = widgets.Output(layout=widgets.Layout(margin="0 1em 0 0"))
        self.chart = widgets.Output()
        for part, css in (
            (self.kind, "bk-kind"),
            (self.language, "bk-language"),
            (self.table, "bk-table"),
            (self.chart, "bk-chart"),
        ):
            part.add_class(css)

        controls = widgets.HBox([self.kind, self.language, self.button])
        results = widgets.HBox(
            [self.table, self.chart], layout=widgets.Layout(align_items="flex-start")
        )
        super().__init__(children=[controls, self._status, self._error_line, results])
        self.add_class("bk-genre-explorer")
        if autofetch:
            self.fetch()

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
            counts = self.tmdb.genre_counts(kind, code, pages=self.pages)
            png = self._chart(counts, kind, code)
        except Exception as exc:  # shown in the widget: a callback has no caller to raise to
            self._set_error(describe(exc))
            self._status.value = f"{self.tmdb.backend}{SEPARATOR}fetch failed"
            return
        finally:
            self.button.disabled = False
        self.frame, self.counts = frame, counts
        show(self.table, frame)
        show(self.chart, Image(data=png, format="png"))
        elapsed = time.perf_counter() - started
        self._status.value = SEPARATOR.join(
            [
                self.tmdb.backend,
                _KIND_LABELS[kind],
                language_label(code),
                f"{len(frame)} rows",
                f"{counts.attrs['titles']} titles",
                f"{elapsed:.2f} s",
            ]
        )

    def _chart(self, counts: pd.DataFrame, kind: str, code: str) -> bytes:
        labels = [str(name) for name in counts["genre"]]
        note = ""
        if not _font_can_draw(labels):
            # Without a CJK font matplotlib draws empty boxes: label in the default language.
            names = self.tmdb.genre_names(kind, DEFAULT_LANGUAGE)  # type: ignore[arg-type]
            labels = [names.get(int(i), str(i)) for i in counts["id"]]
            note = f" (names in {language_label(DEFAULT_LANGUAGE)}: no font for {code})"
        pages = f"{self.pages} discover page{'s' if self.pages != 1 else ''}"
        title = f"{kind_label(kind)} titles per genre, first {pages}{note}"
        return _bar_chart_png(counts, labels=labels, title=title)

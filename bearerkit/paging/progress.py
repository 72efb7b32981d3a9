"""The progress bar of a paging run: tqdm.auto, loaded only when a bar is shown.

A widget in Jupyter, text in a terminal. A run that learns of each page from the
one before has no total; its bar is set full when the run finishes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["close_bar", "progress_bar", "tick"]


def progress_bar(total: int | None, progress: bool | None, *, desc: str, initial: int = 0) -> Any:
    """A tqdm.auto bar (a widget in Jupyter, text in a terminal), or ``None`` when off.

    ``total=None`` is a count without an end, for styles that learn of each page from
    the one before; it is set to the count when the run finishes, so the bar ends full.
    """
    if progress is False or (progress is None and (total is None or total <= 1)):
        return None
    from tqdm.auto import tqdm  # late: tqdm.auto pulls in ipywidgets inside Jupyter

    return tqdm(total=total, desc=desc, unit="page", leave=True, initial=initial)


def tick(bar: Any) -> None:
    if bar is not None:
        bar.update(1)


def close_bar(bar: Any, *, finished: bool) -> None:
    """Close the bar; a finished run's bar ends at 100% even when the total was unknown.

    The count becomes the total in place, never through ``reset()``: that prints a
    ``0/6`` frame and, with the start time put back, a negative rate in logs and
    piped output.
    """
    if bar is None:
        return
    if finished and bar.total != bar.n:
        bar.total = bar.n
        container = getattr(bar, "container", None)  # tqdm.notebook: the widget's own maximum
        if container is not None:
            widget = container.children[1]
            widget.max = bar.n
            widget.bar_style = ""  # no longer the "unknown total" look
            widget.layout.width = None
        bar.refresh()
    bar.close()

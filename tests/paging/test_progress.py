"""The paging progress bar: off for one page, full at the end in a terminal and in Jupyter."""

from __future__ import annotations

from typing import Any

import pytest

import bearerkit as bk

from .conftest import STYLES

# --- progress -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pages", "slack"])
def test_progress_bar_ends_at_100_percent(
    api: bk.Client, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    method, path, params, body, *_ = STYLES[name]
    api.paginate(path, params, method=method, json=body, progress=True)
    err = capsys.readouterr().err
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert "6/6" in last and "100%" in last


@pytest.mark.parametrize("name", ["pages", "slack"])
def test_notebook_bar_ends_full_and_green(
    api: bk.Client, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ipywidgets")
    import tqdm.auto
    import tqdm.notebook

    bars: list[Any] = []

    class Spy(tqdm.notebook.tqdm):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            bars.append(self)

    monkeypatch.setattr(tqdm.auto, "tqdm", Spy)
    method, path, params, body, *_ = STYLES[name]
    api.paginate(path, params, method=method, json=body, progress=True)
    (bar,) = bars
    widget = bar.container.children[1]
    assert widget.value == widget.max == 6 and widget.bar_style == "success"


def test_no_progress_bar_when_off_or_one_page(
    api: bk.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    api.paginate("pages/items", progress=False)
    api.paginate("pages/items", {"per_page": 100})
    assert capsys.readouterr().err == ""

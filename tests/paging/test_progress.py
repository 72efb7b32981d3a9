"""The paging progress bar: off for one page, full at the end in a terminal and in Jupyter."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

import bearerkit as bk

from .conftest import CANARY, RECORDS, STYLES, Hit, PageServer

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


def _frames(err: str) -> list[str]:
    return [f.strip() for f in err.replace("\r", "\n").splitlines() if f.strip()]


def _counts(frame: str) -> tuple[int, int | None]:
    found = re.search(r"(\d+)/(\d+) \[", frame)
    if found:
        return int(found.group(1)), int(found.group(2))
    plain = re.search(r"(\d+)page \[", frame)
    assert plain, frame
    return int(plain.group(1)), None


def _assert_honest(err: str, pages: int) -> None:
    """No negative rate or time, no count going back, no total other than the real one."""
    frames = _frames(err)
    assert frames
    seen = 0
    for frame in frames:
        assert "-" not in frame.split("[", 1)[-1], frame  # "<-00:00", "-66576.25page/s"
        done, total = _counts(frame)
        assert done >= seen, frames  # never "0/6" after six pages
        assert total in (None, pages), frame
        seen = done
    assert _counts(frames[-1]) == (pages, pages)


@pytest.mark.parametrize("name", ["slack", "stripe", "pages"])
def test_no_frame_shows_a_negative_rate_or_a_wrong_total(
    api: bk.Client, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    method, path, params, body, *_ = STYLES[name]
    api.paginate(path, params, method=method, json=body, progress=True)
    _assert_honest(capsys.readouterr().err, 6)


def test_a_resumed_run_of_unknown_length_shows_honest_frames(
    page_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    failed: list[int] = []

    def route(hit: Hit, server: PageServer) -> tuple[int, dict[str, str], Any]:
        page = int(hit.query.get("page", 1))
        time.sleep(0.02)
        if page == 4 and not failed:
            failed.append(page)
            return 500, {}, {"message": "try later"}
        link = f'<{server.url}/items?page={page + 1}>; rel="next"'
        return 200, {"Link": link} if page < 6 else {}, RECORDS[(page - 1) * 10 : page * 10]

    server = page_server(route)
    with bk.Client(server.url, CANARY, retries=0) as api:
        with pytest.raises(bk.ServerError) as info:
            api.paginate("items", progress=True)
        capsys.readouterr()
        frame = api.paginate("items", resume=info.value, progress=True)
    assert len(frame) == 57
    _assert_honest(capsys.readouterr().err, 6)

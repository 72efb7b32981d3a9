"""Waits over two seconds show a countdown; shorter ones pass silently."""

from __future__ import annotations

import io
import re
import sys
import time
import types

import pytest
import tqdm.auto

from bearerkit.ratelimit.countdown import clock_time, wait_visibly

from .clocks import FakeClock


def test_three_second_wait_prints_a_countdown_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    wait_visibly(
        3.0, why="the rate limit of api.example.com is used up", clock=clock, sleep=clock.sleep
    )
    err = capsys.readouterr().err
    assert "waiting 3 s" in err and "api.example.com" in err
    assert re.search(r"until \d\d:\d\d:\d\d", err)
    assert sum(clock.slept) == pytest.approx(3.0)


def test_short_waits_are_silent(capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    wait_visibly(2.0, why="x", clock=clock, sleep=clock.sleep)
    assert capsys.readouterr().err == ""
    assert clock.slept == [2.0]


def test_terminal_countdown_updates_in_place() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    clock = FakeClock()
    out = Tty()
    wait_visibly(4.0, why="x", clock=clock, sleep=clock.sleep, stream=out)
    text = out.getvalue()
    assert "\r" in text and "1 s left" in text and text.endswith("\n")


def test_clock_time_is_local_and_dated_when_not_today() -> None:
    now = time.mktime((2026, 11, 30, 17, 0, 0, 0, 0, -1))
    assert clock_time(42 * 60 + 10, now=now) == "17:42:10"
    assert clock_time(86400, now=now) == "2026-12-01 17:00:00"


def test_in_jupyter_the_countdown_is_a_tqdm_bar(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bars: list[dict[str, object]] = []
    real = tqdm.auto.tqdm

    def spy(*args: object, **kwargs: object) -> object:
        bars.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(tqdm.auto, "tqdm", spy)
    clock = FakeClock()
    wait_visibly(5.0, why="the budget is used up", clock=clock, sleep=clock.sleep)
    assert len(bars) == 1 and bars[0]["total"] == 5 and bars[0]["unit"] == "s"
    assert "the budget is used up" in str(bars[0]["desc"])
    assert sum(clock.slept) == pytest.approx(5.0)


class _Broken(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError("stderr is gone")


@pytest.mark.parametrize("stderr", ["none", "closed", "broken"])
def test_an_unusable_stderr_never_fails_a_request(
    monkeypatch: pytest.MonkeyPatch, stderr: str
) -> None:
    """The countdown is a courtesy: pythonw (stderr None) or a closed stream still waits and sends."""
    import bearerkit as bk
    from bearerkit import sandbox

    clock = FakeClock()
    with sandbox.start(token="canary-TOKEN-countdown", clock=clock) as sb:
        with bk.Client(sb.ratelimit_url, "canary-TOKEN-countdown", retries=0) as api:
            api.pacer.use_clock(clock=clock, sleep=clock.sleep, wall=clock.wall)
            api.get("github/1/3/items")  # the budget is now used up for 3 s
            stream: object = None
            if stderr == "closed":
                stream = io.StringIO()
                stream.close()  # type: ignore[attr-defined]
            elif stderr == "broken":
                stream = _Broken()
            monkeypatch.setattr(sys, "stderr", stream)
            started = clock()
            assert api.get("github/1/3/items") is not None  # waited, then sent
        assert clock() - started >= 2.5
        assert sb.ratelimit_refusals == 0


def test_a_failing_tqdm_countdown_still_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise ValueError("I/O operation on closed file")

    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(tqdm.auto, "tqdm", broken)
    clock = FakeClock()
    wait_visibly(5.0, why="x", clock=clock, sleep=clock.sleep)
    assert sum(clock.slept) == pytest.approx(5.0)

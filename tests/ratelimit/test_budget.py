"""The shared budget: reserve before sending, learn from answers, never overrun."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bearerkit.ratelimit.budget import AWAIT_ANSWER, DEFAULT_REFUSAL_WAIT, Budget
from bearerkit.ratelimit.headers import Announcement

from .clocks import FakeClock


def budget_with(remaining: int, *, limit: int = 5, reset: float = 1.0) -> tuple[Budget, FakeClock]:
    """A budget that has learnt ``remaining`` of ``limit``, resetting in ``reset`` s."""
    clock = FakeClock()
    budget = Budget(clock=clock)
    assert budget.reserve() == 0.0
    budget.observe(Announcement(limit, remaining, reset, True))
    return budget, clock


def test_nothing_known_first_request_goes() -> None:
    assert Budget(clock=FakeClock()).reserve() == 0.0


def test_while_the_first_answer_is_out_the_others_wait() -> None:
    budget = Budget(clock=FakeClock())
    assert budget.reserve() == 0.0
    assert budget.reserve() == AWAIT_ANSWER
    budget.observe(Announcement())  # the server announces nothing: no more holding back
    assert [budget.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]


def test_a_failed_first_send_lets_another_learn() -> None:
    budget = Budget(clock=FakeClock())
    budget.reserve()
    budget.abandon()
    assert budget.reserve() == 0.0


def test_in_flight_requests_are_reserved() -> None:
    # remaining=3 and four threads about to send: three go, the fourth waits.
    budget, _ = budget_with(3, reset=1.0)
    # A reservation belongs to the thread that made it: one sender thread per request.
    senders = [ThreadPoolExecutor(1) for _ in range(3)]
    assert [s.submit(budget.reserve).result() for s in senders] == [0.0, 0.0, 0.0]
    assert budget.outstanding == 3
    assert budget.reserve() == AWAIT_ANSWER  # their answers may tell more
    # Answers may come out of order; each thread observes its own.
    for sender, remaining in zip(senders, (0, 1, 2), strict=True):
        sender.submit(budget.observe, Announcement(5, remaining, 1.0, True)).result()
        sender.shutdown()
    assert budget.outstanding == 0
    assert budget.reserve() == pytest.approx(1.0)  # none out, none left: the reset


def test_answers_correct_the_estimate_downwards() -> None:
    budget, _ = budget_with(5)
    budget.reserve()
    budget.observe(Announcement(5, 1, 1.0, True))  # another client used some
    assert budget.reserve() == 0.0
    budget.observe(Announcement(5, 0, 1.0, True))
    assert budget.reserve() == pytest.approx(1.0)


def test_after_the_reset_the_whole_limit_is_back() -> None:
    budget, clock = budget_with(0, limit=5, reset=2.0)
    assert budget.reserve() == pytest.approx(2.0)
    clock.advance(2.0)
    assert [budget.reserve() for _ in range(5)] == [0.0] * 5
    # Five in flight, no new reset known yet: the sixth waits for an answer, not the clock.
    assert budget.reserve() == AWAIT_ANSWER


def test_late_answers_from_the_old_window_are_ignored() -> None:
    clock = FakeClock()
    budget = Budget(clock=clock)
    budget.reserve()
    budget.observe(Announcement(5, 4, 1.0, True))
    budget.reserve()  # sent in the old window, answered after the reset
    clock.advance(1.0)
    budget._next_window()  # what reserve() does when it finds the reset passed
    budget.observe(Announcement(5, 0, 0.0, True))
    assert budget.left == 5  # the stale "0 left" did not stick


def test_a_refusal_blocks_everyone_until_retry_after() -> None:
    budget, _ = budget_with(3)
    budget.reserve()
    budget.observe(Announcement(retry_after=7.0), refused=True)
    assert budget.reserve() == pytest.approx(7.0)


def test_a_refusal_that_names_no_wait_blocks_briefly() -> None:
    budget, _ = budget_with(3)
    budget.reserve()
    budget.observe(Announcement(), refused=True)
    assert budget.reserve() == pytest.approx(DEFAULT_REFUSAL_WAIT)


def test_nothing_left_and_no_reset_known_lets_the_server_decide() -> None:
    budget = Budget(clock=FakeClock())
    budget.reserve()
    budget.observe(Announcement(remaining=0))
    assert budget.reserve() == 0.0


def test_describe() -> None:
    budget, _ = budget_with(0, limit=5000)
    assert budget.describe() == "0 of 5000 left"
    assert Budget().describe() == ""

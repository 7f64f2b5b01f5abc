"""Rate limits kept in memory (bot/core/moving_window.py): exactly a moving window, and
nothing kept, and no thread running, for keys whose hits have all aged out."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st
from limits import parse

from bot.core.moving_window import MovingWindows


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


LIMITS = [parse("3/second"), parse("5 per 10 seconds"), parse("1/minute")]


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=8, allow_nan=False),  # seconds passing first
            st.sampled_from(["a", "b", "c"]),
            st.integers(min_value=0, max_value=len(LIMITS) - 1),
            st.booleans(),  # hit, else only test
        ),
        max_size=80,
    )
)
def test_a_hit_is_let_through_exactly_when_fewer_than_the_limit_came_in_its_window(steps):
    clock = Clock()
    windows = MovingWindows(clock)
    counted: dict[tuple[int, str], list[float]] = {}
    for passing, key, which, hitting in steps:
        clock.now += passing
        limit = LIMITS[which]
        seconds = limit.get_expiry()
        recent = [t for t in counted.get((which, key), []) if t > clock.now - seconds]
        expected = len(recent) < limit.amount
        assert windows.test(limit, key) == expected
        if expected:
            assert windows.wait(limit, key) == 0
        else:  # until the oldest of the last `amount` hits leaves the window
            oldest = sorted(recent)[-limit.amount]
            assert abs(windows.wait(limit, key) - (oldest + seconds - clock.now)) < 1e-9
        if hitting:
            assert windows.hit(limit, key) == expected
            if expected:
                counted.setdefault((which, key), []).append(clock.now)


def test_keys_whose_hits_have_aged_out_are_not_kept():
    clock = Clock()
    windows = MovingWindows(clock)
    minute = parse("120/minute")
    for n in range(50_000):  # a busy minute: that many addresses
        assert windows.hit(minute, f"10.0.{n >> 8}.{n & 255}")
    assert windows.keys_held() == 50_000
    clock.now += 30
    windows.hit(minute, "late")
    assert windows.keys_held() == 50_001, "within the minute, every address is remembered"
    clock.now += 31
    windows.hit(minute, "next")
    assert windows.keys_held() == 2, "a minute on, only the two recent ones"


def test_no_thread_is_started():
    before = threading.active_count()
    windows = MovingWindows()
    for n in range(1000):
        windows.hit(parse("2/second"), str(n))
    assert threading.active_count() == before

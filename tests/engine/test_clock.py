"""The demo's fast clock: virtual time at a speed, and the time-lapse that skips ahead."""

from datetime import UTC, datetime, timedelta

from bot.engine.clock import FastClock

START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
SPEED = 1000.0  # a virtual second is a millisecond


def test_a_skip_moves_virtual_time_on_and_it_runs_at_the_same_speed_from_there():
    clock = FastClock(start=START, speed=SPEED)
    target = START + timedelta(days=2)
    clock.skip_to(target)
    # Only the real time the lines above and below take has passed since, at SPEED (a whole
    # real second of it would be 1,000 virtual ones).
    assert target <= clock.now() < target + timedelta(seconds=1000)
    # An hour after the skip target falls due 3.6 real seconds after the skip.
    wait = clock.to_real(target + timedelta(hours=1)) - datetime.now(UTC)
    assert timedelta(seconds=2.6) < wait <= timedelta(seconds=3.6)


def test_a_skip_never_goes_back():
    clock = FastClock(start=START, speed=SPEED)
    before = clock.now()
    clock.skip_to(START - timedelta(days=1))
    assert clock.now() >= before

"""The bench's growth figures: how the comparison with n log n is worked out, and that the
breakout and scheduler timings run at small sizes and leave nothing behind. Speed itself is
not asserted (that is what `brewbot bench` reports)."""

import math
from datetime import timedelta

import pytest
from sqlmodel import func, select

from bot.bench import scaling
from bot.bench.scaling import breakout_figures, growth, rehydrate_figures, rehydrate_ms
from storage.models import Session


def test_growth_is_one_for_n_log_n_and_less_for_linear_work():
    sizes = [1000, 10_000]
    assert growth(sizes, [n * math.log(n) for n in sizes]) == pytest.approx(1.0)
    assert growth(sizes, [1.0, 10.0]) == pytest.approx(0.75)
    assert growth(sizes, [1.0, 100.0]) == pytest.approx(7.5)
    assert growth([50_000, 10_000], [5.0, 1.0]) == pytest.approx(0.851, abs=0.001)
    with pytest.raises(ValueError):
        growth([1000, 1000], [1.0, 2.0])


def test_breakout_figures_at_small_sizes():
    figures = breakout_figures((30, 120))
    assert set(figures) == {"breakout_ms_30", "breakout_ms_120", "breakout_growth"}
    assert all(value > 0 for value in figures.values())


async def sessions_stored(app) -> int:
    async with app.db.read() as tx:
        return (await tx.exec(select(func.count()).select_from(Session))).one()


@pytest.mark.parametrize("horizon", [timedelta(days=1), timedelta(days=400)], ids=["later", "now"])
async def test_rehydrate_timings_leave_no_sessions_behind(app, horizon, monkeypatch):
    # With a day's horizon every session is kept for later; with a long one, planned now.
    app.scheduler.horizon = horizon
    # Removed a few at a time (50,000 in one statement ran past PostgreSQL's time limit).
    monkeypatch.setattr(scaling, "REMOVE_AT_ONCE", 7)
    assert await rehydrate_ms(app, 20, starts=2) > 0
    assert await sessions_stored(app) == 0
    figures = await rehydrate_figures(app, (10, 40))
    assert set(figures) == {"rehydrate_ms_10", "rehydrate_ms_40", "rehydrate_growth"}
    assert await sessions_stored(app) == 0

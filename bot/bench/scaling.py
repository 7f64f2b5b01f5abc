"""How two algorithms people wait for grow with their input: balanced breakout groups (a
facilitator presses "breakouts" and a room waits) and the scheduler's start (a restarted bot
sends nothing until it has planned every session).

Each is timed at two sizes, and `growth` compares the two timings with n log n: at most 1.0
means the work grows no faster than n log n (work that grows linearly gives 0.75 from 1,000
to 10,000, and 0.85 from 10,000 to 50,000). On a shared machine other work only ever adds
time, so the same work is timed a few times and the fastest kept (as `timeit` does); the
breakout figure is the median of that over five seeds, since each seed deals differently.
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import time
from collections.abc import Sequence

from sqlalchemy import delete
from sqlalchemy import select as select_columns
from sqlmodel import col

from bot.app import App
from bot.bench import seed
from bot.bench.figures import milliseconds
from bot.core.domain import Role
from bot.sessions.allocation import Person, allocate
from storage.models import Community, Session

BREAKOUT_PEOPLE = (1000, 10_000)
REHYDRATE_SESSIONS = (10_000, 50_000)
SEEDS = 5  # seeds allocated per size
TRIES = 3  # times the same allocation is timed, the fastest kept
STARTS = 5  # times the scheduler is started from the same sessions, the fastest kept


def growth(sizes: Sequence[int], timings: Sequence[float]) -> float:
    """How much faster than n log n the timings grew from the smallest size to the largest:
    (t_large / t_small) / (n_large log n_large / n_small log n_small). At most 1.0 is no
    worse than n log n; quadratic work gives 7.5 from 1,000 to 10,000, 4.3 from 10,000 to
    50,000."""
    points = sorted(zip(sizes, timings, strict=True))
    (small, t_small), (large, t_large) = points[0], points[-1]
    if small < 2 or small == large or t_small <= 0:
        raise ValueError("growth needs two different sizes of at least 2, timed above zero")
    return (t_large / t_small) / ((large * math.log(large)) / (small * math.log(small)))


def breakout_ms(people: int) -> float:
    """Allocating `people` (a realistic mix, with last sessions' pairs) into groups of five:
    the median over five seeds of each seed's fastest of three runs."""
    crowd, recent = _crowd(people)
    timings = []
    for seed_value in range(SEEDS):
        tries = []
        for _ in range(TRIES):
            started = time.perf_counter()
            allocate(crowd, target_size=5, seed=seed_value, recent_pairs=recent)
            tries.append((time.perf_counter() - started) * 1000)
        timings.append(min(tries))
    return statistics.median(timings)


def breakout_figures(sizes: Sequence[int] = BREAKOUT_PEOPLE) -> dict[str, float]:
    """`breakout_ms_<people>` for each size, and `breakout_growth` between them."""
    timings = [breakout_ms(people) for people in sizes]
    figures = {
        f"breakout_ms_{people}": milliseconds(ms) for people, ms in zip(sizes, timings, strict=True)
    }
    figures["breakout_growth"] = round(growth(sizes, timings), 2)
    return figures


async def rehydrate_ms(app: App, sessions: int, *, starts: int = STARTS) -> float:
    """The fastest of `starts` starts of the scheduler (rebuild, then every job queued) from
    `sessions` scheduled sessions. The sessions are stored first and removed afterwards,
    so sizes measured one after another do not add up."""
    now = app.deps.clock.now()
    async with app.db.transaction() as tx:
        (room,) = await seed.make_rooms(tx, 1, 0, now, prefix=f"rehydrate-{sessions}")
        await seed.scheduled_sessions(tx, room.community_id, sessions, now)
    try:
        timings = []
        jobs = 0
        for _ in range(starts):
            started = time.perf_counter()
            await app.scheduler.start()
            timings.append((time.perf_counter() - started) * 1000)
            # Counted while running (a stopped APScheduler lists no jobs), and once: listing
            # plans the jobs of the sessions kept for later.
            jobs = jobs or len(app.scheduler.job_ids())
            app.scheduler.shutdown()
            await asyncio.sleep(0)  # AsyncIOScheduler stops in a callback on the loop
        if jobs < sessions * 3:
            raise RuntimeError(f"the scheduler planned {jobs} jobs for {sessions} sessions")
    finally:
        await _remove(app, room.community_id)
    return min(timings)


# Sessions removed in one statement: each takes its rows in a dozen tables with it, and
# 50,000 at once ran past PostgreSQL's statement time limit (the app's own).
REMOVE_AT_ONCE = 2000


async def _remove(app: App, community_id: int) -> None:
    """The community the scheduler was started from, and its sessions, a few at a time."""
    async with app.db.read() as tx:
        connection = await tx.connection()
        ids = list(
            (
                await connection.execute(
                    select_columns(col(Session.id)).where(col(Session.community_id) == community_id)
                )
            ).scalars()
        )
    for first in range(0, len(ids), REMOVE_AT_ONCE):
        async with app.db.transaction() as tx:
            connection = await tx.connection()
            chunk = ids[first : first + REMOVE_AT_ONCE]
            await connection.execute(delete(Session).where(col(Session.id).in_(chunk)))
    async with app.db.transaction() as tx:
        connection = await tx.connection()
        await connection.execute(delete(Community).where(col(Community.id) == community_id))


async def rehydrate_figures(
    app: App, sizes: Sequence[int] = REHYDRATE_SESSIONS
) -> dict[str, float]:
    """`rehydrate_ms_<sessions>` for each size, and `rehydrate_growth` between them."""
    timings = [await rehydrate_ms(app, sessions) for sessions in sizes]
    figures = {
        f"rehydrate_ms_{sessions}": milliseconds(ms)
        for sessions, ms in zip(sizes, timings, strict=True)
    }
    figures["rehydrate_growth"] = round(growth(sizes, timings), 2)
    return figures


def _crowd(people: int) -> tuple[list[Person], set[frozenset[int]]]:
    """`people` of every kind in a realistic mix, one in twenty asking for a group of only
    lived experience, and the pairs of their last three sessions in groups of five."""
    rng = random.Random(7)
    roles = [Role.DRAWS_ON_CARE, Role.CARER, Role.COMMISSIONER, Role.PROVIDER, Role.OTHER, None]
    weights = [30, 20, 15, 15, 10, 10]
    crowd = [
        Person(n, rng.choices(roles, weights)[0], lived_experience_only=rng.random() < 0.05)
        for n in range(people)
    ]
    recent: set[frozenset[int]] = set()
    for _ in range(3):
        order = list(range(people))
        rng.shuffle(order)
        for start in range(0, people, 5):
            group = order[start : start + 5]
            recent |= {frozenset((a, b)) for a in group for b in group if a < b}
    return crowd, recent

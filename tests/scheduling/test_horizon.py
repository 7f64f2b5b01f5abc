"""Only jobs due within the scheduler's horizon are handed to APScheduler. Jobs beyond it are
listed with the others, can be dropped like the others, and still run on time once the
horizon, moving on by itself, reaches them."""

from datetime import timedelta

from bot.core.domain import SessionState
from bot.scheduling.planner import BrewScheduler, JobKind
from tests.helpers import make_session, state_of
from tests.scheduling.test_scheduler import Finished

# In real time: short, so the horizon moves on several times while the test waits.
SHORT = timedelta(seconds=0.3)


def short_sighted(app) -> BrewScheduler:
    return BrewScheduler(
        app.db,
        app.deps.clock,
        app.jobs.run,
        reminder_grace=timedelta(minutes=10),
        horizon=SHORT,
    )


async def test_a_job_beyond_the_horizon_is_listed_and_runs_on_time(app):
    # Its reminders are long past; it opens a second from now, beyond the horizon.
    session_id = await make_session(app, SessionState.SCHEDULED, starts_in=timedelta(seconds=1))
    scheduler = short_sighted(app)
    opened = Finished(JobKind.OPEN)
    app.jobs.listeners.append(opened)
    try:
        await scheduler.start()
        assert [i.split(":")[:2] for i in scheduler.job_ids()] == [["open", str(session_id)]]
        await opened.wait()
    finally:
        scheduler.shutdown()
    assert opened.outcomes == ["done"]
    assert await state_of(app, session_id) == SessionState.OPEN
    assert scheduler.job_ids() == set(), "a job that ran is planned no more"


async def test_jobs_beyond_the_horizon_are_dropped_with_their_session(app, chat, fac):
    session_id = await make_session(app, SessionState.SCHEDULED, starts_in=timedelta(days=8))
    scheduler = short_sighted(app)
    await scheduler.rebuild()
    first = scheduler.job_ids()
    assert len(first) == 3
    await scheduler.refresh(session_id)
    await scheduler.refresh(session_id)  # planned again, still the same three jobs
    assert scheduler.job_ids() == first
    await chat.say(fac, f"/brew cancel {session_id}")
    await scheduler.refresh(session_id)
    assert scheduler.job_ids() == set()

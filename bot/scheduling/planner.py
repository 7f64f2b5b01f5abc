"""The scheduler: APScheduler 3 (AsyncIOScheduler, in-memory jobs) rebuilt from the database.

The database is the source of truth. `plan_jobs` derives a session's jobs from its row alone,
with deterministic ids, so rebuilding after a restart (or after any change) yields the same
jobs. Each run is recorded under a unique (kind, session, due time) key in `job_run` in the
same transaction as its effect, so a job that runs twice does nothing the second time.

"We said, we did" actions are planned the same way (`plan_action_jobs`): an open action with a
due day and a person gets reminders for that person, keyed by the action instead of a session.

Planned times also follow two of the community's settings (PLANNED_FROM): its reminders'
minutes and its zone. Changing one re-plans every session and action of the community
(`refresh_community`), so no job planned from the old setting is left to come at the wrong
time or find itself stale.

A scheduled session whose first job (its earliest reminder) is more than a day off is kept as
its row and planned when a horizon, moving on every half day, reaches it. Starting from
50,000 scheduled sessions then plans and hands APScheduler the few jobs of the next day
rather than 150,000, which took seconds (APScheduler's add_job alone costs tens of
microseconds). `job_ids` lists the jobs of the sessions kept for later too.
"""

from __future__ import annotations

import functools
import heapq
import inspect
import itertools
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select as select_columns
from sqlmodel import col

from bot.core.domain import OPEN_ACTIONS, TIMED_STATES, SessionState
from bot.core.typed import is_number
from bot.delivery.outbox import retry_delay
from bot.engine.clock import Clock
from storage.engine import Database
from storage.models import ActionItem, Community, Session

log = logging.getLogger("brewbot.scheduler")


class JobKind(StrEnum):
    REMIND = "remind"
    # A day before the first reminder: the people coming who asked for extra time get their
    # first reminder, and the facilitator hears what the people coming need
    # (bot/people/needs.py), so both have time to prepare.
    PREPARE = "prepare"
    OPEN = "open"
    BREAKOUT_WARNING = "breakout_warning"
    BREAKOUT_END = "breakout_end"
    REFLECT_END = "reflect_end"
    DIGEST_DUE = "digest_due"
    # Seal a closed session whose digest was never sent (bot/reflections/sealing.py).
    FORGET = "forget"
    # Remind an action's owner that it is due (bot/digest/reminders.py). Its job's
    # `session_id` is the action's id: these kinds are about an action, not a session.
    ACTION_DUE = "action_due"


ACTION_KINDS = frozenset({JobKind.ACTION_DUE})
# Jobs that remind people: useless once missed by more than the reminder grace.
REMINDER_KINDS = frozenset({JobKind.REMIND, JobKind.PREPARE})


DAILY_JOB_ID = "daily:retention"
HORIZON_JOB_ID = "horizon"
# In real time, as APScheduler waits: a scheduled session whose first job is further off is
# planned when the horizon, moving on every half of this, reaches it.
HORIZON = timedelta(days=1)
WARNING_BEFORE_END = timedelta(minutes=5)
DIGEST_REMINDER_AFTER = timedelta(days=2)
# How much earlier than the first reminder the PREPARE job runs.
EXTRA_TIME_AHEAD = timedelta(days=1)
FORGET_AFTER = timedelta(days=7)  # BREWBOT_FORGET_AFTER_DAYS
RETRY_FOR = timedelta(days=1)
# An action's owner is reminded this many days before its due day, and on the day, at this
# local time.
ACTION_REMIND_DAYS = (2, 0)
ACTION_REMIND_AT = time(9, 0)


@dataclass(frozen=True)
class PlannedJob:
    kind: JobKind
    session_id: int  # for ACTION_KINDS, the action's id
    due: datetime

    @functools.cached_property
    def id(self) -> str:
        return f"{self.kind.value}:{self.session_id}:{self.due.strftime('%Y%m%dT%H%M%SZ')}"


class SessionTimes(Protocol):
    """What planning needs of a session (a Session, or a row of just these columns)."""

    id: int | None
    state: str
    starts_at: datetime
    breakouts_at: datetime | None
    breakout_minutes: int
    reflecting_at: datetime | None
    reflect_minutes: int
    closed_at: datetime | None
    sealed_at: datetime | None


class CommunityTimes(Protocol):
    reminder_minutes: str


def reminder_minutes(community: CommunityTimes) -> list[int]:
    return list(_minutes(community.reminder_minutes))


@functools.lru_cache(maxsize=256)  # a rebuild asks once per session, of a few settings
def _minutes(setting: str) -> tuple[int, ...]:
    return tuple(sorted({int(m) for m in setting.split(",") if is_number(m.strip())}, reverse=True))


def plan_jobs(
    session: SessionTimes, community: CommunityTimes, *, forget_after: timedelta = FORGET_AFTER
) -> list[PlannedJob]:
    """Every job this session should have, given only its stored state."""
    sid = session.id
    assert sid is not None, "a stored session"
    state = SessionState(session.state)
    jobs: list[PlannedJob] = []
    if state == SessionState.SCHEDULED:
        leads = reminder_minutes(community)
        if leads:  # a community that sends no reminders sends no earlier one either
            prepare = session.starts_at - timedelta(minutes=leads[0]) - EXTRA_TIME_AHEAD
            jobs.append(PlannedJob(JobKind.PREPARE, sid, prepare))
        for minutes in leads:
            jobs.append(
                PlannedJob(JobKind.REMIND, sid, session.starts_at - timedelta(minutes=minutes))
            )
        jobs.append(PlannedJob(JobKind.OPEN, sid, session.starts_at))
    elif state == SessionState.BREAKOUTS and session.breakouts_at is not None:
        end = session.breakouts_at + timedelta(minutes=session.breakout_minutes)
        if session.breakout_minutes > WARNING_BEFORE_END.total_seconds() // 60:
            jobs.append(PlannedJob(JobKind.BREAKOUT_WARNING, sid, end - WARNING_BEFORE_END))
        jobs.append(PlannedJob(JobKind.BREAKOUT_END, sid, end))
    elif state == SessionState.REFLECTING and session.reflecting_at is not None:
        jobs.append(
            PlannedJob(
                JobKind.REFLECT_END,
                sid,
                session.reflecting_at + timedelta(minutes=session.reflect_minutes),
            )
        )
    elif state == SessionState.CLOSED and session.closed_at is not None:
        jobs.append(PlannedJob(JobKind.DIGEST_DUE, sid, session.closed_at + DIGEST_REMINDER_AFTER))
        if session.sealed_at is None:
            jobs.append(PlannedJob(JobKind.FORGET, sid, session.closed_at + forget_after))
    return jobs


def first_due(session: SessionTimes, community: CommunityTimes) -> datetime:
    """When a scheduled session's first job is due: the one before its earliest reminder,
    else its start."""
    leads = _minutes(community.reminder_minutes)
    if not leads:
        return session.starts_at
    return session.starts_at - timedelta(minutes=leads[0]) - EXTRA_TIME_AHEAD


class ActionTimes(Protocol):
    """What planning needs of an action, and the time zone of its community."""

    id: int | None
    status: str
    due_on: date | None
    owner_participant_id: int | None
    timezone: str


def action_reminder_times(due_on: date, zone: ZoneInfo) -> list[datetime]:
    """When an action's owner is reminded, in UTC: 9am local two days before the due day,
    and on the day."""
    return [
        datetime.combine(due_on - timedelta(days=days), ACTION_REMIND_AT, zone).astimezone(UTC)
        for days in ACTION_REMIND_DAYS
    ]


def plan_action_jobs(action: ActionTimes, now: datetime) -> list[PlannedJob]:
    """The reminders this action's owner should still get. Once the due day has passed there
    are none; once the day's own reminder is due, the earlier one has nothing to add."""
    action_id = action.id
    assert action_id is not None, "a stored action"
    if (
        action.status not in OPEN_ACTIONS
        or action.due_on is None
        or action.owner_participant_id is None
    ):
        return []
    zone = ZoneInfo(action.timezone)
    day_after = datetime.combine(action.due_on + timedelta(days=1), time(0), zone)
    if now >= day_after:
        return []
    times = action_reminder_times(action.due_on, zone)
    if now >= times[-1]:
        times = times[-1:]
    return [PlannedJob(JobKind.ACTION_DUE, action_id, due) for due in times]


JobRunner = Callable[[PlannedJob], Awaitable[None]]

# The community's settings planned times follow: its reminders' minutes (a session's
# reminders) and its zone (9am for an action's). A change to one re-plans the community.
PLANNED_FROM = frozenset({"reminder_minutes", "timezone"})
# Sessions with jobs, and actions with reminders: open, with a due day and a person.
_TIMED = col(Session.state).in_(sorted(TIMED_STATES))
_REMINDABLE = (
    col(ActionItem.status).in_(sorted(OPEN_ACTIONS)),
    col(ActionItem.due_on).is_not(None),
    col(ActionItem.owner_participant_id).is_not(None),
)
# Sessions' rows read at a time when the scheduler starts (`Scheduler.rebuild`).
REBUILD_ROWS = 1000


def _session_query(*where: Any) -> Any:
    """The columns planning reads of the sessions `where` says, and their communities'."""
    times = [getattr(Session, name) for name in SessionTimes.__annotations__]
    # SQLAlchemy's own select, as SQLModel's is typed for at most four columns.
    return (
        select_columns(*times, col(Community.reminder_minutes))
        .join(Community, col(Community.id) == col(Session.community_id))
        .where(*where)
    )


@dataclass(slots=True)
class KeptSession:
    """A scheduled session kept for later: all that planning it reads, as its SessionTimes
    and its community's CommunityTimes. Far smaller than the row it comes from (50,000
    sessions kept: 34 MB as rows)."""

    id: int | None
    starts_at: datetime
    reminder_minutes: str
    state: str = SessionState.SCHEDULED
    breakouts_at: datetime | None = None
    breakout_minutes: int = 0
    reflecting_at: datetime | None = None
    reflect_minutes: int = 0
    closed_at: datetime | None = None
    sealed_at: datetime | None = None

    @classmethod
    def of(cls, session: SessionTimes, community: CommunityTimes) -> KeptSession:
        # Communities' settings are few: one string each, not one for every session.
        return cls(session.id, session.starts_at, sys.intern(community.reminder_minutes))


class BrewScheduler:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        runner: JobRunner,
        *,
        reminder_grace: timedelta,
        forget_after: timedelta = FORGET_AFTER,
        daily: Callable[[], Awaitable[object]] | None = None,
        resume: Callable[[], Awaitable[None]] | None = None,
        horizon: timedelta = HORIZON,
    ) -> None:
        self.db = db
        self.forget_after = forget_after
        self.clock = clock
        self.runner = runner
        self.daily = daily
        # Work a stopped process left half-done (breakout threads), finished by whichever
        # process starts running the scheduler.
        self.resume = resume
        self.reminder_grace = reminder_grace
        self._aps = AsyncIOScheduler(timezone="UTC")
        self._by_session: dict[int, set[str]] = {}
        self._by_action: dict[int, set[str]] = {}
        # Scheduled sessions kept for later: what planning each reads, by id, with the
        # number of its entry in the queue, which orders them by when the horizon reaches
        # them. A session planned again or dropped leaves its old entry behind, skipped when
        # it comes up.
        self._later: dict[int, tuple[int, KeptSession]] = {}
        self._queue: list[tuple[datetime, int, int]] = []
        self._entries = itertools.count()
        self.horizon = horizon
        self._horizon_end = self._horizon_from_now()
        self._retries: dict[str, int] = {}  # job id: runs the database turned away

        async def run(job: PlannedJob) -> None:
            await self.runner(job)  # looked up at run time: the runner may be wrapped later

        # APScheduler checks the callable against its arguments for every job it adds, with
        # inspect.signature: a third of rebuilding 10,000 sessions. A stated signature is
        # returned at once.
        run.__signature__ = inspect.signature(run)  # type: ignore[attr-defined]  # not in typeshed
        self._run = run
        self._stopping = False

    @property
    def running(self) -> bool:
        return self._aps.running

    def job_ids(self) -> set[str]:
        """Session and action jobs currently planned, those of sessions kept for later
        included (the daily housekeeping and the horizon's own job are not listed)."""
        handed = {job.id for job in self._aps.get_jobs()} - {DAILY_JOB_ID, HORIZON_JOB_ID}
        later = {
            job.id
            for _, kept in self._later.values()
            for job in plan_jobs(kept, kept, forget_after=self.forget_after)
        }
        return handed | later

    async def start(self) -> int:
        """Rebuild every job from the database, then start firing them."""
        count = await self.rebuild()
        if self.resume is not None:
            try:
                await self.resume()
            except Exception:
                log.exception("could not finish work left from before")
        if self.daily is not None:
            # Housekeeping (retention) once a day at a quiet hour; its run key makes it
            # once a day across processes too.
            self._aps.add_job(
                self.daily,
                CronTrigger(hour=3, minute=0, timezone="UTC"),
                id=DAILY_JOB_ID,
                replace_existing=True,
                coalesce=True,
            )
        self._aps.start()
        self._stopping = False
        return count

    def shutdown(self) -> None:
        """Stop firing jobs. AsyncIOScheduler finishes stopping in a callback on the event
        loop, and a second request queued before that callback runs would fail in it, so
        one request is made until the scheduler is started again."""
        if self._aps.running and not self._stopping:
            self._stopping = True
            self._aps.shutdown(wait=False)

    async def rebuild(self) -> int:
        """Plan every job afresh from the database; return how many were planned now (the
        jobs of sessions kept for later are planned when the horizon reaches them). Until
        everything is read, the jobs already planned stay as they were."""
        horizon_end = self._horizon_from_now()
        later: dict[int, tuple[int, KeptSession]] = {}
        queue: list[tuple[datetime, int, int]] = []
        planned: list[PlannedJob] = []
        sessions = 0
        async for rows in self._session_row_batches(_TIMED):
            for row in rows:
                if not self._kept_for_later(row, row, horizon_end, later, queue):
                    planned += plan_jobs(row, row, forget_after=self.forget_after)
            sessions += len(rows)
        actions = await self._action_rows(*_REMINDABLE)
        for job in list(self._aps.get_jobs()):
            if job.id != DAILY_JOB_ID:
                job.remove()
        self._by_session.clear()
        self._by_action.clear()
        self._later, self._queue, self._horizon_end = later, queue, horizon_end
        self._aps.add_job(
            self._advance,
            IntervalTrigger(seconds=(self.horizon / 2).total_seconds()),
            id=HORIZON_JOB_ID,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )
        now = self.clock.now()
        planned += [job for action in actions for job in plan_action_jobs(action, now)]
        self._install(planned)
        log.info(
            "scheduler rebuilt jobs=%d sessions=%d later=%d actions=%d",
            len(planned), sessions, len(later), len(actions),
        )  # fmt: skip
        return len(planned)

    async def _session_rows(self, *where: Any) -> list[Any]:
        """The sessions `where` says, as plain rows of only the columns planning reads:
        building 10,000 ORM objects was a fifth of a rebuild. Each row serves as both the
        session and its community (SessionTimes, CommunityTimes)."""
        async with self.db.read() as tx:
            connection = await tx.connection()
            return list((await connection.execute(_session_query(*where))).all())

    async def _session_row_batches(self, *where: Any) -> AsyncIterator[Sequence[Any]]:
        """The same rows, REBUILD_ROWS at a time, in one read: all of 50,000 sessions' rows
        at once were most of the memory a start of the scheduler took."""
        async with self.db.read() as tx:
            connection = await tx.connection()
            result = await connection.stream(_session_query(*where))
            async for rows in result.partitions(REBUILD_ROWS):
                yield rows

    async def _action_rows(self, *where: Any) -> list[ActionTimes]:
        """The actions `where` says, as plain rows of what planning reads."""
        query = (
            select_columns(
                col(ActionItem.id),
                col(ActionItem.status),
                col(ActionItem.due_on),
                col(ActionItem.owner_participant_id),
                col(Community.timezone),
            )
            .join(Community, col(Community.id) == col(ActionItem.community_id))
            .where(*where)
        )
        async with self.db.read() as tx:
            connection = await tx.connection()
            return list((await connection.execute(query)).all())

    async def refresh(self, session_id: int) -> None:
        """Re-plan one session after a change (called after the change has committed)."""
        rows = await self._session_rows(col(Session.id) == session_id)
        self._replan_session(session_id, rows[0] if rows else None)

    async def refresh_action(self, action_id: int) -> None:
        """Re-plan one action's reminders after a change (called after it has committed)."""
        rows = await self._action_rows(col(ActionItem.id) == action_id)
        self._replan_action(action_id, rows[0] if rows else None)

    async def refresh_community(self, community_id: int) -> None:
        """Re-plan every session and action of a community after a change to a setting
        their times follow (PLANNED_FROM), called after it has committed: the jobs planned
        from the old setting would come at the wrong time, or find themselves stale."""
        sessions = await self._session_rows(_TIMED, col(Session.community_id) == community_id)
        actions = await self._action_rows(
            *_REMINDABLE, col(ActionItem.community_id) == community_id
        )
        for session in sessions:
            self._replan_session(session.id, session)
        for action in actions:
            assert action.id is not None, "a stored action"
            self._replan_action(action.id, action)

    def _replan_session(self, session_id: int, row: Any | None) -> None:
        """Drop the session's jobs, and plan them again from `row` (None: it is gone)."""
        for job_id in self._by_session.pop(session_id, set()):
            if self._aps.get_job(job_id) is not None:
                self._aps.remove_job(job_id)
        self._later.pop(session_id, None)
        if row is not None and not self._kept_for_later(
            row, row, self._horizon_end, self._later, self._queue
        ):
            self._install(plan_jobs(row, row, forget_after=self.forget_after))

    def _replan_action(self, action_id: int, row: ActionTimes | None) -> None:
        """Drop the action's jobs, and plan them again from `row` (None: it is gone)."""
        for job_id in self._by_action.pop(action_id, set()):
            if self._aps.get_job(job_id) is not None:
                self._aps.remove_job(job_id)
        if row is not None:
            self._install(plan_action_jobs(row, self.clock.now()))

    def retry_later(self, job: PlannedJob, outcome: str) -> None:
        """A job listener: a run the database turned away (locked, unreachable) stored
        nothing, so it is tried again with growing waits until its grace time has passed
        (a reminder's grace; a day for anything else, so a missed open or close still
        happens once)."""
        if outcome != "unavailable" or self._stopping:
            self._retries.pop(job.id, None)
            return
        attempts = self._retries[job.id] = self._retries.get(job.id, 0) + 1
        run_at = self.clock.now() + retry_delay(attempts)
        grace = self.reminder_grace if job.kind in REMINDER_KINDS else RETRY_FOR
        if run_at > job.due + grace:
            log.warning("job given up, the database was unavailable too long job=%s", job.id)
            self._retries.pop(job.id, None)
            return
        self._add(job, run_at)

    def _install(self, planned: Iterable[PlannedJob]) -> None:
        now = self.clock.now()
        for job in planned:
            run_at = job.due
            if job.due <= now:
                if job.kind in REMINDER_KINDS and now - job.due > self.reminder_grace:
                    # Too late to be useful: a reminder after the fact only adds noise.
                    log.info("reminder skipped, missed by more than grace job=%s", job.id)
                    continue
                run_at = now
            self._add(job, run_at)

    def _add(self, job: PlannedJob, run_at: datetime) -> None:
        self._aps.add_job(
            self._run,
            DateTrigger(run_date=self.clock.to_real(run_at)),
            args=(job,),
            id=job.id,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )
        planned = self._by_action if job.kind in ACTION_KINDS else self._by_session
        planned.setdefault(job.session_id, set()).add(job.id)

    def _kept_for_later(
        self,
        session: SessionTimes,
        community: CommunityTimes,
        horizon_end: datetime,
        later: dict[int, tuple[int, KeptSession]],
        queue: list[tuple[datetime, int, int]],
    ) -> bool:
        """Keep a scheduled session whose first job is beyond `horizon_end` in `later` and
        `queue` until the horizon reaches it; True if kept."""
        if session.state != SessionState.SCHEDULED:
            return False
        when = self.clock.to_real(first_due(session, community))
        if when <= horizon_end:
            return False
        assert session.id is not None, "a stored session"
        entry = next(self._entries)
        later[session.id] = (entry, KeptSession.of(session, community))
        heapq.heappush(queue, (when, entry, session.id))
        return True

    def _horizon_from_now(self) -> datetime:
        return self.clock.to_real(self.clock.now()) + self.horizon

    async def _advance(self) -> None:
        """Move the horizon on to a day from now, and plan the sessions it reaches. (A
        coroutine, so APScheduler runs it on the event loop rather than in a thread.)"""
        self._horizon_end = self._horizon_from_now()
        while self._queue and self._queue[0][0] <= self._horizon_end:
            _, entry, session_id = heapq.heappop(self._queue)
            kept = self._later.get(session_id)
            if kept is not None and kept[0] == entry:
                del self._later[session_id]
                self._install(plan_jobs(kept[1], kept[1], forget_after=self.forget_after))

"""What each scheduled job does. A job claims its unique run key in the same transaction as
its change, so a second run (a restart, a second scheduler) does nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.domain import SessionState
from bot.core.messages import OutgoingMessage, custom_id
from bot.core.ports import DeliveryError
from bot.delivery.outbox import REMINDER, Delivery, Outcome, Refused
from bot.digest.reminders import remind_owner
from bot.digest.service import DigestService
from bot.engine.context import Effect, Work
from bot.engine.deps import Deps, session_channel, zone_of
from bot.people.needs import EXTRA_TIME, NeedsService, coming_with
from bot.people.privacy import PrivacyService
from bot.reflections.sealing import seal
from bot.scheduling.planner import ACTION_KINDS, JobKind, PlannedJob
from bot.sessions.rsvp import Rsvps
from bot.sessions.running import RunningService
from bot.sessions.service import SessionService
from bot.sessions.timeparse import format_local
from storage.engine import DatabaseUnavailable
from storage.models import Community, JobRun, Participant, Session, id_of
from storage.repositories import rsvp_yes

log = logging.getLogger("brewbot.jobs")

JobListener = Callable[[PlannedJob, str], None]

# The state a session must still be in for each job to make sense.
EXPECTED_STATE = {
    JobKind.REMIND: SessionState.SCHEDULED,
    JobKind.PREPARE: SessionState.SCHEDULED,
    JobKind.OPEN: SessionState.SCHEDULED,
    JobKind.BREAKOUT_WARNING: SessionState.BREAKOUTS,
    JobKind.BREAKOUT_END: SessionState.BREAKOUTS,
    JobKind.REFLECT_END: SessionState.REFLECTING,
    JobKind.DIGEST_DUE: SessionState.CLOSED,
    JobKind.FORGET: SessionState.CLOSED,
}


class JobService:
    def __init__(
        self,
        deps: Deps,
        sessions: SessionService,
        running: RunningService,
        digests: DigestService,
        privacy: PrivacyService,
        rsvps: Rsvps,
        needs: NeedsService,
    ) -> None:
        self.deps = deps
        self.needs = needs
        self.privacy = privacy
        self.rsvps = rsvps
        self.sessions = sessions
        self.running = running
        self.digests = digests
        self.listeners: list[JobListener] = []
        deps.outbox.listen(REMINDER, self._reminder_outcome)
        deps.outbox.lapses_with_session(REMINDER)

    async def run(self, job: PlannedJob) -> None:
        """Run one job at most once; then tell listeners how it ended."""
        effects: list[Effect] = []
        outcome = "done"
        try:
            async with self.deps.db.transaction() as tx:
                tx.add(
                    JobRun(
                        kind=job.kind.value,
                        session_id=job.session_id,
                        due_at=job.due,
                        ran_at=self.deps.clock.now(),
                    )
                )
                await tx.flush()
                if not await self._run_in(tx, job, effects):
                    outcome = "stale"
        except IntegrityError:
            outcome = "duplicate"
        except DatabaseUnavailable:
            # Nothing was stored, not even the run: the scheduler tries again (retry_later).
            outcome = "unavailable"
            effects.clear()
        except Exception:
            outcome = "failed"
            log.exception("job failed job=%s", job.id)
        for effect in effects:
            try:
                await effect()
            except DeliveryError as exc:
                log.warning("job effect not delivered job=%s reason=%s", job.id, exc.reason)
            except Exception:
                log.exception("job effect failed job=%s", job.id)
        log.info("job=%s outcome=%s", job.id, outcome)
        for listener in self.listeners:
            listener(job, outcome)

    async def _run_in(self, tx: AsyncSession, job: PlannedJob, effects: list[Effect]) -> bool:
        """Do the job's work in `tx`; False if it no longer fits (stale)."""
        if job.kind in ACTION_KINDS:
            return await remind_owner(self.deps, tx, job.session_id, job.due, effects)
        session = await tx.get(Session, job.session_id)
        community = await tx.get(Community, session.community_id) if session else None
        if session is None or community is None or session.state != EXPECTED_STATE[job.kind]:
            return False
        await self._do(job.kind, job.due, Work(tx, community, effects=effects), session)
        return True

    async def run_daily(self) -> dict[str, int] | None:
        """Retention, at most once per day whatever the number of processes or restarts."""
        now = self.deps.clock.now()
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            async with self.deps.db.transaction() as tx:
                tx.add(JobRun(kind="retention", session_id=0, due_at=day, ran_at=now))
                await tx.flush()
                counts = await self.privacy.apply_retention(tx, now)
                counts["deliveries"] = await self.deps.outbox.prune(tx)
                counts["web_answers"] = await self.rsvps.sweep(tx)
                # After retention, so nobody it forgot is asked.
                counts["needs_reviews"] = await self.needs.ask_reviews(tx, now)
                return counts
        except IntegrityError:
            return None

    async def _do(self, kind: JobKind, due: datetime, work: Work, session: Session) -> None:
        if kind == JobKind.REMIND:
            await self._remind(work, session, due)
        elif kind == JobKind.PREPARE:
            await self._prepare(work, session, due)
        elif kind == JobKind.OPEN:
            await self.sessions.open_session(work, session)
            await self._tell_needs(work, session, f"needs-open:{session.id}")
        elif kind == JobKind.BREAKOUT_WARNING:
            await self.running.warn_breakouts(work, session)
        elif kind == JobKind.BREAKOUT_END:
            await self.running.gather(work, session)
        elif kind == JobKind.REFLECT_END:
            await self.digests.close(work, session)
        elif kind == JobKind.FORGET:
            await self._forget(work, session)
        elif (
            kind == JobKind.DIGEST_DUE
            and (await self.digests.row(work.tx, session)).status == "draft"
        ):
            notice = self.deps.texts.t(
                "digests.due_reminder", session_id=session.id, title=session.title
            )
            work.after_commit(
                await self.deps.outbox.tell_facilitator(
                    work.tx,
                    work.community,
                    session,
                    OutgoingMessage(notice),
                    key=f"digest-due:{session.id}:{due.strftime('%Y%m%dT%H%M%SZ')}",
                )
            )

    async def _forget(self, work: Work, session: Session) -> None:
        """The digest was never sent: seal the session anyway, and tell the facilitator."""
        if session.sealed_at is not None:
            return
        await self.digests.freeze_writers(work.tx, session)
        work.after_commit(await seal(self.deps, work.tx, session))
        notice = self.deps.texts.t(
            "digests.forgotten",
            session_id=session.id,
            title=session.title,
            days=self.deps.settings.forget_after_days,
        )
        work.after_commit(
            await self.deps.outbox.tell_facilitator(
                work.tx,
                work.community,
                session,
                OutgoingMessage(notice),
                key=f"forgotten:{session.id}",
            )
        )
        work.after_commit(self.deps.changed(id_of(session)))

    async def _remind(self, work: Work, session: Session, due: datetime) -> None:
        """One reminder per person who said yes (in the style they chose), each recorded in
        the outbox with this run, so a crash part-way leaves the rest to be delivered."""
        tx, community = work.tx, work.community
        minutes = int((session.starts_at - self.deps.clock.now()).total_seconds() // 60)
        people = [p for p in await rsvp_yes(tx, id_of(session)) if p.reminders != "none"]
        base = f"remind:{session.id}:{due.strftime('%Y%m%dT%H%M%SZ')}"
        deliveries = self._private_reminders(community, session, base, minutes, people)
        if not deliveries:
            deliveries.append(self._reminder_post(community, session, base, minutes))
        # Those who said on the web page they are coming, by e-mail, in the same words (the
        # words alone: an e-mail shows no Easy Read pictures).
        deliveries += await self.rsvps.reminders(
            tx,
            community,
            session,
            base,
            lambda easy: self._reminder(community, session, minutes, easy, False).plain_text(),
        )
        for delivery in deliveries:
            await self.deps.outbox.add(tx, community, delivery)
        work.after_commit(self.deps.outbox.deliver_effect(d.key for d in deliveries))

    async def _prepare(self, work: Work, session: Session, due: datetime) -> None:
        """A day before the first reminder: the people coming who asked for extra time get
        their first reminder now, and the facilitator hears what the people coming need."""
        tx, community = work.tx, work.community
        minutes = int((session.starts_at - self.deps.clock.now()).total_seconds() // 60)
        people = [
            p for p in await coming_with(tx, id_of(session), EXTRA_TIME) if p.reminders != "none"
        ]
        base = f"remind:{session.id}:{due.strftime('%Y%m%dT%H%M%SZ')}"
        deliveries = self._private_reminders(community, session, base, minutes, people)
        for delivery in deliveries:
            await self.deps.outbox.add(tx, community, delivery)
        if deliveries:
            work.after_commit(self.deps.outbox.deliver_effect(d.key for d in deliveries))
        await self._tell_needs(work, session, f"needs-ahead:{session.id}")

    async def _tell_needs(self, work: Work, session: Session, key: str) -> None:
        """Tell the facilitator who scheduled the session, privately, what the people coming
        need (counts, never who); nothing when they asked for nothing."""
        if not session.created_by:
            return
        notice = await self.needs.notice_for(work.tx, session)
        if notice is not None:
            work.after_commit(
                await self.deps.outbox.tell_facilitator(
                    work.tx, work.community, session, notice, key=key
                )
            )

    def _private_reminders(
        self,
        community: Community,
        session: Session,
        base: str,
        minutes: int,
        people: list[Participant],
    ) -> list[Delivery]:
        """One private reminder each, in the style each person chose."""
        return [
            Delivery(
                f"{base}:{person.user_id}",
                REMINDER,
                "private",
                person.user_id,
                self._reminder(community, session, minutes, person.easy_read, person.plain_style),
                session.id,
                person.called_by or person.display_name,
            )
            for person in people
        ]

    def _reminder(
        self, community: Community, session: Session, minutes: int, easy: bool, plain: bool
    ) -> OutgoingMessage:
        texts = self.deps.texts
        values: dict[str, Any] = {
            "title": session.title,
            "when": format_local(session.starts_at, zone_of(community)),
            "minutes_text": texts.t("reminders.in_time", **_in_time(minutes)),
        }
        if easy:
            # One idea at a time, each beside its picture (docs/easy-read.md).
            return OutgoingMessage(plain=plain, sections=texts.ideas("reminder", **values))
        return OutgoingMessage(plain=plain, text=texts.template("reminder", **values))

    def _reminder_post(
        self, community: Community, session: Session, base: str, minutes: int
    ) -> Delivery:
        """Never a ping: one quiet channel post, for those we could not reach privately."""
        channel = session_channel(community, session).id
        message = self._reminder(community, session, minutes, False, False)
        return Delivery(f"{base}:channel", REMINDER, "post", channel, message, session.id)

    async def _reminder_outcome(self, tx: AsyncSession, outcome: Outcome) -> list[Effect]:
        """A private reminder refused for good (private messages closed): the channel gets
        one quiet reminder instead, however many could not be reached. The channel's
        reminder refused for good too: the facilitator who scheduled the session hears it.
        Nothing once the session has begun or was cancelled: a reminder is no use then."""
        item = outcome.item
        if outcome.delivered or outcome.told:
            return []
        session = await tx.get(Session, item.session_id)
        community = await tx.get(Community, item.community_id)
        if session is None or community is None or session.state != SessionState.SCHEDULED:
            return []
        if item.kind == "private":
            base = item.key.rsplit(":", 1)[0]
            minutes = int((session.starts_at - self.deps.clock.now()).total_seconds() // 60)
            await self.deps.outbox.add(
                tx, community, self._reminder_post(community, session, base, minutes)
            )
        else:
            await self._tell_not_reminded(tx, community, session, outcome)
        return []

    async def _tell_not_reminded(
        self, tx: AsyncSession, community: Community, session: Session, outcome: Outcome
    ) -> None:
        """The last way to remind people was refused: the facilitator who scheduled the
        session hears it privately, once per refusal, with what to do and a Retry button."""
        values = {
            "title": session.title,
            "when": format_local(session.starts_at, zone_of(community)),
        }
        retry = custom_id("delivery", "retry", str(outcome.item.id))
        refused = Refused("reminders.not_posted", "remind:refused", retry, values)
        await self.deps.outbox.tell_refused(
            tx, community, outcome, session.created_by, refused, session_id=session.id
        )


def _in_time(minutes: int) -> dict[str, object]:
    if minutes >= 120:
        return {"amount": round(minutes / 60), "unit": "hours"}
    return {"amount": max(minutes, 0), "unit": "minutes"}

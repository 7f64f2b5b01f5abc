"""Scheduling and running sessions: the facilitator's lifecycle commands and people joining."""

from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.domain import FINISHED_STATES, LIVE_STATES, UPCOMING_STATES, SessionState
from bot.core.messages import (
    Action,
    ActionStyle,
    Attachment,
    OutgoingMessage,
    Reply,
    Section,
    custom_id,
)
from bot.digest.actions import action_lines, community_actions
from bot.engine.context import CommandContext, Effect, Work
from bot.engine.deps import Deps, zone_of
from bot.reflections.sealing import seal
from bot.sessions.calendar import session_ics
from bot.sessions.lifecycle import NEXT_STEP_HINT, can_move, person_may
from bot.sessions.timeparse import format_local, parse_recurrence, parse_when
from bot.sparks.service import library_for
from storage.models import Attendance, Community, Session, id_of, unsaved
from storage.repositories import attendance_for, get_session, sessions_in_states

log = logging.getLogger("brewbot.sessions")

# Minutes since this date number calendar updates (small enough for 32-bit readers).
SEQUENCE_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


class SessionService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.t = deps.texts.t

    # -- finding the session a command is about -------------------------------------------

    async def resolve(self, ctx: CommandContext, session_id: int | None) -> Session:
        """The named session, or the one that is running, or the next one."""
        if session_id is not None:
            session = await get_session(ctx.tx, id_of(ctx.community), session_id)
            if session is None:
                raise CommandError("sessions.unknown", session_id=session_id)
            return session
        live = await sessions_in_states(ctx.tx, id_of(ctx.community), list(LIVE_STATES))
        if live:
            return live[0]
        upcoming = await sessions_in_states(
            ctx.tx, id_of(ctx.community), [SessionState.SCHEDULED, SessionState.CLOSED]
        )
        if not upcoming:
            raise CommandError("sessions.none")
        return upcoming[0]

    def require(self, session: Session, target: SessionState, action: str) -> None:
        """Refuse, with what to do instead, unless the session may take this step now."""
        state = SessionState(session.state)
        if not can_move(state, target):
            done = state in FINISHED_STATES
            raise CommandError(
                "lifecycle.illegal_done" if done else "lifecycle.illegal",
                session_id=session.id,
                state_words=self.t(f"lifecycle.state.{state.value}"),
                action=self.t(f"lifecycle.action.{action}"),
                hint=self.t(NEXT_STEP_HINT[state], session_id=session.id),
            )

    def move(self, session: Session, target: SessionState, action: str) -> None:
        """Apply one lifecycle step, or refuse with what to do instead (changing nothing)."""
        self.require(session, target, action)
        now = self.deps.clock.now()
        session.state = target.value
        stamp = {
            SessionState.OPEN: "opened_at",
            SessionState.SPARK: "spark_at",
            SessionState.BREAKOUTS: "breakouts_at",
            SessionState.REFLECTING: "reflecting_at",
            SessionState.CLOSED: "closed_at",
            SessionState.SUMMARISED: "summarised_at",
            SessionState.CANCELLED: "cancelled_at",
        }[target]
        setattr(session, stamp, now)
        session.updated_at = now

    def describe(self, community: Community, session: Session, *, title: str | None = None) -> str:
        """One line about the session; `title`: its title as shortened to fit somewhere."""
        when = format_local(session.starts_at, zone_of(community))
        state = self.t(f"lifecycle.state.{session.state}")
        return self.t(
            "sessions.line",
            session_id=session.id,
            title=session.title if title is None else title,
            when=when,
            state=state,
        )

    # -- facilitator commands -------------------------------------------------------------

    async def schedule(self, ctx: CommandContext) -> Reply:
        zone = zone_of(ctx.community)
        now = self.deps.clock.now()
        starts = parse_when(ctx.arg("when"), zone, now)
        theme = ctx.arg("theme") or ""
        spark_id = ctx.arg("spark")
        library = await library_for(self.deps, ctx.tx, id_of(ctx.community))
        if spark_id and library.get(spark_id) is None:
            raise CommandError("running.unknown_spark", spark_id=spark_id)
        if not spark_id and theme:
            match = library.for_theme(theme)
            spark_id = match.id if match else None
        spark = library.get(spark_id) if spark_id else None
        title = (
            ctx.arg("title")
            or theme
            or (spark.title if spark else self.t("sessions.default_title"))
        )
        every = ctx.arg("every")
        times = parse_recurrence(every, starts, zone) if every else [starts]
        settings = self.deps.settings
        rng = random.Random()
        created: list[Session] = []
        for when in times:
            session = Session(
                community_id=id_of(ctx.community),
                title=title,
                theme=theme or (spark.theme if spark else ""),
                spark_id=spark_id,
                starts_at=when,
                duration_minutes=settings.session_minutes,
                breakout_minutes=spark.minutes if spark else settings.breakout_minutes,
                reflect_minutes=settings.reflect_minutes,
                channel_id=ctx.conversation.id,
                recurrence=every,
                created_by=ctx.user.id,
                seed=rng.randrange(2**31),
            )
            ctx.tx.add(session)
            created.append(session)
        await ctx.tx.flush()
        first = created[0]
        for session in created[1:]:
            session.series_id = first.id
        if every:
            first.series_id = first.id
        for session in created:
            ctx.after_commit(self.deps.changed(id_of(session)))
        announcement = OutgoingMessage(
            text=self.t(
                "sessions.announce",
                title=title,
                when=format_local(first.starts_at, zone_of(ctx.community)),
            ),
            actions=(
                Action(
                    self.t("buttons.rsvp_yes"),
                    custom_id("rsvp", "yes", str(first.id)),
                    ActionStyle.PRIMARY,
                ),
                Action(self.t("buttons.rsvp_no"), custom_id("rsvp", "no", str(first.id))),
            ),
        )
        ctx.after_commit(
            await self.deps.outbox.post_in_session(
                ctx, first, announcement, key=f"announce:{first.id}"
            )
        )
        lines = [self.describe(ctx.community, s) for s in created]
        key = "sessions.scheduled_series" if every else "sessions.scheduled"
        return Reply(OutgoingMessage(self.t(key, count=len(created)) + "\n" + "\n".join(lines)))

    async def list_sessions(self, ctx: CommandContext) -> Reply:
        sessions = await sessions_in_states(ctx.tx, id_of(ctx.community), list(UPCOMING_STATES))
        if not sessions:
            return Reply(OutgoingMessage(self.t("sessions.none_listed")))
        # All of them: each platform's renderer splits a long list into messages.
        lines = [self.describe(ctx.community, s) for s in sessions]
        return Reply(OutgoingMessage(self.t("sessions.list_heading") + "\n" + "\n".join(lines)))

    async def cancel(self, ctx: CommandContext) -> Reply:
        session = await self.resolve(ctx, ctx.arg("session"))
        ctx.after_commit(await self._cancel(ctx.tx, session))
        ctx.after_commit(self.deps.changed(id_of(session)))
        notice = OutgoingMessage(self.t("sessions.cancelled_notice", title=session.title))
        ctx.after_commit(
            await self.deps.outbox.post_in_session(
                ctx, session, notice, key=f"cancelled:{session.id}"
            )
        )
        return Reply(
            OutgoingMessage(self.t("sessions.cancelled", session_id=session.id)),
            if_undelivered=OutgoingMessage(
                self.t("sessions.cancelled_only", session_id=session.id)
            ),
        )

    async def cancel_community(self, platform: str, external_id: str) -> list[int]:
        """The bot was removed from a workspace or server: cancel its scheduled and running
        sessions, so no job fires for them. Nothing is posted (the bot can no longer post
        there). Returns the ids cancelled."""
        cancelled: list[int] = []
        purge = None
        async with self.deps.db.transaction() as tx:
            community = (
                await tx.exec(
                    select(Community).where(
                        Community.platform == platform, Community.external_id == external_id
                    )
                )
            ).first()
            if community is None:
                return []
            states = [SessionState.SCHEDULED, *sorted(LIVE_STATES)]
            for session in await sessions_in_states(tx, id_of(community), states):
                purge = await self._cancel(tx, session)
                cancelled.append(id_of(session))
        if purge is not None:
            await purge()
        for session_id in cancelled:
            try:
                await self.deps.session_changed(session_id)  # drops its scheduled jobs
            except Exception as exc:  # the platform's own mirror may already be gone
                log.warning(
                    "cancelled session not passed on session=%s error=%s",
                    session_id,
                    type(exc).__name__,
                )
        log.info("removed from community sessions_cancelled=%d", len(cancelled))
        return cancelled

    async def _cancel(self, tx: AsyncSession, session: Session) -> Effect:
        """Cancel `session` in `tx`; returns the purge to run once that has committed."""
        self.move(session, SessionState.CANCELLED, "cancelled")
        tx.add(session)
        # Reminders, its posts and notices still queued no longer hold: they go with the
        # change, before anything saying it is cancelled is queued.
        await self.deps.outbox.withdraw(tx, id_of(session))
        # No digest will be sent: what could tie its reflections to anyone goes now.
        return await seal(self.deps, tx, session)

    async def open(self, ctx: CommandContext) -> Reply:
        session = await self.resolve(ctx, ctx.arg("session"))
        await self.open_session(ctx, session)
        return Reply(
            OutgoingMessage(self.t("sessions.opened", session_id=session.id)),
            if_undelivered=OutgoingMessage(self.t("sessions.opened_only", session_id=session.id)),
        )

    async def open_session(self, work: Work, session: Session) -> None:
        """Shared by the `open` command and the scheduler's auto-open. The welcome replays
        "we said, we did" so people see what came of earlier sessions."""
        self.move(session, SessionState.OPEN, "open")
        work.tx.add(session)
        actions = await community_actions(work.tx, id_of(work.community))
        replay = (
            (Section(action_lines(self.deps.texts, actions), self.t("actions.heading")),)
            if actions
            else ()
        )
        message = OutgoingMessage(
            title=session.title,
            text="\n\n".join(
                [
                    self.deps.texts.template(
                        "welcome", title=session.title, theme=session.theme or session.title
                    ),
                    self.deps.texts.template("ground_rules"),
                ]
            ),
            actions=(
                Action(
                    self.t("buttons.join"),
                    custom_id("session", "join", str(session.id)),
                    ActionStyle.PRIMARY,
                ),
                Action(self.t("buttons.easy_read"), custom_id("session", "easy", str(session.id))),
            ),
            sections=replay,
        )
        work.after_commit(
            await self.deps.outbox.post_in_session(work, session, message, key=f"open:{session.id}")
        )
        work.after_commit(self.deps.changed(id_of(session)))

    async def calendar(self, ctx: CommandContext) -> Reply:
        session = await self.resolve(ctx, ctx.arg("session"))
        return Reply(
            OutgoingMessage(
                text=self.t("sessions.ics_ready", title=session.title),
                attachments=(self.invite(ctx.community, session),),
            )
        )

    def invite(self, community: Community, session: Session) -> Attachment:
        """The session as a calendar invite (.ics), the same in chat and on its web page."""
        ics = session_ics(
            uid=f"brewbot-{community.platform}-{community.external_id}-{session.id}",
            title=session.title,
            description=self.t("sessions.ics_description", theme=session.theme or session.title),
            starts_at=session.starts_at,
            minutes=session.duration_minutes,
            zone=zone_of(community),
            cancelled=session.state == SessionState.CANCELLED,
            # Calendars ignore an update whose sequence is not higher than the copy they have.
            sequence=int((session.updated_at - SEQUENCE_EPOCH).total_seconds() // 60),
        )
        return Attachment(f"over-a-brew-{session.id}.ics", ics, "text/calendar")

    # -- participants -----------------------------------------------------------------------

    async def presses(self, contexts: Sequence[CommandContext]) -> Presses:
        """What a burst of join and "I can't come" presses reads once, in two queries: the
        sessions their buttons name, and the attendance rows of the people pressing."""
        named: set[tuple[int, int]] = set()
        for ctx in contexts:
            with contextlib.suppress(CommandError):  # a broken button: refused on its own
                if (session_id := ctx.session_id()) is not None:
                    named.add((session_id, id_of(ctx.actor)))
        presses = Presses(self)
        if not named:
            return presses
        tx = contexts[0].tx
        rows = await tx.exec(
            select(Session).where(col(Session.id).in_({session for session, _ in named}))
        )
        presses.sessions = {id_of(session): session for session in rows}
        presses.read = {
            (session, person) for session, person in named if session in presses.sessions
        }
        found = await tx.exec(
            select(Attendance).where(
                col(Attendance.session_id).in_({session for session, _ in presses.read}),
                col(Attendance.participant_id).in_({person for _, person in presses.read}),
            )
        )
        presses.attendance = {(row.session_id, row.participant_id): row for row in found}
        return presses

    async def join(
        self, ctx: CommandContext, session_id: int | None = None, presses: Presses | None = None
    ) -> Joined:
        """Say yes to a session still to come, or join one that is running."""
        presses = presses or Presses(self)
        session = await presses.session(
            ctx, session_id if session_id is not None else ctx.arg("session")
        )
        state = SessionState(session.state)
        if not person_may("join", state):
            raise CommandError("sessions.join_too_late", title=session.title)
        attendance = await presses.attendance_of(ctx, session)
        attendance.rsvp = "yes"
        if state in LIVE_STATES:
            if attendance.joined_at is None or attendance.left_at is not None:
                # The step of the session, not the moment (see Attendance).
                attendance.joined_at = attendance.joined_at or session.step_began()
                attendance.left_at = None
            ctx.tx.add(attendance)
            reply = Reply(OutgoingMessage(self.t("sessions.joined", title=session.title)))
            return Joined(session, reply)
        ctx.tx.add(attendance)
        when = format_local(session.starts_at, zone_of(ctx.community))
        reply = Reply(OutgoingMessage(self.t("sessions.rsvp_yes", title=session.title, when=when)))
        return Joined(session, reply)

    async def leave(
        self, ctx: CommandContext, session_id: int | None = None, presses: Presses | None = None
    ) -> Reply:
        presses = presses or Presses(self)
        session = await presses.session(
            ctx, session_id if session_id is not None else ctx.arg("session")
        )
        if not person_may("leave", session.state):
            raise CommandError("sessions.leave_too_late", title=session.title)
        attendance = await presses.attendance_of(ctx, session)
        if SessionState(session.state) in LIVE_STATES and attendance.joined_at is not None:
            attendance.left_at = attendance.left_at or session.step_began()
            ctx.tx.add(attendance)
            return Reply(OutgoingMessage(self.t("sessions.left", title=session.title)))
        attendance.rsvp = "no"
        ctx.tx.add(attendance)
        return Reply(OutgoingMessage(self.t("sessions.rsvp_no", title=session.title)))

    async def easy_welcome(self, ctx: CommandContext) -> Reply:
        session = await self.resolve(ctx, ctx.session_id())
        texts = self.deps.texts
        welcome = texts.ideas("welcome", title=session.title, theme=session.theme or session.title)
        return Reply(
            OutgoingMessage(title=session.title, sections=welcome + texts.ideas("ground_rules"))
        )

    async def rsvp_no(self, ctx: CommandContext) -> Reply:
        return await self.leave(ctx, ctx.session_id())

    async def rsvp_no_many(self, contexts: Sequence[CommandContext]) -> list[Reply | CommandError]:
        """Many pressing "I can't come" at once (the dispatcher gathers a burst): each as
        `rsvp_no`, in order, with the sessions and attendance read once (`presses`)."""
        presses = await self.presses(contexts)
        answers: list[Reply | CommandError] = []
        for ctx in contexts:
            try:
                answers.append(await self.leave(ctx, ctx.session_id(), presses))
            except CommandError as exc:
                answers.append(exc)
        return answers


class Joined(NamedTuple):
    """A join that went through: the session, and the answer so far."""

    session: Session
    reply: Reply


@dataclass
class Presses:
    """The sessions and attendance rows a batch of presses read at once (see
    `SessionService.presses`); empty for a single press, which reads its own. Looked up here
    first; anything not read with the batch is read as a single press would read it.

    Holding the rows keeps them in the transaction's identity map (which holds them only
    weakly) while the batch runs."""

    service: SessionService
    sessions: dict[int, Session] = field(default_factory=dict)
    attendance: dict[tuple[int, int], Attendance] = field(default_factory=dict)
    # The (session, person) pairs the batch looked for: one not found has no row yet.
    read: set[tuple[int, int]] = field(default_factory=set)

    async def session(self, ctx: CommandContext, session_id: int | None) -> Session:
        found = self.sessions.get(session_id) if session_id is not None else None
        if found is not None and found.community_id == id_of(ctx.community):
            return found
        # Not one of the batch's (or another community's): found, or refused, as alone.
        return await self.service.resolve(ctx, session_id)

    async def attendance_of(self, ctx: CommandContext, session: Session) -> Attendance:
        key = (id_of(session), id_of(ctx.actor))
        found = self.attendance.get(key)
        if found is None:
            if key in self.read:
                # Made on every Join in a burst: without the constructor's cost (unsaved).
                found = unsaved(Attendance, session_id=key[0], participant_id=key[1])
                ctx.tx.add(found)
            else:
                found = await attendance_for(ctx.tx, *key)
            # The same person pressing again in this batch finds it here.
            self.attendance[key] = found
        return found

"""Running a live session: the spark, breakout groups and their timers, gathering, reflecting
and closing. Used by facilitator commands and by scheduled jobs alike."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.domain import Role, SessionState
from bot.core.marked import Own
from bot.core.messages import Action, ActionStyle, OutgoingMessage, Reply, Section, custom_id
from bot.core.ports import DeliveryError
from bot.core.refs import ConversationRef, UserRef
from bot.engine.context import CommandContext, Effect, Work
from bot.engine.deps import Deps, community_ref, session_channel, user_ref
from bot.engine.known import Fact
from bot.sessions.allocation import MAX_GROUP, MIN_GROUP, Person, allocate, place_late_joiner
from bot.sessions.service import SessionService
from bot.sparks.library import Spark
from bot.sparks.service import library_for
from storage.models import (
    Attendance,
    Breakout,
    BreakoutMember,
    Community,
    Participant,
    Session,
    id_of,
)
from storage.repositories import present_participants

log = logging.getLogger("brewbot.sessions")

RECENT_SESSIONS = 3
WARNING_MINUTES = 5
# Breakouts split the people present into groups: one person alone is no group.
FEWEST_FOR_BREAKOUTS = 2
# How long breakouts may last, as the breakouts command's minutes.
BREAKOUT_MINUTES = (5, 120)


class RunningService:
    def __init__(
        self, deps: Deps, sessions: SessionService, sparks: Fact[tuple[int, str], Spark]
    ) -> None:
        self.deps = deps
        self.sessions = sessions
        # Sparks kept in memory, for the Easy Read button, which only reads (known_sparks).
        self.sparks = sparks
        self.t = deps.texts.t

    async def spark_for(self, tx: AsyncSession, session: Session) -> Spark | None:
        library = await library_for(self.deps, tx, session.community_id)
        if session.spark_id:
            return library.get(session.spark_id)
        return library.for_theme(session.theme or session.title)

    # -- spark --------------------------------------------------------------------------

    async def spark(self, ctx: CommandContext) -> Reply:
        session = await self.sessions.resolve(ctx, ctx.arg("session"))
        chosen = ctx.arg("spark")
        if chosen:
            if (await library_for(self.deps, ctx.tx, id_of(ctx.community))).get(chosen) is None:
                raise CommandError("running.unknown_spark", spark_id=chosen)
            session.spark_id = chosen
        self.sessions.move(session, SessionState.SPARK, "spark")
        spark = await self.spark_for(ctx.tx, session)
        if spark is None:
            raise CommandError("running.no_spark", session_id=session.id)
        session.spark_id = spark.id
        ctx.tx.add(session)
        ctx.after_commit(
            await self.deps.outbox.post_in_session(
                ctx,
                session,
                self.spark_message(spark, id_of(session)),
                key=f"spark:{session.id}",
            )
        )
        return Reply(
            OutgoingMessage(self.t("running.spark_posted", title=spark.title)),
            if_undelivered=OutgoingMessage(self.t("running.spark_chosen", title=spark.title)),
        )

    def spark_message(
        self, spark: Spark, session_id: int, *, easy: bool = False
    ) -> OutgoingMessage:
        if easy:
            return self._easy_spark(spark)
        said = spark.said
        body = said(spark.intro) + (f"\n\n{said(spark.story)}" if spark.story else "")
        listed = "\n".join(f"{n}. {said(q)}" for n, q in enumerate(spark.questions, start=1))
        return OutgoingMessage(
            title=said(spark.title),
            text=f"{body}\n\n**{self.t('running.questions_heading')}**\n{listed}",
            actions=(
                Action(self.t("buttons.easy_read"), custom_id("spark", "easy", str(session_id))),
            ),
        )

    def _easy_spark(self, spark: Spark) -> OutgoingMessage:
        """Easy Read: each idea of the intro, then each question, beside its picture."""
        ideas = spark.easy_ideas()
        questions = [
            replace(idea, body=f"{n}. {idea.body}")
            for n, question in enumerate(ideas.questions, start=1)
            for idea in question
        ]
        if questions:
            questions[0] = replace(questions[0], heading=self.t("running.questions_heading"))
        return OutgoingMessage(title=spark.said(spark.title), sections=(*ideas.intro, *questions))

    async def spark_easy(self, ctx: CommandContext) -> Reply:
        """The Easy Read button under a spark. It only reads (`reads_only`), from what is known
        in memory, so a room pressing it at once waits for no writer and takes no database
        connection (on PostgreSQL a crowd used to run the pool out)."""
        session_id = ctx.session_id()
        if session_id is None:
            raise CommandError("errors.unknown_button")
        session = await self.deps.known.sessions.get(session_id)
        if session is None or session.community_id != id_of(ctx.community):
            raise CommandError("sessions.unknown", session_id=session_id)
        key = (session.community_id, session.spark_id) if session.spark_id else None
        spark = await self.sparks.get(key) if key else None
        if spark is None:
            raise CommandError("running.no_spark", session_id=session.id)
        return Reply(self.spark_message(spark, session.id, easy=True), private=True)

    # -- breakouts ----------------------------------------------------------------------

    async def breakouts(self, ctx: CommandContext) -> Reply:
        session = await self.sessions.resolve(ctx, ctx.arg("session"))
        self.sessions.move(session, SessionState.BREAKOUTS, "breakouts")
        size = _within(ctx.arg("size"), MIN_GROUP, MAX_GROUP, "running.bad_size")
        minutes = _within(ctx.arg("minutes"), *BREAKOUT_MINUTES, "running.bad_minutes")
        people = await present_participants(ctx.tx, id_of(session))
        if not people:
            raise CommandError("running.nobody_joined", session_id=session.id)
        if len(people) < FEWEST_FOR_BREAKOUTS:
            raise CommandError("running.too_few", session_id=session.id)
        if minutes is not None:
            session.breakout_minutes = minutes
        recent = await recent_pairs(ctx.tx, id_of(ctx.community), id_of(session))
        groups = allocate(
            [_person(p) for p in people],
            target_size=size or ctx.community.group_size,
            seed=session.seed,
            recent_pairs=recent,
        )
        by_id = {id_of(p): p for p in people}
        breakouts: list[tuple[Breakout, list[Participant]]] = []
        for number, member_ids in enumerate(groups, start=1):
            breakout = Breakout(session_id=id_of(session), number=number)
            ctx.tx.add(breakout)
            await ctx.tx.flush()
            for member_id in member_ids:
                ctx.tx.add(BreakoutMember(breakout_id=id_of(breakout), participant_id=member_id))
            breakouts.append((breakout, [by_id[i] for i in member_ids]))
        ctx.tx.add(session)
        ctx.after_commit(
            self._open_threads(
                ctx.community,
                session,
                await self.spark_for(ctx.tx, session),
                breakouts,
                asker=ctx.asker,
            )
        )
        ctx.after_commit(self.deps.changed(id_of(session)))
        started = self.deps.texts.counted(
            "running.breakouts_started",
            len(groups),
            people=len(people),
            minutes=session.breakout_minutes,
        )
        return Reply(OutgoingMessage(started))

    def _open_threads(
        self,
        community: Community,
        session: Session,
        spark: Spark | None,
        breakouts: Sequence[tuple[Breakout, list[Participant]]],
        *,
        again: bool = False,
        asker: str = "",
    ) -> Effect:
        """Make each group's thread, recording it as soon as it exists, so a crash part-way
        leaves the groups still to open for `resume_threads` and every thread made known,
        to be warned and archived. `again` (resuming): a thread the platform made before the
        crash, but that was not recorded, is found rather than made twice. `asker`: who
        started the breakouts, told if a post about them is refused for good."""
        # Brewbot's own list of the spark's questions, each as the spark says it.
        asked = [spark.said(q) for q in spark.questions] if spark else []
        questions = Own("\n".join(f"- {question}" for question in asked))
        parent = session_channel(community, session)
        theme = session.theme or session.title

        async def effect() -> None:
            failed: list[tuple[Breakout, list[Participant]]] = []
            failure: DeliveryError | None = None
            for breakout, members in breakouts:
                # Whole: each platform shortens it to its own limit (Discord's 100).
                name = self.t("running.thread_name", number=breakout.number, theme=theme)
                try:
                    thread = await self.deps.adapter.create_thread(
                        parent,
                        name,
                        [user_ref(community, m) for m in members],
                        once=f"thread:{breakout.id}",
                        again=again,
                    )
                except DeliveryError as exc:
                    failure = failure or exc
                    failed.append((breakout, members))
                    log.warning(
                        "breakout thread failed session=%s reason=%s", session.id, exc.reason
                    )
                    continue
                instructions = OutgoingMessage(
                    self.deps.texts.template(
                        "breakout_instructions",
                        number=breakout.number,
                        minutes=session.breakout_minutes,
                        questions=questions or "-",
                    )
                )
                # The thread and its instructions are recorded together: a crash from here
                # on leaves the instructions to the outbox, never a silent thread.
                async with self.deps.db.transaction() as tx:
                    row = await tx.get(Breakout, breakout.id)
                    if row is None:
                        continue
                    row.thread_id = thread.thread_id or thread.id
                    tx.add(row)
                    deliver = await self.deps.outbox.post(
                        Work(tx, community, asker=asker),
                        thread,
                        instructions,
                        key=f"instructions:{breakout.id}",
                        session_id=session.id,
                    )
                try:
                    await deliver()
                except DeliveryError as exc:  # kept for the outbox; the next group goes on
                    failure = failure or exc
            if failed:
                # The groups are saved; list them in the main channel so the session goes on.
                lines = [
                    self.t(
                        "running.group_line",
                        number=b.number,
                        names=", ".join(
                            user_ref(community, m).display_name or "-" for m in members
                        ),
                    )
                    for b, members in failed
                ]
                listing = OutgoingMessage(  # names as typed: people choose their own
                    self.t("running.groups_in_channel"),
                    sections=(Section("\n".join(lines), untrusted=True),),
                )
                numbers = ",".join(str(b.number) for b, _ in failed)
                async with self.deps.db.transaction() as tx:
                    deliver = await self.deps.outbox.post_in_session(
                        Work(tx, community, asker=asker),
                        session,
                        listing,
                        key=f"groups:{session.id}:{numbers}",
                    )
                with contextlib.suppress(DeliveryError):  # the thread's refusal is told below
                    await deliver()
            if failure is not None:
                raise failure

        return effect

    async def resume_threads(self) -> None:
        """After a restart: open the threads of groups that are still running but have
        none yet (the process stopped part-way through making them)."""
        async with self.deps.db.read() as tx:
            rows = (
                await tx.exec(
                    select(Breakout, Session, Community)
                    .join(Session, col(Session.id) == col(Breakout.session_id))
                    .join(Community, col(Community.id) == col(Session.community_id))
                    .where(
                        Session.state == SessionState.BREAKOUTS,
                        col(Breakout.thread_id).is_(None),
                        col(Breakout.closed_at).is_(None),
                    )
                    .order_by(col(Breakout.session_id), col(Breakout.number))
                )
            ).all()
            pending: dict[int, tuple[Community, Session, Spark | None, list]] = {}
            for breakout, session, community in rows:
                assert session.id is not None
                if session.id not in pending:
                    spark = await self.spark_for(tx, session)
                    pending[session.id] = (community, session, spark, [])
                members = (
                    await tx.exec(
                        select(Participant)
                        .join(
                            BreakoutMember,
                            col(BreakoutMember.participant_id) == col(Participant.id),
                        )
                        .where(BreakoutMember.breakout_id == breakout.id)
                    )
                ).all()
                pending[session.id][3].append((breakout, list(members)))
        for community, session, spark, breakouts in pending.values():
            try:
                await self._open_threads(community, session, spark, breakouts, again=True)()
            except DeliveryError as exc:
                log.warning("breakout threads not resumed session=%s reason=%s",
                            session.id, exc.reason)  # fmt: skip

    async def late_joiner(self, ctx: CommandContext, session: Session) -> None:
        """Someone joined during breakouts: add them to the smallest suitable group."""
        rows = (
            await ctx.tx.exec(
                select(Breakout)
                .where(Breakout.session_id == session.id, col(Breakout.closed_at).is_(None))
                .order_by(col(Breakout.number))
            )
        ).all()
        if not rows:
            return
        members = {
            b.id: [
                m.participant_id
                for m in (
                    await ctx.tx.exec(
                        select(BreakoutMember).where(BreakoutMember.breakout_id == b.id)
                    )
                ).all()
            ]
            for b in rows
        }
        if any(ctx.actor.id in ids for ids in members.values()):
            return
        me = _person(ctx.actor)
        people = {id_of(p): _person(p) for p in await present_participants(ctx.tx, id_of(session))}
        people[me.id] = me
        groups = [members[b.id] for b in rows]
        chosen = rows[place_late_joiner(groups, me, people)]
        ctx.tx.add(BreakoutMember(breakout_id=id_of(chosen), participant_id=me.id))
        if chosen.thread_id:
            thread = ConversationRef(
                community_ref(ctx.community),
                session_channel(ctx.community, session).id,
                chosen.thread_id,
            )
            user = user_ref(ctx.community, ctx.actor)
            ctx.after_commit(self._add_to_thread(thread, user))
        ctx.notes.append(self.t("running.late_joiner", number=chosen.number))

    def _add_to_thread(self, thread: ConversationRef, user: UserRef) -> Effect:
        async def effect() -> None:
            await self.deps.adapter.add_member(thread, user)

        return effect

    # -- timers and gathering -------------------------------------------------------------

    async def warn_breakouts(self, work: Work, session: Session) -> None:
        message = OutgoingMessage(
            self.deps.texts.template("time_warning", minutes_left=WARNING_MINUTES)
        )
        for breakout_id, thread in await self._open_breakout_threads(work, session):
            work.after_commit(
                await self.deps.outbox.post(
                    work,
                    thread,
                    message,
                    key=f"warn:{breakout_id}",
                    session_id=session.id,
                )
            )

    async def gather(self, work: Work, session: Session) -> int:
        """Bring everyone back from the breakout groups, with a word in the session's channel:
        the step both `/brew gather` and the end of the breakout time take. How many groups
        it closed."""
        if session.state != SessionState.BREAKOUTS:
            raise CommandError("running.gather_not_in_breakouts", session_id=session.id)
        closed = await self._close_groups(work, session, announce=True)
        work.after_commit(self.deps.changed(id_of(session)))
        return closed

    async def _close_groups(self, work: Work, session: Session, *, announce: bool = False) -> int:
        """Close every open breakout group: a gather message, then archive its thread
        (`announce`: the gather message in the main channel too)."""
        tx = work.tx
        now = self.deps.clock.now()
        threads = await self._open_breakout_threads(work, session)
        rows = (
            await tx.exec(
                select(Breakout).where(
                    Breakout.session_id == session.id, col(Breakout.closed_at).is_(None)
                )
            )
        ).all()
        for row in rows:
            row.closed_at = now
            tx.add(row)
        message = OutgoingMessage(self.deps.texts.template("gather"))
        for breakout_id, thread in threads:
            work.after_commit(
                await self.deps.outbox.post(
                    work,
                    thread,
                    message,
                    key=f"gather:{session.id}:{breakout_id}",
                    session_id=session.id,
                    close_thread=True,
                )
            )
        if announce:
            work.after_commit(
                await self.deps.outbox.post_in_session(
                    work, session, message, key=f"gather:{session.id}"
                )
            )
        return len(rows)

    async def _open_breakout_threads(
        self, work: Work, session: Session
    ) -> list[tuple[int, ConversationRef]]:
        """Each open group's id and thread."""
        rows = (
            await work.tx.exec(
                select(Breakout)
                .where(
                    Breakout.session_id == session.id,
                    col(Breakout.closed_at).is_(None),
                    col(Breakout.thread_id).is_not(None),
                )
                .order_by(col(Breakout.number))
            )
        ).all()
        parent = session_channel(work.community, session)
        return [
            (row.id, ConversationRef(parent.community, parent.id, row.thread_id))
            for row in rows
            if row.id is not None
        ]

    async def gather_command(self, ctx: CommandContext) -> Reply:
        session = await self.sessions.resolve(ctx, ctx.arg("session"))
        closed = await self.gather(ctx, session)
        gathered = self.deps.texts.counted("running.gathered", closed, session_id=session.id)
        return Reply(OutgoingMessage(gathered))

    # -- reflecting and closing -----------------------------------------------------------

    async def start_reflecting(self, ctx: CommandContext, session: Session) -> Reply:
        if session.state == SessionState.BREAKOUTS:
            await self._close_groups(ctx, session)
        self.sessions.move(session, SessionState.REFLECTING, "reflecting")
        ctx.tx.add(session)
        invite = OutgoingMessage(
            text=self.t("running.reflect_invite", minutes=session.reflect_minutes),
            actions=(
                Action(
                    self.t("buttons.reflect"),
                    custom_id("reflection", "open", str(session.id)),
                    ActionStyle.PRIMARY,
                ),
            ),
        )
        ctx.after_commit(
            await self.deps.outbox.post_in_session(
                ctx, session, invite, key=f"reflect:{session.id}"
            )
        )
        ctx.after_commit(self.deps.changed(id_of(session)))
        return Reply(
            OutgoingMessage(
                self.t("running.reflecting", session_id=session.id, minutes=session.reflect_minutes)
            )
        )

    async def close_session(self, work: Work, session: Session) -> None:
        tx = work.tx
        if session.state == SessionState.BREAKOUTS:
            await self._close_groups(work, session)
        self.sessions.move(session, SessionState.CLOSED, "closed")
        tx.add(session)
        present = (
            await tx.exec(
                select(Attendance).where(
                    Attendance.session_id == session.id,
                    col(Attendance.joined_at).is_not(None),
                    col(Attendance.left_at).is_(None),
                )
            )
        ).all()
        for row in present:
            row.left_at = session.closed_at
            tx.add(row)
        work.after_commit(
            await self.deps.outbox.post_in_session(
                work,
                session,
                OutgoingMessage(self.deps.texts.template("closing")),
                key=f"closing:{session.id}",
            )
        )
        work.after_commit(self.deps.changed(id_of(session)))


async def recent_pairs(tx: AsyncSession, community_id: int, session_id: int) -> set[frozenset[int]]:
    """Pairs of people who shared a breakout group in the community's last few sessions."""
    recent_ids = (
        await tx.exec(
            select(Session.id)
            .where(
                Session.community_id == community_id,
                Session.id != session_id,
                col(Session.breakouts_at).is_not(None),
            )
            .order_by(col(Session.breakouts_at).desc())
            .limit(RECENT_SESSIONS)
        )
    ).all()
    if not recent_ids:
        return set()
    rows = (
        await tx.exec(
            select(BreakoutMember.breakout_id, BreakoutMember.participant_id)
            .join(Breakout, col(Breakout.id) == col(BreakoutMember.breakout_id))
            .where(col(Breakout.session_id).in_(list(recent_ids)))
        )
    ).all()
    groups: dict[int, list[int]] = {}
    for breakout_id, participant_id in rows:
        groups.setdefault(breakout_id, []).append(participant_id)
    return {
        frozenset((a, b))
        for members in groups.values()
        for i, a in enumerate(members)
        for b in members[i + 1 :]
    }


def _person(p: Participant) -> Person:
    return Person(
        id=id_of(p),
        role=Role(p.role) if p.role else None,
        lived_experience_only=p.lived_experience_only,
    )


def _within(value: int | None, low: int, high: int, key: str) -> int | None:
    """A number option as given, or None when it was left out: one outside `low` to `high` is
    refused with the sentence `key`, never changed or dropped without a word."""
    if value is not None and not low <= value <= high:
        raise CommandError(key, low=low, high=high)
    return value

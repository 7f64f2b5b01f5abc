"""Communication needs, as the Accessible Information Standard asks: a person records what
they need to take part (a short fixed list, and their own words), sees and changes it at any
time (`/brew needs`), and is asked once a year whether it is still right; facilitators see,
before and at the start of a session, how many of the people coming need each thing, never
who, so they can prepare.

Easy Read and plain style are the person's own switches (`Participant.easy_read`,
`.plain_style`, also set by `/brew preferences`): the need and the switch are one fact, so
every renderer that follows the switch meets the need. Extra time brings an earlier reminder
(the scheduler's PREPARE job, bot/scheduling/jobs.py).

Own words are the most telling thing stored here: facilitators see them without a name, in
alphabetical order, and only when at least the small-number threshold (BREWBOT_MIN_COUNT)
of people are coming; with fewer, only how many wrote something.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta

from sqlalchemy import ColumnElement, delete
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.domain import UPCOMING_STATES
from bot.core.messages import Action, OutgoingMessage, Reply, Section, custom_id
from bot.delivery.outbox import NOTICE, Delivery, enqueue
from bot.engine.context import CommandContext
from bot.engine.deps import Deps, zone_of
from storage.models import (
    Attendance,
    CommunicationNeed,
    CommunicationNeeds,
    Community,
    Participant,
    Session,
    id_of,
)
from storage.repositories import sessions_in_states
from storage.types import utc_day

# The short fixed list, in the order people read it.
NEEDS = (
    "large_print",
    "audio",
    "bsl",
    "support_worker",
    "extra_time",
    "captions",
    "easy_read",
    "plain",
)
# Needs that are the person's own switches on Participant (see the module docstring).
SWITCHES = {"easy_read": "easy_read", "plain": "plain_style"}
EXTRA_TIME = "extra_time"
CLEAR_CHOICES = ("all", "other")
# `/brew sessions` lists this many (bot/sessions/service.py list_sessions).
LISTED = 25
# Asked again this long after they last set or looked at their needs.
REVIEW_AFTER = timedelta(days=365)
# The yearly question is sent at this local time (the daily job runs at night).
REVIEW_AT = time(10, 0)


@dataclass
class Coming:
    """What the people coming to one session asked for: counts only, never who."""

    people: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    # Own words, shown only when enough people are coming (see `shown_words`).
    words: list[str] = field(default_factory=list)

    def any(self) -> bool:
        return bool(self.counts or self.words)


class NeedsService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.t = deps.texts.t

    async def command(self, ctx: CommandContext) -> Reply:
        """`/brew needs`: show a person's needs, and change them when asked."""
        return await self._change(
            ctx, ctx.arg("add"), ctx.arg("remove"), ctx.arg("clear"), ctx.arg("other") or ""
        )

    async def add_button(self, ctx: CommandContext) -> Reply:
        """A need's "Add" button under `/brew needs`: the same as `add=` typed."""
        return await self._change(ctx, _pressed(ctx), None, None, "")

    async def remove_button(self, ctx: CommandContext) -> Reply:
        """A need's "Take away" button under `/brew needs`: the same as `remove=` typed."""
        return await self._change(ctx, None, _pressed(ctx), None, "")

    async def _change(
        self,
        ctx: CommandContext,
        add: str | None,
        remove: str | None,
        clear: str | None,
        typed: str,
    ) -> Reply:
        person, tx = ctx.actor, ctx.tx
        other = " ".join(typed.split())
        if add is not None and add == remove:
            raise CommandError("needs.add_and_remove")
        record = await tx.get(CommunicationNeeds, id_of(person))
        chosen = await listed_needs(tx, id_of(person))
        changing = any(v is not None for v in (add, remove, clear)) or bool(other)
        if clear == "all":
            chosen.clear()
            person.easy_read = person.plain_style = False
        if clear in CLEAR_CHOICES and record is not None:
            record.other = None
        for need, on in ((add, True), (remove, False)):
            if need in SWITCHES:
                setattr(person, SWITCHES[need], on)
            elif need is not None:
                (chosen.add if on else chosen.discard)(need)
        if other:
            record = record or CommunicationNeeds(participant_id=id_of(person))
            record.other = other
        if changing:
            tx.add(person)
            record = await self._store(tx, person, record, chosen)
        elif record is not None:
            # Looking at them is reviewing them: the yearly question waits another year.
            record.reviewed_at = utc_day(self.deps.clock.now())
            tx.add(record)
        lines = [self.t("needs.changed")] if changing else []
        lines.append(self.describe(person, chosen, bool(record and record.other)))
        if EXTRA_TIME in chosen:
            lines.append(self.t("needs.extra_time_note"))
        if person.easy_read:
            lines += [self.t("needs.easy.how"), self.t("needs.easy.who_sees")]
        else:
            lines += [self.t("needs.how", choices=", ".join(NEEDS)), self.t("needs.who_sees")]
        sections: tuple[Section, ...] = ()
        if record is not None and record.other:
            sections = (Section(record.other, self.t("needs.your_words"), untrusted=True),)
        return Reply(
            OutgoingMessage(
                "\n\n".join(lines), sections=sections, actions=self._buttons(person, chosen)
            )
        )

    def _buttons(self, person: Participant, chosen: Iterable[str]) -> tuple[Action, ...]:
        """One button a need, so nobody has to type a need's name: "Add large print", or
        "Take away large print" for one they asked for."""
        have = all_needs(person, chosen)
        return tuple(
            Action(
                self.t(
                    "needs.button.remove" if need in have else "needs.button.add",
                    need=self.t(f"needs.name.{need}"),
                ),
                custom_id("needs", "remove" if need in have else "add", need),
            )
            for need in NEEDS
        )

    async def _store(
        self,
        tx: AsyncSession,
        person: Participant,
        record: CommunicationNeeds | None,
        chosen: set[str],
    ) -> CommunicationNeeds | None:
        """Write the person's needs as `chosen`; with nothing left to keep, keep nothing."""
        pid = id_of(person)
        await tx.exec(delete(CommunicationNeed).where(col(CommunicationNeed.participant_id) == pid))
        anything = chosen or person.easy_read or person.plain_style or (record and record.other)
        if not anything:
            if record is not None:
                await tx.delete(record)
            return None
        record = record or CommunicationNeeds(participant_id=pid)
        record.reviewed_at = utc_day(self.deps.clock.now())
        tx.add(record)
        tx.add_all(CommunicationNeed(participant_id=pid, need=need) for need in sorted(chosen))
        return record

    def describe(self, person: Participant, chosen: Iterable[str], own_words: bool) -> str:
        """The person's needs in words, as they read them; `own_words`: they also wrote some
        in their own words, which count as asking even with no need chosen."""
        names = self.names(all_needs(person, chosen))
        if not names and own_words:
            names = self.t("needs.own_words_only")
        return self.t("needs.yours", needs=names) if names else self.t("needs.none")

    def names(self, needs: Iterable[str]) -> str:
        wanted = set(needs)
        return ", ".join(self.t(f"needs.name.{n}") for n in NEEDS if n in wanted)

    async def line_for(self, tx: AsyncSession, person: Participant) -> str:
        """One line for `/brew preferences`: what they asked for, and where to change it."""
        if person.id is None:
            return self.describe(person, (), False) + " " + self.t("needs.change_with")
        pid = id_of(person)
        record = await tx.get(CommunicationNeeds, pid)
        described = self.describe(
            person, await listed_needs(tx, pid), bool(record and record.other)
        )
        return described + " " + self.t("needs.change_with")

    # -- facilitators ------------------------------------------------------------------------

    def summary(self, coming: Coming) -> str:
        """ "2 people asked for Easy Read, 1 for a BSL interpreter": counts, never who; the
        most asked for first."""
        parts: list[str] = []
        ranked = sorted((n for n in NEEDS if coming.counts[n]), key=lambda n: -coming.counts[n])
        for need in ranked:
            count = coming.counts[need]
            key = "needs.count.first" if not parts else "needs.count.more"
            people = self.t("needs.person" if count == 1 else "needs.people")
            parts.append(self.t(key, count=count, people=people, need=self.t(f"needs.name.{need}")))
        return ", ".join(parts)

    def notice(self, coming: Coming, *, title: str) -> OutgoingMessage | None:
        """What a facilitator is told privately before and at the start of a session; None
        when the people coming asked for nothing."""
        if not coming.any():
            return None
        lines = [self.t("needs.coming.heading", title=title)]
        if coming.counts:
            lines.append(self.summary(coming) + ".")
        sections: tuple[Section, ...] = ()
        shown = shown_words(coming, self.deps.settings.min_count)
        if shown:
            body = "\n".join(f"- {words}" for words in shown)
            sections = (Section(body, self.t("needs.coming.words_heading"), untrusted=True),)
        elif coming.words:
            count = len(coming.words)
            people = self.t("needs.person" if count == 1 else "needs.people")
            lines.append(self.t("needs.coming.words_hidden", count=count, people=people))
        return OutgoingMessage("\n\n".join(lines), sections=sections)

    def list_line(self, coming: Coming) -> str | None:
        """A line under a session in `/brew sessions`; None when nobody asked for anything."""
        if not coming.any():
            return None
        summary = self.summary(coming)
        if coming.words:
            count = len(coming.words)
            people = self.t("needs.person" if count == 1 else "needs.people")
            own = self.t("needs.coming.words_count", count=count, people=people)
            summary = f"{summary}, {own}" if summary else own
        return summary

    async def notice_for(self, tx: AsyncSession, session: Session) -> OutgoingMessage | None:
        """`notice` for one session, read now."""
        coming = (await coming_needs(tx, [id_of(session)]))[id_of(session)]
        return self.notice(coming, title=session.title)

    async def with_listed(self, ctx: CommandContext, reply: Reply) -> Reply:
        """`/brew sessions` with, under it, what the people coming to each listed session
        asked for (counts only)."""
        listed = await sessions_in_states(ctx.tx, id_of(ctx.community), list(UPCOMING_STATES))
        found = await coming_needs(ctx.tx, [id_of(s) for s in listed[:LISTED]])
        lines = [
            self.t("needs.coming.session", session_id=sid, summary=line)
            for sid, coming in found.items()
            if (line := self.list_line(coming))
        ]
        if not lines:
            return reply
        section = Section("\n".join(lines), self.t("needs.coming.list_heading"))
        return replace(
            reply, message=replace(reply.message, sections=(*reply.message.sections, section))
        )

    def with_notice(self, reply: Reply, notice: OutgoingMessage | None) -> Reply:
        """A facilitator's private answer with `notice` added (and to the answer said
        instead when a post did not go through)."""
        if notice is None:
            return reply
        sections = (Section(notice.text, self.t("needs.coming.title")), *notice.sections)

        def added(message: OutgoingMessage) -> OutgoingMessage:
            return replace(message, sections=(*message.sections, *sections))

        undelivered = reply.if_undelivered
        return replace(
            reply,
            message=added(reply.message),
            if_undelivered=added(undelivered) if undelivered is not None else None,
        )

    # -- the yearly question ---------------------------------------------------------------------

    async def ask_reviews(self, tx: AsyncSession, now: datetime) -> int:
        """Ask, privately, everyone whose needs were last set or seen a year ago or more
        (and who was not asked in that year) whether they are still right. Run by the daily
        job; each question waits in the outbox for a daytime hour in the person's community.
        Returns how many were asked."""
        cutoff = utc_day(now) - REVIEW_AFTER
        rows = (
            await tx.exec(
                select(CommunicationNeeds, Participant, Community)
                .join(Participant, col(Participant.id) == col(CommunicationNeeds.participant_id))
                .join(Community, col(Community.id) == col(Participant.community_id))
                .where(
                    col(CommunicationNeeds.reviewed_at) <= cutoff,
                    or_(
                        col(CommunicationNeeds.review_asked_at).is_(None),
                        col(CommunicationNeeds.review_asked_at) <= cutoff,
                    ),
                )
                .order_by(col(Participant.id))
            )
        ).all()
        today = utc_day(now)
        asked = 0
        for record, person, community in rows:
            needs = all_needs(person, await listed_needs(tx, id_of(person)))
            if not needs and not record.other:
                # Nothing left to look at (Easy Read turned off in /brew preferences, say).
                await tx.delete(record)
                continue
            message = OutgoingMessage(
                self.t(
                    "needs.review.easy" if person.easy_read else "needs.review.plain",
                    needs=self.names(needs) or self.t("needs.own_words_only"),
                ),
                plain=person.plain_style,
            )
            zone = zone_of(community)
            daytime = datetime.combine(now.astimezone(zone).date(), REVIEW_AT, zone)
            delivery = Delivery(
                f"needs-review:{person.id}:{today:%Y%m%d}",
                NOTICE,
                "private",
                person.user_id,
                message,
                target_name=person.called_by or person.display_name,
            )
            await enqueue(tx, id_of(community), delivery, max(now, daytime))
            record.review_asked_at = today
            tx.add(record)
            asked += 1
        return asked


def _pressed(ctx: CommandContext) -> str:
    """The need a button names; an unknown one is an old or altered button."""
    need = str(ctx.arg("arg") or "")
    if need not in NEEDS:
        raise CommandError("errors.unknown_button")
    return need


def all_needs(person: Participant, chosen: Iterable[str]) -> set[str]:
    """Every need a person asked for: the listed ones and their switches."""
    return set(chosen) | {need for need, column in SWITCHES.items() if getattr(person, column)}


def shown_words(coming: Coming, min_count: int) -> list[str]:
    """Own words a facilitator may read: none unless at least `min_count` people are
    coming, so the words cannot point to one of a few; in alphabetical order, so their
    order says nothing about who answered first."""
    if coming.people < min_count:
        return []
    return sorted(coming.words, key=str.casefold)


async def listed_needs(tx: AsyncSession, participant_id: int) -> set[str]:
    rows = await tx.exec(
        select(CommunicationNeed.need).where(CommunicationNeed.participant_id == participant_id)
    )
    return set(rows.all())


def _coming(session_ids: Iterable[int]) -> ColumnElement[bool]:
    """Who counts as coming to these sessions: said yes, or joined."""
    return (col(Attendance.session_id).in_(list(session_ids))) & or_(
        col(Attendance.rsvp) == "yes", col(Attendance.joined_at).is_not(None)
    )


async def coming_needs(tx: AsyncSession, session_ids: Iterable[int]) -> dict[int, Coming]:
    """What the people coming to each session asked for, as counts (three queries for any
    number of sessions)."""
    ids = list(session_ids)
    found: dict[int, Coming] = {sid: Coming() for sid in ids}
    if not ids:
        return found
    where = _coming(ids)
    people = (
        await tx.exec(
            select(
                Attendance.session_id,
                Participant.easy_read,
                Participant.plain_style,
                CommunicationNeeds.other,
            )
            .join(Participant, col(Participant.id) == col(Attendance.participant_id))
            .outerjoin(
                CommunicationNeeds,
                col(CommunicationNeeds.participant_id) == col(Participant.id),
            )
            .where(where)
        )
    ).all()
    for session_id, easy_read, plain_style, other in people:
        coming = found[session_id]
        coming.people += 1
        coming.counts.update(
            need for need, on in (("easy_read", easy_read), ("plain", plain_style)) if on
        )
        if other:
            coming.words.append(other)
    listed = (
        await tx.exec(
            select(Attendance.session_id, CommunicationNeed.need)
            .join(
                CommunicationNeed,
                col(CommunicationNeed.participant_id) == col(Attendance.participant_id),
            )
            .where(where)
        )
    ).all()
    for session_id, need in listed:
        found[session_id].counts[need] += 1
    return found


async def coming_with(tx: AsyncSession, session_id: int, need: str) -> list[Participant]:
    """The people coming to a session who asked for `need` (one of the listed ones)."""
    query = (
        select(Participant)
        .join(Attendance, col(Attendance.participant_id) == col(Participant.id))
        .join(CommunicationNeed, col(CommunicationNeed.participant_id) == col(Participant.id))
        .where(_coming([session_id]), CommunicationNeed.need == need)
        .order_by(col(Participant.id))
    )
    return list((await tx.exec(query)).all())


async def forget_needs(tx: AsyncSession, participant_id: int) -> None:
    """`forget me`: their needs go (the cascade would take them; said here, as for the
    person's other rows, so both databases do the same whatever their foreign keys)."""
    for table in (CommunicationNeed, CommunicationNeeds):
        await tx.exec(delete(table).where(col(table.participant_id) == participant_id))


async def person_needs(tx: AsyncSession, person: Participant) -> dict[str, object]:
    """What `my data` shows of a person's needs."""
    record = await tx.get(CommunicationNeeds, id_of(person))
    return {
        "asked_for": [
            n for n in NEEDS if n in all_needs(person, await listed_needs(tx, id_of(person)))
        ],
        "in_your_own_words": record.other if record else None,
        "last_checked": record.reviewed_at.date().isoformat() if record else None,
        "last_asked_to_check": (
            record.review_asked_at.date().isoformat() if record and record.review_asked_at else None
        ),
    }

"""Paying people for their time: opting in, attendance in whole minutes, facilitators marking
people present who joined another way, and the claims sheet for the council's finance team.
Claims data is never joined to reflections: nothing here reads the reflection tables."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.days import DaysProblem, Problem, period, read_day
from bot.core.domain import NOT_HELD_STATES
from bot.core.escape import safe_cell
from bot.core.messages import Attachment, OutgoingMessage, Reply
from bot.core.refs import Platform
from bot.engine.context import CommandContext
from bot.engine.deps import Deps, zone_of
from bot.engine.texts import Texts
from bot.people.choices import CHARITY, CHOICES, EARNINGS, KINDS, NONE, Choice, pounds
from bot.people.rates import rates_of
from bot.people.settings import person_id
from bot.sessions.service import SessionService
from storage.models import (
    OFFLINE,
    Attendance,
    ClaimExport,
    Community,
    Expense,
    Participant,
    PaymentChoice,
    Session,
    SessionPayment,
    id_of,
)
from storage.repositories import attendance_for, get_or_create_participant

QUARTER_HOUR = Decimal("0.25")
# The sheet's columns after the first seven, in order (docs/claims.md): new ones go last.
SHEET_COLUMNS_ADDED = ("choice", "paid_to", "travel", "care", "other", "receipts")


@dataclass(frozen=True)
class ClaimLine:
    participant_id: int
    session_id: int
    name: str
    session: str
    day: date
    minutes: int
    hours: Decimal
    # What is paid for the time, by the person's choice (to them, or to their charity).
    amount_pence: int
    choice: Choice = field(default_factory=Choice)
    # Expenses by kind (bot.people.choices.KINDS): (pence, receipt or not).
    expenses: tuple[tuple[str, int, bool], ...] = ()

    @property
    def expenses_pence(self) -> int:
        return sum(pence for _, pence, _ in self.expenses)

    def expense(self, kind: str) -> int:
        return sum(pence for k, pence, _ in self.expenses if k == kind)

    @property
    def earnings_pence(self) -> int:
        """What benefit rules count as the person's earnings (bot/people/limits.py)."""
        return self.amount_pence if self.choice.choice in EARNINGS else 0


def whole_minutes(joined: datetime, left: datetime) -> int:
    return max(0, int((left - joined).total_seconds() // 60))


def rounded_hours(minutes: int) -> Decimal:
    """Hours to the nearest quarter hour, as finance teams usually pay."""
    hours = Decimal(minutes) / 60
    return (hours / QUARTER_HOUR).quantize(Decimal(1), rounding=ROUND_HALF_UP) * QUARTER_HOUR


async def claim_lines(
    tx: AsyncSession,
    community: Community,
    start: date,
    end: date,
    *,
    participant_id: int | None = None,
    declined: bool = False,
) -> list[ClaimLine]:
    """Attendance at closed sessions between two local dates (inclusive) of the people
    claiming: those who said `claim on` (or chose a payment for every session) and those
    who chose a payment for that one session. A session they chose no payment for is left
    out, unless `declined` (a person's own letter shows it)."""
    zone = zone_of(community)
    lower = datetime.combine(start, time.min, zone)
    upper = datetime.combine(end + timedelta(days=1), time.min, zone)
    query = (
        select(Attendance, Participant, Session, SessionPayment)
        .join(Participant, col(Participant.id) == col(Attendance.participant_id))
        .join(Session, col(Session.id) == col(Attendance.session_id))
        .outerjoin(
            SessionPayment,
            and_(
                col(SessionPayment.participant_id) == col(Attendance.participant_id),
                col(SessionPayment.session_id) == col(Attendance.session_id),
            ),
        )
        .where(
            Session.community_id == community.id,
            col(Session.starts_at) >= lower,
            col(Session.starts_at) < upper,
            or_(
                col(Participant.claim_opt_in).is_(True),
                col(SessionPayment.choice).is_not(None),
            ),
            col(Attendance.joined_at).is_not(None),
        )
        .order_by(col(Session.starts_at), col(Participant.id))
    )
    if participant_id is not None:
        query = query.where(col(Attendance.participant_id) == participant_id)
    rows = (await tx.exec(query)).all()
    standing = await standing_choices(tx, {id_of(person) for _, person, _, _ in rows})
    costs = await expenses_of(tx, {(id_of(p), id_of(s)) for _, p, s, _ in rows})
    rates = await rates_of(tx, community)
    lines = []
    for attendance, person, session, chosen in rows:
        # Paid to the end of the step they left in: when they left is kept as its start.
        left = session.end_of_step(attendance.left_at) if attendance.left_at else session.closed_at
        if left is None:
            continue  # still running: it goes on the next sheet
        choice = as_choice(chosen) if chosen else standing.get(id_of(person), Choice())
        if choice.choice == NONE and not declined:
            continue
        assert attendance.joined_at is not None  # the query asks for it
        minutes = whole_minutes(attendance.joined_at, left)
        hours = rounded_hours(minutes)
        day = session.starts_at.astimezone(zone).date()
        # The rate in force on the session's day: a later change leaves it as it was.
        full = int((hours * rates.on(day)).to_integral_value(ROUND_HALF_UP))
        lines.append(
            ClaimLine(
                id_of(person),
                id_of(session),
                person.called_by or person.display_name or person.user_id,
                session.title,
                day,
                minutes,
                hours,
                choice.payable(full),
                choice,
                costs.get((id_of(person), id_of(session)), ()),
            )
        )
    return lines


def as_choice(row: PaymentChoice | SessionPayment) -> Choice:
    return Choice(row.choice, row.amount_pence, row.charity)


async def standing_choices(tx: AsyncSession, people: set[int]) -> dict[int, Choice]:
    """Each person's choice for every session, where they made one."""
    if not people:
        return {}
    rows = (
        await tx.exec(select(PaymentChoice).where(col(PaymentChoice.participant_id).in_(people)))
    ).all()
    return {row.participant_id: as_choice(row) for row in rows}


async def expenses_of(
    tx: AsyncSession, pairs: set[tuple[int, int]]
) -> dict[tuple[int, int], tuple[tuple[str, int, bool], ...]]:
    """The expenses claimed, by (person, session), in the order of KINDS."""
    if not pairs:
        return {}
    rows = (
        await tx.exec(
            select(Expense).where(
                col(Expense.participant_id).in_({p for p, _ in pairs}),
                col(Expense.session_id).in_({s for _, s in pairs}),
            )
        )
    ).all()
    found: dict[tuple[int, int], list[Expense]] = {}
    for row in rows:
        if (row.participant_id, row.session_id) in pairs:
            found.setdefault((row.participant_id, row.session_id), []).append(row)
    return {
        key: tuple(
            (row.kind, row.amount_pence, row.receipt)
            for row in sorted(items, key=lambda row: KINDS.index(row.kind))
        )
        for key, items in found.items()
    }


def claims_csv(
    lines: list[ClaimLine],
    headers: list[str],
    choice_words: dict[str, str],
    receipts_words: Callable[[ClaimLine], str],
) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for line in lines:
        writer.writerow(
            [
                safe_cell(line.name),
                safe_cell(line.session),
                line.day.isoformat(),
                line.minutes,
                f"{line.hours:.2f}",
                pounds(line.amount_pence),
                pounds(line.expenses_pence) if line.expenses else "",
                # Added in issue 18, after the columns finance already reads (docs/claims.md).
                choice_words[line.choice.choice],
                safe_cell(line.choice.charity or "") if line.choice.choice == CHARITY else "",
                *(pounds(line.expense(kind)) if line.expense(kind) else "" for kind in KINDS),
                receipts_words(line) if line.expenses else "",
            ]
        )
    return out.getvalue()


async def export_claims(
    tx: AsyncSession,
    community: Community,
    start: date,
    end: date,
    headers: list[str],
    now: datetime,
    choice_words: dict[str, str],
    receipts_words: Callable[[ClaimLine], str],
) -> tuple[str, int]:
    """The sheet, and a record of what was exported so `forget me` can name it later."""
    lines = await claim_lines(tx, community, start, end)
    for line in lines:
        existing = await tx.get(ClaimExport, (line.participant_id, line.session_id))
        if existing is None:
            tx.add(
                ClaimExport(
                    participant_id=line.participant_id, session_id=line.session_id, exported_at=now
                )
            )
        else:
            existing.exported_at = now
            tx.add(existing)
    return claims_csv(lines, headers, choice_words, receipts_words), len(lines)


def benefits_note(texts: Texts, own_words: str | None, *, easy: bool) -> str:
    """The note about payments and benefits: the community's own words if it set them
    (`/brew settings benefits_note`), else the template, in Easy Read when asked."""
    return own_words or texts.template("benefits_note", easy=easy)


# Each problem with the days someone asked for (bot/core/days.py), in the chat's words.
DAYS_IN_CHAT: dict[Problem, str] = {
    "unreadable": "claims.bad_date",
    "far_off": "claims.date_far_off",
    "backwards": "claims.dates_backwards",
}


@contextmanager
def days_in_chat() -> Iterator[None]:
    """Turn a problem with the days asked for into the chat's one sentence for it."""
    try:
        yield
    except DaysProblem as problem:
        raise CommandError(DAYS_IN_CHAT[problem.problem]) from None


class ClaimService:
    def __init__(self, deps: Deps, sessions: SessionService) -> None:
        self.deps = deps
        self.sessions = sessions
        self.t = deps.texts.t

    def headers(self) -> list[str]:
        return [
            self.t(f"claims.column.{c}")
            for c in ("name", "session", "date", "minutes", "hours", "amount", "expenses")
        ] + [self.t(f"payments.column.{c}") for c in SHEET_COLUMNS_ADDED]

    async def sheet(
        self, tx: AsyncSession, community: Community, start: date, end: date
    ) -> tuple[str, int]:
        """The claims sheet in this community's words, recorded as exported (the chat's
        `/brew claims export` and the command line's `brewbot claims export`)."""
        return await export_claims(
            tx,
            community,
            start,
            end,
            self.headers(),
            self.deps.clock.now(),
            self.choice_words(),
            self.receipts_words,
        )

    def choice_words(self) -> dict[str, str]:
        return {choice: self.t(f"payments.choice.{choice}") for choice in CHOICES}

    def receipts_words(self, line: ClaimLine) -> str:
        receipts = {receipt for _, _, receipt in line.expenses}
        which = "all" if receipts == {True} else "none" if receipts == {False} else "some"
        return self.t(f"payments.receipts.{which}")

    async def opt(self, ctx: CommandContext) -> Reply:
        on = ctx.arg("choice") == "on"
        ctx.actor.claim_opt_in = on
        ctx.tx.add(ctx.actor)
        if not on:
            return Reply(OutgoingMessage(self.t("claims.off")))
        note = benefits_note(self.deps.texts, ctx.community.benefits_note, easy=ctx.actor.easy_read)
        return Reply(OutgoingMessage(self.t("claims.on") + "\n\n" + note))

    async def mark_present(self, ctx: CommandContext, session: Session) -> Participant:
        """Mark the person `/brew present` names as at `session` (bot/people/payments.py
        records any payment choice and costs given with it, and answers)."""
        if session.state in NOT_HELD_STATES:
            raise CommandError("claims.not_started", session_id=session.id)
        who = ctx.arg("who").strip()
        if _names_a_member(ctx.community, who):
            # A member of the chat, as a setting names one: every platform's mention, or
            # the bare id of the shape the platform gives.
            user_id = await person_id(ctx.tx, ctx.community, who.removeprefix("@"))
            person = await get_or_create_participant(ctx.tx, ctx.community, user_id)
        else:
            # Someone with no chat account (joined by phone): known by the name given.
            key = OFFLINE + re.sub(r"[^a-z0-9]+", "-", who.lower()).strip("-")[:50]
            person = await get_or_create_participant(ctx.tx, ctx.community, key, who[:100])
            person.called_by = person.called_by or who[:100]
        if ctx.arg("claim") == "yes":
            person.claim_opt_in = True
        ctx.tx.add(person)
        await ctx.tx.flush()
        attendance = await attendance_for(ctx.tx, id_of(session), id_of(person))
        attendance.rsvp = "yes"
        attendance.joined_at = attendance.joined_at or session.opened_at or session.step_began()
        attendance.marked_by_facilitator = True
        ctx.tx.add(attendance)
        return person

    async def export(self, ctx: CommandContext) -> Reply:
        with days_in_chat():
            start, end = period(read_day(ctx.arg("from")), read_day(ctx.arg("to")))
        try:
            sheet, count = await self.sheet(ctx.tx, ctx.community, start, end)
        except IntegrityError:
            raise CommandError("errors.try_again") from None
        name = f"claims-{start.isoformat()}-to-{end.isoformat()}.csv"
        return Reply(
            OutgoingMessage(
                text=self.t("claims.exported", count=count),
                attachments=(Attachment(name, sheet.encode(), "text/csv"),),
            )
        )


def _names_a_member(community: Community, who: str) -> bool:
    """Whether `/brew present WHO` names a member of the chat (a mention, or a bare id of the
    platform's shape, with or without "@") rather than someone known only by name."""
    return who.startswith("<@") or Platform(community.platform).is_person_id(who.removeprefix("@"))

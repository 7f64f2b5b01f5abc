"""Payment choices that respect benefit rules (issue 18): how each person wants to be paid
for their time, for every session or for one (bot/people/choices.py); their expenses; the
earnings limits they want to be warned about (bot/people/limits.py), told to them alone;
and their letter for Jobcentre Plus (bot/people/letter.py). A facilitator records the choice
and costs of someone who joined by phone with `/brew present` (`presenting`). The claims sheet
reads the same choices (bot/people/claims.py). Nothing here reads the reflection tables."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from typing import Literal

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.core.commands import CommandError, Handler
from bot.core.days import period, read_day
from bot.core.messages import Attachment, OutgoingMessage, Reply, Response
from bot.delivery.outbox import Delivery, decode
from bot.engine.context import CommandContext
from bot.engine.deps import Deps, zone_of
from bot.people.choices import (
    CHARITY,
    CHOICES,
    LOWER,
    NONE,
    Choice,
    parse_choice,
    parse_money,
    pounds,
)
from bot.people.claims import as_choice, benefits_note, claim_lines, days_in_chat
from bot.people.letter import Letter, as_html, as_text
from bot.people.limits import PERIODS, WATCH_ALL, WATCH_NONE, EarningsLimits, Near, period_of
from bot.sessions.service import SessionService
from bot.sessions.timeparse import format_day
from storage.engine import DatabaseUnavailable
from storage.models import (
    OFFLINE,
    Community,
    Expense,
    Participant,
    PaymentChoice,
    Session,
    SessionPayment,
    id_of,
)

log = logging.getLogger("brewbot.payments")
PURPOSE = "payments"
# How long a letter covers when no first day is given: the UK tax year starts on 6 April.
TAX_YEAR_START = (4, 6)
# Why a person's costs for a session would not be paid (`_why_unpaid`).
NOT_CLAIMING = "not_claiming"
Marker = Callable[[CommandContext, Session], Awaitable[Participant]]


class PaymentService:
    def __init__(self, deps: Deps, sessions: SessionService, limits: EarningsLimits) -> None:
        self.deps = deps
        self.sessions = sessions
        self.limits = limits
        self.t = deps.texts.t

    def watch_choices(self) -> tuple[str, ...]:
        return (WATCH_ALL, WATCH_NONE, *self.limits.names())

    # -- choices ---------------------------------------------------------------------------

    def describe(self, choice: Choice) -> str:
        words = self.t(f"payments.choice.{choice.choice}")
        if choice.choice == LOWER:
            return self.t(
                "payments.lower_detail", choice=words, amount=pounds(choice.amount_pence or 0)
            )
        if choice.choice == CHARITY:
            return self.t("payments.charity_detail", choice=words, charity=choice.charity)
        return words

    async def _choose(self, ctx: CommandContext) -> Reply:
        """`/brew claim pay [CHOICE [amount or charity]] [session=N]`."""
        person = ctx.actor
        # A session named is checked first, whatever else is asked: an unknown one is refused.
        session = (
            await self.sessions.resolve(ctx, ctx.arg("session"))
            if ctx.arg("session") is not None
            else None
        )
        if ctx.arg("choice") is None:
            if ctx.arg("detail") is not None:
                raise CommandError("payments.pick_choice")
            return Reply(OutgoingMessage(await self._current(ctx.tx, person, session)))
        choice = parse_choice(ctx.arg("choice"), ctx.arg("detail"))
        if session is not None:
            await _choose_for_session(ctx.tx, person, session, choice)
            lines = [
                self.t("payments.now_session", session_id=session.id, choice=self.describe(choice))
            ]
        else:
            standing = await ctx.tx.get(PaymentChoice, id_of(person))
            standing = standing or PaymentChoice(participant_id=id_of(person))
            _fill(standing, choice)
            ctx.tx.add(standing)
            starting = not person.claim_opt_in and choice.choice != NONE
            person.claim_opt_in = choice.choice != NONE
            ctx.tx.add(person)
            lines = [self.t("payments.now_every", choice=self.describe(choice))]
            if starting:
                lines.append(self.benefits_note(ctx))
        if choice.choice == NONE:
            lines.append(self.t("payments.chose_none"))
        return Reply(OutgoingMessage("\n\n".join(lines)))

    def benefits_note(self, ctx: CommandContext) -> str:
        return benefits_note(self.deps.texts, ctx.community.benefits_note, easy=ctx.actor.easy_read)

    async def _current(
        self, tx: AsyncSession, person: Participant, session: Session | None = None
    ) -> str:
        """The person's choice for every session, or for `session` when one is named (a
        choice for one session counts whether or not they claim for every session, as on
        the claims sheet)."""
        if session is not None and person.id is not None:
            chosen = await tx.get(SessionPayment, (person.id, id_of(session)))
            if chosen is not None:
                choice = as_choice(chosen)
                return self.t(
                    "payments.now_session", session_id=session.id, choice=self.describe(choice)
                )
        if not person.claim_opt_in:
            return self.t("payments.not_claiming")
        standing = await tx.get(PaymentChoice, id_of(person))
        choice = as_choice(standing) if standing else Choice()
        return self.t("payments.yours", choice=self.describe(choice))

    async def _expense(self, ctx: CommandContext) -> Reply:
        """`/brew claim expense KIND AMOUNT [receipt] [session=N]`; 0 takes it off."""
        person, kind = ctx.actor, ctx.arg("kind")
        session = await self.sessions.resolve(ctx, ctx.arg("session"))
        pence = parse_money(ctx.arg("amount"))
        kind_words = self.t(f"payments.kind.{kind}").lower()
        receipt = ctx.arg("receipt") == "yes"
        done = await _record_expense(ctx.tx, person, session, kind, pence, receipt)
        if done == "nothing":
            said = self.t("payments.expense_none", kind=kind_words, session_id=session.id)
            return Reply(OutgoingMessage(said))
        if done == "removed":
            said = self.t("payments.expense_removed", kind=kind_words, session_id=session.id)
            return Reply(OutgoingMessage(said))
        lines = [
            self.t(
                "payments.expense_saved",
                kind=self.t(f"payments.kind.{kind}"),
                amount=pounds(pence),
                session_id=session.id,
                receipt=self.t("payments.receipt_yes" if receipt else "payments.receipt_no"),
            )
        ]
        unpaid = await _why_unpaid(ctx.tx, person, session)
        if unpaid == NONE:
            lines.append(self.t("payments.expense_not_paid", session_id=session.id))
        elif unpaid == NOT_CLAIMING:
            lines.append(self.t("payments.expense_not_claiming"))
        return Reply(OutgoingMessage("\n\n".join(lines)))

    # -- for someone else: `/brew present` ----------------------------------------------------

    def presenting(self, mark: Marker) -> Handler[CommandContext]:
        """`/brew present WHO [session=N] [claim=yes] [pay=CHOICE] [expense=KIND amount=N
        receipt=yes]`: `mark` (ClaimService.mark_present) marks the person at the session,
        and a facilitator records what the person told them, as the person would in chat:
        their payment choice for that session and one cost. Someone who joined by phone has
        no other way to make these choices. Everything is read before anything is written."""

        async def run(ctx: CommandContext) -> Reply:
            session = await self.sessions.resolve(ctx, ctx.arg("session"))
            choice = parse_pay(ctx.arg("pay"))
            cost = _cost_given(ctx)
            person = await mark(ctx, session)
            name = person.called_by or person.display_name or ctx.arg("who").strip()
            lines = [self.t("claims.marked_present", name=name, session_id=session.id)]
            if choice is not None:
                await _choose_for_session(ctx.tx, person, session, choice)
                lines.append(
                    self.t(
                        "payments.now_session", session_id=session.id, choice=self.describe(choice)
                    )
                )
            if cost is not None:
                lines += await self._record_cost_for(ctx.tx, person, session, name, *cost)
            return Reply(OutgoingMessage("\n\n".join(lines)))

        return run

    async def _record_cost_for(
        self,
        tx: AsyncSession,
        person: Participant,
        session: Session,
        name: str,
        kind: str,
        pence: int,
        receipt: bool,
    ) -> list[str]:
        """A cost a facilitator records for someone, and what they are told about it."""
        kind_words = self.t(f"payments.kind.{kind}")
        done = await _record_expense(tx, person, session, kind, pence, receipt)
        if done == "nothing":
            return [self.t("payments.expense_none", kind=kind_words.lower(), session_id=session.id)]
        if done == "removed":
            return [
                self.t(
                    "payments.present_expense_removed",
                    kind=kind_words.lower(),
                    session_id=session.id,
                )
            ]
        lines = [
            self.t(
                "payments.present_expense",
                kind=kind_words,
                amount=pounds(pence),
                session_id=session.id,
                receipt=self.t(
                    "payments.present_receipt_yes" if receipt else "payments.present_receipt_no"
                ),
            )
        ]
        if await _why_unpaid(tx, person, session) is not None:
            lines.append(self.t("payments.present_not_paid", name=name, session_id=session.id))
        return lines

    # -- earnings limits -------------------------------------------------------------------

    async def _limits_command(self, ctx: CommandContext) -> Reply:
        """`/brew claim limits [watch=all|none|NAME]`: this week's and month's pay for the
        person's time, the limits in force, and a warning if close to one they watch."""
        person, watch = ctx.actor, ctx.arg("watch")
        standing = await ctx.tx.get(PaymentChoice, id_of(person))
        lines = []
        if watch is not None:
            standing = standing or PaymentChoice(participant_id=id_of(person))
            standing.watch = watch
            ctx.tx.add(standing)
            lines.append(self.t("payments.watch_changed"))
        watching = standing.watch if standing else WATCH_ALL
        today = self.deps.clock.now().astimezone(zone_of(ctx.community)).date()
        earnings = await self._earnings(ctx.tx, ctx.community, id_of(person), today)
        lines.append(f"**{self.t('payments.limits_heading')}**")
        for per in PERIODS:
            start, end = period_of(per, today)
            earned = sum(pence for day, pence in earnings if start <= day <= end)
            lines.append(
                self.t(
                    f"payments.limits_{per}",
                    start=format_day(start),
                    end=format_day(end),
                    amount=pounds(earned),
                )
            )
        lines.append(self.t("payments.limits_counted"))
        for limit in self.limits.on(today):
            line = self.t(
                "payments.limit_line",
                name=self.t(f"payments.limit.{limit.name}"),
                amount=pounds(limit.pence),
                per=self.t(f"payments.per.{limit.per}"),
            )
            lines.append(line + (" " + self.t("payments.example") if limit.example else ""))
        lines.append(self._watching(watching))
        near = self.limits.near(watching, today, earnings)
        if near:
            lines.append(self.warning(near))
        return Reply(OutgoingMessage("\n\n".join(lines)))

    def _watching(self, watch: str) -> str:
        if watch == WATCH_NONE:
            return self.t("payments.watch_none")
        if watch == WATCH_ALL:
            names = ", ".join(self.t(f"payments.limit.{name}") for name in self.limits.names())
            return self.t("payments.watch_all", names=names)
        return self.t("payments.watch_one", name=self.t(f"payments.limit.{watch}"))

    def warning(self, near: list[Near]) -> str:
        """The plain words of a warning: each limit come close to, and what can be done."""
        lines = []
        for found in near:
            line = self.t(
                "payments.over" if found.over else "payments.near",
                start=format_day(found.start),
                end=format_day(found.end),
                earned=pounds(found.earned_pence),
                name=self.t(f"payments.limit.{found.limit.name}"),
                amount=pounds(found.limit.pence),
                per=self.t(f"payments.per.{found.limit.per}"),
            )
            lines.append(line + (" " + self.t("payments.example") if found.limit.example else ""))
        lines.append(self.t("payments.near_advice"))
        return "\n\n".join(lines)

    async def _earnings(
        self, tx: AsyncSession, community: Community, participant_id: int, day: date
    ) -> list[tuple[date, int]]:
        """What counts as the person's earnings, by day, in the week and month of `day`."""
        start, end = _window(day)
        lines = await claim_lines(tx, community, start, end, participant_id=participant_id)
        return [(line.day, line.earnings_pence) for line in lines]

    async def session_changed(self, session_id: int) -> None:
        """Once a session has closed (Deps.on_session_changed), tell each person claiming
        whose pay for their time now comes close to a limit they watch, privately and once.
        Nobody else is told. If the database is busy the warning is skipped (logged): the
        person still sees it with `/brew claim limits`."""
        try:
            keys = await self._queue_warnings(session_id)
        except DatabaseUnavailable:
            log.warning("earnings warnings not queued, database busy session=%s", session_id)
            return
        if keys:
            log.info("earnings warnings queued session=%s count=%d", session_id, len(keys))
            await self.deps.outbox.deliver_effect(keys)()

    async def _queue_warnings(self, session_id: int) -> list[str]:
        keys: list[str] = []
        async with self.deps.db.transaction() as tx:
            session = await tx.get(Session, session_id)
            if session is None or session.closed_at is None:
                return keys
            community = await tx.get(Community, session.community_id)
            assert community is not None  # a session's community is never deleted first
            day = session.starts_at.astimezone(zone_of(community)).date()
            start, end = _window(day)
            lines = await claim_lines(tx, community, start, end)
            here = {line.participant_id for line in lines if line.session_id == session_id}
            watches = {
                row.participant_id: row.watch
                for row in (
                    await tx.exec(
                        select(PaymentChoice).where(col(PaymentChoice.participant_id).in_(here))
                    )
                ).all()
            }
            for participant_id in sorted(here):
                person = await tx.get(Participant, participant_id)
                if person is None or person.user_id.startswith(OFFLINE):
                    continue  # joined by phone: no chat to tell them in
                earnings = [
                    (line.day, line.earnings_pence)
                    for line in lines
                    if line.participant_id == participant_id
                ]
                near = self.limits.near(watches.get(participant_id, WATCH_ALL), day, earnings)
                if not near:
                    continue
                key = f"payments:limit:{session_id}:{participant_id}"
                message = OutgoingMessage(
                    self.warning(near), title=self.t("payments.warning_title")
                )
                await self.deps.outbox.add(
                    tx,
                    community,
                    Delivery(key, PURPOSE, "private", person.user_id, message, session_id),
                )
                keys.append(key)
        return keys

    # -- a warning that could not be delivered ---------------------------------------------

    # Each /brew claim command of this service, with any warning the person missed.
    async def choose(self, ctx: CommandContext) -> Response:
        return await self.with_missed(ctx, await self._choose(ctx))

    async def expense(self, ctx: CommandContext) -> Response:
        return await self.with_missed(ctx, await self._expense(ctx))

    async def limits_command(self, ctx: CommandContext) -> Response:
        return await self.with_missed(ctx, await self._limits_command(ctx))

    async def letter(self, ctx: CommandContext) -> Response:
        return await self.with_missed(ctx, await self._letter(ctx))

    def telling_missed(self, handler: Handler[CommandContext]) -> Handler[CommandContext]:
        """`handler` (another /brew claim command), and then any earnings warning it missed."""

        async def run(ctx: CommandContext) -> Response:
            return await self.with_missed(ctx, await handler(ctx))

        return run

    async def with_missed(self, ctx: CommandContext, response: Response) -> Response:
        """An earnings warning refused for good (private messages closed, say) is told to
        the person in the answer to the next /brew claim command they use, to them alone,
        with the day it was meant for; then it counts as delivered. Never anyone else."""
        if not isinstance(response, Reply) or not response.private:
            return response
        refused = await self.deps.outbox.refused_to(
            ctx.tx, id_of(ctx.community), PURPOSE, ctx.actor.user_id
        )
        if not refused:
            return response
        zone = zone_of(ctx.community)
        parts = [response.message.text]
        for item in refused:
            body = decode(item.kind, item.payload)
            assert isinstance(body, OutgoingMessage)  # warnings are private messages
            day = format_day(item.created_at.astimezone(zone).date())
            parts += [self.t("payments.missed_warning", day=day), body.text]
        self.deps.outbox.told_another_way(ctx.tx, refused)
        return replace(response, message=replace(response.message, text="\n\n".join(parts)))

    # -- the letter ------------------------------------------------------------------------

    async def _letter(self, ctx: CommandContext) -> Reply:
        """`/brew claim letter [from] [to]`: the person's own letter for Jobcentre Plus."""
        today = self.deps.clock.now().astimezone(zone_of(ctx.community)).date()
        with days_in_chat():
            end = read_day(ctx.arg("to")) if ctx.arg("to") else today
            start = read_day(ctx.arg("from")) if ctx.arg("from") else tax_year_start(end)
            start, end = period(start, end)
        person = ctx.actor
        lines = await claim_lines(
            ctx.tx, ctx.community, start, end, participant_id=id_of(person), declined=True
        )
        if not lines:
            raise CommandError(
                "payments.letter_nothing", start=format_day(start), end=format_day(end)
            )
        letter = Letter(
            person.called_by or person.display_name or ctx.user.display_name,
            ctx.community.name or ctx.community.external_id,
            start,
            end,
            tuple(lines),
        )
        name = f"jobcentre-letter-{start.isoformat()}-to-{end.isoformat()}"
        return Reply(
            OutgoingMessage(
                self.t("payments.letter_ready"),
                attachments=(
                    Attachment(f"{name}.html", as_html(letter, self.t).encode(), "text/html"),
                    Attachment(f"{name}.txt", as_text(letter, self.t).encode(), "text/plain"),
                ),
            )
        )


def tax_year_start(day: date) -> date:
    """6 April on or before `day`."""
    start = date(day.year, *TAX_YEAR_START)
    return start if start <= day else date(day.year - 1, *TAX_YEAR_START)


def _window(day: date) -> tuple[date, date]:
    """From the first to the last day of the week and the month holding `day`."""
    week, month = period_of("week", day), period_of("month", day)
    return min(week[0], month[0]), max(week[1], month[1])


def _fill(row: PaymentChoice | SessionPayment, choice: Choice) -> None:
    row.choice, row.amount_pence, row.charity = choice.choice, choice.amount_pence, choice.charity


def parse_pay(text: str | None) -> Choice | None:
    """`pay="lower 10"` (/brew present): a choice and its detail in one option."""
    if text is None:
        return None
    choice, *detail = text.split(None, 1)
    if choice.lower() not in CHOICES:
        raise CommandError("payments.pick_choice")
    return parse_choice(choice.lower(), detail[0] if detail else None)


def _cost_given(ctx: CommandContext) -> tuple[str, int, bool] | None:
    """The cost given to /brew present (`expense=travel amount=12.50 receipt=yes`), if any."""
    kind, amount, receipt = ctx.arg("expense"), ctx.arg("amount"), ctx.arg("receipt")
    if kind is None and amount is None and receipt is None:
        return None
    if kind is None or amount is None:
        raise CommandError("payments.cost_needs_both")
    return kind, parse_money(amount), receipt == "yes"


async def _choose_for_session(
    tx: AsyncSession, person: Participant, session: Session, choice: Choice
) -> None:
    row = await tx.get(SessionPayment, (id_of(person), id_of(session)))
    row = row or SessionPayment(
        participant_id=id_of(person), session_id=id_of(session), choice=choice.choice
    )
    _fill(row, choice)
    tx.add(row)


async def _record_expense(
    tx: AsyncSession, person: Participant, session: Session, kind: str, pence: int, receipt: bool
) -> Literal["saved", "removed", "nothing"]:
    """Save a cost for a session (the same kind again replaces it); 0 takes it off."""
    row = await tx.get(Expense, (id_of(person), id_of(session), kind))
    if pence == 0:
        if row is None:
            return "nothing"
        await tx.delete(row)
        return "removed"
    row = row or Expense(
        participant_id=id_of(person), session_id=id_of(session), kind=kind, amount_pence=pence
    )
    row.amount_pence, row.receipt = pence, receipt
    tx.add(row)
    return "saved"


async def _why_unpaid(tx: AsyncSession, person: Participant, session: Session) -> str | None:
    """Why the person's costs for `session` would not be paid, as the claims sheet decides
    (bot/people/claims.py, claim_lines): NONE if no payment was chosen for it, NOT_CLAIMING
    if they do not claim; None if they would be paid."""
    chosen = await tx.get(SessionPayment, (id_of(person), id_of(session)))
    if chosen is None and not person.claim_opt_in:
        return NOT_CLAIMING
    standing = await tx.get(PaymentChoice, id_of(person)) if chosen is None else None
    choice = chosen or standing
    return NONE if choice is not None and choice.choice == NONE else None


# -- data rights (bot/people/privacy.py) ---------------------------------------------------


async def forget_payments(tx: AsyncSession, participant_id: int) -> None:
    """Delete a person's payment choices and expenses (they also go with the person, by
    cascade; explicit, as privacy.forget does for the other tables)."""
    for model in (PaymentChoice, SessionPayment, Expense):
        await tx.exec(delete(model).where(col(model.participant_id) == participant_id))


async def expire_payments(
    tx: AsyncSession, old_sessions: SelectOfScalar[int] | SelectOfScalar[None]
) -> None:
    """Delete choices and expenses for sessions past the retention period (`old_sessions`:
    a select of their ids), with their attendance."""
    for model in (SessionPayment, Expense):
        await tx.exec(delete(model).where(col(model.session_id).in_(old_sessions)))


async def payment_data(tx: AsyncSession, person: Participant) -> dict[str, object]:
    """Everything stored about the person's payments, for `my data`."""
    pid = id_of(person)
    standing = await tx.get(PaymentChoice, pid)
    chosen = (
        await tx.exec(
            select(SessionPayment, Session)
            .join(Session, col(Session.id) == col(SessionPayment.session_id))
            .where(SessionPayment.participant_id == pid)
            .order_by(col(Session.starts_at))
        )
    ).all()
    costs = (
        await tx.exec(
            select(Expense, Session)
            .join(Session, col(Session.id) == col(Expense.session_id))
            .where(Expense.participant_id == pid)
            .order_by(col(Session.starts_at), col(Expense.kind))
        )
    ).all()
    return {
        "payment_choice_for_every_session": _choice_data(standing) if standing else None,
        "earnings_limits_you_watch": standing.watch if standing else WATCH_ALL,
        "payment_choices_for_one_session": [
            {"session": f"{s.title} (session {s.id})", **_choice_data(row)} for row, s in chosen
        ],
        "expenses": [
            {
                "session": f"{s.title} (session {s.id})",
                "kind": row.kind,
                "amount_gbp": pounds(row.amount_pence),
                "receipt": row.receipt,
            }
            for row, s in costs
        ],
    }


def _choice_data(row: PaymentChoice | SessionPayment) -> dict[str, object]:
    return {
        "choice": row.choice,
        "lower_amount_gbp": pounds(row.amount_pence) if row.amount_pence is not None else None,
        "charity": row.charity,
    }

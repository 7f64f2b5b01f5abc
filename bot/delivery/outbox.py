"""Deliveries that must not be lost: the outbox.

A feature records a delivery (`enqueue`) in the same transaction as the change that causes
it, so either both are stored or neither is. Once committed it is tried at once
(`Outbox.deliver_effect`); what is not delivered is tried again by the worker
(`Outbox.run`), across restarts: transient failures (rate limits, the platform or mail
server failing, timeouts) with growing waits, permanent ones (missing permission, a channel
that is gone, Brewbot not in the channel) stop at once. Whatever happens, the feature that
asked hears the outcome (`Outbox.listen`) in a transaction of its own, so it can record the
truth (a digest is sent only once the working group has it) and tell a person what to do.

Each item is claimed before it is tried (status "sending" until a lease runs out), so two
processes never try the same item at once and an item whose process died is tried again:
each delivery arrives at least once. A live process keeps what it claimed for as long as it
takes (a platform may keep a send waiting out a rate limit): it never claims those items
again itself, and it renews their lease while it holds them, so no other process takes them
for abandoned either. A delivered item's words are cleared from the table.

Deliveries of an isolated purpose (a safeguarding alert, which follows straight on from the
reflection it carries) are tried once at once, and otherwise only at moments on a shared
grid (every GRID): every time their rows hold is on it, and a first try that fails is put
back to the next grid moment without a word. So their outcomes, what the listener writes and
sends, and the log lines about them all come at grid moments, which say nothing finer about
when the reflection was written (docs/anonymity.md, "Deliveries still waiting").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import backoff
from sqlalchemy import ColumnElement, delete, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import and_, col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.messages import (
    Action,
    ActionStyle,
    Attachment,
    OutgoingMessage,
    Picture,
    Section,
)
from bot.core.ports import DeliveryError
from bot.core.refs import ConversationRef, UserRef
from bot.delivery.mail import Letter, addresses
from bot.engine.context import Effect, Work, someone_waiting
from bot.engine.deps import Deps, community_ref, session_channel
from bot.engine.texts import Texts
from storage.engine import DatabaseUnavailable
from storage.models import Community, OutboxItem, OutboxStatus, Session
from storage.types import utc_day

log = logging.getLogger("brewbot.outbox")

# The keys recorded while a listener hears an outcome (`Outbox._record`): a delivery asked
# for by key goes on to these, and to nothing else that happens to be due.
_added: ContextVar[list[str] | None] = ContextVar("outbox_added", default=None)

NOTICE = "notice"  # the purpose of ordinary posts and private notices
# The purpose of a session's reminders (bot/scheduling/jobs.py): a reminder post refused for
# good is tried again with the same Retry button as an ordinary post (bot/delivery/notices.py).
REMINDER = "reminder"

# Worth trying again: the platform or mail server failed or asked us to slow down.
TRANSIENT = frozenset({"rate_limited", "failed", "email_failed", "timeout"})
MAX_ATTEMPTS = 12  # with the waits below, about six hours of trying
LEASE = timedelta(minutes=2)
RENEW_EVERY = LEASE / 4  # how often a process renews the lease of what it holds
RENEW_PART = 1000  # leases renewed in one statement
POLL_SECONDS = 30.0
KEEP_DONE, KEEP_FAILED = timedelta(days=2), timedelta(days=30)
# The moments at which deliveries of isolated purposes are tried again (see above).
GRID = timedelta(minutes=5)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Delivery:
    """One delivery to record. `key` makes enqueueing it twice store it once."""

    key: str
    purpose: str
    # "post" (a channel or thread), "private" (a person), "email", or "close_thread" (post
    # in a thread, then archive it whether or not the post went through)
    kind: str
    target: str  # channel id, user id, or comma-separated addresses
    body: OutgoingMessage | Letter
    session_id: int | None = None
    # How the person is called, for a front-end that shows it (the terminal chat).
    target_name: str = ""
    thread: str = ""  # a thread inside the `target` channel
    # The person to tell if it is refused for good, when it is not the session's facilitator.
    asked_by: str = ""


@dataclass(frozen=True)
class Outcome:
    """How a delivery ended, for the feature that asked for it."""

    item: OutboxItem
    delivered: bool
    reason: str = ""  # why not (a DeliveryError reason); "" when delivered
    detail: str = ""
    # Someone is waiting for this delivery and hears how it went in their answer.
    told: bool = False
    # The part of the target not reached (DeliveryError.left): the rest has it, so the item
    # goes on to this part alone.
    left: str = ""

    def notice_key(self, about: str) -> str:
        """The key of a notice a listener records about this outcome (`about` says what it
        is): the same however often this outcome is heard, since it is recorded in the same
        transaction as the outcome, and new for each refusal, Retry's included."""
        return f"{about}:{self.item.id}:{self.item.refusals}"


# Told how a delivery ended, in the transaction that records it; returns what to do once
# that has committed (tell the scheduler, say).
Listener = Callable[[AsyncSession, Outcome], Awaitable[list[Effect]]]


class _Withdrawn(Exception):
    """The delivery was forgotten after it was claimed (`Outbox.withdraw`, forget me)."""


def _refusal(
    texts: Texts,
    key: str,
    outcome: Outcome,
    retry: str | None,
    *,
    advice: str = "outbox.advice",
    **values: object,
) -> OutgoingMessage:
    """What a facilitator reads when a delivery was refused for good: the sentence `key`
    with the advice for its reason (from the `advice` family of sentences), and a Retry
    button whose custom id is `retry` (none where trying again cannot help)."""
    said = texts.t(f"{advice}.{outcome.reason}", detail=outcome.detail)
    buttons = [Action(texts.t("buttons.retry"), retry, ActionStyle.PRIMARY)] if retry else []
    return OutgoingMessage(texts.t(key, advice=said, **values), actions=tuple(buttons))


@dataclass(frozen=True)
class Refused:
    """What to tell a person about a delivery refused for good (`Outbox.tell_refused`): the
    sentence `key` with `values` (and the advice for the refusal's reason), a Retry button
    whose custom id is `retry`, any `sections` below (words a person typed, untrusted), and
    `about`, the start of the notice's key, which says what it is about. `retry` None: no
    button, where trying the same again cannot help; `advice`: the family of sentences
    that say what to do, by the refusal's reason."""

    key: str
    about: str
    retry: str | None
    values: Mapping[str, object] = field(default_factory=dict)
    sections: tuple[Section, ...] = ()
    advice: str = "outbox.advice"


def _refused_to(community_id: int, purpose: str, target: str) -> ColumnElement[bool]:
    """Private deliveries of `purpose` to the person `target`, refused for good."""
    return and_(
        OutboxItem.community_id == community_id,
        OutboxItem.purpose == purpose,
        OutboxItem.kind == "private",
        OutboxItem.target == target,
        col(OutboxItem.status) == OutboxStatus.FAILED,
    )


def retry_delay(attempt: int) -> timedelta:
    """How long to wait before attempt `attempt + 1`: doubling from 5 s up to 30 minutes,
    with jitter so many items failing together do not come back together."""
    schedule = backoff.expo(factor=5, max_value=1800)
    next(schedule)  # the generator is primed with one next()
    value = next(islice(schedule, attempt - 1, None))
    return timedelta(seconds=value / 2 + backoff.full_jitter(value / 2))


def grid_floor(moment: datetime) -> datetime:
    """The grid moment at or before `moment` (GRID)."""
    return moment - (moment - _EPOCH) % GRID


def grid_after(moment: datetime) -> datetime:
    """The first grid moment after `moment` (GRID)."""
    return grid_floor(moment) + GRID


async def enqueue(tx: AsyncSession, community_id: int, delivery: Delivery, now: datetime) -> None:
    """Record `delivery` in this transaction (once, whatever the number of calls)."""
    connection = await tx.connection()
    insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
    row = {
        "key": delivery.key,
        "purpose": delivery.purpose,
        "kind": delivery.kind,
        "community_id": community_id,
        "session_id": delivery.session_id,
        "target": delivery.target,
        "asked_by": delivery.asked_by,
        "payload": encode(delivery.body, delivery.target_name, delivery.thread),
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "refusals": 0,
        "due_at": now,
        # Days, not times: an alert's row would otherwise date the reflection behind it.
        "created_at": utc_day(now),
    }
    await connection.execute(insert(OutboxItem).on_conflict_do_nothing(), [row])


class Outbox:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._listeners: dict[str, Listener] = {}
        # Purposes whose rows follow straight on from an anonymous step (a safeguarding
        # alert from a reflection): their transactions are isolated in the WAL like that
        # step's own (docs/anonymity.md).
        self._isolated: set[str] = set()
        # Purposes whose deliveries are about their session going ahead (`withdraw`).
        self._lapsing: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        # Items this process has claimed and not yet finished with, by key (each with whether
        # it is of an isolated purpose), and the task renewing their lease while there are
        # any. By key, not id: SQLite may give a deleted row's id to the next one.
        self._held: dict[str, bool] = {}
        self._renewing: asyncio.Task[None] | None = None

    def listen(self, purpose: str, listener: Listener, *, isolated: bool = False) -> None:
        self._listeners[purpose] = listener
        if isolated:
            self._isolated.add(purpose)

    def lapses_with_session(self, purpose: str) -> None:
        """Deliveries of `purpose` are about their session going ahead (reminders, its posts,
        notices about them): `withdraw` forgets them when it is cancelled."""
        self._lapsing.add(purpose)

    async def withdraw(self, tx: AsyncSession, session_id: int) -> None:
        """The session is cancelled, in this transaction: forget its deliveries not made yet
        of the purposes that lapse with it. Sent later they would remind people of, or invite
        them into, a session that will not happen, and a Retry would post them again. One
        being sent right now is not sent once this commits (`_send` looks first). A breakout
        thread is still archived: that holds whatever became of the session."""
        await tx.exec(
            delete(OutboxItem).where(
                col(OutboxItem.session_id) == session_id,
                col(OutboxItem.purpose).in_(sorted(self._lapsing)),
                col(OutboxItem.kind) != "close_thread",
                col(OutboxItem.status) != OutboxStatus.DONE,
            )
        )

    async def add(self, tx: AsyncSession, community: Community, delivery: Delivery) -> None:
        """Record `delivery` in this transaction. The caller tries it once committed
        (`deliver_effect`); the worker only picks up what that left."""
        assert community.id is not None
        now = self.deps.clock.now()
        # Due at once either way; the grid's moment keeps the finer time out of the row.
        due = grid_floor(now) if delivery.purpose in self._isolated else now
        await enqueue(tx, community.id, delivery, due)
        added = _added.get()
        if added is not None:
            added.append(delivery.key)

    def deliver_effect(self, keys: Iterable[str], *, report: bool = False) -> Effect:
        """An effect that tries these deliveries at once (after the commit). With `report`
        and someone waiting (a command), one that did not arrive raises DeliveryError, so the
        person who acted hears in their answer that it was refused ("queued" when it will be
        tried again); with nobody waiting (a job), the purpose's listener tells someone."""
        wanted = tuple(keys)

        async def effect() -> None:
            told = report and someone_waiting.get()
            await self.deliver(keys=wanted, told=told)
            if told:
                await self._raise_undelivered(wanted)

        return effect

    async def post(
        self,
        work: Work,
        to: ConversationRef,
        message: OutgoingMessage,
        *,
        key: str,
        session_id: int | None = None,
        close_thread: bool = False,
    ) -> Effect:
        """Record a post in a channel or thread (`close_thread`: then archive the thread) in
        `work`'s transaction and return the effect that tries it once committed. Refused for
        good with nobody waiting, the person who asked for it (`work.asker`) is told, or for
        a job's post the session's facilitator (bot/delivery/notices.py)."""
        delivery = Delivery(
            key,
            NOTICE,
            "close_thread" if close_thread else "post",
            to.id,
            message,
            session_id,
            thread=to.thread_id or "",
            asked_by=work.asker,
        )
        await self.add(work.tx, work.community, delivery)
        return self.deliver_effect([key], report=True)

    async def tell(
        self,
        tx: AsyncSession,
        community: Community,
        user: UserRef,
        message: OutgoingMessage,
        *,
        key: str,
        session_id: int | None = None,
    ) -> Effect:
        """Record a private message to `user` and return the effect that tries it."""
        delivery = Delivery(key, NOTICE, "private", user.id, message, session_id, user.display_name)
        await self.add(tx, community, delivery)
        return self.deliver_effect([key], report=True)

    async def post_in_session(
        self, work: Work, session: Session, message: OutgoingMessage, *, key: str
    ) -> Effect:
        """`post` in the session's own channel."""
        to = session_channel(work.community, session)
        return await self.post(work, to, message, key=key, session_id=session.id)

    async def tell_facilitator(
        self,
        tx: AsyncSession,
        community: Community,
        session: Session,
        message: OutgoingMessage,
        *,
        key: str,
    ) -> Effect:
        """`tell` the facilitator who scheduled the session."""
        user = UserRef(community_ref(community), session.created_by)
        return await self.tell(tx, community, user, message, key=key, session_id=session.id)

    async def tell_refused(
        self,
        tx: AsyncSession,
        community: Community,
        outcome: Outcome,
        to: str,
        refused: Refused,
        *,
        session_id: int | None = None,
    ) -> None:
        """Tell `to` privately that `outcome`'s delivery was refused for good, what to do, and
        Retry: recorded in the outcome's own transaction under `Outcome.notice_key`, so each
        refusal is told once however often its outcome is heard. Every feature's refusals
        are told this one way. With nobody to tell, the log says so."""
        item = outcome.item
        if not to:
            log.warning("refused and nobody to tell id=%s purpose=%s", item.id, item.purpose)
            return
        notice = _refusal(
            self.deps.texts,
            refused.key,
            outcome,
            refused.retry,
            advice=refused.advice,
            **refused.values,
        )
        if refused.sections:
            notice = replace(notice, sections=refused.sections)
        key = outcome.notice_key(refused.about)
        await self.add(tx, community, Delivery(key, NOTICE, "private", to, notice, session_id))

    async def _raise_undelivered(self, keys: tuple[str, ...]) -> None:
        async with self.deps.db.read() as tx:
            items = (await tx.exec(select(OutboxItem).where(col(OutboxItem.key).in_(keys)))).all()
        for item in items:
            if item.status == OutboxStatus.FAILED:
                raise DeliveryError(item.last_error or "failed", item.last_detail or "")
        if any(item.status != OutboxStatus.DONE for item in items):
            raise DeliveryError("queued")

    async def retry(self, tx: AsyncSession, keys: Iterable[str]) -> None:
        """Arm failed deliveries again (a person fixed the cause and pressed Retry)."""
        await tx.exec(
            update(OutboxItem)
            .where(
                col(OutboxItem.key).in_(list(keys)),
                col(OutboxItem.status) == OutboxStatus.FAILED,
            )
            .values(status=OutboxStatus.PENDING, attempts=0, due_at=self.deps.clock.now())
        )

    async def refused_to(
        self, tx: AsyncSession, community_id: int, purpose: str, target: str
    ) -> list[OutboxItem]:
        """Private deliveries of `purpose` to the person `target` that were refused for good
        (kept thirty days, see `prune`), oldest first, so the feature can tell the person
        another way (in their next answer) and then mark them `told_another_way`."""
        refused = _refused_to(community_id, purpose, target)
        query = select(OutboxItem).where(refused).order_by(col(OutboxItem.id))
        return list((await tx.exec(query)).all())

    async def count_refused_to(
        self, tx: AsyncSession, community_id: int, purpose: str, target: str
    ) -> int:
        """How many `refused_to` holds, without reading them: asked at the end of every
        private answer."""
        refused = _refused_to(community_id, purpose, target)
        return (await tx.exec(select(func.count()).select_from(OutboxItem).where(refused))).one()

    def told_another_way(self, tx: AsyncSession, items: Iterable[OutboxItem]) -> None:
        """These refused deliveries reached their person another way: done, words cleared,
        as a delivered item's are."""
        today = utc_day(self.deps.clock.now())
        for item in items:
            item.status, item.done_at, item.payload = OutboxStatus.DONE, today, ""
            item.due_at = today
            tx.add(item)

    async def recover(self) -> None:
        """Deliveries that were being sent when the process stopped are due again now,
        not once their lease runs out. Only for a database one process uses (SQLite).
        Isolated: the rows rewritten may hold a safeguarding alert's words."""
        async with self.deps.db.transaction(isolated=True) as tx:
            await tx.exec(
                update(OutboxItem)
                .where(col(OutboxItem.status) == OutboxStatus.SENDING)
                .values(due_at=self.deps.clock.now())
            )

    async def prune(self, tx: AsyncSession) -> int:
        """Forget deliveries long finished: delivered ones after two days, refused ones
        (which a person may still retry) after thirty."""
        today = utc_day(self.deps.clock.now())
        result = await tx.exec(
            delete(OutboxItem).where(
                or_(
                    (col(OutboxItem.status) == OutboxStatus.DONE)
                    & (col(OutboxItem.due_at) < today - KEEP_DONE),
                    (col(OutboxItem.status) == OutboxStatus.FAILED)
                    & (col(OutboxItem.due_at) < today - KEEP_FAILED),
                )
            )
        )
        return result.rowcount

    # -- delivering -------------------------------------------------------------------------

    async def deliver(self, *, keys: tuple[str, ...] | None = None, told: bool = False) -> int:
        """Try every due delivery (or just `keys`; `told`: their outcome is reported to the
        person waiting), and then whatever their outcomes asked for (a notice to a
        facilitator, a fallback). Returns how many were delivered. Asked for by key (a
        command), the later rounds take only what the outcomes added, and the asked-for
        items again if one was armed at once (a safeguarding copy readdressed): every other
        due delivery is the worker's, not the waiting person's."""
        delivered = 0
        # Made by an outcome heard here: for an isolated purpose, at a grid moment already.
        made_here: set[str] = set()
        for _round in range(5):  # outcomes may add deliveries; a few rounds settle them
            claimed = await self._claim(keys)
            if not claimed:
                break
            self._hold(item for item, _ in claimed)
            added: list[str] = []
            try:
                for item, again in claimed:
                    off_grid = self._first_off_grid(item) and item.key not in made_here
                    delivered += await self._attempt(item, again, told, added, off_grid)
            finally:
                self._release(item.key for item, _ in claimed)
            made_here.update(added)
            if keys is not None:
                keys = (*keys, *added)
            told = False
        return delivered

    async def _claim(self, keys: tuple[str, ...] | None) -> list[tuple[OutboxItem, bool]]:
        """Due items, marked as being sent, each with whether an earlier try may already
        have arrived (it was tried before, or its process died while sending it). Items of
        isolated purposes are claimed in a transaction of their own, and only when due."""
        sensitive = col(OutboxItem.purpose).in_(sorted(self._isolated))
        claimed = await self._claim_where(keys, ~sensitive, isolated=False)
        if self._isolated and await self._any_due(keys, sensitive):
            claimed += await self._claim_where(keys, sensitive, isolated=True)
        return claimed

    def _due(self, keys: tuple[str, ...] | None, now: datetime) -> Any:
        due = or_(
            OutboxItem.status == OutboxStatus.PENDING,
            OutboxItem.status == OutboxStatus.SENDING,  # claimed by a process that died
        )
        where = [due, col(OutboxItem.due_at) <= now]
        if keys is not None:
            where.append(col(OutboxItem.key).in_(keys))
        return and_(*where)

    async def _any_due(self, keys: tuple[str, ...] | None, which: Any) -> bool:
        try:
            async with self.deps.db.read() as tx:
                query = select(OutboxItem.id).where(self._due(keys, self.deps.clock.now()), which)
                return (await tx.exec(query.limit(1))).first() is not None
        except DatabaseUnavailable:
            return False

    async def _claim_where(
        self, keys: tuple[str, ...] | None, which: Any, *, isolated: bool
    ) -> list[tuple[OutboxItem, bool]]:
        now = self.deps.clock.now()
        # Skip what another process has locked: it is claiming those.
        query = (
            select(OutboxItem).where(self._due(keys, now), which).with_for_update(skip_locked=True)
        )
        try:
            async with self.deps.db.transaction(isolated=isolated) as tx:
                items = (await tx.exec(query.order_by(col(OutboxItem.id)))).all()
                claimed = []
                # One this process still holds is being sent here, however long that takes:
                # not abandoned, whatever its lease says.
                for item in (item for item in items if item.key not in self._held):
                    # Retry starts the tries again, not the refusals: a refused delivery
                    # may have shown some of its parts.
                    tried = item.attempts > 0 or item.refusals > 0
                    again = tried or item.status == OutboxStatus.SENDING
                    claimed.append((item, again))
                    item.status = OutboxStatus.SENDING
                    item.due_at = self._lease_end(now, isolated)
                    tx.add(item)
        except DatabaseUnavailable:
            return []
        return claimed

    # -- holding what was claimed -----------------------------------------------------------

    def _hold(self, items: Iterable[OutboxItem]) -> None:
        self._held.update({item.key: item.purpose in self._isolated for item in items})
        if self._held and self._renewing is None:
            self._renewing = asyncio.create_task(self._keep_leases(), name="brewbot-leases")

    def _release(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._held.pop(key, None)
        if not self._held:
            self._stop_renewing()

    def _stop_renewing(self) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
            self._renewing = None

    async def _keep_leases(self) -> None:
        while True:
            await asyncio.sleep(self._real_seconds(RENEW_EVERY))
            try:
                await self.renew()
            except Exception:
                log.exception("delivery leases not renewed")

    def _real_seconds(self, span: timedelta) -> float:
        """`span` of the clock's time in real seconds (the demo's clock runs fast)."""
        clock = self.deps.clock
        return max(0.0, (clock.to_real(clock.now() + span) - datetime.now(UTC)).total_seconds())

    async def renew(self) -> None:
        """Push on the lease of everything this process holds, so another process (another
        bot on PostgreSQL, or the command line) does not take it for abandoned while it is
        still being sent. A process that died renews nothing: its items fall due again once
        their lease runs out. Isolated purposes in a transaction of their own, as claimed."""
        for isolated in (False, True):
            held = sorted(key for key, own in self._held.items() if own == isolated)
            if not held:
                continue
            try:
                async with self.deps.db.transaction(isolated=isolated) as tx:
                    # In parts: a statement takes only so many values (SQLite 32,766).
                    for start in range(0, len(held), RENEW_PART):
                        await tx.exec(
                            update(OutboxItem)
                            .where(
                                col(OutboxItem.key).in_(held[start : start + RENEW_PART]),
                                col(OutboxItem.status) == OutboxStatus.SENDING,
                            )
                            .values(due_at=self._lease_end(self.deps.clock.now(), isolated))
                        )
            except DatabaseUnavailable:
                log.warning("delivery leases not renewed yet held=%d", len(held))

    @staticmethod
    def _lease_end(now: datetime, isolated: bool) -> datetime:
        return grid_after(now + LEASE) if isolated else now + LEASE

    def _first_off_grid(self, item: OutboxItem) -> bool:
        """An isolated purpose's first try, made at once (see the module's note)."""
        return item.purpose in self._isolated and item.attempts == 0

    async def _attempt(
        self, item: OutboxItem, again: bool, told: bool, added: list[str], off_grid: bool
    ) -> int:
        """Try `item` and record how it went; the keys its outcome's listener recorded are
        put in `added`. `off_grid`: an isolated purpose's first try, not made at a grid
        moment; if it fails, nothing is said or done about it before the next one."""
        try:
            await self._send(item, again)
        except _Withdrawn:
            return 0  # nothing was sent, and there is no row left to record it in
        except DeliveryError as exc:
            outcome = Outcome(item, False, exc.reason, exc.detail, told, exc.left)
        except Exception:  # a bug or an unexpected library error: try again later
            if not off_grid:  # else logged at its next try, on the grid
                log.exception("delivery failed id=%s purpose=%s", item.id, item.purpose)
            outcome = Outcome(item, False, "failed", "", told)
        else:
            outcome = Outcome(item, True, told=told)
        collecting = _added.set(added)
        try:
            await self._record(outcome, off_grid)
        except DatabaseUnavailable:
            log.warning("delivery outcome not recorded yet id=%s", item.id)
        finally:
            _added.reset(collecting)
        return int(outcome.delivered)

    async def _send(self, item: OutboxItem, again: bool) -> None:
        async with self.deps.db.read() as tx:
            community = await tx.get(Community, item.community_id)
            if await _gone(tx, item):
                raise _Withdrawn
        if community is None:
            raise DeliveryError("not_found")
        data = json.loads(item.payload)
        body = _from_data(item.kind, data)
        if isinstance(body, OutgoingMessage):
            body = replace(body, once=item.key, again=again)
        adapter = self.deps.adapter
        if isinstance(body, Letter):
            await self.deps.mailer.send(body, addresses(item.target))
        elif item.kind == "private":
            await adapter.send_private(
                UserRef(community_ref(community), item.target, data.get("to_name", "")), body
            )
        else:
            thread = data.get("thread") or None
            to = ConversationRef(community_ref(community), item.target, thread)
            if item.kind != "close_thread":
                await adapter.send(to, body)
                return
            try:
                await adapter.send(to, body)
            except DeliveryError as exc:
                if exc.reason in TRANSIENT:
                    raise
                # The thread may already be archived or gone: archiving is what matters.
                log.info("closing words not posted id=%s reason=%s", item.id, exc.reason)
            await adapter.archive_thread(to)

    async def _record(self, outcome: Outcome, off_grid: bool) -> None:
        item, now = outcome.item, self.deps.clock.now()
        after: list[Effect] = []
        isolated = item.purpose in self._isolated
        quiet = off_grid and not outcome.delivered
        async with self.deps.db.transaction(isolated=isolated) as tx:
            row = await tx.get(OutboxItem, item.id)
            if row is None or row.key != item.key:  # withdrawn, its id perhaps given again
                return
            row.attempts += 1
            row.last_error, row.last_detail = outcome.reason or None, outcome.detail[:200] or None
            row.target = outcome.left or row.target
            if outcome.delivered:
                row.status, row.done_at, row.payload = OutboxStatus.DONE, utc_day(now), ""
                row.due_at = utc_day(now)
            elif quiet:
                # Whatever the reason: a refusal is heard at the grid moment, if it holds.
                row.status, row.due_at = OutboxStatus.PENDING, grid_after(now)
            elif outcome.reason in TRANSIENT and row.attempts < MAX_ATTEMPTS:
                due = now + retry_delay(row.attempts)
                row.status, row.due_at = OutboxStatus.PENDING, grid_after(due) if isolated else due
            else:
                row.status, row.due_at = OutboxStatus.FAILED, utc_day(now)
                row.refusals += 1
            tx.add(row)
            transient = not outcome.delivered and row.status == OutboxStatus.PENDING
            listener = self._listeners.get(row.purpose)
            if listener is not None and not transient:
                final = Outcome(
                    row, outcome.delivered, outcome.reason, outcome.detail, outcome.told
                )
                after = await listener(tx, final)
        for effect in after:
            await effect()
        if not outcome.delivered and not quiet:
            log.warning(
                "not delivered id=%s purpose=%s reason=%s status=%s",
                item.id, item.purpose, outcome.reason, row.status,
            )  # fmt: skip

    # -- the worker -------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="brewbot-outbox")

    async def stop(self) -> None:
        self._stop_renewing()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        """Deliver what is due, then sleep until the next retry is due (at most a poll's
        time, so a delivery left by another process or a crash is not left long)."""
        while True:
            try:
                await self.deliver()
                pause = await self._until_next()
            except Exception:
                log.exception("outbox pass failed")
                pause = POLL_SECONDS
            await asyncio.sleep(pause)

    async def _until_next(self) -> float:
        async with self.deps.db.read() as tx:
            next_due = (
                await tx.exec(
                    select(func.min(OutboxItem.due_at)).where(
                        col(OutboxItem.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
                    )
                )
            ).one()
        if next_due is None:
            return POLL_SECONDS
        # min() keeps the column's type, so this is an aware UTC time on both databases.
        wait = next_due - self.deps.clock.now()
        return min(POLL_SECONDS, max(0.5, wait.total_seconds()))


async def _gone(tx: AsyncSession, item: OutboxItem) -> bool:
    """Whether `item` was deleted since it was read (its id may be another row's now)."""
    same = select(OutboxItem.id).where(OutboxItem.id == item.id, OutboxItem.key == item.key)
    return (await tx.exec(same)).first() is None


# -- payloads ---------------------------------------------------------------------------------


def encode(body: OutgoingMessage | Letter, to_name: str = "", thread: str = "") -> str:
    if isinstance(body, Letter):
        return json.dumps(
            {
                "to": list(body.to),
                "subject": body.subject,
                "text": body.text,
                "html": body.html,
                "attachments": [[n, c.hex(), m] for n, c, m in body.attachments],
            }
        )
    return json.dumps(
        {
            "text": body.text,
            "title": body.title,
            "ping": body.ping,
            "plain": body.plain,
            # An Easy Read idea's picture as [name, alt]: its file is found again by name.
            "sections": [[s.body, s.heading, s.untrusted, _picture(s)] for s in body.sections],
            "actions": [[a.label, a.custom_id, a.style.value] for a in body.actions],
            "attachments": [[a.filename, a.content.hex(), a.mime_type] for a in body.attachments],
            "to_name": to_name,
            "thread": thread,
        }
    )


def decode(kind: str, payload: str) -> OutgoingMessage | Letter:
    return _from_data(kind, json.loads(payload))


def _from_data(kind: str, data: dict[str, Any]) -> OutgoingMessage | Letter:
    if kind == "email":
        return Letter(
            to=tuple(data["to"]),
            subject=data["subject"],
            text=data["text"],
            html=data["html"],
            attachments=tuple((n, bytes.fromhex(c), m) for n, c, m in data["attachments"]),
        )
    return OutgoingMessage(
        text=data["text"],
        title=data["title"],
        ping=data["ping"],
        plain=data["plain"],
        sections=tuple(_section(*section) for section in data["sections"]),
        actions=tuple(Action(label, cid, ActionStyle(s)) for label, cid, s in data["actions"]),
        attachments=tuple(Attachment(n, bytes.fromhex(c), m) for n, c, m in data["attachments"]),
    )


def _picture(section: Section) -> list[str] | None:
    return [section.picture.name, section.picture.alt] if section.picture else None


def _section(body: str, heading: str, untrusted: bool, picture: list[str] | None = None) -> Section:
    # Rows written before pictures came have three parts.
    return Section(body, heading, untrusted, Picture(*picture) if picture else None)

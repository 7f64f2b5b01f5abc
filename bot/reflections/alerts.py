"""Safeguarding messages (an alert with a held reflection's words, a request to be contacted)
reach someone who looks after safety, or a person hears that one is waiting.

A message goes first to the safeguarding contact (the facilitator who scheduled the session
when none is set). If that copy is refused, or the platform keeps failing through the
outbox's quick retries, copies go to that facilitator and to the safeguarding e-mail address,
saying why. No copy is given up while none has arrived: each refused one is tried again at
the next whole hour, the contact's copy going to whoever is the contact then, so a contact
who lets Brewbot message them, or a new contact, has it within the hour. Once one copy
arrives the others are finished, their words cleared.

While every copy has been refused the message is waiting: the operator's log says so at
ERROR after each failed hour, the community's other facilitators (those who scheduled its
sessions) are told privately, once, and every facilitator, and the contact, reads it at the
end of each private answer they get until it arrives. These say which session and what to
do, never the words or the writer.

A reflection taken back by its writer takes its words out of every copy of its alert not yet
delivered (`taken_back`): the copies still go, saying only that it was taken back.

What this writes is written in the transactions the outbox isolates for this purpose (see
docs/anonymity.md), and only at the outbox's grid moments (bot/delivery/outbox.py, GRID): a
first try that fails is heard of here at the next one, and an hourly retry is due at a whole
hour, so no time kept says more than those moments about when the words were written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.messages import OutgoingMessage, Section
from bot.delivery.mail import Letter, addresses, html_paragraphs
from bot.delivery.outbox import MAX_ATTEMPTS, NOTICE, Delivery, Outcome, decode, encode
from bot.engine.context import CommandContext, Effect
from bot.engine.deps import Deps
from bot.reflections.safeguarding import SAFEGUARDING
from bot.reflections.together import is_alert, rewrite_session
from storage.models import Community, OutboxItem, OutboxStatus, Session

log = logging.getLogger("brewbot.reflections")

# A copy that has failed for good is tried again at the next whole hour, until one arrives.
AGAIN_EVERY = timedelta(hours=1)


def contact_of(community: Community, session: Session | None) -> str:
    """Who a safeguarding message goes to first: the safeguarding contact, or the facilitator
    who scheduled the session when none is set."""
    return community.safeguarding_contact_id or (session.created_by if session else "")


def message_of(key: str) -> str:
    """The message a copy belongs to: its key without the copy's own part."""
    return key.rsplit(":", 1)[0]


class Alerts:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.t = deps.texts.t
        deps.outbox.listen(SAFEGUARDING, self.outcome, isolated=True)

    def alert(
        self,
        community: Community,
        session: Session,
        reflection: tuple[str, str],
        risks: list[str],
        *,
        key: str = "safeguarding.alert",
    ) -> Delivery:
        """A private alert with the words but never the writer, for the safeguarding contact.
        `key` is the sentence that says where the words came from."""
        reflection_id, words = reflection
        message = OutgoingMessage(
            title=self.t("safeguarding.alert_title"),
            text=self.t(
                key,
                session_id=session.id,
                title=session.title,
                kinds=", ".join(self.t(f"safeguarding.kind.{r}") for r in risks),
                item=reflection_id[:8],
            ),
            sections=(Section(words, untrusted=True),),
        )
        return Delivery(
            f"{SAFEGUARDING}:{reflection_id}:contact",
            SAFEGUARDING,
            "private",
            contact_of(community, session),
            message,
            session.id,
        )

    async def outcome(self, tx: AsyncSession, outcome: Outcome) -> list[Effect]:
        """A copy arrived, and the others are finished; or it was refused for good, and it is
        tried again within the hour (the contact's copy first sends the others)."""
        item = outcome.item
        if item.session_id is not None and is_alert(item.key):
            # Recorded just after its reflection was stored: its session's reflections and
            # alerts are written again with it, so none keeps a transaction id of its own.
            await rewrite_session(tx, item.session_id)
        if outcome.delivered:
            _finished(self.deps, tx, await _copies(tx, message_of(item.key)))
            return []
        community = await tx.get(Community, item.community_id)
        if community is None:
            return []
        session = await tx.get(Session, item.session_id) if item.session_id is not None else None
        now, refused_by = self.deps.clock.now(), item.target
        if item.key.endswith(":contact"):
            if session is not None:
                await self._fallbacks(tx, community, session, item, outcome)
            # Whoever is the contact now: a facilitator may have chosen one who can be reached,
            # and they are tried at once.
            item.target = contact_of(community, session) or item.target
        item.status, item.attempts = OutboxStatus.PENDING, MAX_ATTEMPTS
        item.due_at = now if item.target != refused_by else _next_hour(now)
        tx.add(item)
        copies = await _copies(tx, message_of(item.key))
        if all(_refused(copy.status, copy.attempts) for copy in copies):
            await self._say_waiting(tx, community, copies)
        return []

    async def _fallbacks(
        self,
        tx: AsyncSession,
        community: Community,
        session: Session,
        item: OutboxItem,
        outcome: Outcome,
    ) -> None:
        """Copies for the facilitator who scheduled the session and the safeguarding e-mail
        address, saying why they come (each made once, whatever the number of calls)."""
        alert = decode(item.kind, item.payload)
        assert isinstance(alert, OutgoingMessage)
        base = message_of(item.key)
        advice = self.t(f"outbox.advice.{outcome.reason}", detail=outcome.detail)
        note = self.t("safeguarding.fallback_note", advice=advice)
        fallbacks = []
        if session.created_by and session.created_by != item.target:
            forwarded = replace(alert, text=f"{note}\n\n{alert.text}")
            fallbacks.append(
                Delivery(f"{base}:facilitator", SAFEGUARDING, "private",
                         session.created_by, forwarded, session.id)
            )  # fmt: skip
        if self.deps.settings.safeguarding_email:
            words = "\n\n".join(s.body for s in alert.sections)
            text = f"{note}\n\n{alert.text}\n\n{words}"
            letter = Letter(
                to=addresses(self.deps.settings.safeguarding_email),
                subject=alert.title,
                text=text,
                html=html_paragraphs(text),
            )
            fallbacks.append(
                Delivery(f"{base}:email", SAFEGUARDING, "email",
                         self.deps.settings.safeguarding_email, letter, session.id)
            )  # fmt: skip
        for delivery in fallbacks:
            await self.deps.outbox.add(tx, community, delivery)

    async def _say_waiting(
        self, tx: AsyncSession, community: Community, copies: Sequence[OutboxItem]
    ) -> None:
        """No copy could be delivered: the operator's log says so, and the community's other
        facilitators are told privately, once, without the words."""
        first = min(copies, key=lambda copy: copy.id or 0)
        log.error(
            "safeguarding message waiting: no copy delivered, tried again every hour id=%s "
            "session=%s; the people it is for must accept private messages from Brewbot, or "
            "set another contact or BREWBOT_SAFEGUARDING_EMAIL",
            first.id, first.session_id,
        )  # fmt: skip
        unreachable = {copy.target for copy in copies}
        scheduled = await tx.exec(
            select(Session.created_by)
            .where(Session.community_id == community.id, col(Session.created_by) != "")
            .distinct()
        )
        session_id = first.session_id
        advice = self.t("safeguarding.waiting_advice")
        notice = OutgoingMessage(
            self.t("safeguarding.waiting_notice", session_id=session_id, advice=advice)
        )
        for facilitator in sorted(set(scheduled.all()) - unreachable):
            key = f"notice:safeguarding-waiting:{first.id}:{facilitator}"
            delivery = Delivery(key, NOTICE, "private", facilitator, notice, session_id)
            await self.deps.outbox.add(tx, community, delivery)

    async def taken_back(
        self, tx: AsyncSession, session: Session, reflection_id: str
    ) -> list[OutboxItem]:
        """Its writer took the reflection back: each copy of its alert not yet delivered says
        only that a reflection that may have shown someone at risk was taken back, and keeps
        going, so whoever looks after safety still hears of it. Returns the copies changed."""
        copies = await _copies(tx, f"{SAFEGUARDING}:{reflection_id}")
        waiting = [copy for copy in copies if copy.status != OutboxStatus.DONE]
        title = self.t("safeguarding.alert_title")
        text = self.t("safeguarding.taken_back", session_id=session.id, title=session.title)
        for copy in waiting:
            body: OutgoingMessage | Letter = OutgoingMessage(text, title=title)
            if copy.kind == "email":
                body = Letter(
                    to=addresses(copy.target), subject=title, text=text, html=html_paragraphs(text)
                )
            copy.payload = encode(body)
            tx.add(copy)
        return waiting

    async def waiting_note(self, ctx: CommandContext) -> list[str]:
        """A note for the end of a facilitator's (or the contact's) private answer while a
        safeguarding message waits for anyone to receive it: which sessions, what to do."""
        community = ctx.community
        if not ctx.is_facilitator and ctx.user.id != community.safeguarding_contact_id:
            return []
        rows = await ctx.tx.exec(
            select(
                OutboxItem.key, OutboxItem.session_id, OutboxItem.status, OutboxItem.attempts
            ).where(
                OutboxItem.community_id == community.id,
                OutboxItem.purpose == SAFEGUARDING,
                col(OutboxItem.status) != OutboxStatus.DONE,
            )
        )
        refused: dict[str, bool] = {}
        sessions: dict[str, int | None] = {}
        for key, session_id, status, attempts in rows:
            message = message_of(key)
            refused[message] = refused.get(message, True) and _refused(status, attempts)
            sessions[message] = session_id
        waiting = [message for message, every_copy in refused.items() if every_copy]
        if not waiting:
            return []
        named = sorted({s for m in waiting if (s := sessions[m]) is not None})
        return [
            self.t(
                "safeguarding.waiting",
                count=len(waiting),
                sessions=", ".join(map(str, named)),
                advice=self.t("safeguarding.waiting_advice"),
            )
        ]


async def hand_on(tx: AsyncSession, community: Community, user_id: str) -> None:
    """`user_id` is being forgotten, in this transaction, and their private messages deleted:
    each copy of a safeguarding message still waiting for them goes instead to someone else
    who looks after safety (the community's contact, the session's facilitator, or another
    facilitator who scheduled its sessions) who has no copy of it yet, so forgetting a
    person never loses one. A copy nobody else can take is left to be deleted only when
    another copy (the e-mail's, another person's) still carries the message; when none does,
    CommandError: forgetting waits until there is someone to hand it to."""
    waiting = (
        await tx.exec(
            select(OutboxItem).where(
                OutboxItem.community_id == community.id,
                OutboxItem.purpose == SAFEGUARDING,
                OutboxItem.kind == "private",
                OutboxItem.target == user_id,
                col(OutboxItem.status) != OutboxStatus.DONE,
            )
        )
    ).all()
    if not waiting:
        return
    facilitators = (
        await tx.exec(
            select(Session.created_by)
            .where(Session.community_id == community.id, col(Session.created_by) != "")
            .distinct()
        )
    ).all()
    for copy in waiting:
        session = await tx.get(Session, copy.session_id) if copy.session_id is not None else None
        others = [
            other
            for other in await _copies(tx, message_of(copy.key))
            if other.id != copy.id and other.status != OutboxStatus.DONE
        ]
        taken = {user_id, *(other.target for other in others)}
        # The contact first, then whoever scheduled the session, then the other facilitators.
        candidates = [contact_of(community, session), *sorted(facilitators)]
        to = next((c for c in candidates if c and c not in taken), "")
        if to:
            # Due at once: the day it was made has begun (a day, so no finer time is kept).
            copy.target, copy.due_at = to, copy.created_at
            tx.add(copy)
        elif not others:
            raise CommandError("privacy.safeguarding_waiting")


def _finished(deps: Deps, tx: AsyncSession, copies: Sequence[OutboxItem]) -> None:
    """The message has reached someone: the copies still waiting are done, words cleared."""
    deps.outbox.told_another_way(tx, [c for c in copies if c.status != OutboxStatus.DONE])


async def _copies(tx: AsyncSession, base: str) -> list[OutboxItem]:
    """Every copy of the message whose keys begin with `base`."""
    rows = await tx.exec(
        select(OutboxItem).where(
            OutboxItem.purpose == SAFEGUARDING,
            col(OutboxItem.key).startswith(f"{base}:", autoescape=True),
        )
    )
    return list(rows.all())


def _refused(status: str, attempts: int) -> bool:
    """A copy refused for good at least once (so tried hourly since), and not delivered."""
    return status != OutboxStatus.DONE and attempts >= MAX_ATTEMPTS


def _next_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) + AGAIN_EVERY

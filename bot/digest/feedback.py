"""Closing the loop: a short Easy Read "what we heard and what is happening" message to
everyone who took part in a session, posted in the session's channel and sent to each person
privately, once its digest has been sent and again whenever one of its actions is added or
changes status.

It says only what the sent digest already says in the open: theme names, with counts under
the digest's small-number rule, and the session's "we said, we did" actions. No quotes, no
names, nothing about who said what. Private copies go to people who joined the session, in
the style each chose, except to those who asked for no private messages
(`preferences reminders=none`; the channel post still reaches them) and to people a
facilitator marked present who have no chat account.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.domain import OPEN_ACTIONS, ActionStatus
from bot.core.messages import OutgoingMessage, Section
from bot.delivery.outbox import NOTICE, Delivery
from bot.digest.model import Digest
from bot.engine.deps import Deps, session_channel, zone_of
from bot.engine.texts import Texts
from bot.sessions.timeparse import format_date
from storage.models import (
    OFFLINE,
    ActionItem,
    Attendance,
    Community,
    Participant,
    Session,
    id_of,
)

log = logging.getLogger("brewbot.feedback")

# The occasion of the message sent when the digest has arrived (an action's change is named
# by its history entry, so each change is told once).
DIGEST_SENT = "digest"
MAX_ACTIONS = 10


class Compiles(Protocol):
    """What feedback needs of the digest service: the session's digest, as sent."""

    deps: Deps

    async def compile(
        self, tx: AsyncSession, community: Community, session: Session
    ) -> Digest: ...  # pragma: no cover


@dataclass(frozen=True)
class Shared:
    """The deliveries recorded: their outbox keys, and how many are private messages."""

    keys: tuple[str, ...]
    people: int


async def after_digest_sent(
    source: Compiles, tx: AsyncSession, community: Community, session: Session
) -> None:
    """The digest service's hook, once every part of the digest has arrived: the first
    message. Kept apart in a savepoint, so that nothing here can stop the digest being
    recorded as sent; the outbox delivers what it records in its next round."""
    try:
        async with tx.begin_nested():
            await share(source, tx, community, session, occasion=DIGEST_SENT)
    except Exception:
        log.exception("feedback not recorded session=%s", session.id)


async def share(
    source: Compiles, tx: AsyncSession, community: Community, session: Session, *, occasion: str
) -> Shared:
    """Record the message for `session` in the outbox: one post in its channel and one
    private message to each person who took part. The caller delivers `keys` once its
    transaction has committed (or leaves it to the outbox's next round)."""
    deps, session_id = source.deps, id_of(session)
    digest = await source.compile(tx, community, session)
    actions = (
        await tx.exec(
            select(ActionItem)
            .where(ActionItem.session_id == session_id)
            .order_by(col(ActionItem.id))
        )
    ).all()
    message = feedback_message(
        deps.texts,
        digest,
        actions,
        day=session.starts_at.astimezone(zone_of(community)).date(),
        news=occasion != DIGEST_SENT,
    )
    base = f"feedback:{session_id}:{occasion}"
    channel = session_channel(community, session)
    deliveries = [Delivery(f"{base}:post", NOTICE, "post", channel.id, message, session_id)]
    for person in await took_part(tx, session_id):
        deliveries.append(
            Delivery(
                f"{base}:{person.user_id}",
                NOTICE,
                "private",
                person.user_id,
                replace(message, plain=person.plain_style),
                session_id,
                person.called_by or person.display_name,
            )
        )
    for delivery in deliveries:
        await deps.outbox.add(tx, community, delivery)
    return Shared(tuple(d.key for d in deliveries), len(deliveries) - 1)


async def took_part(tx: AsyncSession, session_id: int) -> list[Participant]:
    """People who joined the session and can be sent a private message they have not
    turned down."""
    query = (
        select(Participant)
        .join(Attendance, col(Attendance.participant_id) == col(Participant.id))
        .where(
            Attendance.session_id == session_id,
            col(Attendance.joined_at).is_not(None),
            Participant.reminders != "none",
            ~col(Participant.user_id).startswith(OFFLINE),
        )
        .order_by(col(Participant.id))
    )
    return list((await tx.exec(query)).all())


def feedback_message(
    texts: Texts,
    digest: Digest,
    actions: Sequence[ActionItem],
    *,
    day: date,
    news: bool,
    most: int | None = MAX_ACTIONS,
) -> OutgoingMessage:
    """The message itself, in Easy Read: short sentences, one idea at a time, each beside
    its picture (prompts/pictures/strings.yaml). In chat it names `most` actions and points
    to `/brew action list` for the rest; a web page, where that command cannot be typed,
    passes None and shows them all."""
    t, idea = texts.t, texts.idea
    opening = [idea("feedback.news")] if news else []
    opening.append(idea("feedback.took_part", date=format_date(day)))
    if digest.theme:
        opening.append(idea("feedback.talked_about", theme=digest.theme))
    opening.append(idea("feedback.thanks"))
    # Theme names and actions are shown as written, escaped by every renderer.
    heard = [
        replace(
            idea(
                "feedback.theme",
                label=theme.label,
                times=(
                    t("feedback.times", count=theme.count)
                    if theme.count >= digest.min_count
                    else t("feedback.times_few", min_count=digest.min_count)
                ),
            ),
            untrusted=True,
        )
        for theme in digest.themes_at_a_glance
    ]
    shown = actions if most is None else actions[:most]
    happening = [_action(texts, action) for action in shown]
    if len(actions) > len(shown):
        happening.append(idea("feedback.more", count=len(actions) - len(shown)))
    return OutgoingMessage(
        title=t("feedback.title"),
        sections=(
            *opening,
            *_headed(t("feedback.heard"), heard or [idea("feedback.heard_nothing")]),
            *_headed(t("feedback.happening"), happening or [idea("feedback.nothing_yet")]),
            idea("feedback.no_names"),
        ),
    )


def _headed(heading: str, ideas: list[Section]) -> list[Section]:
    """The ideas under a heading, which goes with the first."""
    return [replace(ideas[0], heading=heading), *ideas[1:]]


def _action(texts: Texts, action: ActionItem) -> Section:
    """One action as one idea, beside the picture of its status."""
    t = texts.t
    status = texts.idea(f"feedback.status.{action.status}")
    lines = [t("feedback.you_said", said=clause(action.said)), status.body]
    if action.did:
        lines.append(t("feedback.what_we_did", did=clause(action.did)))
    if action.status == ActionStatus.CANT_DO and action.reason:
        lines.append(t("feedback.why_not", reason=clause(action.reason)))
    if action.status in OPEN_ACTIONS and action.due_on is not None:
        lines.append(t("feedback.due", due=format_date(action.due_on)))
    return replace(status, body="\n".join(lines), untrusted=True)


def clause(text: str) -> str:
    """Words typed for an action, on one line, without a full stop of their own (the
    sentence around them adds one)."""
    return " ".join(text.split()).rstrip(".")

"""What every service needs, built once in bot/app.py and passed in (no globals)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.core.marked import MentionKind, mention
from bot.core.ports import ChatAdapter
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.delivery.mail import Mailer
from bot.engine.clock import Clock
from bot.engine.context import Effect
from bot.engine.known import Known
from bot.engine.texts import Texts
from bot.reflections.anonymity import WriterLedger
from bot.sparks.library import SparkLibrary
from storage.engine import Database
from storage.models import Community, Participant, Session

if TYPE_CHECKING:
    from bot.delivery.outbox import Outbox


@dataclass
class Deps:
    settings: Settings
    db: Database
    texts: Texts
    sparks: SparkLibrary
    adapter: ChatAdapter
    clock: Clock
    mailer: Mailer
    # Who wrote which reflection, in this process's memory only (never stored).
    writers: WriterLedger = field(default_factory=WriterLedger)
    # Deliveries that must not be lost (bot/delivery/outbox.py); set by build_app.
    outbox: Outbox = field(init=False)
    # The web pages' address for links, ending in "/" (BREWBOT_WEB_BASE_URL, or the running
    # server's own); set while the web server runs (bot/platforms/web/server.py), else empty.
    web_base_url: str = ""
    # What steps that only read are answered from, kept true by this database's writes.
    known: Known = field(init=False)
    # Set by the scheduler once it exists: re-plans a session's jobs after a change.
    on_session_changed: list[Callable[[int], Awaitable[None]]] = field(default_factory=list)
    # Likewise for a "we said, we did" action's reminders.
    on_action_changed: list[Callable[[int], Awaitable[None]]] = field(default_factory=list)
    # Likewise for everything planned in a community, after a setting its times follow.
    on_community_changed: list[Callable[[int], Awaitable[None]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.known = Known(self.db)

    async def session_changed(self, session_id: int) -> None:
        """Tell every listener (the scheduler, a platform's calendar sync); see `call_each`."""
        await call_each(self.on_session_changed, session_id)

    def changed(self, session_id: int) -> Effect:
        """An effect that re-plans the session's scheduled jobs from the database."""

        async def effect() -> None:
            await self.session_changed(session_id)

        return effect

    def action_changed(self, action_id: int) -> Effect:
        """An effect that re-plans the action's reminders from the database."""

        async def effect() -> None:
            await call_each(self.on_action_changed, action_id)

        return effect

    def community_changed(self, community_id: int) -> Effect:
        """An effect that re-plans every session and action of the community (its zone or
        its reminders changed) from the database."""

        async def effect() -> None:
            await call_each(self.on_community_changed, community_id)

        return effect


async def call_each(listeners: Iterable[Callable[[int], Awaitable[None]]], session_id: int) -> None:
    """Await each listener in turn. One failing listener must not stop the others, or a
    session's jobs could go unplanned; the first failure is raised afterwards so the
    facilitator still hears about it (e.g. a missing permission)."""
    failure: Exception | None = None
    for listener in listeners:
        try:
            await listener(session_id)
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure


def community_ref(community: Community) -> CommunityRef:
    return CommunityRef(Platform(community.platform), community.external_id, community.name)


def zone_of(community: Community) -> ZoneInfo:
    return ZoneInfo(community.timezone)


def role_name(community: Community) -> str:
    """The facilitators' role as people know it: the name the platform gave with a picked
    role or group, else the words typed. Never an id shown bare, which means nothing to a
    person: a group picked with no name given (Slack sends <!subteam^S123> alone) is a
    mention of it, which the platform shows by its name."""
    role = community.facilitator_role
    if community.facilitator_role_name or not role:
        return community.facilitator_role_name or role
    if Platform(community.platform).is_group_id(role):
        return mention(MentionKind.GROUP, role)
    return role


def session_channel(community: Community, session: Session) -> ConversationRef:
    channel = session.channel_id or community.session_channel_id or "general"
    return ConversationRef(community_ref(community), channel)


def user_ref(community: Community, participant: Participant) -> UserRef:
    return UserRef(
        community_ref(community),
        participant.user_id,
        participant.called_by or participant.display_name,
    )

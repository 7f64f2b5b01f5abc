"""Sessions on Discord: the sessions feature's `/brew` subcommands, and what only Discord has
for sessions.

- Each session is also a Discord scheduled event, so it shows in the server's Events list
  with Discord's own "Interested" button and reminders (`on_brew_session_changed`).
- Removed from a server (or the server deleted), the bot cancels that server's sessions, so
  nothing fires there any more (`on_guild_remove`).
- Typing a session number suggests the server's upcoming and running sessions, for every
  command with a session option, whichever feature it belongs to (`session_suggestions`).

The event follows the session: created when it is scheduled, updated when it changes,
started when it opens, ended when it closes, cancelled when it is cancelled. It is an
"external" event (its place is the session's text channel, which Discord only allows as a
location), and its description ends with a line naming the session, by which the bot finds
it again after a restart, so nothing extra is stored. `session_notice` is the
platform-neutral part (what any calendar needs about a session); `ScheduledEvents` the
Discord part. It runs after every change to a session, once the change is committed, and a
refusal (a missing permission) reaches the facilitator who made the change.

The session buttons (join, "I am coming", Easy Read) go through the one route for every brew
button (client.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

import discord
from discord.ext import commands

from bot.app import App
from bot.core.domain import ENDED_STATES, LIVE_STATES, UPCOMING_STATES, SessionState
from bot.core.refs import CommunityRef, Platform
from bot.core.typed import is_number
from bot.engine.deps import community_ref
from bot.platforms.discord import permissions as perms
from bot.platforms.discord.autocomplete import LABEL_MAX, MAX_SUGGESTIONS, stored_community
from bot.platforms.discord.client import BrewBot, ShardedBrewBot
from bot.platforms.discord.cog import BrewCog, suggests
from bot.platforms.discord.components import shorten
from bot.platforms.discord.errors import delivery_error
from bot.platforms.discord.escape import own_words
from storage.engine import DatabaseUnavailable
from storage.models import Community, Session, id_of
from storage.repositories import sessions_in_states

log = logging.getLogger("brewbot.discord")


class Sessions(BrewCog):
    feature = "sessions"

    def __init__(self, bot: BrewBot | ShardedBrewBot) -> None:
        super().__init__(bot)
        self.events = ScheduledEvents(bot, self.app)

    @commands.Cog.listener()
    async def on_brew_session_changed(self, session_id: int) -> None:
        await self.events.session_changed(session_id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.app.sessions.cancel_community(Platform.DISCORD.value, str(guild.id))

    @suggests("session")
    async def session_suggestions(
        self, community: CommunityRef, typed: str
    ) -> list[tuple[str, int]]:
        return await session_suggestions(self.app, community, typed)


async def setup(bot: BrewBot | ShardedBrewBot) -> None:
    # override: the cog's commands are /brew subcommands (see bot/platforms/discord/cog.py).
    await bot.add_cog(Sessions(bot), override=True)


async def session_suggestions(
    app: App, community: CommunityRef, typed: str
) -> list[tuple[str, int]]:
    """(label, session id) for the community's upcoming and running sessions that match."""
    try:
        async with app.db.read() as tx:
            row = await stored_community(tx, community)
            if row is None:
                return []
            sessions = await sessions_in_states(tx, id_of(row), list(UPCOMING_STATES))
            found = [(app.sessions.describe(row, s), _suggestion(app, row, s), s) for s in sessions]
    except DatabaseUnavailable:
        return []
    wanted = typed.strip().lstrip("#").casefold()
    return [
        (shown, id_of(session))
        for line, shown, session in found
        if not wanted or wanted in line.casefold() or str(session.id).startswith(wanted)
    ][:MAX_SUGGESTIONS]


def _suggestion(app: App, community: Community, session: Session) -> str:
    """The session's line as Discord can show it (LABEL_MAX): a long title is shortened with
    an ellipsis, so its number, time and state are never what is cut off."""
    line = app.sessions.describe(community, session)
    if len(line) <= LABEL_MAX:
        return line
    room = max(1, LABEL_MAX - (len(line) - len(session.title)))
    shortened = app.sessions.describe(community, session, title=shorten(session.title, room))
    return shorten(shortened, LABEL_MAX)


NAME_MAX = 100
LOCATION_MAX = 100
DESCRIPTION_MAX = 1000


@dataclass(frozen=True)
class SessionNotice:
    """What a platform's calendar needs to mirror one session."""

    community: CommunityRef
    session_id: int
    title: str
    about: str
    starts_at: datetime
    ends_at: datetime
    state: SessionState
    channel_id: str


async def session_notice(app: App, session_id: int) -> SessionNotice | None:
    async with app.db.read() as tx:
        session = await tx.get(Session, session_id)
        community = await tx.get(Community, session.community_id) if session else None
    if session is None or community is None:
        return None
    return SessionNotice(
        community=community_ref(community),
        session_id=session_id,
        title=session.title,
        about=app.deps.texts.t("sessions.ics_description", theme=session.theme or session.title),
        starts_at=session.starts_at,
        ends_at=session.starts_at + timedelta(minutes=session.duration_minutes),
        state=SessionState(session.state),
        channel_id=session.channel_id or community.session_channel_id or "",
    )


class ScheduledEvents:
    """Mirrors sessions as the server's scheduled events (see the module docstring)."""

    def __init__(self, bot: discord.Client, app: App) -> None:
        self.bot = bot
        self.app = app
        self.texts = app.deps.texts

    async def session_changed(self, session_id: int) -> None:
        notice = await session_notice(self.app, session_id)
        if notice is None or notice.community.platform is not Platform.DISCORD:
            return
        guild_id = int(notice.community.id) if is_number(notice.community.id) else None
        guild = self.bot.get_guild(guild_id) if guild_id is not None else None
        if guild is None:
            return
        try:
            await self.mirror(guild, notice)
        except discord.HTTPException as exc:
            mine = guild.me.guild_permissions if guild.me is not None else None
            raise delivery_error(
                exc, self.texts, need=perms.EVENTS, permissions=mine, where="event"
            ) from None

    async def mirror(self, guild: discord.Guild, notice: SessionNotice) -> None:
        footer = self.texts.t("discord.event_footer", session_id=notice.session_id)
        event = await self._find(guild, footer)
        wanted = _EventFields(
            name=shorten(notice.title, NAME_MAX),
            description=shorten(own_words(notice.about), DESCRIPTION_MAX - len(footer) - 2)
            + f"\n\n{footer}",
            start_time=notice.starts_at,
            end_time=notice.ends_at,
            location=shorten(self._location(guild, notice.channel_id), LOCATION_MAX),
        )
        state = notice.state
        if state is SessionState.SCHEDULED:
            if event is None:
                if notice.starts_at <= self.app.deps.clock.now():
                    return  # Discord refuses events that start in the past
                await guild.create_scheduled_event(
                    entity_type=discord.EntityType.external,
                    privacy_level=discord.PrivacyLevel.guild_only,
                    **wanted,
                )
                log.info("scheduled event created session=%s", notice.session_id)
            elif event.status is discord.EventStatus.scheduled and _differs(event, wanted):
                await event.edit(**wanted)
        elif event is None:
            return
        elif state is SessionState.CANCELLED and event.status is discord.EventStatus.scheduled:
            await event.cancel()
        elif state in LIVE_STATES and event.status is discord.EventStatus.scheduled:
            await event.start()
        elif state in ENDED_STATES and event.status is discord.EventStatus.active:
            await event.end()

    async def _find(self, guild: discord.Guild, footer: str) -> discord.ScheduledEvent | None:
        me = self.bot.user.id if self.bot.user is not None else None
        for event in await guild.fetch_scheduled_events(with_counts=False):
            if event.creator_id == me and (event.description or "").rstrip().endswith(footer):
                return event
        return None

    def _location(self, guild: discord.Guild, channel_id: str) -> str:
        channel = guild.get_channel(int(channel_id)) if is_number(channel_id) else None
        name = channel.name if channel is not None else channel_id
        return self.texts.t("discord.event_location", channel=name)


class _EventFields(TypedDict):
    """What Brewbot sets on a session's scheduled event (an external one, with a location)."""

    name: str
    description: str
    start_time: datetime
    end_time: datetime
    location: str


def _differs(event: discord.ScheduledEvent, wanted: _EventFields) -> bool:
    return (
        event.name != wanted["name"]
        or (event.description or "") != wanted["description"]
        or event.start_time != wanted["start_time"]
        or event.end_time != wanted["end_time"]
        or (event.location or "") != wanted["location"]
    )

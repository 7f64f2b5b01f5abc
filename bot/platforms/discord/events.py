"""Each session as a Discord scheduled event, so it shows in the server's Events list with
Discord's own "Interested" button and reminders.

The event follows the session: created when it is scheduled, updated when it changes,
started when it opens, ended when it closes, cancelled when it is cancelled. It is an
"external" event (its place is the session's text channel, which Discord only allows as a
location), and its description ends with a line naming the session, by which the bot finds
it again after a restart, so nothing extra is stored.

`session_notice` is the platform-neutral part (what any calendar needs about a session);
`ScheduledEvents` is the Discord part. It runs after every change to a session
(`Deps.on_session_changed`), after the change is committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import discord

from bot.app import App
from bot.core.commands import is_number
from bot.core.refs import CommunityRef, Platform
from bot.engine.deps import community_ref
from bot.platforms.discord import permissions as perms
from bot.platforms.discord.components import shorten
from bot.platforms.discord.errors import delivery_error
from storage.models import Community, Session, SessionState

log = logging.getLogger("brewbot.discord")

NAME_MAX = 100
LOCATION_MAX = 100
DESCRIPTION_MAX = 1000
LIVE = {SessionState.OPEN, SessionState.SPARK, SessionState.BREAKOUTS, SessionState.REFLECTING}
OVER = {SessionState.CLOSED, SessionState.SUMMARISED}


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
        wanted = {
            "name": shorten(notice.title, NAME_MAX),
            "description": shorten(notice.about, DESCRIPTION_MAX - len(footer) - 2)
            + f"\n\n{footer}",
            "start_time": notice.starts_at,
            "end_time": notice.ends_at,
            "location": shorten(self._location(guild, notice.channel_id), LOCATION_MAX),
        }
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
        elif state in LIVE and event.status is discord.EventStatus.scheduled:
            await event.start()
        elif state in OVER and event.status is discord.EventStatus.active:
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


def _differs(event: discord.ScheduledEvent, wanted: dict[str, object]) -> bool:
    return (
        event.name != wanted["name"]
        or (event.description or "") != wanted["description"]
        or event.start_time != wanted["start_time"]
        or event.end_time != wanted["end_time"]
        or (event.location or "") != wanted["location"]
    )

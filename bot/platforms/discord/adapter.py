"""The ChatAdapter for Discord: what the services say and do, done through discord.py.

Conversations map to Discord as: `ConversationRef.id` is a channel id, `thread_id` a thread
inside it; `UserRef.id` is a user id and `CommunityRef.id` the server (guild) id.
Every refusal becomes a DeliveryError (see errors.py), so a deleted channel, an archived
thread or a missing permission never stops a session: the step is saved and the
facilitator gets one sentence.

A long message is several Discord messages. Each part of an outbox delivery carries a nonce,
so a try soon after one whose answer was lost gets back the message Discord made; Discord
keeps a nonce for a few minutes only, and the outbox's tries come up to 30 minutes apart, so
the parts are also written down as they arrive (bot/platforms/parts.py) and a try after a
failure or a crash posts only the rest.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord.ext import commands

from bot.core.marked import unmark
from bot.core.messages import OutgoingMessage
from bot.core.ports import DeliveryError
from bot.core.refs import ConversationRef, MessageRef, Platform, UserRef
from bot.engine.texts import Texts
from bot.platforms.discord import permissions as perms
from bot.platforms.discord.components import shorten
from bot.platforms.discord.errors import delivery_error, rate_limited
from bot.platforms.discord.render import RenderedMessage, render
from bot.platforms.parts import PostedParts, post_each

log = logging.getLogger("brewbot.discord")

# Longer than any session, so a thread never archives itself in the middle of a breakout;
# the bot archives it at gather.
THREAD_ARCHIVE_MINUTES = 1440
THREAD_NAME_MAX = 100


class DiscordAdapter:
    platform = Platform.DISCORD

    def __init__(
        self, bot: commands.Bot | commands.AutoShardedBot, texts: Texts, token: str
    ) -> None:
        self.bot = bot
        self.texts = texts
        self._token = token
        self._connection: asyncio.Task[None] | None = None
        # Where the parts of a delivery that arrived are written down (set once the database
        # is known); None: nowhere, so past the nonce's minutes every part is posted again.
        self.parts: PostedParts | None = None

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in (which loads the cogs and syncs the slash commands), connect to the gateway
        and return once the servers are known; a failure to connect is raised here."""
        await self.bot.login(self._token)
        self._connection = asyncio.create_task(self.bot.connect(reconnect=True), name="discord")
        ready = asyncio.ensure_future(self.bot.wait_until_ready())
        await asyncio.wait({self._connection, ready}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            self._connection.result()  # raises why the connection ended
            raise RuntimeError("the Discord connection ended before it was ready")

    def connection(self) -> asyncio.Task[None]:
        """The running gateway connection; it ends when the bot closes."""
        if self._connection is None:
            raise RuntimeError("start() first")
        return self._connection

    async def close(self) -> None:
        await self.bot.close()
        if self._connection is not None and not self._connection.done():
            self._connection.cancel()
            await asyncio.gather(self._connection, return_exceptions=True)

    # -- messages ----------------------------------------------------------------------------

    async def send(self, to: ConversationRef, message: OutgoingMessage) -> MessageRef:
        channel_id = _snowflake(to.thread_id or to.id)
        need = perms.SEND_IN_THREAD if to.thread_id else perms.SEND
        where = "thread" if to.thread_id else "channel"
        if channel_id is None:
            raise DeliveryError("not_found", self.texts.t(f"discord.where.{where}"))
        target = self.bot.get_partial_messageable(channel_id, guild_id=_snowflake(to.community.id))
        first = await self._send_parts(
            target,
            self._render(message),
            message,
            need,
            self._permissions_in(to.community.id, channel_id),
            where,
        )
        return MessageRef(to, first)

    async def edit(self, ref: MessageRef, message: OutgoingMessage) -> None:
        conversation = ref.conversation
        channel_id = _snowflake(conversation.thread_id or conversation.id)
        message_id = _snowflake(ref.id)
        where = "thread" if conversation.thread_id else "channel"
        if channel_id is None or message_id is None:
            raise DeliveryError("not_found", self.texts.t(f"discord.where.{where}"))
        parts = self._render(message)
        if not parts:
            return
        # An edit replaces one message: the first part (messages that get edited are short).
        # Buttons that would need a message of their own are refused, never dropped.
        if any(later.view is not None for later in parts[1:]):
            raise ValueError("an edited Discord message cannot hold all of its buttons")
        part = parts[0]
        target = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
        try:
            await target.edit(
                content=part.content,
                embeds=part.embeds,
                view=part.view,
                allowed_mentions=part.mentions,
            )
        except discord.RateLimited:
            raise rate_limited() from None
        except discord.HTTPException as exc:
            raise delivery_error(exc, self.texts, need=perms.SEND, where=where) from None

    async def send_private(self, user: UserRef, message: OutgoingMessage) -> MessageRef:
        user_id = _snowflake(user.id)
        if user_id is None:
            raise DeliveryError("dm_closed")
        try:
            channel = await self.bot.create_dm(discord.Object(user_id))
        except discord.HTTPException as exc:
            raise delivery_error(exc, self.texts, need=perms.SEND) from None
        parts = self._render(message, dm_guild_id=user.community.id)
        first = await self._send_parts(channel, parts, message, perms.SEND, None, "channel")
        return MessageRef(ConversationRef(user.community, str(channel.id)), first)

    def _render(
        self, message: OutgoingMessage, *, dm_guild_id: str | None = None
    ) -> list[RenderedMessage]:
        return render(message, more=self.texts.t("discord.more_choices"), dm_guild_id=dm_guild_id)

    async def _send_parts(
        self,
        target: discord.abc.Messageable,
        parts: list[RenderedMessage],
        message: OutgoingMessage,
        need: perms.Need,
        permissions: discord.Permissions | None,
        where: str,
    ) -> str:
        """Post `parts` (the rendering of `message`) in order; the first part's id, or ""
        when an earlier try of the delivery posted it (no id is kept: parts.py)."""
        if not parts:
            raise DeliveryError("failed", cause="nothing to send")

        async def post(number: int, part: RenderedMessage) -> str:
            options = part.kwargs()
            if message.once:
                # Discord returns the message already made with this nonce (for a few
                # minutes) instead of making another: a retry soon after is shown once.
                options["nonce"] = nonce(message.once, number)
            try:
                sent = await target.send(**options)
            except discord.RateLimited:
                raise rate_limited() from None
            except discord.HTTPException as exc:
                raise delivery_error(
                    exc, self.texts, need=need, permissions=permissions, where=where
                ) from None
            return str(sent.id)

        posted = await post_each(parts, message, post, self.parts)
        return posted[0] or ""

    # -- threads -----------------------------------------------------------------------------

    async def create_thread(
        self,
        parent: ConversationRef,
        name: str,
        members: Sequence[UserRef],
        *,
        once: str = "",
        again: bool = False,
    ) -> ConversationRef:
        """A private thread, or a public one when the bot may not create private threads;
        the members are added one by one. With `again`, an open thread of the bot's own
        with this name in this channel (made before a crash) is used instead. A name longer
        than Discord allows (THREAD_NAME_MAX) is shortened with an ellipsis."""
        name = shorten(unmark(name), THREAD_NAME_MAX)  # a thread's name is plain text
        channel = await self._text_channel(parent)
        if again:
            for earlier in channel.threads:
                by_bot = self.bot.user is not None and earlier.owner_id == self.bot.user.id
                if by_bot and earlier.name == name and not earlier.archived:
                    for member in members:
                        await self._add(earlier, member, _my_permissions(channel))
                    return ConversationRef(parent.community, parent.id, str(earlier.id))
        mine = _my_permissions(channel)
        private = mine is None or mine.create_private_threads
        need = perms.PRIVATE_THREAD if private else perms.PUBLIC_THREAD
        options: dict[str, Any] = {
            "name": name,
            "auto_archive_duration": THREAD_ARCHIVE_MINUTES,
            "type": discord.ChannelType.private_thread
            if private
            else discord.ChannelType.public_thread,
        }
        if private:
            # Only the bot adds people, so nobody is brought into a group by someone else.
            options["invitable"] = False
        try:
            thread = await channel.create_thread(**options)
        except discord.RateLimited:
            raise rate_limited() from None
        except discord.HTTPException as exc:
            raise delivery_error(exc, self.texts, need=need, permissions=mine) from None
        ref = ConversationRef(parent.community, parent.id, str(thread.id))
        try:
            for member in members:
                await self._add(thread, member, mine)
        except DeliveryError:
            # A group nobody could join is no group: the service goes on without this
            # thread and never archives it at gather, so it is taken away here rather than
            # left behind, empty and private.
            await self._take_away(thread)
            raise
        return ref

    async def _take_away(self, thread: discord.Thread) -> None:
        """Archive a thread the bot has just made (it may without Manage Threads)."""
        try:
            await thread.edit(archived=True)
        except discord.HTTPException as exc:
            log.warning("breakout thread left open status=%s", exc.status)

    async def add_member(self, thread: ConversationRef, user: UserRef) -> None:
        found = await self._thread(thread)
        await self._add(found, user, _my_permissions(found))

    async def _add(
        self, thread: discord.Thread, user: UserRef, permissions: discord.Permissions | None
    ) -> None:
        user_id = _snowflake(user.id)
        if user_id is None:
            return
        try:
            await thread.add_user(discord.Object(user_id))
        except discord.NotFound:
            # They left the server since joining the session: the group goes on without them.
            log.info("breakout member not added: no longer in the server")
        except discord.RateLimited:
            raise rate_limited() from None
        except discord.HTTPException as exc:
            raise delivery_error(
                exc, self.texts, need=perms.ADD_TO_THREAD, permissions=permissions, where="thread"
            ) from None

    async def archive_thread(self, thread: ConversationRef) -> None:
        found = await self._thread(thread)
        if found.archived:
            return
        try:
            await found.edit(archived=True)
        except discord.RateLimited:
            raise rate_limited() from None
        except discord.HTTPException as exc:
            raise delivery_error(
                exc,
                self.texts,
                need=perms.ARCHIVE_THREAD,
                permissions=_my_permissions(found),
                where="thread",
            ) from None

    # -- finding channels and threads -------------------------------------------------------

    def _guild(self, community_id: str) -> discord.Guild | None:
        guild_id = _snowflake(community_id)
        return self.bot.get_guild(guild_id) if guild_id is not None else None

    def _permissions_in(self, community_id: str, channel_id: int) -> discord.Permissions | None:
        guild = self._guild(community_id)
        channel = guild.get_channel_or_thread(channel_id) if guild is not None else None
        return _my_permissions(channel) if channel is not None else None

    async def _text_channel(self, ref: ConversationRef) -> discord.TextChannel:
        found = await self._channel(ref.community.id, ref.id, "channel")
        if not isinstance(found, discord.TextChannel):
            # Threads need a text channel to hang from (not a voice channel or a forum).
            raise DeliveryError("not_found", self.texts.t("discord.where.channel"))
        return found

    async def _thread(self, ref: ConversationRef) -> discord.Thread:
        found = await self._channel(ref.community.id, ref.thread_id or ref.id, "thread")
        if not isinstance(found, discord.Thread):
            raise DeliveryError("not_found", self.texts.t("discord.where.thread"))
        return found

    async def _channel(
        self, community_id: str, channel_id: str, where: str
    ) -> discord.abc.GuildChannel | discord.Thread | discord.abc.PrivateChannel:
        wanted = _snowflake(channel_id)
        if wanted is None:
            raise DeliveryError("not_found", self.texts.t(f"discord.where.{where}"))
        guild = self._guild(community_id)
        cached = guild.get_channel_or_thread(wanted) if guild is not None else None
        if cached is not None:
            return cached
        try:
            # Not cached: a thread made before a restart, or one the gateway has not told us
            # about yet.
            return await self.bot.fetch_channel(wanted)
        except discord.RateLimited:
            raise rate_limited() from None
        except discord.HTTPException as exc:
            raise delivery_error(exc, self.texts, need=perms.SEND, where=where) from None


def _my_permissions(
    channel: discord.abc.GuildChannel | discord.Thread,
) -> discord.Permissions | None:
    """The bot's permissions in `channel` from the cache, or None when the cache cannot say."""
    guild = getattr(channel, "guild", None)
    me = guild.me if guild is not None else None
    return channel.permissions_for(me) if me is not None else None


def _snowflake(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() else None


def nonce(once: str, part: int) -> str:
    """A message nonce (at most 25 characters) for part `part` of the delivery `once`."""
    return hashlib.sha256(once.encode()).hexdigest()[:22] + f"{part:03d}"

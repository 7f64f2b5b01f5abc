"""The ChatAdapter for Slack: posts, threads or private channels for breakouts, and DMs.

Breakout groups are, by default, one thread per group in the session channel: the bot posts
a thread opener that mentions each member once (the one place the bot pings people), and
the group talks in its replies. With SLACK_BREAKOUTS=channels each group gets a private
channel instead, which is archived when everyone gathers. Either way the services see a
ConversationRef whose `thread_id` is a message ts (thread) or a channel id (private channel).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from typing import Any, Literal

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.marked import Own, unmark
from bot.core.messages import Attachment, OutgoingMessage
from bot.core.ports import DeliveryError
from bot.core.refs import ConversationRef, MessageRef, Platform, UserRef
from bot.engine.texts import Texts
from bot.platforms.parts import delivery_tag
from bot.platforms.slack.blocks import SlackMessage, render
from bot.platforms.slack.clients import SlackClients
from bot.platforms.slack.errors import TRANSPORT_ERRORS, api_error, to_delivery_error
from bot.platforms.slack.escape import entities

log = logging.getLogger("brewbot.slack")

_TS = re.compile(r"^\d+\.\d+$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
CHANNEL_NAME_LIMIT = 80
INVITE_BATCH = 1000
# Message metadata on each part of an outbox delivery: after a try whose outcome is unknown,
# the parts already in the conversation are not posted again. The delivery is named by its
# tag (parts.delivery_tag), so no key's parts are shown to the people in the conversation.
DELIVERY_EVENT = "brewbot_delivery"
HISTORY_LOOKBACK = 200

Breakouts = Literal["threads", "channels"]


def where(conversation: ConversationRef) -> tuple[str, str | None]:
    """(channel id, thread ts) for a conversation. A breakout held in a private channel
    carries that channel's id where a thread would carry its ts."""
    thread = conversation.thread_id
    if thread and not _TS.match(thread):
        return thread, None
    return conversation.id, thread


def mention(user_id: str) -> str:
    """A real mention. Only ids that look like Slack user ids are ever turned into one."""
    return f"<@{user_id}>" if _USER_ID.match(user_id) else entities(user_id)


def channel_name(name: str, suffix: str) -> str:
    """A valid Slack channel name: lowercase letters, digits, hyphens, at most 80."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_") or "group"
    slug = re.sub(r"-{2,}", "-", slug)
    room = CHANNEL_NAME_LIMIT - len("brew--") - len(suffix)
    return f"brew-{slug[:room].rstrip('-')}-{suffix}"


class SlackAdapter:
    platform = Platform.SLACK

    def __init__(
        self,
        clients: SlackClients,
        texts: Texts,
        *,
        breakouts: Breakouts = "threads",
        pictures: str = "",
    ):
        self.clients = clients
        self.texts = texts
        self.breakouts = breakouts
        # Where Slack fetches the Easy Read pictures, or "" for the words alone (blocks.render).
        self.pictures = pictures
        # DM channel ids never change: reminders to many people, and the copies of the
        # thank-yous to reflections, open each DM only once (`dm`).
        self._dms: dict[tuple[str, str], str] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    # -- messages -----------------------------------------------------------------------------

    async def send(self, to: ConversationRef, message: OutgoingMessage) -> MessageRef:
        client = await self.clients.for_team(to.community.id)
        channel, thread = where(to)
        first = await self._post_parts(client, channel, message, thread_ts=thread)
        return MessageRef(to, first)

    async def _post_parts(
        self,
        client: AsyncWebClient,
        channel: str,
        message: OutgoingMessage,
        *,
        thread_ts: str | None = None,
        private: bool = False,
    ) -> str:
        """Post each part, then the attachments; the first part's ts. A delivery tried
        again skips the parts that arrived the first time."""
        tag = delivery_tag(message.once) if message.once else ""
        arrived = await self._arrived(client, channel, thread_ts, tag) if message.again else {}
        parts = render(message, pictures=self.pictures)
        first = ""
        for number, part in enumerate(parts):
            ts = arrived.get(number) or await self.post(
                client,
                channel,
                part,
                thread_ts=thread_ts,
                private=private,
                metadata=_metadata(tag, number) if tag else None,
            )
            first = first or ts
        if not arrived or len(arrived) < len(parts):
            await self.upload(client, channel, message.attachments, thread_ts=thread_ts)
        return first

    async def _arrived(
        self, client: AsyncWebClient, channel: str, thread_ts: str | None, tag: str
    ) -> dict[int, str]:
        """The parts of delivery `tag` already in the conversation (part number -> ts),
        read from the bot's own recent messages. Nothing is found when it cannot be read
        (a workspace that did not grant the history scopes): the delivery is then at least
        once, as before."""
        try:
            if thread_ts:
                response = await client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=HISTORY_LOOKBACK,
                    include_all_metadata=True,
                )  # fmt: skip
            else:
                response = await client.conversations_history(
                    channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True
                )
        except TRANSPORT_ERRORS as exc:
            log.info("cannot look for an earlier try channel=%s (%s)", channel, type(exc).__name__)
            return {}
        found: dict[int, str] = {}
        for posted in response.get("messages") or []:
            meta = posted.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == DELIVERY_EVENT and payload.get("key") == tag:
                found[int(payload.get("part", 0))] = str(posted.get("ts") or "")
        return found

    async def post(
        self,
        client: AsyncWebClient,
        channel: str,
        part: SlackMessage,
        *,
        thread_ts: str | None = None,
        private: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """chat.postMessage; joins a public channel once if the bot is not in it yet."""
        args: dict[str, Any] = {
            "channel": channel,
            "text": part.text,
            "blocks": part.blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if thread_ts:
            args["thread_ts"] = thread_ts
        if metadata:
            args["metadata"] = metadata
        try:
            try:
                response = await client.chat_postMessage(**args)
            except SlackApiError as exc:
                if (
                    private
                    or api_error(exc) != "not_in_channel"
                    or not await self._join(client, channel)
                ):
                    raise
                response = await client.chat_postMessage(**args)
        except TRANSPORT_ERRORS as exc:
            raise to_delivery_error(exc, self.texts, channel=channel, private=private) from exc
        return str(response.get("ts") or "")

    async def _join(self, client: AsyncWebClient, channel: str) -> bool:
        # Public channels can be joined without an invitation (channels:join).
        try:
            await client.conversations_join(channel=channel)
        except TRANSPORT_ERRORS:
            return False
        return True

    async def upload(
        self,
        client: AsyncWebClient,
        channel: str,
        attachments: Sequence[Attachment],
        *,
        thread_ts: str | None = None,
    ) -> None:
        for attachment in attachments:
            try:
                await client.files_upload_v2(
                    channel=channel,
                    thread_ts=thread_ts,
                    file=attachment.content,
                    filename=attachment.filename,
                    title=attachment.filename,
                )
            except TRANSPORT_ERRORS as exc:
                raise to_delivery_error(exc, self.texts, channel=channel) from exc

    async def edit(self, ref: MessageRef, message: OutgoingMessage) -> None:
        client = await self.clients.for_team(ref.conversation.community.id)
        channel, _ = where(ref.conversation)
        parts = render(message, pictures=self.pictures)
        if not parts:
            return
        try:
            await client.chat_update(
                channel=channel, ts=ref.id, text=parts[0].text, blocks=parts[0].blocks
            )
        except TRANSPORT_ERRORS as exc:
            raise to_delivery_error(exc, self.texts, channel=channel) from exc

    async def send_private(self, user: UserRef, message: OutgoingMessage) -> MessageRef:
        client = await self.clients.for_team(user.community.id)
        channel = await self.dm(client, user.community.id, user.id)
        first = await self._post_parts(client, channel, message, private=True)
        return MessageRef(ConversationRef(user.community, channel), first)

    async def dm(self, client: AsyncWebClient, team_id: str, user_id: str) -> str:
        """The id of the person's direct messages with Brewbot, opened the first time."""
        key = (team_id, user_id)
        channel = self._dms.get(key)
        if channel is None:
            channel = self._dms[key] = await self._open_dm(client, user_id)
        return channel

    async def _open_dm(self, client: AsyncWebClient, user_id: str) -> str:
        try:
            response = await client.conversations_open(users=user_id)
        except TRANSPORT_ERRORS as exc:
            raise to_delivery_error(exc, self.texts, private=True) from exc
        return str(response["channel"]["id"])

    # -- breakout groups ----------------------------------------------------------------------

    async def create_thread(
        self,
        parent: ConversationRef,
        name: str,
        members: Sequence[UserRef],
        *,
        once: str = "",
        again: bool = False,
    ) -> ConversationRef:
        client = await self.clients.for_team(parent.community.id)
        tag = delivery_tag(once) if once else ""
        if self.breakouts == "channels":
            channel = await self._create_channel(client, name, tag, again)
            await self._invite(client, channel, [m.id for m in members])
            return ConversationRef(parent.community, parent.id, channel)
        if again and tag:
            earlier = (await self._arrived(client, parent.id, None, tag)).get(0)
            if earlier:
                return ConversationRef(parent.community, parent.id, earlier)
        # Members are mentioned once, here, so each person is told where their group is.
        text = self.texts.t(
            "slack.thread_opener",
            # Already Slack's text: Brewbot's own, not to be marked (bot/core/marked.py).
            name=Own(entities(unmark(name))),
            members=Own(", ".join(mention(m.id) for m in members) or "-"),
        )
        opener = SlackMessage(text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
        metadata = _metadata(tag, 0) if tag else None
        ts = await self.post(client, parent.id, opener, metadata=metadata)
        return ConversationRef(parent.community, parent.id, ts)

    async def _create_channel(
        self, client: AsyncWebClient, name: str, tag: str, again: bool
    ) -> str:
        """A private channel for one group. Its first name ends with part of the group's
        tag, so a try after a crash finds the channel made before; archived channels keep
        their names, so a name already taken otherwise gets a fresh suffix."""
        suffixes = [tag[:6]] if tag else []
        suffixes += [secrets.token_hex(2) for _ in range(3)]
        for suffix in suffixes:
            wanted = channel_name(name, suffix)
            try:
                response = await client.conversations_create(name=wanted, is_private=True)
                return str(response["channel"]["id"])
            except SlackApiError as exc:
                if api_error(exc) != "name_taken":
                    raise to_delivery_error(exc, self.texts, channel=wanted) from exc
                if again and suffix == tag[:6]:
                    earlier = await self._find_channel(client, wanted)
                    if earlier:
                        return earlier
            except TRANSPORT_ERRORS as exc:
                raise to_delivery_error(exc, self.texts, channel=wanted) from exc
        raise DeliveryError("failed", cause="name_taken")

    async def _find_channel(self, client: AsyncWebClient, name: str) -> str:
        """The id of the bot's own unarchived private channel called `name`, or ""."""
        try:
            async for page in await client.conversations_list(
                types="private_channel", exclude_archived=True, limit=200
            ):
                for channel in page.get("channels") or []:
                    if channel.get("name") == name:
                        return str(channel["id"])
        except TRANSPORT_ERRORS as exc:
            log.info("cannot look for an earlier channel (%s)", type(exc).__name__)
        return ""

    async def _invite(self, client: AsyncWebClient, channel: str, user_ids: list[str]) -> None:
        for start in range(0, len(user_ids), INVITE_BATCH):
            batch = user_ids[start : start + INVITE_BATCH]
            try:
                await client.conversations_invite(channel=channel, users=",".join(batch))
            except SlackApiError as exc:
                if api_error(exc) not in ("already_in_channel", "cant_invite_self"):
                    raise to_delivery_error(exc, self.texts, channel=channel) from exc
            except TRANSPORT_ERRORS as exc:
                raise to_delivery_error(exc, self.texts, channel=channel) from exc

    async def add_member(self, thread: ConversationRef, user: UserRef) -> None:
        client = await self.clients.for_team(thread.community.id)
        channel, ts = where(thread)
        if ts is None and channel != thread.id:
            await self._invite(client, channel, [user.id])
            return
        text = self.texts.t("slack.late_joiner", member=Own(mention(user.id)))
        block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
        await self.post(client, channel, SlackMessage(text, [block]), thread_ts=ts)

    async def archive_thread(self, thread: ConversationRef) -> None:
        channel, ts = where(thread)
        if ts is not None or channel == thread.id:
            # A Slack thread cannot be closed; the gather message in it says the group ended.
            return
        client = await self.clients.for_team(thread.community.id)
        try:
            await client.conversations_archive(channel=channel)
        except SlackApiError as exc:
            if api_error(exc) != "already_archived":
                raise to_delivery_error(exc, self.texts, channel=channel) from exc
        except TRANSPORT_ERRORS as exc:
            raise to_delivery_error(exc, self.texts, channel=channel) from exc


def _metadata(tag: str, part: int) -> dict[str, Any]:
    return {"event_type": DELIVERY_EVENT, "event_payload": {"key": tag, "part": part}}

"""The ChatAdapter for Microsoft Teams: posts and edits in channels and chats, private
messages in each person's 1:1 chat with Brewbot, and breakout groups.

A conversation is the Bot Framework's conversation id; a channel thread is that id with the
id of the post that started it (`thread_id`), which Teams addresses as "ID;messageid=POST".
Threads exist only in channels and have no members, so a breakout group in a channel is a new
post that @mentions its members (the one place the bot notifies people), and the group talks
in its replies; in a group or meeting chat, where there are no threads, the group is a post
of its own (`thread_id` "chat:POST"), and what is said to the group goes to the chat.

A private message needs the app installed for that person (Teams refuses a bot a 1:1 chat
otherwise): the refusal is `dm_closed`, so the outbox tells the facilitator. Anonymous
meeting guests can never be written to privately; they use the cards and dialogs.

A long message is several cards, one post each. Teams gives a bot no way to read what is in a
conversation, so the cards of an outbox delivery are written down as they arrive
(bot/platforms/parts.py), and a try after a failure or a crash posts only the rest; a card
whose post reached Teams but whose answer was lost is posted again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from microsoft_teams.api import Account
from microsoft_teams.api.activities.message.message import MessageActivityInput
from microsoft_teams.api.clients.conversation.params import CreateConversationParams

from bot.core.marked import Own, unmark
from bot.core.messages import Attachment, OutgoingMessage, Section
from bot.core.refs import ConversationRef, MessageRef, Platform, UserRef
from bot.engine.texts import Texts
from bot.platforms.parts import PostedParts, post_each
from bot.platforms.teams.cards import CardWords, message_activities
from bot.platforms.teams.connector import Connector
from bot.platforms.teams.escape import escape_teams_text
from bot.platforms.teams.transport import TRANSPORT_ERRORS, to_delivery_error

log = logging.getLogger("brewbot.teams")

CHAT_POST = "chat:"
# What a call to Teams fails with: a refusal (its status), or no answer.
_ERRORS = (httpx.HTTPStatusError, *TRANSPORT_ERRORS)


def address(conversation: ConversationRef) -> str:
    """The conversation id Teams posts to for `conversation`."""
    thread = conversation.thread_id
    if thread and not thread.startswith(CHAT_POST):
        return f"{conversation.id};messageid={thread}"
    return conversation.id


def mention(user: UserRef) -> tuple[str, dict[str, Any]]:
    """The text of an @mention of `user` (for a message sent as XML, `text_message`) and its
    entity, whose text must be the very same string for Teams to match them. The name is
    escaped like any participant's words: it is theirs to choose."""
    name = user.display_name or "someone"
    text = f"<at>{escape_teams_text(name)}</at>"
    return text, {"type": "mention", "text": text, "mentioned": {"id": user.id, "name": name}}


def text_message(text: str, mentions: Sequence[dict[str, Any]] = ()) -> MessageActivityInput:
    """A message of text alone (no card): Teams notifies people only of a mention in a
    message's own text. Sent as XML, Teams' HTML subset, so Markdown means nothing in it."""
    return MessageActivityInput.model_validate(
        {"type": "message", "text": text, "textFormat": "xml", "entities": list(mentions)}
    )


class TeamsAdapter:
    platform = Platform.TEAMS

    def __init__(
        self,
        connector: Connector,
        texts: Texts,
        *,
        pictures: str = "",
        opens_form: Callable[[str], bool] = lambda custom_id: False,
    ) -> None:
        self.connector = connector
        self.texts = texts
        self.words = CardWords.from_texts(texts)
        # Where Teams fetches the Easy Read pictures, or "" for the words alone (cards.py).
        self.pictures = pictures
        # Whether a button's route may answer with a form (set once the table is known).
        self.opens_form = opens_form
        # Each person's 1:1 chat id never changes: opened once.
        self._personal: dict[tuple[str, str], str] = {}
        # Where the cards of a delivery that arrived are written down (set once the
        # database is known); None: nowhere, so a delivery tried again posts every card.
        self.parts: PostedParts | None = None

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def cards(self, message: OutgoingMessage) -> list[dict[str, Any]]:
        """The message as Adaptive Card activities, to post in order (cards.py)."""
        return message_activities(
            message, words=self.words, pictures=self.pictures, opens_form=self.opens_form
        )

    def activities(self, message: OutgoingMessage) -> list[MessageActivityInput]:
        return [MessageActivityInput.model_validate(card) for card in self.cards(message)]

    async def post(
        self,
        tenant: str,
        conversation: str,
        activity: MessageActivityInput,
        *,
        private: bool = False,
    ) -> str:
        """Post one activity; its id. Raises DeliveryError for what Teams refused."""
        api = self.connector.api(tenant)
        try:
            sent = await api.conversations.create_activity(conversation, activity)
        except _ERRORS as exc:
            raise to_delivery_error(exc, self.texts, where=conversation, private=private) from exc
        return str(sent.id or "")

    async def _post_all(
        self, tenant: str, conversation: str, message: OutgoingMessage, *, private: bool = False
    ) -> str:
        """Post the message's cards, then those that stand for its files; the first card's
        id, or "" when an earlier try of the delivery posted it (no id is kept: parts.py)."""
        activities = self.activities(message)
        for extra in self._instead_of_files(message.attachments):
            activities += self.activities(extra)
        posted = await post_each(
            activities,
            message,
            lambda _number, activity: self.post(tenant, conversation, activity, private=private),
            self.parts,
        )
        return (posted[0] or "") if posted else ""

    def _instead_of_files(self, files: Sequence[Attachment]) -> list[OutgoingMessage]:
        """Teams takes files from a bot only in 1:1 chats, one consent card each, so Brewbot
        sends none: a plain-text file (someone's own data) is shown as its words, and any
        other is named, so nothing is silently missing."""
        shown: list[OutgoingMessage] = []
        named: list[str] = []
        for file in files:
            try:
                words = file.content.decode() if file.mime_type == "text/plain" else None
            except UnicodeDecodeError:
                words = None
            if words is None:
                named.append(file.filename)
            else:
                shown.append(
                    OutgoingMessage(title=file.filename, sections=(Section(words, untrusted=True),))
                )
        if named:
            shown.append(
                OutgoingMessage(self.texts.t("teams.file_not_sent", names=", ".join(named)))
            )
        return shown

    # -- messages -------------------------------------------------------------------------

    async def send(self, to: ConversationRef, message: OutgoingMessage) -> MessageRef:
        first = await self._post_all(to.community.id, address(to), message)
        return MessageRef(to, first)

    async def edit(self, ref: MessageRef, message: OutgoingMessage) -> None:
        parts = self.activities(message)
        if not parts:
            return
        conversation = address(ref.conversation)
        api = self.connector.api(ref.conversation.community.id)
        try:
            await api.conversations.update_activity(conversation, ref.id, parts[0])
        except _ERRORS as exc:
            raise to_delivery_error(exc, self.texts, where=conversation) from exc

    async def send_private(self, user: UserRef, message: OutgoingMessage) -> MessageRef:
        chat = await self.personal_chat(user)
        first = await self._post_all(user.community.id, chat, message, private=True)
        return MessageRef(ConversationRef(user.community, chat), first)

    async def post_to(self, to: ConversationRef, activity: MessageActivityInput) -> str:
        """Post one activity made elsewhere (a card of the responder's) in `to`."""
        return await self.post(to.community.id, address(to), activity)

    async def post_private(self, user: UserRef, activity: MessageActivityInput) -> str:
        """Post one activity in the person's 1:1 chat with Brewbot."""
        chat = await self.personal_chat(user)
        return await self.post(user.community.id, chat, activity, private=True)

    async def personal_chat(self, user: UserRef) -> str:
        """The id of the person's 1:1 chat with Brewbot (there only if they installed it)."""
        key = (user.community.id, user.id)
        found = self._personal.get(key)
        if found is not None:
            return found
        api = self.connector.api(user.community.id)
        params = CreateConversationParams(
            members=[Account(id=user.id)], tenant_id=user.community.id
        )
        try:
            created = await api.conversations.create(params)
        except _ERRORS as exc:
            raise to_delivery_error(exc, self.texts, private=True) from exc
        self._personal[key] = str(created.id)
        return self._personal[key]

    # -- breakout groups ------------------------------------------------------------------

    async def create_thread(
        self,
        parent: ConversationRef,
        name: str,
        members: Sequence[UserRef],
        *,
        once: str = "",
        again: bool = False,
    ) -> ConversationRef:
        """A post that mentions the group's members: in a channel, the replies under it are
        the group's thread; in a group or meeting chat, which has no replies, it is the
        group's post. Teams gives a bot no way to find a post it made earlier, so `once` and
        `again` cannot find one: a try whose answer was lost may leave a second post."""
        mentions = [mention(m) for m in members]
        channel = _is_channel(parent.id)
        text = self.texts.t(
            "teams.thread_opener" if channel else "teams.chat_opener",
            # Already Teams' text: Brewbot's own, not to be marked (bot/core/marked.py).
            name=Own(escape_teams_text(unmark(name))),
            members=Own(", ".join(t for t, _ in mentions) or "-"),
        )
        activity = text_message(text, [e for _, e in mentions])
        posted = await self.post(parent.community.id, parent.id, activity)
        if channel:
            return ConversationRef(parent.community, parent.id, posted)
        return ConversationRef(parent.community, parent.id, f"{CHAT_POST}{posted}")

    async def add_member(self, thread: ConversationRef, user: UserRef) -> None:
        text, entity = mention(user)
        activity = text_message(self.texts.t("teams.late_joiner", member=Own(text)), [entity])
        await self.post(thread.community.id, address(thread), activity)

    async def archive_thread(self, thread: ConversationRef) -> None:
        # A Teams thread or chat post cannot be closed; the gather message says it ended.
        return None


def _is_channel(conversation_id: str) -> bool:
    """Channels' conversation ids end "@thread.tacv2" (or the older "@thread.skype");
    group and meeting chats' end "@thread.v2"."""
    return conversation_id.endswith(("@thread.tacv2", "@thread.skype"))

"""What Microsoft Teams sends to a bot, for tests and the bench: messages (1:1, channel, group
chat; @mentioning the bot where Teams only delivers mentions), Action.Submit presses on a
card, invokes (task/fetch and task/submit for dialogs, adaptiveCard/action), and the
conversationUpdate / installationUpdate of an install, each POSTed to the bot's messaging
endpoint with the fields Teams fills in and a Bot Framework token signed by the loopback's
key (`TeamsLoopback.sign`). Each activity gets a fresh id unless `activity_id` is given (a
re-send, as Teams makes when the bot answers too slowly)."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.loopback.teams_server import TeamsConversation, TeamsLoopback, TeamsUser

__all__ = ["Response", "TeamsConversation", "TeamsSender", "TeamsUser"]

LOCALE = "en-GB"
TIMEZONE = "Europe/London"


@dataclass
class Response:
    """The bot's answer to one activity: its HTTP status and body (`body`: parsed JSON, or
    None when it was empty or not JSON)."""

    status: int
    text: str
    activity_id: str

    @property
    def body(self) -> Any:
        try:
            return json.loads(self.text) if self.text else None
        except ValueError:
            return None


def message_id() -> str:
    """A fresh id as Teams gives a message (milliseconds since 1970, unique here)."""
    return str(int(time.time() * 1000) * 1000 + uuid.uuid4().int % 1000)


def invoke_id() -> str:
    """A fresh id as Teams gives an invoke or an update ("f:" and a long number)."""
    return f"f:{uuid.uuid4().int % 10**19}"


class TeamsSender:
    def __init__(
        self,
        lb: TeamsLoopback,
        bot_endpoint_url: str,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.lb = lb
        self.endpoint = bot_endpoint_url
        # One session kept for every request (the bench's bursts, on kept connections);
        # without it, a session of its own per request.
        self.session = session

    # -- sending ----------------------------------------------------------------------------

    async def post(
        self, activity: dict[str, Any], *, token: str | None = None, signed: bool = True
    ) -> Response:
        """POST an activity as the Bot Framework does: JSON, with `Authorization: Bearer`
        and a token from the loopback's key (or `token`, to send a spoiled one)."""
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["Authorization"] = "Bearer " + (
                token or self.lb.sign(service_url=activity.get("serviceUrl"))
            )
        data = json.dumps(activity).encode()
        if self.session is not None:
            return await self._send(self.session, data, headers, activity["id"])
        async with aiohttp.ClientSession() as session:
            return await self._send(session, data, headers, activity["id"])

    async def _send(
        self,
        session: aiohttp.ClientSession,
        data: bytes,
        headers: dict[str, str],
        activity_id: str,
    ) -> Response:
        async with session.post(self.endpoint, data=data, headers=headers) as response:
            return Response(response.status, await response.text(), activity_id)

    async def message(
        self,
        text: str,
        user: TeamsUser,
        conversation: TeamsConversation,
        *,
        activity_id: str | None = None,
        mention: bool | None = None,
        thread: str | None = None,
    ) -> Response:
        """Someone types `text`. In a channel or group chat Teams delivers only messages
        that @mention the bot, so there the text starts with the mention (unless
        `mention` is False); `thread` is the id of the channel post it replies under."""
        return await self.post(
            self.message_activity(
                text, user, conversation, activity_id=activity_id, mention=mention, thread=thread
            )
        )

    async def submit_card(
        self,
        value: dict[str, Any],
        user: TeamsUser,
        conversation: TeamsConversation,
        *,
        reply_to_id: str | None = None,
        activity_id: str | None = None,
        thread: str | None = None,
    ) -> Response:
        """Someone presses an Action.Submit button on the card the bot posted as
        `reply_to_id`: a message with no text and the button's data (and the card's
        inputs) as `value`."""
        activity = self._base("message", user, conversation, activity_id or message_id(), thread)
        activity["value"] = value
        if reply_to_id:
            activity["replyToId"] = reply_to_id
        activity["channelData"]["source"] = {"name": "message"}
        return await self.post(activity)

    async def invoke(
        self,
        name: str,
        value: dict[str, Any],
        user: TeamsUser,
        conversation: TeamsConversation,
        *,
        reply_to_id: str | None = None,
        activity_id: str | None = None,
        thread: str | None = None,
    ) -> tuple[int, Any]:
        """An invoke ("task/fetch", "task/submit", "adaptiveCard/action", ...) with its
        `value` as given (see `task_value` and `action_value`); the bot's status and its
        answer's JSON body (None if empty): Teams shows what that body says."""
        activity = self._base("invoke", user, conversation, activity_id or invoke_id(), thread)
        activity.update(name=name, value=value)
        if reply_to_id:
            activity["replyToId"] = reply_to_id
        activity["channelData"]["source"] = {"name": "message"}
        response = await self.post(activity)
        return response.status, response.body

    async def installed(
        self,
        conversation: TeamsConversation,
        *,
        user: TeamsUser | None = None,
        action: str = "add",
        activity_id: str | None = None,
    ) -> list[Response]:
        """The app is installed (`action` "add") or removed ("remove") in `conversation`
        by `user`: Teams sends an installationUpdate, then a conversationUpdate with the bot
        in membersAdded (membersRemoved); for a 1:1 chat the loopback's install state
        follows, so the bot can (or no longer can) message that person."""
        who = user or self._someone(conversation)
        if conversation.type == "personal":
            if action == "add":
                self.lb.install_for(who.id)
            else:
                self.lb.uninstall_for(who.id)
        install = self._base("installationUpdate", who, conversation, activity_id or invoke_id())
        install["action"] = action
        update = self._base("conversationUpdate", who, conversation, invoke_id())
        bot = [{"id": self.lb.bot_id}]
        update["membersAdded" if action == "add" else "membersRemoved"] = bot
        if conversation.type == "channel":
            event = "teamMemberAdded" if action == "add" else "teamMemberRemoved"
            update["channelData"]["eventType"] = event
        return [await self.post(install), await self.post(update)]

    # -- building activities --------------------------------------------------------------

    def task_value(self, data: dict[str, Any]) -> dict[str, Any]:
        """The value of a task/fetch (a button's data) or task/submit (the dialog's inputs
        merged with its submit button's data), as Teams sends it."""
        return {"data": data, "context": {"theme": "default"}}

    def action_value(self, verb: str, data: dict[str, Any]) -> dict[str, Any]:
        """The value of an adaptiveCard/action invoke (an Action.Execute press)."""
        return {
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": "manual",
        }

    def message_activity(
        self,
        text: str,
        user: TeamsUser,
        conversation: TeamsConversation,
        *,
        activity_id: str | None = None,
        mention: bool | None = None,
        thread: str | None = None,
    ) -> dict[str, Any]:
        """A message as Teams delivers it (see `message`)."""
        activity = self._base("message", user, conversation, activity_id or message_id(), thread)
        if mention is None:
            mention = conversation.type != "personal"
        if mention:
            tag = f"<at>{self.lb.bot_name}</at>"
            html = f'<at id="0">{_html(self.lb.bot_name)}</at> {_html(text)}'
            text = f"{tag} {text}"
            activity["entities"].insert(
                0,
                {
                    "type": "mention",
                    "text": tag,
                    "mentioned": {"id": self.lb.bot_id, "name": self.lb.bot_name},
                },
            )
            activity["attachments"] = [
                {"contentType": "text/html", "content": f"<p>{html}</p>"},
            ]
        activity.update(text=text, textFormat="plain")
        return activity

    def _base(
        self,
        kind: str,
        user: TeamsUser,
        conversation: TeamsConversation,
        activity_id: str,
        thread: str | None = None,
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        activity: dict[str, Any] = {
            "type": kind,
            "id": activity_id,
            "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "localTimestamp": now.isoformat(timespec="milliseconds"),
            "serviceUrl": self.lb.url,
            "channelId": "msteams",
            "from": user.account(),
            "conversation": conversation.account(
                thread if conversation.type == "channel" else None
            ),
            "recipient": {"id": self.lb.bot_id, "name": self.lb.bot_name},
            "entities": [
                {
                    "type": "clientInfo",
                    "locale": LOCALE,
                    "country": "GB",
                    "platform": "Web",
                    "timezone": TIMEZONE,
                }
            ],
            "channelData": conversation.channel_data(),
            "locale": LOCALE,
            "localTimezone": TIMEZONE,
        }
        return activity

    def _someone(self, conversation: TeamsConversation) -> TeamsUser:
        for member in conversation.members:
            if member in self.lb.users:
                return self.lb.users[member]
        raise ValueError("say who installs the app: the conversation has no members")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

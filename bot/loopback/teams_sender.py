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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.loopback.teams_server import (
    Posted,
    TeamsConversation,
    TeamsLoopback,
    TeamsUser,
    actions,
    cards,
    inputs,
)

__all__ = ["Response", "TeamsConversation", "TeamsSender", "TeamsUser", "dialog_card"]

LOCALE = "en-GB"
# The Bot Framework reuses a token for up to an hour; the sender renews it well before.
TOKEN_SECONDS = 1800.0
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
        # serviceUrl -> (token, when it was signed): signing costs a millisecond of CPU, and
        # the Bot Framework too reuses its token across calls.
        self._tokens: dict[str, tuple[str, float]] = {}

    # -- sending ----------------------------------------------------------------------------

    async def post(
        self, activity: dict[str, Any], *, token: str | None = None, signed: bool = True
    ) -> Response:
        """POST an activity as the Bot Framework does: JSON, with `Authorization: Bearer`
        and a token from the loopback's key (or `token`, to send a spoiled one)."""
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["Authorization"] = "Bearer " + (token or self._token(activity["serviceUrl"]))
        data = json.dumps(activity).encode()
        if self.session is not None:
            return await self._send(self.session, data, headers, activity["id"])
        async with aiohttp.ClientSession() as session:
            return await self._send(session, data, headers, activity["id"])

    def _token(self, service_url: str) -> str:
        token, signed_at = self._tokens.get(service_url, ("", 0.0))
        if not token or time.monotonic() - signed_at > TOKEN_SECONDS:
            token = self.lb.sign(service_url=service_url)
            self._tokens[service_url] = (token, time.monotonic())
        return token

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
        people: Sequence[TeamsUser | TeamsConversation] = (),
    ) -> Response:
        """Someone types `text`. In a channel or group chat Teams delivers only messages
        that @mention the bot, so there the text starts with the mention (unless
        `mention` is False); `thread` is the id of the channel post it replies under.
        `people` are the others (or channels) the text @mentions, each `<at>Name</at>` in it."""
        return await self.post(
            self.message_activity(
                text,
                user,
                conversation,
                activity_id=activity_id,
                mention=mention,
                thread=thread,
                people=people,
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
        response = await self._invoke(
            name, value, user, conversation, reply_to_id, activity_id, thread
        )
        return response.status, response.body

    async def _invoke(
        self,
        name: str,
        value: dict[str, Any],
        user: TeamsUser,
        conversation: TeamsConversation,
        reply_to_id: str | None,
        activity_id: str | None,
        thread: str | None,
    ) -> Response:
        activity = self._base("invoke", user, conversation, activity_id or invoke_id(), thread)
        activity.update(name=name, value=value)
        if reply_to_id:
            activity["replyToId"] = reply_to_id
        activity["channelData"]["source"] = {"name": "message"}
        return await self.post(activity)

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

    async def press(
        self,
        posted: Posted,
        title: str,
        user: TeamsUser,
        conversation: TeamsConversation,
        *,
        answers: dict[str, str] | None = None,
        activity_id: str | None = None,
    ) -> Response:
        """Someone presses the button called `title` on a card the bot posted, having
        filled in the card's inputs with `answers` (input id -> value, as Teams sends
        them: text; "true"/"false"; choices comma-separated). What Teams sends depends on
        the button: an Action.Submit whose data asks for a dialog (msteams type
        "task/fetch") sends a task/fetch invoke, another Action.Submit a message with the
        data and answers as `value`, an Action.Execute an adaptiveCard/action invoke."""
        card = next(iter(cards(posted.activity)), None)
        if card is None:
            raise ValueError(f"activity {posted.id} carries no Adaptive Card")
        button = next((a for a in actions(card) if a.get("title") == title), None)
        if button is None:
            shown = [a.get("title") for a in actions(card)]
            raise ValueError(f"no button {title!r} on the card; it has {shown}")
        data = self.merge(card, button, answers)
        thread = posted.thread or (posted.id if conversation.type == "channel" else None)
        if button["type"] == "Action.Execute":
            value = self.action_value(str(button.get("verb") or ""), data)
            return await self._invoke(
                "adaptiveCard/action", value, user, conversation, posted.id, activity_id, thread
            )
        if button["type"] != "Action.Submit":
            raise ValueError(f"{button['type']} does not reach the bot")
        if (data.get("msteams") or {}).get("type") == "task/fetch":
            return await self._invoke(
                "task/fetch",
                self.task_value(data),
                user,
                conversation,
                posted.id,
                activity_id,
                thread,
            )
        return await self.submit_card(
            data, user, conversation, reply_to_id=posted.id, activity_id=activity_id, thread=thread
        )

    async def submit_dialog(
        self,
        card: dict[str, Any],
        user: TeamsUser,
        conversation: TeamsConversation,
        *,
        answers: dict[str, str] | None = None,
        title: str | None = None,
        activity_id: str | None = None,
    ) -> tuple[int, Any]:
        """Someone fills in the dialog `card` (see `dialog_card`) and presses its submit
        button (`title`, or its only Action.Submit): Teams sends task/submit with the
        button's data and the answers."""
        submits = [a for a in actions(card) if a.get("type") == "Action.Submit"]
        chosen = [a for a in submits if title is None or a.get("title") == title]
        if len(chosen) != 1:
            shown = [a.get("title") for a in submits]
            raise ValueError(f"say which submit button to press: {shown}")
        value = self.task_value(self.merge(card, chosen[0], answers))
        return await self.invoke("task/submit", value, user, conversation, activity_id=activity_id)

    @staticmethod
    def merge(
        card: dict[str, Any], button: dict[str, Any], answers: dict[str, str] | None
    ) -> dict[str, Any]:
        """What Teams sends for a press: the button's data with each input's value under
        its id (an input left alone sends its default). An answer for an input the card
        does not have is a test's mistake, so it is refused."""
        fields = {str(i.get("id")): i for i in inputs(card)}
        unknown = set(answers or {}) - set(fields)
        if unknown:
            raise ValueError(f"the card has no input {sorted(unknown)}; it has {sorted(fields)}")
        data = button.get("data")
        merged: dict[str, Any] = dict(data) if isinstance(data, dict) else {}
        for input_id, field_ in fields.items():
            value = (answers or {}).get(input_id, field_.get("value"))
            if value is not None:
                merged[input_id] = str(value)
        return merged

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
        people: Sequence[TeamsUser | TeamsConversation] = (),
    ) -> dict[str, Any]:
        """A message as Teams delivers it (see `message`)."""
        activity = self._base("message", user, conversation, activity_id or message_id(), thread)
        activity["entities"].extend(
            {
                "type": "mention",
                "text": f"<at>{person.name}</at>",
                "mentioned": {"id": person.id, "name": person.name},
            }
            for person in people
        )
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


def dialog_card(body: Any) -> dict[str, Any] | None:
    """The Adaptive Card of the dialog a task/fetch answer opens, or None when the answer
    opens no dialog (a message, or nothing)."""
    task = (body or {}).get("task") if isinstance(body, dict) else None
    if not isinstance(task, dict) or task.get("type") != "continue":
        return None
    card = (task.get("value") or {}).get("card") or {}
    content = card.get("content") if isinstance(card, dict) else None
    return content if isinstance(content, dict) else None


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

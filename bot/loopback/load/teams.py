"""Microsoft Teams' people in the bench's front-end bursts (`TeamsLoad`, in the driver's
process, on the loopback Teams: a Bot Framework connector and Microsoft's key endpoint);
the bot's side, the SDK's App, is bot/bench/frontends/teams.py.

Every press is an activity POSTed to /api/messages as Teams sends it, with a Bot Framework
token signed by the loopback's key (one token reused, as the Bot Framework reuses it), on
kept connections, and timed from the moment it was sent:
- `open`: a task/fetch invoke from the card's button; the first (and final) answer is the
  HTTP response, a form only if it is the form's dialog (Teams waits about 15 seconds for
  it, but the person is waiting all that time);
- `submit`: a task/submit of the dialog that person opened; the first answer is the HTTP
  response, and the final one what it shows (the thanks, or a refusal in the form), or,
  when the dialog just closes, the answer then posted in their 1:1 chat with Brewbot;
- `join`, `button`: an Action.Submit message; the first answer is the HTTP response (200),
  the final one the private answer posted in their 1:1 chat (everyone has the app, so
  private answers have somewhere to go).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.core.messages import Action, OutgoingMessage
from bot.engine.texts import Texts
from bot.loopback.load import driver
from bot.loopback.load.driver import free_port
from bot.loopback.teams_sender import TeamsSender, dialog_card
from bot.loopback.teams_server import (
    TENANT_ID,
    Call,
    Posted,
    TeamsConversation,
    TeamsLoopback,
    TeamsUser,
    inputs,
)
from bot.platforms.teams.cards import CardWords, message_activities

# How long after its press an answer may still come and be counted (beyond it: none came).
# Past Teams' own 15 seconds, so a late answer is seen as late, not as none.
WAIT_SECONDS = 20.0
APP_ID = "5e1f0c2a-7b3d-4e8f-9a6b-2c4d6e8f0a1b"
PRESS = "Press"


@dataclass
class Pending(driver.Pending):
    """One press on its way: when it was sent, and what Teams has seen of its answers."""

    form: bool = False
    dialog: dict[str, Any] | None = None  # the form's dialog, when it opened

    def responded(self, at: float, status: int, body: Any) -> None:
        """The HTTP response to the activity: the first answer. For an invoke it is also
        the final one when it shows a dialog (a form, or an answer in the dialog)."""
        if status != 200:
            return  # refused (401, 500): Teams shows the person nothing
        self.first_at = at
        card = dialog_card(body) if self.kind in ("open", "submit") else None
        if card is not None:
            self.form = self.kind == "open" and bool(inputs(card))
            self.dialog = card if self.form else None
            self._final(at, "" if self.form else " ".join(_words(card)))
        elif self.kind == "open":
            self._final(at, "")  # no dialog at all: the form never opened
        self._check()

    def posted(self, at: float, activity: Any) -> None:
        """A post in the person's 1:1 chat: the private answer."""
        said = activity.get("text") if isinstance(activity, dict) else None
        self._final(at, " ".join([str(said or ""), *_words(activity)]))

    def form_shown(self) -> bool:
        return self.form


class TeamsLoad:
    """People in one team, all in its "Over a brew" channel and all with the app installed
    for themselves, pressing the bot's buttons there and sending its dialogs. Every post the
    bot makes in someone's 1:1 chat is handed at once to that person's press."""

    def __init__(self) -> None:
        self.lb = TeamsLoopback(APP_ID)
        self.sender: TeamsSender | None = None
        self.session: aiohttp.ClientSession | None = None
        self.people: list[TeamsUser] = []
        self.room: TeamsConversation | None = None
        self.words = CardWords.from_texts(Texts.load())
        self.opened: dict[int, dict[str, Any]] = {}  # person -> the dialog they last opened
        self.buttons: dict[str, Posted] = {}  # custom id -> a post of the bot's with it
        self.waiting: dict[str, Pending] = {}  # a person's 1:1 chat id -> their press

    async def start(self, request: dict[str, Any]) -> dict[str, Any]:
        await self.lb.start()
        self.lb.watch(self._heard)
        self.room = self.lb.add_channel("Over a brew")
        self.people = [self.lb.add_user(f"Person {n}") for n in range(request["people"])]
        for person in self.people:
            self.lb.install_for(person.id)
        # The bot starts after this answer, so its port is chosen here, free for it now.
        port = free_port()
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        self.sender = TeamsSender(self.lb, f"http://127.0.0.1:{port}/api/messages", self.session)
        return {
            "bot_port": port,
            "openid_url": self.lb.openid_url,
            "service_url": self.lb.url,
            # Entra's token endpoint and Microsoft Graph (who facilitates) are the loopback's
            # too: the bot signs in and asks as it runs.
            "login_url": self.lb.url,
            "graph_url": self.lb.url,
            "app_password": self.lb.app_password,
            "tenant": TENANT_ID,
            "people": [person.id for person in self.people],
        }

    async def press(self, press: dict[str, Any]) -> dict[str, Any]:
        assert self.sender is not None and self.room is not None, "start before a burst"
        who = press["who"]
        user = self.people[who]
        kind = press["kind"]
        dialog = self.opened.get(who)
        if kind == "submit" and dialog is None:
            return Pending(kind).heard()  # no form opened: nothing to send
        if kind == "open":
            self.opened.pop(who, None)  # the form from an earlier burst is not this one
        chat = self.lb.personal_id(user.id)
        pending = self.waiting[chat] = Pending(kind)
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                if dialog is not None and kind == "submit":
                    status, body = await self.sender.submit_dialog(
                        dialog, user, self.room, answers=press["values"]
                    )
                else:
                    posted = self._post_with(press["id"], opens=kind == "open")
                    sent = await self.sender.press(posted, PRESS, user, self.room)
                    status, body = sent.status, sent.body
                pending.responded(time.perf_counter(), status, body)
                await pending.done.wait()
        except (TimeoutError, aiohttp.ClientError, OSError):
            pass  # what was heard by then is all there is
        finally:
            if self.waiting.get(chat) is pending:
                del self.waiting[chat]
        if pending.dialog is not None:
            self.opened[who] = pending.dialog
        return pending.heard()

    def _post_with(self, custom_id: str, *, opens: bool) -> Posted:
        """A post of the bot's in the room with one button for `custom_id`, as the bot's own
        renderer makes it (a button whose route opens a form asks Teams for a dialog)."""
        assert self.room is not None
        if custom_id not in self.buttons:
            (activity,) = message_activities(
                OutgoingMessage("Over a Brew", actions=(Action(PRESS, custom_id),)),
                words=self.words,
                opens_form=lambda _: opens,
            )
            posted = Posted(f"bench-{len(self.buttons) + 1}", self.room.id, activity)
            self.lb.posted[posted.id] = posted
            self.buttons[custom_id] = posted
        return self.buttons[custom_id]

    def _heard(self, call: Call) -> None:
        if call.kind in ("send", "reply") and call.status == 200:
            pending = self.waiting.get(call.conversation_id or "")
            if pending is not None:
                pending.posted(call.at, call.body)

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
        await self.lb.close()


LOADS = {"teams": TeamsLoad}


def _words(node: Any) -> Iterator[str]:
    """The words of an activity or a card, a paragraph each: every TextBlock's, and every
    RichTextBlock's runs run together (a sentence with a bold word is several runs)."""
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            yield str(node.get("text") or "")
        elif node.get("type") == "RichTextBlock":
            runs = node.get("inlines") or []
            yield "".join(str(r.get("text") or "") if isinstance(r, dict) else str(r) for r in runs)
        else:
            for value in node.values():
                yield from _words(value)
    elif isinstance(node, list):
        for item in node:
            yield from _words(item)

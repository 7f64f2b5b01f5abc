"""Slack's people in the bench's front-end bursts, in HTTP mode and in Socket Mode
(`SlackHttpLoad`, `SlackSocketLoad`, in the driver's process, on the loopback Slack); the
bot's side, the real Bolt app, is bot/bench/frontends/slack.py.

Each press is timed as Slack sees it, from the moment its request (HTTP mode) or envelope
(Socket Mode) was sent:
- `open`: the first (and final) answer is views.open with the click's trigger_id reaching
  Slack; a form only if Slack took it (a trigger expires after 3 seconds);
- the others: the first answer is the acknowledgement (the HTTP response, or the ack on the
  socket); the final one is what the person then sees: a form's refusal in that
  acknowledgement (`response_action: errors`), else the message only they see, through the
  click's response_url or chat.postEphemeral. The private copy of a withdrawal code in their
  direct messages, sent just before that message, is not the answer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.loopback.load import driver
from bot.loopback.slack_sender import FORM, SlackSender, form_body
from bot.loopback.slack_server import Call, FakeSlack

# How long after its press an answer may still come and be counted (beyond it: none came).
WAIT_SECONDS = 20.0
ROOM = "C0ROOM"
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
APP_TOKEN = "xapp-1-A0BREW-bench"


@dataclass
class Pending(driver.Pending):
    """One press on its way: when it was sent, and what Slack has seen of its answers."""

    view: dict[str, Any] | None = None  # the form it opened

    def acknowledged(self, at: float, answer: dict[str, Any] | None) -> None:
        """The acknowledgement: the first answer, except to a press meant to open a form
        (there the form is). A form's refusal in it is also the final answer."""
        if self.kind != "open":
            self.first_at = at
        answer = answer or {}
        if answer.get("response_action") == "errors":
            self._final(at, " ".join(str(words) for words in answer["errors"].values()))
        self._check()

    def form_opened(self, at: float, view: dict[str, Any] | None) -> None:
        self.first_at = self.first_at or at
        self.view = view
        self._final(at, "")

    def answered(self, at: float, text: str) -> None:
        if self.kind == "open":
            self.first_at = self.first_at or at
        self._final(at, text)

    def form_shown(self) -> bool:
        return self.view is not None


class SlackLoad:
    """People in one Slack workspace, all in the room channel, pressing the bot's buttons and
    sending its forms; how a press reaches the bot is the mode's (`_deliver`). Every call the
    bot makes to the loopback Slack is handed at once to the press it answers, found by the
    click's trigger_id (views.open), its response_url, or the person (chat.postEphemeral)."""

    # How the people's user ids start: each mode's their own, as both modes' people are
    # stored in the one workspace's community when a bench runs both.
    prefix: str

    def __init__(self) -> None:
        self.fake = FakeSlack()
        self.sender = SlackSender("", SIGNING_SECRET, self.fake)
        self.people: list[str] = []
        self.opened: dict[int, dict[str, Any]] = {}  # person -> the form they last opened
        self.by_trigger: dict[str, Pending] = {}
        self.by_url: dict[str, Pending] = {}
        self.by_user: dict[str, Pending] = {}

    async def start(self, request: dict[str, Any]) -> dict[str, Any]:
        await self.fake.start()
        self.fake.watch(self._heard)
        self.people = [f"{self.prefix}{n:05d}" for n in range(request["people"])]
        for n, user in enumerate(self.people):
            self.fake.add_user(user, f"Person {n}")
        self.fake.add_channel(ROOM, "over-a-brew", members=tuple(self.people))
        return {"api_url": self.fake.api_url, "people": self.people}

    async def press(self, press: dict[str, Any]) -> dict[str, Any]:
        who = press["who"]
        user = self.people[who]
        if press["kind"] == "submit":
            view = self.opened.get(who)
            if view is None:
                return Pending("submit").heard()  # no form opened: nothing to send
            payload = self.sender.submit_payload(user, view, press["values"])
        else:
            if press["kind"] == "open":
                self.opened.pop(who, None)  # the form from an earlier burst is not this one
            payload = self.sender.click_payload(user, press["id"], ROOM)
        routes = [(self.by_trigger, str(payload["trigger_id"])), (self.by_user, user)]
        if "response_url" in payload:
            routes.append((self.by_url, payload["response_url"].rsplit("/", 1)[1]))
        pending = Pending(press["kind"])
        for table, key in routes:
            table[key] = pending
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                await self._deliver(pending, payload)
                await pending.done.wait()
        except (TimeoutError, aiohttp.ClientError, OSError):
            pass  # what was heard by then is all there is
        finally:
            for table, key in routes:
                if table.get(key) is pending:
                    del table[key]
        if pending.view is not None:
            self.opened[who] = pending.view
        return pending.heard()

    async def _deliver(self, pending: Pending, payload: dict[str, Any]) -> None:
        raise NotImplementedError

    def _heard(self, call: Call) -> None:
        args = call.args
        pending: Pending | None
        if call.method == "views.open":
            pending = self.by_trigger.get(str(args.get("trigger_id")))
            if pending is not None:
                pending.form_opened(call.at, args.get("view") if call.answered == "ok" else None)
        elif call.method == "response_url" and call.answered == "ok":
            pending = self.by_url.get(str(args["url_id"]))
            if pending is not None:
                pending.answered(call.at, str(args.get("text") or ""))
        elif call.method == "chat.postEphemeral" and call.answered == "ok":
            pending = self.by_user.get(str(args.get("user")))
            if pending is not None:
                pending.answered(call.at, str(args.get("text") or ""))

    async def stop(self) -> None:
        await self.fake.close()


class SlackHttpLoad(SlackLoad):
    """HTTP mode: each press is a signed request to the bot's /slack/events, on kept
    connections (as Slack's own are), acknowledged by the response."""

    prefix = "UHTTP"

    def __init__(self) -> None:
        super().__init__()
        self.session: aiohttp.ClientSession | None = None

    async def start(self, request: dict[str, Any]) -> dict[str, Any]:
        reached = await super().start(request)
        # The bot starts after this answer, so its port is chosen here, free for it now.
        port = driver.free_port()
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        self.sender = SlackSender(
            f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, self.fake, self.session
        )
        return {**reached, "bot_port": port}

    async def _deliver(self, pending: Pending, payload: dict[str, Any]) -> None:
        sent = await self.sender.post(form_body(payload), FORM)
        if sent.status == 200:
            answer = json.loads(sent.text) if sent.text.startswith("{") else None
            pending.acknowledged(time.perf_counter(), answer)

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
        await super().stop()


class SlackSocketLoad(SlackLoad):
    """Socket Mode: each press is an envelope on the bot's WebSocket, acknowledged by the
    bot's ack on it."""

    prefix = "USOCKET"

    def __init__(self) -> None:
        super().__init__()
        self.by_envelope: dict[str, Pending] = {}
        self.envelopes = itertools.count(1)
        self.connected = asyncio.Event()

    async def _deliver(self, pending: Pending, payload: dict[str, Any]) -> None:
        await self.connected.wait()
        envelope = f"bench-{next(self.envelopes)}"
        self.by_envelope[envelope] = pending
        try:
            pending.sent_at = time.perf_counter()
            await self.fake.push("interactive", payload, envelope_id=envelope)
            await pending.done.wait()
        finally:
            self.by_envelope.pop(envelope, None)

    def _heard(self, call: Call) -> None:
        if call.method == "socket_connected":
            self.connected.set()
        elif call.method == "socket_ack":
            pending = self.by_envelope.get(str(call.args.get("envelope_id")))
            if pending is not None:
                pending.acknowledged(call.at, call.args.get("payload"))
        else:
            super()._heard(call)


LOADS: dict[str, type[SlackLoad]] = {"slack_http": SlackHttpLoad, "slack_socket": SlackSocketLoad}

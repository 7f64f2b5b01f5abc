"""A loopback Discord for tests: the real discord.py client talks to this instead of Discord.

- REST: an aiohttp server on 127.0.0.1, port 0, serving the routes the bot uses under
  `/api/v10` (point `discord.http.Route.BASE` at it). Every call is recorded with its JSON
  body (multipart bodies: their `payload_json` and file names). Unknown routes answer 404
  and are listed in `unexpected`; a request Discord would refuse (too long, bad component,
  missing permission) answers 400/403 like Discord and is listed in `violations`. Tests
  assert both lists are empty at the end (`assert_clean`). A request holding a mark of
  typed words (bot/core/marked.py), which must never leave Brewbot, is listed in `marked`,
  and the test harness fails the test (`assert_unmarked`).
- Gateway: a websocket at `/gateway` (point `DiscordWebSocket.DEFAULT_GATEWAY` at it) that
  speaks plain JSON text frames: HELLO, then READY and GUILD_CREATE after IDENTIFY, HEARTBEAT_ACK
  for every heartbeat, THREAD_CREATE/THREAD_UPDATE as Discord would send them, and
  INTERACTION_CREATE for the slash commands, button clicks and form submissions a test makes.
- Failures can be injected per route (`fail`): a 429 with `retry_after`, a 403, a 404.
- A message nonce with `enforce_nonce` is honoured for NONCE_WINDOW on the clock the fake is
  given (the test's own, so a test can let the window pass), then forgotten.

Payloads follow the Discord API documentation (docs/resources/*, docs/interactions/*).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import discord
import yarl
from aiohttp import WSMsgType, web
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.loopback import holds_marks
from bot.platforms.discord.permissions import REQUIRED_PERMISSIONS

API = "/api/v10"
EPHEMERAL = 64
IS_COMPONENTS_V2 = 1 << 15
# Callback types (docs/interactions/receiving-and-responding#interaction-response-object).
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9
# A generous bound on waiting for an answer, so a bot that never answers fails the test
# instead of hanging it; answers normally come in milliseconds.
ANSWER_SECONDS = 10.0
FINAL_CALLBACKS = {CHANNEL_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL}
NAME_PATTERN = re.compile(r"^[-_\w]{1,32}$")
APPLICATION_COMMAND_OPTION = {"SUB_COMMAND": 1, "SUB_COMMAND_GROUP": 2, "STRING": 3, "INTEGER": 4}
# Discord answers a message sent again with the same nonce (`enforce_nonce`) with the one it
# made "in the past few minutes" (docs/resources/message#create-message), and names no figure:
# the fake keeps a nonce for the shortest reading of that, so a retry later than this makes a
# second message here, as it may on Discord.
NONCE_WINDOW = timedelta(minutes=2)

# Discord's limits on what a message may hold (docs/resources/message: "Embed Limits", the
# create-message parameters; docs/components/reference). The fake refuses what Discord
# refuses, so a renderer that goes past one fails a test here as it would in production.
CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
FILES_MAX = 10
ROWS_MAX = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
CHECKBOX_OPTIONS_MAX = 10
OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
TEXT_INPUT_MAX = 4000
TEXT_PLACEHOLDER_MAX = 100
MENTION_IDS_MAX = 100
AUTOCOMPLETE_MAX = 25
CHOICE_TEXT_MAX = 100
COMMAND_CHARACTERS_MAX = 8000
NONCE_MAX = 25


def aim_discord_at(port: int) -> tuple[str, yarl.URL]:
    """Point discord.py in this process at a loopback Discord on `port` (REST and gateway);
    returns what it pointed at before."""
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE = f"http://127.0.0.1:{port}{API}"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/gateway")
    return saved


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Call:
    method: str
    path: str  # without /api/v10
    query: dict[str, str]
    json: Any
    files: list[str] = field(default_factory=list)
    status: int = 200


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int | None  # None: every time
    after: int = 0  # matching requests let through first


@dataclass
class Person:
    id: int
    name: str
    roles: tuple[int, ...] = ()
    bot: bool = False

    def user(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name.lower(),
            "discriminator": "0",
            "global_name": self.name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }

    def member(self, permissions: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "user": self.user(),
            "nick": None,
            "avatar": None,
            "roles": [str(r) for r in self.roles],
            "joined_at": "2026-01-05T10:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class FakeInteraction:
    """One interaction the test made, and every answer the bot gave to it."""

    id: int
    token: str
    user: Person
    payload: dict[str, Any]
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    # Message bodies the bot answered with: callback messages, the edited original, follow-ups.
    messages: list[dict[str, Any]] = field(default_factory=list)
    final: asyncio.Event = field(default_factory=asyncio.Event)
    original_deleted: bool = False
    # When it was sent, first answered and finally answered (time.perf_counter), for the
    # bench's first-response and answer times.
    sent_at: float = field(default_factory=time.perf_counter)
    first_at: float | None = None
    final_at: float | None = None

    def finish(self) -> None:
        self.final_at = self.final_at or time.perf_counter()
        self.final.set()

    @property
    def callback_types(self) -> list[int]:
        return [c["type"] for c in self.callbacks]

    @property
    def modal(self) -> dict[str, Any] | None:
        for callback in self.callbacks:
            if callback["type"] == MODAL:
                return callback["data"]
        return None

    @property
    def choices(self) -> list[dict[str, Any]]:
        for callback in self.callbacks:
            if callback["type"] == AUTOCOMPLETE_RESULT:
                return callback["data"]["choices"]
        return []

    def text(self) -> str:
        return "\n".join(message_text(m) for m in self.messages)

    async def answered(self) -> FakeInteraction:
        """Wait until the bot has given its answer (not just a deferral)."""
        await asyncio.wait_for(self.final.wait(), ANSWER_SECONDS)
        return self


def message_text(body: dict[str, Any]) -> str:
    """The words of a message body: content, embed titles and descriptions, text displays."""
    parts = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
    return "\n".join(p for p in parts if p)


def buttons(body: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for row in body.get("components") or []:
        for component in row.get("components") or []:
            if component.get("type") == 2:
                found.append(component)
    return found


class FakeDiscord:
    def __init__(
        self,
        *,
        bot_permissions: discord.Permissions | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        # What the fake's time-bound answers go by (the nonce window): the real time, or a
        # test's clock.
        self.now = clock or (lambda: datetime.now(UTC))
        self._ids = itertools.count(1_100_000_000_000_000_000)
        self.application_id = self._id()
        self.bot = Person(self.application_id, "Brewbot", bot=True)
        self.guild_id = self._id()
        self.everyone_role = self.guild_id
        self.facilitator_role = self._id()
        self.bot_role = self._id()
        needed = bot_permissions if bot_permissions is not None else REQUIRED_PERMISSIONS
        self.roles: dict[int, dict[str, Any]] = {
            self.everyone_role: _role(
                self.everyone_role,
                "@everyone",
                discord.Permissions(
                    view_channel=True,
                    send_messages=True,
                    send_messages_in_threads=True,
                    read_message_history=True,
                    use_application_commands=True,
                ).value,
                0,
            ),
            self.facilitator_role: _role(self.facilitator_role, "Facilitator", 0, 1),
            self.bot_role: _role(self.bot_role, "Brewbot", needed.value, 2, managed=True),
        }
        self.bot.roles = (self.bot_role,)
        self.people: dict[int, Person] = {self.bot.id: self.bot}
        self.channels: dict[int, dict[str, Any]] = {}
        self.session_channel = self.add_channel("over-a-brew")
        self.working_group_channel = self.add_channel("working-group")
        # Where Discord posts its own messages (new members, boosts); None: no such channel.
        self.system_channel: int | None = self.session_channel
        self.threads: dict[int, dict[str, Any]] = {}
        self.thread_members: dict[int, list[int]] = {}
        self.dms: dict[int, int] = {}  # user id -> DM channel id
        self.closed_dms: set[int] = set()
        self.messages: dict[int, dict[str, Any]] = {}
        # (channel id, nonce) -> the message made with it and when, while Discord keeps it.
        self._nonces: dict[tuple[int, str], tuple[dict[str, Any], datetime]] = {}
        self.events: dict[int, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id
        self.interactions: dict[str, FakeInteraction] = {}
        self.calls: list[Call] = []
        self.unexpected: list[str] = []
        self.violations: list[str] = []
        self.marked: list[str] = []
        self.identify: dict[str, Any] | None = None
        self._failures: list[Failure] = []
        self._lost: list[Failure] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._saved: tuple[str, yarl.URL] | None = None
        self.port = 0
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = [
            (m, re.compile(f"^{p}$"), h)
            for m, p, h in (
                ("GET", r"/users/@me", self._get_me),
                ("GET", r"/oauth2/applications/@me", self._get_application),
                ("GET", r"/gateway(?:/bot)?", self._get_gateway),
                (
                    "PUT",
                    r"/applications/(?P<app>\d+)/guilds/(?P<guild>\d+)/commands",
                    self._put_commands,
                ),
                ("PUT", r"/applications/(?P<app>\d+)/commands", self._put_commands),
                ("POST", r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback", self._callback),
                ("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", self._followup),
                (
                    "PATCH",
                    r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original",
                    self._edit_original,
                ),
                (
                    "DELETE",
                    r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original",
                    self._delete_original,
                ),
                ("POST", r"/channels/(?P<channel>\d+)/messages", self._create_message),
                (
                    "PATCH",
                    r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)",
                    self._edit_message,
                ),
                ("POST", r"/channels/(?P<channel>\d+)/threads", self._create_thread),
                (
                    "PUT",
                    r"/channels/(?P<channel>\d+)/thread-members/(?P<user>\d+)",
                    self._add_thread_member,
                ),
                ("GET", r"/channels/(?P<channel>\d+)", self._get_channel),
                ("PATCH", r"/channels/(?P<channel>\d+)", self._edit_channel),
                ("POST", r"/users/@me/channels", self._create_dm),
                ("GET", r"/guilds/(?P<guild>\d+)/members/(?P<user>\d+)", self._get_member),
                ("GET", r"/guilds/(?P<guild>\d+)/scheduled-events", self._list_events),
                ("POST", r"/guilds/(?P<guild>\d+)/scheduled-events", self._create_event),
                (
                    "PATCH",
                    r"/guilds/(?P<guild>\d+)/scheduled-events/(?P<event>\d+)",
                    self._edit_event,
                ),
            )
        ]

    # -- set-up --------------------------------------------------------------------------------

    def _id(self) -> int:
        return next(self._ids)

    def add_channel(self, name: str) -> int:
        channel_id = self._id()
        self.channels[channel_id] = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "default_auto_archive_duration": 1440,
            "flags": 0,
        }
        return channel_id

    def add_role(self, name: str) -> int:
        """A server role with no permissions of its own; returns its id."""
        role_id = self._id()
        self.roles[role_id] = _role(role_id, name, 0, len(self.roles))
        return role_id

    def add_person(
        self, name: str, *, facilitator: bool = False, roles: tuple[int, ...] = ()
    ) -> Person:
        given = ((self.facilitator_role,) if facilitator else ()) + roles
        person = Person(self._id(), name, given)
        self.people[person.id] = person
        return person

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        body: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        times: int | None = 1,
        after: int = 0,
    ) -> None:
        """Answer requests matching `method` and the `path` regex (without /api/v10) with
        `status` and `body`, `times` times (None: always), once `after` of them have been
        let through (the later parts of a message, say)."""
        self._failures.append(
            Failure(
                method, re.compile(f"^{path}$"), status, body or {}, headers or {}, times, after
            )
        )

    def lose_answer(self, method: str, path: str, *, times: int = 1) -> None:
        """Carry out the next `times` matching requests, then answer 503 as if they had
        failed (the answer lost on the way back: the bot cannot know it worked)."""
        self._lost.append(Failure(method, re.compile(f"^{path}$"), 503, {}, {}, times))

    def rate_limit(self, method: str, path: str, retry_after: float = 0.05) -> None:
        """One 429 as Discord sends it (JSON body with retry_after, and a Via header, which
        discord.py uses to tell Discord from a proxy)."""
        self.fail(
            method,
            path,
            429,
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
            headers={"Via": "1.1 google", "X-RateLimit-Scope": "user"},
        )

    @property
    def started(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        app.router.add_route("*", "/{tail:.*}", self._outside_api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._saved = aim_discord_at(self.port)

    async def stop(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._saved is not None:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None

    def assert_unmarked(self) -> None:
        assert self.marked == [], f"marks of typed words sent to Discord: {self.marked}"

    def assert_clean(self) -> None:
        assert self.unexpected == [], f"routes the fake does not serve: {self.unexpected}"
        assert self.violations == [], f"requests Discord would refuse: {self.violations}"

    # -- reading what happened --------------------------------------------------------------------

    def calls_to(self, method: str, path: str) -> list[Call]:
        pattern = re.compile(f"^{path}$")
        return [c for c in self.calls if c.method == method and pattern.match(c.path)]

    def posts_to(self, channel_id: int) -> list[dict[str, Any]]:
        """Bodies of messages the bot posted in a channel, thread or DM (successful ones)."""
        return [
            c.json
            for c in self.calls_to("POST", rf"/channels/{channel_id}/messages")
            if c.status == 200
        ]

    def dm_channel(self, person: Person) -> int | None:
        return self.dms.get(person.id)

    def message_bodies(self) -> list[dict[str, Any]]:
        """Every message body the bot sent: channel posts and edits, interaction answers."""
        bodies: list[dict[str, Any]] = []
        for call in self.calls:
            if call.method == "POST" and call.path.endswith("/messages"):
                bodies.append(call.json)
            elif call.method == "PATCH" and "/messages/" in call.path:
                bodies.append(call.json)
            elif call.method == "POST" and call.path.startswith("/webhooks/"):
                bodies.append(call.json)
            elif call.path.endswith("/callback") and call.json.get("type") in (4, 7):
                bodies.append(call.json.get("data") or {})
        return bodies

    # -- what people do -------------------------------------------------------------------------

    async def slash(self, person: Person, path: str, **options: Any) -> FakeInteraction:
        """`/brew <path>` with options, as the Discord client sends it for the synced command."""
        data = self._command_data(path, options, focused=None)
        return await self._interact(person, 2, data)

    async def autocomplete(
        self, person: Person, path: str, focused: str, typed: str, **options: Any
    ) -> FakeInteraction:
        data = self._command_data(path, {**options, focused: typed}, focused=focused)
        return await self._interact(person, 4, data)

    async def click(self, person: Person, custom_id: str) -> FakeInteraction:
        """Press the newest button with this id that this person can see."""
        for message_id in sorted(self.messages, reverse=True):
            message = self.messages[message_id]
            if any(b.get("custom_id") == custom_id for b in buttons(message)):
                break
        else:
            raise AssertionError(f"no message has a button {custom_id!r}")
        return await self.press(person, message, custom_id)

    async def press(
        self, person: Person, message: dict[str, Any], custom_id: str
    ) -> FakeInteraction:
        """Press the button `custom_id` on `message` (a message the bot posted)."""
        data = {"custom_id": custom_id, "component_type": 2}
        channel_id = int(message["channel_id"])
        return await self._interact(person, 3, data, channel_id=channel_id, message=message)

    def bot_message(self, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """A message from the bot in `channel_id`, as if it had posted `body` itself."""
        return self._store_message(channel_id, body)

    async def submit(
        self, person: Person, opened: FakeInteraction, answers: dict[str, Any]
    ) -> FakeInteraction:
        """Fill in and send the modal the bot opened for `opened`, answers by component id."""
        modal = opened.modal
        assert modal is not None, "the bot did not open a form for that interaction"
        components = []
        for top in modal["components"]:
            if top["type"] == 10:
                components.append({"type": 10, "id": top.get("id", 0), "content": top["content"]})
            elif top["type"] == 18:
                inner = top["component"]
                components.append(
                    {"type": 18, "id": top.get("id", 0), "component": _answer(inner, answers)}
                )
            elif top["type"] == 1:
                components.append(
                    {"type": 1, "components": [_answer(c, answers) for c in top["components"]]}
                )
        missing = set(answers) - {_answer_key(c) for c in _inputs(modal)}
        assert not missing, f"the form has no component {missing}"
        data = {"custom_id": modal["custom_id"], "components": components}
        message = opened.payload.get("message")
        return await self._interact(
            person, 5, data, channel_id=int(opened.payload["channel_id"]), message=message
        )

    def _command_data(
        self, path: str, options: dict[str, Any], focused: str | None
    ) -> dict[str, Any]:
        synced = {c["name"]: c for c in self.commands.get(str(self.guild_id), [])}
        assert "brew" in synced, "no /brew command was synced to the guild"
        words = path.split()
        node: dict[str, Any] = synced["brew"]
        chain: list[dict[str, Any]] = []
        for word in words:
            child = next((o for o in node.get("options", []) if o["name"] == word), None)
            assert child is not None and child["type"] in (1, 2), f"/brew {path}: no {word!r}"
            chain.append(child)
            node = child
        assert node["type"] == 1, f"/brew {path} is a group, not a command"
        given = []
        known = {o["name"]: o for o in node.get("options", [])}
        for name, value in options.items():
            assert name in known, f"/brew {path} has no option {name!r}"
            option = known[name]
            if option.get("choices") and name != focused:
                allowed = [c["value"] for c in option["choices"]]
                assert value in allowed, f"{name}={value!r} is not one of {allowed}"
            entry: dict[str, Any] = {"name": name, "type": option["type"], "value": value}
            if name == focused:
                entry["focused"] = True
                entry["value"] = str(value)
            given.append(entry)
        for option in node.get("options", []):
            if option.get("required") and option["name"] not in options and focused is None:
                raise AssertionError(f"/brew {path} needs option {option['name']!r}")
        nested: list[dict[str, Any]] = given
        for link in reversed(chain):
            nested = [{"name": link["name"], "type": link["type"], "options": nested}]
        return {
            "id": synced["brew"]["id"],
            "name": "brew",
            "type": 1,
            "guild_id": str(self.guild_id),
            "options": nested,
        }

    async def _interact(
        self,
        person: Person,
        kind: int,
        data: dict[str, Any],
        *,
        channel_id: int | None = None,
        message: dict[str, Any] | None = None,
    ) -> FakeInteraction:
        interaction_id = self._id()
        token = f"token-{interaction_id}"
        channel_id = channel_id or self.session_channel
        in_dm = channel_id in self.dms.values()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "channel_id": str(channel_id),
            "token": token,
            "version": 1,
            "locale": "en-GB",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(self.permissions_of(self.bot, channel_id).value),
        }
        if in_dm:
            payload["user"] = person.user()
            payload["channel"] = self._dm_json(person.id, channel_id)
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": str(self.guild_id)}
        else:
            permissions = self.permissions_of(person, channel_id).value
            payload["guild_id"] = str(self.guild_id)
            payload["guild"] = {"id": str(self.guild_id), "locale": "en-GB", "features": []}
            payload["guild_locale"] = "en-GB"
            payload["member"] = person.member(permissions)
            payload["channel"] = self._channel_json(channel_id)
            payload["context"] = 0
            payload["authorizing_integration_owners"] = {"0": str(self.guild_id)}
        if message is not None:
            payload["message"] = message
        interaction = FakeInteraction(interaction_id, token, person, payload)
        self.interactions[token] = interaction
        await self._dispatch("INTERACTION_CREATE", payload)
        return interaction

    # -- permissions (as Discord computes them, without overwrites) --------------------------------

    def permissions_of(self, person: Person, channel_id: int | None = None) -> discord.Permissions:
        value = int(self.roles[self.everyone_role]["permissions"])
        for role in person.roles:
            value |= int(self.roles[role]["permissions"])
        permissions = discord.Permissions(value)
        if permissions.administrator:
            return discord.Permissions.all()
        return permissions

    def _refuse(self, reason: str, status: int = 400, code: int = 50035) -> web.Response:
        self.violations.append(reason)
        return _json({"message": reason, "code": code}, status)

    # -- the gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_str(
            json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        )
        try:
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                if message["op"] == 1:
                    await socket.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif message["op"] == 2:
                    self.identify = message["d"]
                    await self._ready(socket)
        finally:
            self._sockets.remove(socket)
        return socket

    async def _ready(self, socket: web.WebSocketResponse) -> None:
        ready = {
            "v": 10,
            "user": {**self.bot.user(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": "fake-session",
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await self._send(socket, "READY", ready)
        await self._send(socket, "GUILD_CREATE", self._guild_json())

    async def _send(self, socket: web.WebSocketResponse, event: str, data: Any) -> None:
        await socket.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def remove_bot(self) -> None:
        """An admin removes the bot from the server."""
        await self._dispatch("GUILD_DELETE", {"id": str(self.guild_id)})

    async def add_bot(self) -> None:
        """An admin adds the bot to the server (again, after `remove_bot`). Discord sends
        GUILD_CREATE without "unavailable", which discord.py reports as on_guild_join (with
        "unavailable": false, as at start-up, it is a known server becoming available)."""
        joined = self._guild_json()
        del joined["unavailable"]
        await self._dispatch("GUILD_CREATE", joined)

    async def _dispatch(self, event: str, data: Any) -> None:
        assert self._sockets, "the bot is not connected to the gateway"
        for socket in self._sockets:
            await self._send(socket, event, data)

    def _guild_json(self) -> dict[str, Any]:
        return {
            "id": str(self.guild_id),
            "name": "Over a Brew (test)",
            "icon": None,
            "owner_id": str(
                next(iter(p.id for p in self.people.values() if not p.bot), self.bot.id)
            ),
            "region": "europe",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(self.system_channel) if self.system_channel else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-GB",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": "2026-01-01T10:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(self.people),
            "voice_states": [],
            "members": [p.member() for p in self.people.values()],
            "channels": list(self.channels.values()),
            # Active threads the bot can see, as Discord lists them when the bot connects.
            "threads": [t for t in self.threads.values() if not t["thread_metadata"]["archived"]],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    # -- REST ------------------------------------------------------------------------------------

    async def _outside_api(self, request: web.Request) -> web.Response:
        self.unexpected.append(f"{request.method} {request.path}")
        return _json({"message": "404: Not Found", "code": 0}, 404)

    async def _rest(self, request: web.Request) -> web.Response:
        path = request.path[len(API) :]
        body, files = await _read_body(request)
        call = Call(request.method, path, dict(request.query), body, files)
        self.calls.append(call)
        if holds_marks(body):
            self.marked.append(f"{request.method} {path}")
        response = self._injected(request.method, path)
        if response is None:
            response = await self._route(request.method, path, body, files, request)
            lost = _match(self._lost, request.method, path)
            if lost is not None and response.status < 300:
                response = _json({"message": "Service Unavailable", "code": 0}, 503)
        call.status = response.status
        return response

    def _injected(self, method: str, path: str) -> web.Response | None:
        failure = _match(self._failures, method, path)
        return None if failure is None else _json(failure.body, failure.status, failure.headers)

    async def _route(
        self, method: str, path: str, body: Any, files: list[str], request: web.Request
    ) -> web.Response:
        for route_method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match and route_method == method:
                return await handler(
                    body=body, files=files, query=request.query, **match.groupdict()
                )
        self.unexpected.append(f"{method} {path}")
        return _json({"message": "404: Not Found", "code": 0}, 404)

    async def _get_me(self, **_: Any) -> web.Response:
        return _json({**self.bot.user(), "verified": True, "mfa_enabled": False, "flags": 0})

    async def _get_application(self, **_: Any) -> web.Response:
        owner = Person(self._id(), "Owner")
        return _json(
            {
                "id": str(self.application_id),
                "name": "Brewbot",
                "icon": None,
                "description": "Over a Brew sessions",
                "rpc_origins": [],
                "bot_public": False,
                "bot_require_code_grant": False,
                "bot": self.bot.user(),
                "owner": owner.user(),
                "summary": "",
                "verify_key": "0" * 64,
                "team": None,
                "flags": 0,
                "tags": [],
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "approximate_guild_count": 1,
            }
        )

    async def _get_gateway(self, **_: Any) -> web.Response:
        return _json(
            {
                "url": f"ws://127.0.0.1:{self.port}/gateway",
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _put_commands(self, body: Any, guild: str | None = None, **_: Any) -> web.Response:
        problems = [p for command in body for p in command_problems(command, depth=0)]
        problems += [
            f"/{c.get('name')} counts {command_characters(c)} characters"
            for c in body
            if command_characters(c) > COMMAND_CHARACTERS_MAX
        ]
        if problems:
            return self._refuse("; ".join(problems))
        stored = []
        for command in body:
            stored.append(
                {
                    **command,
                    "id": str(self._id()),
                    "application_id": str(self.application_id),
                    "version": str(self._id()),
                    **({"guild_id": guild} if guild else {}),
                }
            )
        self.commands[guild or "global"] = stored
        return _json(stored)

    async def _callback(
        self, body: Any, id: str, token: str, files: list[str], **_: Any
    ) -> web.Response:
        interaction = self.interactions.get(token)
        if interaction is None or str(interaction.id) != id:
            return _json({"message": "Unknown interaction", "code": 10062}, 404)
        if interaction.callbacks:
            return _json(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, 400
            )
        kind = body["type"]
        data = body.get("data") or {}
        problem = None
        if kind == MODAL:
            problem = modal_problem(data)
        elif kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            problem = _message_problem(data, files)
        elif kind == AUTOCOMPLETE_RESULT:
            problem = autocomplete_problem(data.get("choices") or [], _focused_type(interaction))
        if problem:
            return self._refuse(problem)
        interaction.callbacks.append(body)
        interaction.first_at = time.perf_counter()
        resource: dict[str, Any] = {"type": kind}
        flags = int(data.get("flags") or 0)
        response_message = None
        if kind == CHANNEL_MESSAGE:
            response_message = self._store_message(int(interaction.payload["channel_id"]), data)
            resource["message"] = response_message
            interaction.messages.append(data)
        if kind in FINAL_CALLBACKS:
            interaction.finish()
        return _json(
            {
                "interaction": {
                    "id": str(interaction.id),
                    "type": interaction.payload["type"],
                    "activity_instance_id": None,
                    "response_message_id": response_message["id"] if response_message else None,
                    "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
                    "response_message_ephemeral": bool(flags & EPHEMERAL),
                },
                "resource": resource,
            }
        )

    def _answered(self, token: str) -> FakeInteraction | None:
        interaction = self.interactions.get(token)
        if interaction is None or not interaction.callbacks:
            return None
        return interaction

    async def _followup(
        self, body: Any, token: str, query: Any, files: list[str], **_: Any
    ) -> web.Response:
        interaction = self._answered(token)
        if interaction is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, 404)
        problem = _message_problem(body, files)
        if problem:
            return self._refuse(problem)
        message = self._store_message(int(interaction.payload["channel_id"]), body)
        interaction.messages.append(body)
        interaction.finish()
        if query.get("wait") in ("true", "1", "True"):
            return _json(message)
        return web.Response(status=204)

    async def _edit_original(
        self, body: Any, token: str, files: list[str], **_: Any
    ) -> web.Response:
        interaction = self._answered(token)
        if interaction is None or interaction.original_deleted:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        problem = _message_problem(body, files)
        if problem:
            return self._refuse(problem)
        message = self._store_message(int(interaction.payload["channel_id"]), body)
        interaction.messages.append(body)
        interaction.finish()
        return _json(message)

    async def _delete_original(self, token: str, **_: Any) -> web.Response:
        interaction = self._answered(token)
        if interaction is None or interaction.original_deleted:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        interaction.original_deleted = True
        return web.Response(status=204)

    def _where(self, channel_id: int) -> dict[str, Any] | None:
        return self.channels.get(channel_id) or self.threads.get(channel_id)

    async def _create_message(
        self, body: Any, channel: str, files: list[str], **_: Any
    ) -> web.Response:
        channel_id = int(channel)
        if channel_id in self.dms.values():
            recipient = next(u for u, c in self.dms.items() if c == channel_id)
            if recipient in self.closed_dms:
                return _json({"message": "Cannot send messages to this user", "code": 50007}, 403)
        else:
            where = self._where(channel_id)
            if where is None:
                return _json({"message": "Unknown Channel", "code": 10003}, 404)
            need = "send_messages_in_threads" if channel_id in self.threads else "send_messages"
            if not getattr(self.permissions_of(self.bot, channel_id), need):
                return _json({"message": "Missing Permissions", "code": 50013}, 403)
        problem = _message_problem(body, files)
        if problem:
            return self._refuse(problem)
        if channel_id in self.threads and self.threads[channel_id]["thread_metadata"]["locked"]:
            return _json({"message": "Thread is locked", "code": 50083}, 400)
        nonce = str(body.get("nonce") or "")
        if not (nonce and body.get("enforce_nonce")):
            return _json(self._store_message(channel_id, body))
        # Discord answers with the message this author made with this nonce, while it keeps it.
        earlier = self._nonces.get((channel_id, nonce))
        if earlier is not None and self.now() - earlier[1] < NONCE_WINDOW:
            return _json(earlier[0])
        message = self._store_message(channel_id, body)
        self._nonces[(channel_id, nonce)] = (message, self.now())
        return _json(message)

    async def _edit_message(
        self, body: Any, channel: str, message: str, files: list[str], **_: Any
    ) -> web.Response:
        found = self.messages.get(int(message))
        if found is None or found["channel_id"] != channel:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        problem = _message_problem(body, files)
        if problem:
            return self._refuse(problem)
        found.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        found["edited_timestamp"] = _now()
        return _json(found)

    def _store_message(self, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        message_id = self._id()
        message = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": self.bot.user(),
            "content": body.get("content") or "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 0,
            "flags": int(body.get("flags") or 0),
            "components": body.get("components") or [],
        }
        if body.get("nonce"):
            message["nonce"] = str(body["nonce"])
        if channel_id not in self.dms.values():
            message["guild_id"] = str(self.guild_id)
        self.messages[message_id] = message
        return message

    async def _create_thread(self, body: Any, channel: str, **_: Any) -> web.Response:
        parent = self.channels.get(int(channel))
        if parent is None:
            return _json({"message": "Unknown Channel", "code": 10003}, 404)
        kind = body.get("type")
        if kind not in (11, 12):
            return self._refuse(f"thread type {kind!r}")
        if not 1 <= len(body.get("name", "")) <= 100:
            return self._refuse(f"thread name {body.get('name')!r}")
        flag = "create_private_threads" if kind == 12 else "create_public_threads"
        if not getattr(self.permissions_of(self.bot, int(channel)), flag):
            return _json({"message": "Missing Permissions", "code": 50013}, 403)
        thread_id = self._id()
        thread = {
            "id": str(thread_id),
            "guild_id": str(self.guild_id),
            "parent_id": channel,
            "owner_id": str(self.bot.id),
            "name": body["name"],
            "type": kind,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "flags": 0,
            "applied_tags": [],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": _now(),
                "locked": False,
                "invitable": body.get("invitable", True) if kind == 12 else True,
                "create_timestamp": _now(),
            },
        }
        self.threads[thread_id] = thread
        self.thread_members[thread_id] = [self.bot.id]
        await self._dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        answer = {
            **thread,
            "member": {
                "id": str(thread_id),
                "user_id": str(self.bot.id),
                "join_timestamp": _now(),
                "flags": 0,
            },
        }
        return _json(answer)

    async def _add_thread_member(self, channel: str, user: str, **_: Any) -> web.Response:
        thread = self.threads.get(int(channel))
        if thread is None:
            return _json({"message": "Unknown Channel", "code": 10003}, 404)
        if thread["thread_metadata"]["archived"]:
            return _json({"message": "Thread is archived", "code": 50083}, 400)
        if int(user) not in self.people:
            return _json({"message": "Unknown Member", "code": 10007}, 404)
        if int(user) not in self.thread_members[int(channel)]:
            self.thread_members[int(channel)].append(int(user))
        return web.Response(status=204)

    async def _get_channel(self, channel: str, **_: Any) -> web.Response:
        channel_id = int(channel)
        if channel_id in self.dms.values():
            user = next(u for u, c in self.dms.items() if c == channel_id)
            return _json(self._dm_json(user, channel_id))
        found = self._where(channel_id)
        if found is None:
            return _json({"message": "Unknown Channel", "code": 10003}, 404)
        return _json(found)

    async def _edit_channel(self, body: Any, channel: str, **_: Any) -> web.Response:
        thread = self.threads.get(int(channel))
        if thread is None:
            if int(channel) in self.channels:
                return self._refuse("the bot only edits its breakout threads")
            return _json({"message": "Unknown Channel", "code": 10003}, 404)
        metadata = thread["thread_metadata"]
        for key in ("archived", "locked", "auto_archive_duration", "invitable"):
            if key in body:
                metadata[key] = body[key]
        if "archived" in body:
            metadata["archive_timestamp"] = _now()
        await self._dispatch("THREAD_UPDATE", thread)
        return _json(thread)

    def archived_threads(self) -> list[int]:
        return [i for i, t in self.threads.items() if t["thread_metadata"]["archived"]]

    def delete_thread(self, thread_id: int) -> None:
        """Someone deleted a thread by hand (the bot hears nothing: no THREAD_DELETE)."""
        self.threads.pop(thread_id, None)

    async def _create_dm(self, body: Any, **_: Any) -> web.Response:
        user_id = int(body["recipient_id"])
        if user_id not in self.people:
            return _json({"message": "Unknown User", "code": 10013}, 404)
        channel_id = self.dms.setdefault(user_id, self._id())
        return _json(self._dm_json(user_id, channel_id))

    def _dm_json(self, user_id: int, channel_id: int) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [self.people[user_id].user()],
        }

    def _channel_json(self, channel_id: int) -> dict[str, Any]:
        found = self._where(channel_id)
        assert found is not None, f"no channel {channel_id}"
        return {**found, "permissions": str(self.permissions_of(self.bot, channel_id).value)}

    async def _get_member(self, guild: str, user: str, **_: Any) -> web.Response:
        person = self.people.get(int(user))
        if person is None or guild != str(self.guild_id):
            return _json({"message": "Unknown Member", "code": 10007}, 404)
        return _json(person.member())

    async def _list_events(self, guild: str, **_: Any) -> web.Response:
        return _json([e for e in self.events.values() if e["guild_id"] == guild])

    async def _create_event(self, body: Any, guild: str, **_: Any) -> web.Response:
        if not self.permissions_of(self.bot).create_events:
            return _json({"message": "Missing Permissions", "code": 50013}, 403)
        problem = _event_problem(body)
        if problem:
            return self._refuse(problem)
        event_id = self._id()
        event = {
            "id": str(event_id),
            "guild_id": guild,
            "channel_id": None,
            "creator_id": str(self.bot.id),
            "creator": self.bot.user(),
            "name": body["name"],
            "description": body.get("description"),
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": body["privacy_level"],
            "status": 1,
            "entity_type": body["entity_type"],
            "entity_id": None,
            "entity_metadata": body.get("entity_metadata"),
            "user_count": 0,
            "image": None,
            "recurrence_rule": None,
        }
        self.events[event_id] = event
        return _json(event)

    async def _edit_event(self, body: Any, guild: str, event: str, **_: Any) -> web.Response:
        found = self.events.get(int(event))
        if found is None:
            return _json({"message": "Unknown Guild Scheduled Event", "code": 10070}, 404)
        if "status" in body:
            allowed = {1: {2, 4}, 2: {3}}.get(found["status"], set())
            if body["status"] not in allowed:
                return self._refuse(f"event status {found['status']} -> {body['status']}")
        for key in (
            "name",
            "description",
            "scheduled_start_time",
            "scheduled_end_time",
            "status",
            "entity_metadata",
            "privacy_level",
            "entity_type",
        ):
            if key in body:
                found[key] = body[key]
        return _json(found)


# -- helpers ---------------------------------------------------------------------------------------


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": discord.py reads any other content type as text.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


async def _read_body(request: web.Request) -> tuple[Any, list[str]]:
    raw = await request.read()
    if request.content_type.startswith("multipart/"):
        return _multipart(raw, request.headers["Content-Type"])
    return (json.loads(raw) if raw else None), []


def _multipart(raw: bytes, content_type: str) -> tuple[Any, list[str]]:
    """The `payload_json` and the file names of a multipart body, as discord.py sends them
    (flat parts, one boundary). Split in C rather than read part by part with aiohttp's
    reader, which cost this fake about 0.65 ms a body against 0.04: in `brewbot bench` the
    loopback Discord, not the bot, was then what made an answer with pictures slow."""
    header = Message()
    header["Content-Type"] = content_type
    boundary = header.get_param("boundary")
    assert isinstance(boundary, str)  # discord.py always names one
    body: Any = {}
    files: list[str] = []
    for part in raw.split(b"--" + boundary.encode())[1:-1]:
        head, _, data = part.partition(b"\r\n\r\n")
        said = dict(_DISPOSITION.findall(head.decode("latin-1")))
        if said.get("name") == "payload_json":
            body = json.loads(data.removesuffix(b"\r\n"))
        else:
            files.append(said.get("filename") or said.get("name") or "")
    return body, files


_DISPOSITION = re.compile(r'\b(name|filename)="([^"]*)"')


def _role(
    role_id: int, name: str, permissions: int, position: int, *, managed: bool = False
) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": False,
        "flags": 0,
        "tags": {},
    }


def command_problems(command: dict[str, Any], depth: int) -> list[str]:
    problems = []
    name = command.get("name", "")
    if not NAME_PATTERN.match(name) or name != name.lower():
        problems.append(f"command name {name!r}")
    if not 1 <= len(command.get("description", "")) <= 100:
        problems.append(f"description of {name!r}")
    options = command.get("options") or []
    if len(options) > 25:
        problems.append(f"{name!r} has {len(options)} options")
    seen = set()
    required_done = False
    for option in options:
        if option["name"] in seen:
            problems.append(f"{name!r} has two options called {option['name']!r}")
        seen.add(option["name"])
        if option["type"] in (1, 2):
            if depth >= 2 or (option["type"] == 2 and depth >= 1):
                problems.append(f"{option['name']!r} is nested too deeply")
            problems += command_problems(option, depth + 1)
            continue
        if not NAME_PATTERN.match(option["name"]):
            problems.append(f"option name {option['name']!r}")
        if not 1 <= len(option.get("description", "")) <= 100:
            problems.append(f"description of option {option['name']!r}")
        if option.get("required") and required_done:
            problems.append(f"required option {option['name']!r} after an optional one")
        required_done = required_done or not option.get("required")
        if len(option.get("choices") or []) > 25:
            problems.append(f"{option['name']!r} has more than 25 choices")
        if option.get("choices") and option.get("autocomplete"):
            problems.append(f"{option['name']!r} has choices and autocomplete")
    return problems


# Each embed part: (where it is, its limit). Discord trims leading and trailing whitespace
# before it counts.
_EMBED_PARTS = (("title", 256), ("description", 4096), ("footer.text", 2048), ("author.name", 256))


def _embed_part(embed: dict[str, Any], where: str) -> str:
    value: Any = embed
    for key in where.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return str(value or "").strip()


def _embeds_problem(embeds: list[dict[str, Any]]) -> str | None:
    if len(embeds) > EMBEDS_MAX:
        return f"{len(embeds)} embeds"
    total = 0
    for embed in embeds:
        for where, limit in _EMBED_PARTS:
            text = _embed_part(embed, where)
            if len(text) > limit:
                return f"an embed {where} of {len(text)} characters (at most {limit})"
            total += len(text)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            return f"an embed with {len(fields)} fields"
        for item in fields:
            name, value = str(item.get("name") or "").strip(), str(item.get("value") or "").strip()
            if not 0 < len(name) <= 256 or not 0 < len(value) <= 1024:
                return "an embed field's name (1-256) or value (1-1024)"
            total += len(name) + len(value)
    if total > EMBED_TOTAL_MAX:
        return f"embeds of {total} characters in one message"
    return None


def _options_problem(options: list[dict[str, Any]], most: int) -> str | None:
    if not 1 <= len(options) <= most:
        return f"{len(options)} options (1-{most})"
    values = [str(o.get("value", "")) for o in options]
    if len(set(values)) != len(values):
        return "two options with one value"
    for option in options:
        for key in ("label", "value", "description"):
            text = str(option.get(key) or "")
            if len(text) > OPTION_TEXT_MAX or (key != "description" and not text):
                return f"option {key} {text!r} (1-{OPTION_TEXT_MAX} characters)"
    return None


def _component_problem(component: dict[str, Any], ids: list[str]) -> str | None:
    """One interactive component of a message or a modal; `ids` collects custom ids."""
    kind = component.get("type")
    custom = component.get("custom_id")
    if custom is not None:
        if not 1 <= len(str(custom)) <= CUSTOM_ID_MAX:
            return f"custom id {custom!r} is not 1-{CUSTOM_ID_MAX} characters"
        ids.append(str(custom))
    if kind == 2:
        if not component.get("label") and not component.get("emoji"):
            return "a button with neither label nor emoji"
        if len(component.get("label") or "") > BUTTON_LABEL_MAX:
            return f"button label {component.get('label')!r}"
        if (custom is None) == (component.get("style") != 5):
            return "a button needs a custom id, a link button a url instead"
    elif kind == 3:
        problem = _options_problem(component.get("options") or [], SELECT_OPTIONS_MAX)
        if problem:
            return f"a select with {problem}"
    elif kind == 22:
        problem = _options_problem(component.get("options") or [], CHECKBOX_OPTIONS_MAX)
        if problem:
            return f"a checkbox group with {problem}"
    elif kind == 4:
        low, high = component.get("min_length", 0), component.get("max_length", TEXT_INPUT_MAX)
        if not (0 <= low <= TEXT_INPUT_MAX and 1 <= high <= TEXT_INPUT_MAX and low <= high):
            return f"text input lengths {low}-{high} (0-{TEXT_INPUT_MAX})"
        if len(component.get("value") or "") > high:
            return "a text input's value longer than its max_length"
        if len(component.get("placeholder") or "") > TEXT_PLACEHOLDER_MAX:
            return "text input placeholder over 100 characters"
    if kind in (3, 5, 6, 7, 8) and len(component.get("placeholder") or "") > SELECT_PLACEHOLDER_MAX:
        return "select placeholder over 150 characters"
    return None


def _rows_problem(rows: list[dict[str, Any]]) -> str | None:
    """A legacy message's components: at most 5 action rows, each up to 5 buttons or one
    select; custom ids unique in the message."""
    if len(rows) > ROWS_MAX:
        return f"{len(rows)} rows of components"
    ids: list[str] = []
    for row in rows:
        if row.get("type") != 1:
            return f"top-level component type {row.get('type')} without IS_COMPONENTS_V2"
        inner = row.get("components") or []
        kinds = {c.get("type") for c in inner}
        if not inner or (kinds == {2} and len(inner) > BUTTONS_PER_ROW):
            return f"an action row of {len(inner)} components"
        if kinds != {2} and len(inner) != 1:
            return "a select shares its action row"
        for component in inner:
            problem = _component_problem(component, ids)
            if problem:
                return problem
    if len(set(ids)) != len(ids):
        return f"custom ids repeated in one message: {sorted(i for i in ids if ids.count(i) > 1)}"
    return None


def _message_problem(body: dict[str, Any], files: list[str] | None = None) -> str | None:
    content = body.get("content") or ""
    if len(content) > CONTENT_MAX:
        return f"content of {len(content)} characters"
    embeds = body.get("embeds") or []
    problem = _embeds_problem(embeds)
    if problem:
        return problem
    attached = max(len(files or []), len(body.get("attachments") or []))
    if attached > FILES_MAX:
        return f"{attached} files in one message"
    if not content and not embeds and not body.get("components") and not attached:
        if "content" in body or "embeds" in body:
            return "an empty message"
    if len(str(body.get("nonce") or "")) > NONCE_MAX:
        return f"nonce {body['nonce']!r} over {NONCE_MAX} characters"
    mentions = body.get("allowed_mentions") or {}
    if any(len(mentions.get(k) or []) > MENTION_IDS_MAX for k in ("users", "roles")):
        return "allowed_mentions names more than 100 ids"
    return _rows_problem(body.get("components") or [])


def modal_problem(data: dict[str, Any]) -> str | None:
    if not 1 <= len(data.get("title", "")) <= 45:
        return f"modal title {data.get('title')!r}"
    if not 1 <= len(data.get("custom_id", "")) <= CUSTOM_ID_MAX:
        return "modal custom id"
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        return f"a modal with {len(components)} components"
    ids: list[str] = []
    for top in components:
        if top["type"] == 18:
            if not 1 <= len(top.get("label", "")) <= 45:
                return f"label {top.get('label')!r}"
            if len(top.get("description") or "") > 100:
                return "label description over 100 characters"
            inner = top["component"]
            if inner["type"] not in (3, 4, 21, 22, 23):
                return f"component type {inner['type']} inside a label"
            problem = _component_problem(inner, ids)
            if problem:
                return problem
        elif top["type"] == 10:
            if len(top.get("content", "")) > 4000:
                return "text display over 4000 characters"
        elif top["type"] == 1:
            for inner in top.get("components") or []:
                problem = _component_problem(inner, ids)
                if problem:
                    return problem
        else:
            return f"top-level component type {top['type']} in a modal"
    if len(set(ids)) != len(ids):
        return "custom ids repeated in one modal"
    return None


def autocomplete_problem(choices: list[dict[str, Any]], option_type: int) -> str | None:
    """An autocomplete answer (docs/interactions/receiving-and-responding: at most 25
    choices; docs/interactions/application-commands: a choice's name 1-100 characters, a
    string value at most 100, of the option's own type)."""
    if len(choices) > AUTOCOMPLETE_MAX:
        return f"{len(choices)} autocomplete choices"
    for choice in choices:
        name, value = str(choice.get("name") or ""), choice.get("value")
        if not 1 <= len(name) <= CHOICE_TEXT_MAX:
            return f"choice name {name!r} is not 1-{CHOICE_TEXT_MAX} characters"
        wanted = str if option_type == 3 else int
        if not isinstance(value, wanted) or isinstance(value, bool):
            return f"choice value {value!r} is not of the option's type {option_type}"
        if isinstance(value, str) and len(value) > CHOICE_TEXT_MAX:
            return f"choice value {value!r} is over {CHOICE_TEXT_MAX} characters"
    return None


def command_characters(command: dict[str, Any]) -> int:
    """What Discord counts towards a command's 8000 characters: the names, descriptions and
    choice names and values of the command, its subcommands, groups and options."""
    total = len(command.get("name", "")) + len(command.get("description", ""))
    for choice in command.get("choices") or []:
        total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    return total + sum(command_characters(o) for o in command.get("options") or [])


def _focused_type(interaction: FakeInteraction) -> int:
    """The type of the option being typed in an autocomplete interaction."""
    options = list(interaction.payload["data"].get("options") or [])
    while options:
        option = options.pop()
        if option.get("focused"):
            return int(option["type"])
        options.extend(option.get("options") or [])
    raise AssertionError("an autocomplete interaction with no focused option")


def _event_problem(body: dict[str, Any]) -> str | None:
    if not 1 <= len(body.get("name", "")) <= 100:
        return "event name"
    if len(body.get("description") or "") > 1000:
        return "event description over 1000 characters"
    if body.get("entity_type") == 3:
        location = (body.get("entity_metadata") or {}).get("location") or ""
        if not 1 <= len(location) <= 100 or not body.get("scheduled_end_time"):
            return "an external event needs a location and an end time"
    return None


def _inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for top in modal["components"]:
        if top["type"] == 18:
            found.append(top["component"])
        elif top["type"] == 1:
            found.extend(top["components"])
    return found


def _answer_key(component: dict[str, Any]) -> str:
    return str(component.get("custom_id"))


def _answer(component: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    key = _answer_key(component)
    value = answers.get(key)
    kind = component["type"]
    out: dict[str, Any] = {"type": kind, "custom_id": key, "id": component.get("id", 0)}
    if kind == 4:
        text = str(value or "")
        if component.get("required", True) and not text:
            raise AssertionError(f"{key!r} is required")
        if len(text) > component.get("max_length", 4000):
            raise AssertionError(f"{key!r} allows {component.get('max_length')} characters")
        out["value"] = text
    elif kind in (3, 22):
        values = [value] if isinstance(value, str) else list(value or [])
        allowed = {o["value"] for o in component.get("options", [])}
        if not set(values) <= allowed:
            raise AssertionError(f"{key!r}: {values} not among {sorted(allowed)}")
        if component.get("required", True) and not values:
            raise AssertionError(f"{key!r} is required")
        out["values"] = values
    elif kind == 23:
        out["value"] = bool(value)
    elif kind == 21:
        out["value"] = value
    return out


def _match(failures: list[Failure], method: str, path: str) -> Failure | None:
    """The first injected answer for this request still to be used, counted down."""
    for failure in failures:
        if failure.method == method and failure.pattern.match(path) and failure.times != 0:
            if failure.after > 0:
                failure.after -= 1
                continue
            if failure.times is not None:
                failure.times -= 1
            return failure
    return None

"""A loopback fake of the Slack Web API for tests (aiohttp, 127.0.0.1, port 0).

The real slack_sdk AsyncWebClient talks to it through `base_url` (SLACK_API_URL). It keeps a
small workspace (users, channels with their messages, user groups, DMs), answers the methods
Brewbot uses the way Slack does (same fields, same error codes), enforces the Block Kit limits
Slack enforces (so a renderer bug fails here as it would in production) and records every
call. It can answer a method with 429 + Retry-After or with an error such as
`channel_not_found`, can hold a method's answers until a test releases them, and can run a
test's callback after a call was carried out but before its answer goes back (`on_call`).

It also serves the URLs Slack hands out: response_url (answers to a command or a click) and
the file upload URL of files.getUploadURLExternal.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.loopback import holds_marks

TEAM_ID = "T0BREW"
TEAM_DOMAIN = "brewcouncil"
BOT_USER = "UBREWBOT"
BOT_ID = "BBREWBOT"
# Values Slack sends as JSON text inside form-encoded requests.
JSON_ARGS = ("blocks", "view", "attachments", "files")
WAIT_LIMIT = 10.0
# Slack's trigger_id opens a form only within 3 seconds of the click or command.
TRIGGER_SECONDS = 3.0
_CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


@dataclass
class Call:
    """One request the bot made: a Web API method, "response_url" or "upload"."""

    seq: int
    method: str
    args: dict[str, Any]
    token: str | None = None
    answered: str = "ok"  # "ok", an error code, or "429"
    # The bot's end of the TCP connection the call came over (its port), or 0.
    connection: int = 0
    # When it reached the fake (time.perf_counter), for the bench's answer times.
    at: float = field(default_factory=time.perf_counter)


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private and not self.is_im,
            "is_group": self.is_private,
            "is_im": self.is_im,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_member": BOT_USER in self.members,
        }


@dataclass
class Failure:
    error: str
    status: int = 200
    retry_after: int | None = None


@dataclass
class Hook:
    """A test's callback, run after the `left`-th more successful call `where` accepts."""

    left: int
    callback: Callable[[Call], Awaitable[None] | None]
    where: Callable[[dict[str, Any]], bool]


class SlackApiRefusal(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        # Calls holding a mark of typed words (bot/core/marked.py), which must never leave
        # Brewbot: the test harness fails the test (`assert_unmarked`).
        self.marked: list[str] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}
        self.response_urls: dict[str, list[dict[str, Any]]] = {}
        # trigger_id -> when it was handed out (time.monotonic); used ones are dropped.
        self.triggers: dict[str, float] = {}
        self._used_triggers: set[str] = set()
        # user id -> the Home tab view last published for them.
        self.home_views: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, list[Failure]] = {}
        self._gates: dict[str, asyncio.Event] = {}
        self._lost: dict[str, int] = {}
        self._hooks: dict[str, list[Hook]] = {}
        self._watchers: list[Callable[[Call], None]] = []
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""
        # Socket Mode: the one open WebSocket, and what the app sent back on it.
        self.socket: web.WebSocketResponse | None = None
        self.envelopes = itertools.count(1)
        self.add_user(BOT_USER, "brewbot", bot=True)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.add_routes(
            [
                web.post("/api/{method}", self._api),
                web.get("/api/{method}", self._api),
                web.post("/response/{id}", self._response_url),
                web.post("/upload/{file_id}", self._upload),
                web.get("/link/", self._socket),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def close(self) -> None:
        for gate in self._gates.values():
            gate.set()
        if self.socket is not None:
            await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    # -- the workspace --------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        admin: bool = False,
        owner: bool = False,
        bot: bool = False,
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name.lower().replace(" ", "."),
            "deleted": False,
            "real_name": name,
            "is_admin": admin,
            "is_owner": owner,
            "is_primary_owner": False,
            "is_bot": bot,
            "profile": {"display_name": name, "real_name": name},
        }

    def add_channel(
        self, channel_id: str, name: str, *, private: bool = False, members: tuple[str, ...] = ()
    ) -> Channel:
        channel = Channel(channel_id, name, is_private=private, members={BOT_USER, *members})
        self.channels[channel_id] = channel
        return channel

    def add_usergroup(self, handle: str, name: str, users: list[str]) -> None:
        self.usergroups.append(
            {
                "id": f"S{next(self._ids):06d}",
                "team_id": TEAM_ID,
                "handle": handle,
                "name": name,
                "date_delete": 0,
                "users": list(users),
                "user_count": len(users),
            }
        )

    # -- making trouble -------------------------------------------------------------------

    def fail(self, method: str, error: str, *, times: int = 1, status: int = 200) -> None:
        """Answer the next `times` calls of `method` with {"ok": false, "error": error}
        (with HTTP `status`: 200 as Slack answers a refusal, 500 or 503 when it fails)."""
        self._failures.setdefault(method, []).extend(Failure(error, status) for _ in range(times))

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and Retry-After."""
        self._failures.setdefault(method, []).extend(
            Failure("ratelimited", 429, retry_after) for _ in range(times)
        )

    def lose_answer(self, method: str, *, times: int = 1) -> None:
        """Carry out the next `times` calls of `method`, then answer HTTP 500 as if it had
        failed (the answer lost on the way back: the caller cannot know it worked)."""
        self._lost[method] = self._lost.get(method, 0) + times

    def on_call(
        self,
        method: str,
        callback: Callable[[Call], Awaitable[None] | None],
        *,
        nth: int = 1,
        where: Callable[[dict[str, Any]], bool] = lambda args: True,
    ) -> None:
        """Once the `nth` successful call of `method` whose arguments `where` accepts has been
        carried out and recorded, run `callback` (awaited if it is a coroutine) before that
        call's answer goes back: a test can kill the caller there, so Slack did the thing
        and the caller never heard. Runs once."""
        self._hooks.setdefault(method, []).append(Hook(nth, callback, where))

    def watch(self, callback: Callable[[Call], None]) -> None:
        """Run `callback` with every call as it is recorded: the bench hands each answer to
        the press it answers at once, where searching `calls` for each of thousands of
        presses would cost the fake more than the answers do."""
        self._watchers.append(callback)

    def hold(self, method: str) -> asyncio.Event:
        """Keep calls of `method` waiting until the returned event is set."""
        gate = self._gates[method] = asyncio.Event()
        return gate

    def new_trigger(self) -> str:
        """A trigger_id, as Slack sends with a click or command: it opens one form, within
        TRIGGER_SECONDS."""
        trigger = f"{next(self._ids)}.{TEAM_ID}.trigger"
        self.triggers[trigger] = time.monotonic()
        return trigger

    def new_response_url(self) -> str:
        key = f"R{next(self._ids):06d}"
        self.response_urls[key] = []
        return f"{self.url}/response/{key}"

    # -- reading what happened ------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def after(self, seq: int) -> list[Call]:
        return [c for c in self.calls if c.seq > seq]

    @property
    def last_seq(self) -> int:
        return self.calls[-1].seq if self.calls else 0

    async def wait_for(self, predicate: Callable[[Call], bool], *, after: int = 0) -> Call:
        """The first call after `after` that matches, waiting for it if need be. A call that
        never comes fails the test after WAIT_LIMIT seconds instead of hanging it."""

        def found() -> Call | None:
            return next((c for c in self.calls if c.seq > after and predicate(c)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), WAIT_LIMIT)
        call = found()
        assert call is not None
        return call

    def assert_unmarked(self) -> None:
        assert self.marked == [], f"marks of typed words sent to Slack: {self.marked}"

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        if holds_marks(call.args):
            self.marked.append(call.method)
        for watcher in self._watchers:
            watcher(call)
        async with self._changed:
            self._changed.notify_all()

    # -- HTTP -----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        token = _token(request, args)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        call = Call(next(self._seq), method, args, token, connection=peer[1] if peer else 0)
        gate = self._gates.get(method)
        if gate is not None:
            await gate.wait()
        failures = self._failures.get(method)
        if failures:
            failure = failures.pop(0)
            call.answered = "429" if failure.status == 429 else failure.error
            await self._record(call)
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            return _json({"ok": False, "error": failure.error}, failure.status, headers)
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        try:
            if not token and method != "oauth.v2.access":
                raise SlackApiRefusal("not_authed")
            if (method == "apps.connections.open") != str(token).startswith("xapp-"):
                raise SlackApiRefusal("not_allowed_token_type")
            if handler is None:
                raise SlackApiRefusal("unknown_method")
            body = {"ok": True, **handler(args)}
        except SlackApiRefusal as exc:
            call.answered = exc.error
            body = {"ok": False, "error": exc.error}
        await self._record(call)
        if body["ok"]:
            await self._run_hooks(call)
        if body["ok"] and self._lost.get(method):
            self._lost[method] -= 1
            call.answered = "lost"
            return _json({"ok": False, "error": "internal_error"}, 500)
        return _json(body)

    async def _run_hooks(self, call: Call) -> None:
        for hook in list(self._hooks.get(call.method, [])):
            if not hook.where(call.args):
                continue
            hook.left -= 1
            if hook.left == 0:
                self._hooks[call.method].remove(hook)
                result = hook.callback(call)
                if inspect.isawaitable(result):
                    await result

    async def _response_url(self, request: web.Request) -> web.Response:
        key = request.match_info["id"]
        args = json.loads(await request.text() or "{}")
        args["url_id"] = key
        call = Call(next(self._seq), "response_url", args)
        answers = self.response_urls.get(key)
        if answers is None or len(answers) >= 5:
            call.answered = "used_url" if answers is not None else "expired_url"
            await self._record(call)
            return web.Response(status=404, text=call.answered)
        try:
            _check_message(args)
        except SlackApiRefusal as exc:
            call.answered = exc.error
            await self._record(call)
            return web.Response(status=400, text=exc.error)
        answers.append(args)
        await self._record(call)
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        self.uploads[file_id] = data
        await self._record(Call(next(self._seq), "upload", {"file_id": file_id, "size": len(data)}))
        return web.Response(text=f"OK - {len(data)}")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record every acknowledgement the app sends back."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.socket = ws
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "connection_info": {"app_id": "A0BREW"},
                "debug_info": {"host": "fake"},
            }
        )
        await self._record(Call(next(self._seq), "socket_connected", {}))
        async for message in ws:
            if message.type.name == "TEXT":
                await self._record(Call(next(self._seq), "socket_ack", json.loads(message.data)))
        return ws

    async def push(
        self, kind: str, payload: dict[str, Any], *, retry: int = 0, envelope_id: str = ""
    ) -> str:
        """Send an envelope over Socket Mode; returns its envelope id (`envelope_id` if
        given: a caller that must know it before the app can answer chooses it)."""
        assert self.socket is not None, "the app has not connected"
        envelope_id = envelope_id or f"env-{next(self.envelopes)}"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope.update(retry_attempt=retry, retry_reason="timeout" if retry else "")
        await self.socket.send_json(envelope)
        return envelope_id

    # -- methods --------------------------------------------------------------------------

    def _ts(self) -> str:
        n = next(self._ids)
        return f"{1_700_000_000 + n}.{n:06d}"

    def _channel(self, channel_id: str | None) -> Channel:
        channel = self.channels.get(channel_id or "")
        if channel is None:
            raise SlackApiRefusal("channel_not_found")
        return channel

    def _user(self, user_id: str | None) -> dict[str, Any]:
        user = self.users.get(user_id or "")
        if user is None:
            raise SlackApiRefusal("user_not_found")
        return user

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Brew council",
            "user": "brewbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"user": self._user(args.get("user"))}

    def _m_usergroups_list(self, args: dict[str, Any]) -> dict[str, Any]:
        include = str(args.get("include_users", "")).lower() in ("1", "true")
        groups = [{k: v for k, v in g.items() if include or k != "users"} for g in self.usergroups]
        return {"usergroups": groups}

    def _postable(self, channel_id: str | None) -> Channel:
        channel = self._channel(channel_id)
        if channel.is_archived:
            raise SlackApiRefusal("is_archived")
        if BOT_USER not in channel.members:
            # A private channel the bot is not in is invisible to it; a public one needs
            # chat:write.public, which Brewbot has.
            if channel.is_private:
                raise SlackApiRefusal("channel_not_found")
        return channel

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable(args.get("channel"))
        _check_message(args)
        message = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "text": args.get("text", ""),
            "blocks": args.get("blocks") or [],
            "ts": self._ts(),
        }
        thread = args.get("thread_ts")
        if thread:
            if not any(m["ts"] == thread for m in channel.messages):
                raise SlackApiRefusal("thread_not_found")
            message["thread_ts"] = thread
        metadata = args.get("metadata")
        if metadata:
            metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
            if not isinstance(metadata.get("event_type"), str) or "event_payload" not in metadata:
                raise SlackApiRefusal("invalid_metadata_format")
            message["metadata"] = metadata
        channel.messages.append(message)
        return {"channel": channel.id, "ts": message["ts"], "message": message}

    def _readable(self, args: dict[str, Any]) -> Channel:
        channel = self._channel(args.get("channel"))
        if BOT_USER not in channel.members:
            raise SlackApiRefusal("not_in_channel")
        return channel

    def _m_conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """The conversations the bot is in, of the asked types (one page)."""
        types = set(str(args.get("types") or "public_channel").split(","))
        found = [
            c.info()
            for c in self.channels.values()
            if not c.is_im
            and BOT_USER in c.members
            and ("private_channel" if c.is_private else "public_channel") in types
            and not (c.is_archived and str(args.get("exclude_archived")).lower() in ("1", "true"))
        ]
        return {"channels": found, "response_metadata": {"next_cursor": ""}}

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Newest first, top-level messages only; metadata only when asked for."""
        channel = self._readable(args)
        found = [m for m in channel.messages if m.get("thread_ts") in (None, m["ts"])]
        return {"messages": _page(found[::-1], args), "has_more": False}

    def _m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """The thread's parent, then its replies, oldest first."""
        channel = self._readable(args)
        parent = args.get("ts")
        found = [m for m in channel.messages if parent in (m["ts"], m.get("thread_ts"))]
        if not found:
            raise SlackApiRefusal("thread_not_found")
        return {"messages": _page(found, args), "has_more": False}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable(args.get("channel"))
        self._user(args.get("user"))
        _check_message(args)
        if not channel.is_im and args["user"] not in channel.members:
            # Slack only shows an ephemeral message to someone who is in the channel.
            raise SlackApiRefusal("user_not_in_channel")
        return {"message_ts": self._ts()}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        _check_message(args)
        for message in channel.messages:
            if message["ts"] == args.get("ts"):
                message.update(text=args.get("text", ""), blocks=args.get("blocks") or [])
                return {"channel": channel.id, "ts": message["ts"], "text": message["text"]}
        raise SlackApiRefusal("message_not_found")

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("users") or "")
        if "," in user_id:
            raise SlackApiRefusal("not_implemented_in_fake")
        user = self._user(user_id)
        if user["is_bot"]:
            raise SlackApiRefusal("cannot_dm_bot")
        dm_id = "D" + user_id[1:]
        if dm_id not in self.channels:
            self.channels[dm_id] = Channel(dm_id, dm_id, is_im=True, members={BOT_USER, user_id})
        return {"channel": {"id": dm_id}}

    def _m_conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name") or "")
        if not _CHANNEL_NAME.match(name):
            raise SlackApiRefusal("invalid_name_specials")
        if any(c.name == name for c in self.channels.values()):
            raise SlackApiRefusal("name_taken")
        private = str(args.get("is_private", "")).lower() in ("1", "true")
        channel_id = f"{'G' if private else 'C'}{next(self._ids):08d}"
        channel = self.add_channel(channel_id, name, private=private)
        return {"channel": channel.info()}

    def _m_conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        if channel.is_archived:
            raise SlackApiRefusal("is_archived")
        users = [u for u in str(args.get("users") or "").split(",") if u]
        for user_id in users:
            self._user(user_id)
        if users and all(u in channel.members for u in users):
            raise SlackApiRefusal("already_in_channel")
        channel.members.update(users)
        return {"channel": channel.info()}

    def _m_conversations_archive(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        if channel.is_archived:
            raise SlackApiRefusal("already_archived")
        channel.is_archived = True
        return {}

    def _m_conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        if channel.is_private or channel.is_im:
            raise SlackApiRefusal("method_not_supported_for_channel_type")
        channel.members.add(BOT_USER)
        return {"channel": channel.info()}

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"{self.url.replace('http', 'ws', 1)}/link/?ticket=fake"}

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger = str(args.get("trigger_id") or "")
        if not trigger:
            raise SlackApiRefusal("invalid_trigger_id")
        if trigger in self._used_triggers:
            # Slack lets a trigger open one form.
            raise SlackApiRefusal("exchanged_trigger_id")
        issued = self.triggers.pop(trigger, None)
        if issued is not None:
            self._used_triggers.add(trigger)
            if time.monotonic() - issued > TRIGGER_SECONDS:
                raise SlackApiRefusal("expired_trigger_id")
        view = args.get("view") or {}
        check_view(view)
        return {"view": {"id": f"V{next(self._ids):08d}", "team_id": TEAM_ID, **view}}

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        """A Home tab: type "home", at most 100 blocks, for a user of the workspace."""
        self._user(args.get("user_id"))
        view = args.get("view") or {}
        blocks = view.get("blocks") or []
        if view.get("type") != "home" or not 0 < len(blocks) <= 100:
            raise SlackApiRefusal("invalid_arguments")
        _check_blocks(blocks, in_modal=False)
        self.home_views[str(args["user_id"])] = view
        return {"view": {"id": f"V{next(self._ids):08d}", "team_id": TEAM_ID, **view}}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            raise SlackApiRefusal("invalid_arguments")
        file_id = f"F{next(self._ids):08d}"
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files") or []
        if args.get("channel_id"):
            self._postable(args["channel_id"])
        for item in files:
            if item.get("id") not in self.uploads:
                raise SlackApiRefusal("file_not_found")
        return {"files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}


# -- request helpers and Slack's limits ---------------------------------------------------


def _page(messages: list[dict[str, Any]], args: dict[str, Any]) -> list[dict[str, Any]]:
    limit = int(args.get("limit") or 100)
    with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
    return [
        m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
        for m in messages[:limit]
    ]


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    text = await request.text()
    if request.content_type == "application/json" and text:
        args.update(json.loads(text))
    elif text:
        args.update(parse_qsl(text, keep_blank_values=True))
    for key in JSON_ARGS:
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args


def _token(request: web.Request, args: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ")
    return args.get("token")


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=headers
    )


def _text_of(obj: dict[str, Any] | None) -> str:
    return str((obj or {}).get("text") or "")


# Slack's limits (api.slack.com: Block Kit reference, "blocks", "block elements",
# "composition objects"; chat.postMessage). The fake refuses what Slack refuses.
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
TEXT_MAX = 40_000  # chat.postMessage: longer `text` is refused as msg_too_long
# Not in the reference, but Slack refuses a message whose blocks hold more than about
# 12,000 characters of text in all (msg_blocks_too_long; Slack's answer in
# slackapi/bolt-js#2509: "12,000 text characters with a buffer for block containers").
BLOCKS_TEXT_MAX = 12_000
SECTION_TEXT_MAX = 3000
HEADER_TEXT_MAX = 150
ID_MAX = 255  # block_id, action_id, callback_id
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
URL_MAX = 3000
ALT_TEXT_MAX = 2000
ACTIONS_ELEMENTS_MAX = 25
CONTEXT_ELEMENTS_MAX = 10
SELECT_OPTIONS_MAX = 100
CHECKBOX_OPTIONS_MAX = 10
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
PLACEHOLDER_MAX = 150
LABEL_MAX = 2000
INPUT_MAX = 3000
VIEW_TEXT_MAX = 24
METADATA_MAX = 3000


def _check_message(args: dict[str, Any]) -> None:
    """Slack's message limits: 50 blocks; `text` (the fallback) up to 40,000 characters."""
    blocks = args.get("blocks") or []
    if not blocks and not args.get("text"):
        raise SlackApiRefusal("no_text")
    if len(str(args.get("text") or "")) > TEXT_MAX:
        raise SlackApiRefusal("msg_too_long")
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        raise SlackApiRefusal("invalid_blocks")
    _check_blocks(blocks, in_modal=False)
    if sum(len(text) for block in blocks for text in _texts(block)) > BLOCKS_TEXT_MAX:
        raise SlackApiRefusal("msg_blocks_too_long")


def _texts(value: Any) -> list[str]:
    """Every text a block holds: its text objects' words, at any depth."""
    if isinstance(value, dict):
        return [
            text
            for key, inner in value.items()
            for text in ([inner] if key == "text" and isinstance(inner, str) else _texts(inner))
        ]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []


def _check_blocks(blocks: list[dict[str, Any]], *, in_modal: bool) -> None:
    """Every block, and block ids (at most 255 characters) unique among them."""
    ids = [str(b["block_id"]) for b in blocks if "block_id" in b]
    if len(set(ids)) != len(ids) or any(not 0 < len(i) <= ID_MAX for i in ids):
        raise SlackApiRefusal("invalid_blocks")
    for block in blocks:
        _check_block(block, in_modal=in_modal)


def _within(text: str, most: int, error: str = "invalid_blocks") -> None:
    if not 0 < len(text) <= most:
        raise SlackApiRefusal(error)


def _check_element(element: dict[str, Any], error: str) -> None:
    """An interactive element or accessory: its action id, text, value, options."""
    kind = element.get("type")
    if "action_id" in element:
        _within(str(element["action_id"]), ID_MAX, error)
    if len(_text_of(element.get("placeholder"))) > PLACEHOLDER_MAX:
        raise SlackApiRefusal(error)
    if kind == "button":
        _within(_text_of(element.get("text")), BUTTON_TEXT_MAX, error)
        if len(str(element.get("value") or "")) > BUTTON_VALUE_MAX:
            raise SlackApiRefusal(error)
        if len(str(element.get("url") or "")) > URL_MAX:
            raise SlackApiRefusal(error)
    elif kind == "image":
        _within(str(element.get("image_url") or ""), URL_MAX, error)
        _within(str(element.get("alt_text") or ""), ALT_TEXT_MAX, error)
    elif kind in ("static_select", "checkboxes", "radio_buttons", "overflow"):
        most = SELECT_OPTIONS_MAX if kind == "static_select" else CHECKBOX_OPTIONS_MAX
        options = element.get("options") or []
        if not 0 < len(options) <= most:
            raise SlackApiRefusal(error)
        for option in options:
            _within(_text_of(option.get("text")), OPTION_TEXT_MAX, error)
            _within(str(option.get("value") or ""), OPTION_VALUE_MAX, error)
            if len(_text_of(option.get("description"))) > OPTION_TEXT_MAX:
                raise SlackApiRefusal(error)
    elif kind == "plain_text_input":
        low, high = element.get("min_length", 0), element.get("max_length", INPUT_MAX)
        if not (0 <= low <= INPUT_MAX and 0 < high <= INPUT_MAX and low <= high):
            raise SlackApiRefusal(error)
    else:
        raise SlackApiRefusal(error)


def _check_block(block: dict[str, Any], *, in_modal: bool) -> None:
    kind = block.get("type")
    if kind == "section":
        _within(_text_of(block.get("text")), SECTION_TEXT_MAX)
        if block.get("accessory"):
            _check_element(block["accessory"], "invalid_blocks")
    elif kind == "header":
        text = block.get("text") or {}
        if text.get("type") != "plain_text":
            raise SlackApiRefusal("invalid_blocks")
        _within(_text_of(text), HEADER_TEXT_MAX)
    elif kind == "context":
        elements = block.get("elements") or []
        if not 0 < len(elements) <= CONTEXT_ELEMENTS_MAX:
            raise SlackApiRefusal("invalid_blocks")
    elif kind == "divider":
        pass
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 0 < len(elements) <= ACTIONS_ELEMENTS_MAX:
            raise SlackApiRefusal("invalid_blocks")
        ids = [e.get("action_id") for e in elements]
        if len(set(ids)) != len(ids):
            raise SlackApiRefusal("invalid_blocks")
        for element in elements:
            _check_element(element, "invalid_blocks")
    elif kind == "input" and in_modal:
        _within(_text_of(block.get("label")), LABEL_MAX, "invalid_arguments")
        if len(_text_of(block.get("hint"))) > LABEL_MAX:
            raise SlackApiRefusal("invalid_arguments")
        _check_element(block.get("element") or {}, "invalid_arguments")
    else:
        raise SlackApiRefusal("invalid_blocks")


def check_view(view: dict[str, Any]) -> None:
    """Slack's modal limits: a title, and submit and close labels, of at most 24 characters
    (a submit label whenever the modal has an input), 100 blocks, metadata 3000."""
    if view.get("type") != "modal":
        raise SlackApiRefusal("invalid_arguments")
    _within(_text_of(view.get("title")), VIEW_TEXT_MAX, "invalid_arguments")
    for key in ("submit", "close"):
        if key in view:
            _within(_text_of(view[key]), VIEW_TEXT_MAX, "invalid_arguments")
    blocks = view.get("blocks") or []
    if any(b.get("type") == "input" for b in blocks) and "submit" not in view:
        raise SlackApiRefusal("invalid_arguments")
    if len(view.get("callback_id") or "") > ID_MAX:
        raise SlackApiRefusal("invalid_arguments")
    if len(view.get("private_metadata") or "") > METADATA_MAX:
        raise SlackApiRefusal("invalid_arguments")
    if not 0 < len(blocks) <= VIEW_BLOCKS_MAX:
        raise SlackApiRefusal("invalid_arguments")
    try:
        _check_blocks(blocks, in_modal=True)
    except SlackApiRefusal:
        raise SlackApiRefusal("invalid_arguments") from None

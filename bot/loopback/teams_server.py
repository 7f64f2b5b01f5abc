"""A loopback Microsoft Teams for tests and the bench (aiohttp, 127.0.0.1, port 0).

It plays both parts of Microsoft the Teams SDK talks to:

- the Bot Framework connector (the `serviceUrl` of every activity it sends is `url`): the
  `/v3/conversations...`, `/v3/teams...` and `/v1/meetings...` calls of the SDK's ApiClient
  (send, reply, update, delete, create a conversation, members, reactions, team channels,
  meeting participants), answered with the fields and error codes Teams uses and recorded in
  `calls`. It keeps what the bot posted per conversation, refuses a personal (1:1) chat with
  someone who has not installed the app (403, as Teams does), refuses an activity over the
  size limit (413) and throttles a conversation past Teams' per-conversation rates (429);
- Microsoft's sign-in side: an OpenID metadata document and its key set (JWKS) holding a
  locally generated RSA key, so an activity signed with `sign()` passes the SDK's real token
  check when the SDK is given `cloud` (the public cloud with the metadata URL pointed here);
  and Entra's token endpoint (`/{tenant}/oauth2/v2.0/token`, TEAMS_LOGIN_URL=`url`), which
  gives the bot a token for its app ID and `app_password` (kept in `issued`) and refuses
  any other password as Entra does (401, invalid_client);
- Microsoft Graph's few calls Brewbot makes (`/v1.0/teams/{group}/tags`, a tag's `members`,
  the team's `members` with their roles): a team's tags (`add_tag`) and owners (`owners`),
  answered only with a token the token endpoint gave for Graph's scope (401 otherwise), and
  403 as Graph answers when the team's owner has not consented to the app's permissions
  (`graph_consented = False`).

Trouble on demand: `fail` answers matching calls with an error status (429 with
Retry-After) or holds them (a timeout), `hold` keeps them until a test releases them,
`lose_answer` carries a call out and then answers 500, and `key_delay` slows the key
endpoint. Nothing here imports a test framework: `brewbot bench` runs it in a process of
its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import time
import urllib.parse
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.loopback import holds_marks

if TYPE_CHECKING:
    from microsoft_teams.api.auth.cloud_environment import CloudEnvironment

TENANT_ID = "6b1e2f3c-4d5a-4e6f-8a7b-9c0d1e2f3a4b"
TEAM_NAME = "Brew council"
BOT_NAME = "Brewbot"
# The scope of an app-only token for Microsoft Graph.
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
# Graph's page size for a team's members (it follows @odata.nextLink for more).
GRAPH_PAGE = 100
# The issuer of the tokens the Bot Framework signs its calls to a bot with: the Teams SDK's
# public cloud's (a test holds them equal). Written here so that the bench's loopback Teams
# process does not import the SDK (half a second) for it; the bot's side imports it anyway.
ISSUER = "https://api.botframework.com"
KEY_ID = "brewbot-loopback-key"
WAIT_LIMIT = 10.0
# The issue's figure for one activity (a card and its text); Teams answers 413 past it.
MAX_ACTIVITY_BYTES = 28 * 1024
# Teams' per-conversation send limits: about 7 a second and 60 in 30 seconds.
RATE_LIMITS = ((1.0, 7), (30.0, 60))
CARD = "application/vnd.microsoft.card.adaptive"

ConversationType = Literal["personal", "channel", "groupChat"]

# What Teams says with each status (https://learn.microsoft.com/microsoftteams/platform/bots/
# build-conversational-capability#status-codes-from-bot-conversational-apis).
ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadArgument", "The request is not valid."),
    401: ("Unauthorized", "Authorization has been denied for this request."),
    403: ("BotNotInConversationRoster", "The bot isn't part of the conversation roster."),
    404: ("ConversationNotFound", "Conversation not found."),
    412: ("PreconditionFailed", "Potential conflicting concurrent operations."),
    413: ("MessageSizeTooBig", "Message size too big."),
    429: ("Throttled", "Too many requests."),
    500: ("ServiceError", "Unknown error."),
    502: ("ServiceError", "Bad gateway."),
    503: ("ServiceUnavailable", "Service unavailable."),
}


@dataclass
class TeamsUser:
    """A person in the tenant. `role` is "user", "guest" (another organisation) or
    "anonymous" (a meeting guest without an account: cards and dialogs, never a 1:1)."""

    id: str
    name: str
    aad_object_id: str = ""
    role: str = "user"

    def account(self) -> dict[str, Any]:
        """As the `from` of an activity."""
        found: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.aad_object_id:
            found["aadObjectId"] = self.aad_object_id
        return found

    def member(self) -> dict[str, Any]:
        """As the roster calls describe a member (a TeamsChannelAccount)."""
        given, _, surname = self.name.partition(" ")
        email = f"{self.name.lower().replace(' ', '.')}@brewcouncil.example"
        found = {
            "id": self.id,
            "name": self.name,
            "givenName": given,
            "surname": surname,
            "tenantId": TENANT_ID,
            "userRole": self.role,
        }
        if self.role != "anonymous":
            found.update(aadObjectId=self.aad_object_id, email=email, userPrincipalName=email)
        return found


@dataclass
class TeamsConversation:
    """A place activities happen: a 1:1 chat with the bot, a team's channel or a group chat
    (a meeting's chat when `meeting_id` is set)."""

    id: str
    type: ConversationType
    tenant_id: str = TENANT_ID
    team_id: str | None = None
    channel_id: str | None = None
    meeting_id: str | None = None
    name: str | None = None
    members: list[str] = field(default_factory=list)

    def account(self, thread: str | None = None) -> dict[str, Any]:
        """As the `conversation` of an activity; in a channel, `thread` (the id of the
        post that started it) makes it that thread's conversation, as Teams names it."""
        found: dict[str, Any] = {
            "conversationType": self.type,
            "tenantId": self.tenant_id,
            "id": f"{self.id};messageid={thread}" if thread and self.type == "channel" else self.id,
        }
        if self.type != "personal":
            found["isGroup"] = True
        if self.name:
            found["name"] = self.name
        return found

    def channel_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"tenant": {"id": self.tenant_id}}
        if self.type == "channel":
            data.update(
                teamsChannelId=self.channel_id,
                teamsTeamId=self.team_id,
                channel={"id": self.channel_id, "name": self.name},
                team={"id": self.team_id, "name": TEAM_NAME, "aadGroupId": _guid(self.team_id)},
            )
        if self.meeting_id:
            data["meeting"] = {"id": self.meeting_id}
        return data


@dataclass
class Call:
    """One request that reached the loopback. `kind` names the operation ("send", "reply",
    "update", "delete", "create_conversation", "members", "member", "paged_members",
    "activity_members", "reaction", "team", "team_channels", "meeting", "participant",
    "openid", "keys", "token", "graph_tags", "graph_tag_members", "graph_members", or
    "unknown"); `status` is what it was answered (0 while held)."""

    seq: int
    method: str
    path: str
    kind: str
    body: Any
    headers: dict[str, str]
    query: dict[str, str]
    conversation_id: str | None = None
    activity_id: str | None = None
    status: int = 0
    # The id of the activity it created, if it created one.
    created_id: str | None = None
    # When it reached the loopback (time.perf_counter), for the bench's answer times.
    at: float = field(default_factory=time.perf_counter)

    @property
    def token(self) -> str | None:
        """The bearer token the call carried (header names are case-insensitive)."""
        header = next((v for k, v in self.headers.items() if k.lower() == "authorization"), "")
        return header.removeprefix("Bearer ") if header.startswith("Bearer ") else None


@dataclass
class Posted:
    """An activity the bot posted, as it now stands."""

    id: str
    conversation_id: str
    activity: dict[str, Any]
    thread: str | None = None
    deleted: bool = False
    reactions: set[str] = field(default_factory=set)


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int | None
    left: int
    retry_after: float | None = None
    delay: float | None = None
    gate: asyncio.Event | None = None
    lose: bool = False

    def matches(self, method: str, path: str) -> bool:
        return self.left > 0 and self.method in ("*", method) and bool(self.path.search(path))


class TeamsRefusal(Exception):
    def __init__(self, status: int, code: str | None = None, message: str | None = None) -> None:
        default_code, default_message = ERRORS.get(status, ERRORS[400])
        super().__init__(code or default_code)
        self.status = status
        self.code = code or default_code
        self.message = message or default_message


Handler = Callable[["_Request"], Awaitable[Any]]


@dataclass
class _Request:
    call: Call
    match: dict[str, str]


class TeamsLoopback:
    def __init__(self, app_id: str, *, bot_name: str = BOT_NAME) -> None:
        self.app_id = app_id
        self.bot_name = bot_name
        self.bot_id = f"28:{app_id}"
        self.calls: list[Call] = []
        # Calls holding a mark of typed words (bot/core/marked.py), which must never leave
        # Brewbot: the test harness fails the test (`assert_unmarked`).
        self.marked: list[str] = []
        self.users: dict[str, TeamsUser] = {}
        self.conversations: dict[str, TeamsConversation] = {}
        self.posted: dict[str, Posted] = {}
        # Who has the app installed for themselves (their 1:1 chat with the bot exists).
        self.installed: set[str] = set()
        # meeting id -> user id -> role ("Organizer", "Presenter", "Attendee").
        self.meeting_roles: dict[str, dict[str, str]] = {}
        self.require_auth = True
        # Teams' per-conversation send limits, (seconds, sends) each; empty: none.
        self.rate_limits: tuple[tuple[float, int], ...] = RATE_LIMITS
        self.key_delay = 0.0
        # The bot's client secret, as its Entra registration knows it (`_token`), and the
        # access tokens given out for it.
        self.app_password = "loopback-app-password"
        self.issued: set[str] = set()
        # The tokens given for Microsoft Graph's scope, the only ones Graph takes.
        self.graph_issued: set[str] = set()
        # The team's tags (id -> its name and its members' user ids) and its owners' user
        # ids, as Graph tells them; whether the owner consented to the app's permissions.
        self.tags: dict[str, tuple[str, list[str]]] = {}
        self.owners: set[str] = set()
        self.graph_consented = True
        self.url = ""
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self.team_id = "19:brewcouncil-general@thread.tacv2"
        # The team's General channel shares the team's id, as in Teams.
        self.general = self.add_channel("General", channel_id=self.team_id)
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._faults: list[Fault] = []
        self._watchers: list[Callable[[Call], None]] = []
        self._sends: dict[str, deque[float]] = {}
        self._changed = asyncio.Condition()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._routes = self._route_table()

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"

    async def close(self) -> None:
        # Held and slowed answers give up at once, so nothing keeps the server open.
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def openid_url(self) -> str:
        """The OpenID metadata URL; the SDK finds the keys beside it ("/keys")."""
        return f"{self.url}v1/.well-known/openidconfiguration"

    @property
    def keys_url(self) -> str:
        return f"{self.url}v1/.well-known/keys"

    @property
    def cloud(self) -> CloudEnvironment:
        """The public cloud with its OpenID metadata here, for the SDK's token check (only
        the bot's side asks, and it has the SDK imported already)."""
        from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides

        return with_overrides(PUBLIC, openid_metadata_url=self.openid_url)

    # -- the tenant -----------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        *,
        user_id: str | None = None,
        aad_object_id: str | None = None,
        role: str = "user",
        in_team: bool = True,
    ) -> TeamsUser:
        """Someone in the tenant (and, unless `in_team` is false, in the team: every channel's
        roster). Ids look like Teams' own: "29:1..." and a GUID."""
        n = next(self._ids)
        user = TeamsUser(
            id=user_id or f"29:1{hashlib.sha256(f'{name}{n}'.encode()).hexdigest()[:40]}",
            name=name,
            aad_object_id="" if role == "anonymous" else (aad_object_id or _guid(f"{name}{n}")),
            role=role,
        )
        self.users[user.id] = user
        if in_team:
            for conversation in self.conversations.values():
                if conversation.type == "channel" and user.id not in conversation.members:
                    conversation.members.append(user.id)
        return user

    def add_channel(self, name: str, *, channel_id: str | None = None) -> TeamsConversation:
        """A channel of the team; its roster is the team's."""
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        cid = channel_id or f"19:{slug}-{next(self._ids)}@thread.tacv2"
        team_members = [u.id for u in self.users.values() if u.role != "anonymous"]
        conversation = TeamsConversation(
            id=cid,
            type="channel",
            team_id=self.team_id,
            channel_id=cid,
            name=name,
            members=team_members,
        )
        self.conversations[cid] = conversation
        return conversation

    def add_group_chat(
        self, members: list[TeamsUser], *, topic: str | None = None, meeting: bool = False
    ) -> TeamsConversation:
        """A group chat with the bot in it; with `meeting`, a meeting's chat (its
        `meeting_id` set, and meeting roles looked up by `participant`)."""
        n = next(self._ids)
        meeting_id = f"MCMeeting-{_guid(f'meeting{n}')}" if meeting else None
        cid = (
            f"19:meeting_{hashlib.sha256(str(n).encode()).hexdigest()[:32]}@thread.v2"
            if meeting
            else f"19:{hashlib.sha256(str(n).encode()).hexdigest()[:32]}@thread.v2"
        )
        conversation = TeamsConversation(
            id=cid,
            type="groupChat",
            meeting_id=meeting_id,
            name=topic,
            members=[m.id for m in members],
        )
        self.conversations[cid] = conversation
        if meeting_id:
            self.meeting_roles[meeting_id] = {m.id: "Attendee" for m in members}
        return conversation

    def personal_id(self, user_id: str) -> str:
        """The id of someone's 1:1 chat with the bot: the same every time for one person."""
        return "a:1" + hashlib.sha256(f"{self.app_id}/{user_id}".encode()).hexdigest()[:48]

    def personal_chat(self, user_id: str) -> TeamsConversation:
        """Someone's 1:1 chat with the bot (known to Teams whether or not the app is
        installed for them; the connector refuses it with 403 until it is)."""
        cid = self.personal_id(user_id)
        conversation = self.conversations.get(cid)
        if conversation is None:
            conversation = TeamsConversation(id=cid, type="personal", members=[user_id])
            self.conversations[cid] = conversation
        return conversation

    def install_for(self, user_id: str, *, name: str | None = None) -> TeamsConversation:
        """The person installs the app for themselves: their 1:1 chat with the bot can be
        created and posted to from now on. Returns that chat."""
        user = self.users.get(user_id)
        if user is None:
            user = self.add_user(name or "Someone", user_id=user_id, in_team=False)
        if user.role == "anonymous":
            raise ValueError("anonymous meeting guests cannot install an app")
        self.installed.add(user_id)
        return self.personal_chat(user_id)

    def uninstall_for(self, user_id: str) -> None:
        """The person removes the app: posts to their 1:1 chat are refused (403)."""
        self.installed.discard(user_id)

    @property
    def team_group_id(self) -> str:
        """The team's Microsoft 365 group id (channelData.team.aadGroupId), Graph's name for it."""
        return _guid(self.team_id)

    def add_tag(self, name: str, members: list[TeamsUser]) -> str:
        """A tag in the team, with these people in it. Returns its id."""
        tag_id = _guid(f"tag/{name}/{next(self._ids)}")
        self.tags[tag_id] = (name, [m.id for m in members])
        return tag_id

    # -- signing (Microsoft's side of an inbound activity) ---------------------------------

    def sign(
        self,
        *,
        service_url: str | None = None,
        audience: str | None = None,
        issuer: str = ISSUER,
        expires_in: float = 3600,
        key: rsa.RSAPrivateKey | None = None,
        key_id: str = KEY_ID,
        claims: dict[str, Any] | None = None,
    ) -> str:
        """A token as the Bot Framework signs its calls to the bot: RS256 with the key this
        loopback publishes, for audience `app_id`, carrying the `serviceurl` of the
        activity (`url` unless given). Tests spoil it with `key`, `audience`, `issuer` or a
        negative `expires_in` (the SDK allows five minutes of clock skew)."""
        now = int(time.time())
        payload = {
            "serviceurl": self.url if service_url is None else service_url,
            "nbf": now - 5,
            "iat": now - 5,
            "exp": int(now + expires_in),
            "iss": issuer,
            "aud": self.app_id if audience is None else audience,
            **(claims or {}),
        }
        headers = {"kid": key_id, "x5t": key_id, "typ": "JWT"}
        return jwt.encode(payload, key or self._key, algorithm="RS256", headers=headers)

    def jwks(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        public.update(kid=KEY_ID, x5t=KEY_ID, use="sig", endorsements=["msteams"])
        return {"keys": [public]}

    # -- making trouble -------------------------------------------------------------------

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int | None,
        *,
        times: int = 1,
        retry_after: float | None = None,
        delay: float | None = None,
    ) -> None:
        """Answer the next `times` calls whose method is `method` ("*": any) and whose path
        `path_regex` finds (re.search; e.g. r"/activities$") with `status` and Teams'
        error body for it (429 with a Retry-After of `retry_after` seconds). With `delay`,
        hold each answer that many seconds first (a timeout, as the caller sees it); with
        a `status` of None, then carry the call out as usual."""
        self._faults.append(
            Fault(method.upper(), re.compile(path_regex), status, times, retry_after, delay)
        )

    def hold(self, method: str, path_regex: str, *, times: int = 1_000_000) -> asyncio.Event:
        """Keep matching calls waiting (recorded, status 0) until the event is set; then
        they are carried out as usual."""
        gate = asyncio.Event()
        self._faults.append(Fault(method.upper(), re.compile(path_regex), None, times, gate=gate))
        return gate

    def lose_answer(self, method: str, path_regex: str, *, times: int = 1) -> None:
        """Carry out the next `times` matching calls, then answer 500 as if they had failed
        (the answer lost on the way back: the caller cannot know it worked)."""
        self._faults.append(Fault(method.upper(), re.compile(path_regex), 500, times, lose=True))

    def watch(self, callback: Callable[[Call], None]) -> None:
        """Run `callback` with every call as it is answered (the bench's timing)."""
        self._watchers.append(callback)

    # -- reading what happened ------------------------------------------------------------

    def of(self, *kinds: str) -> list[Call]:
        return [c for c in self.calls if c.kind in kinds]

    def after(self, seq: int) -> list[Call]:
        return [c for c in self.calls if c.seq > seq]

    @property
    def last_seq(self) -> int:
        return self.calls[-1].seq if self.calls else 0

    async def wait_for(self, predicate: Callable[[Call], bool], *, after: int = 0) -> Call:
        """The first call after `after` that matches, waiting for it if need be (it is
        checked again when a held call is answered). A call that never comes fails the
        caller after WAIT_LIMIT seconds instead of hanging it."""

        def found() -> Call | None:
            return next((c for c in self.calls if c.seq > after and predicate(c)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), WAIT_LIMIT)
        call = found()
        assert call is not None
        return call

    def posts(self, conversation_id: str, *, thread: str | None = None) -> list[Posted]:
        """What the bot has posted there and not deleted, oldest first; in a channel, the
        top-level posts, or with `thread` the replies to that post."""
        base = conversation_id.split(";messageid=")[0]
        return [
            p
            for p in self.posted.values()
            if p.conversation_id == base and not p.deleted and p.thread == thread
        ]

    # -- HTTP -----------------------------------------------------------------------------

    def _route_table(self) -> list[tuple[str, re.Pattern[str], str, Handler]]:
        conv = r"/v3/conversations/(?P<cid>[^/]+)"
        act = conv + r"/activities/(?P<aid>[^/]+)"
        graph = r"/v1\.0/teams/(?P<gid>[^/]+)"
        table: list[tuple[str, str, str, Handler]] = [
            ("GET", r"/v1/\.well-known/openidconfiguration", "openid", self._openid),
            ("GET", r"/v1/\.well-known/keys", "keys", self._keys),
            ("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", "token", self._token),
            ("POST", r"/v3/conversations", "create_conversation", self._create_conversation),
            ("POST", conv + r"/activities", "send", self._send),
            ("POST", act, "reply", self._send),
            ("PUT", act, "update", self._update),
            ("DELETE", act, "delete", self._delete),
            ("GET", act + r"/members", "activity_members", self._members),
            ("PUT", act + r"/reactions/(?P<reaction>[^/]+)", "reaction", self._reaction),
            ("DELETE", act + r"/reactions/(?P<reaction>[^/]+)", "reaction", self._reaction),
            ("GET", conv + r"/members", "members", self._members),
            ("GET", conv + r"/pagedMembers", "paged_members", self._paged_members),
            ("GET", conv + r"/members/(?P<mid>[^/]+)", "member", self._member),
            ("GET", r"/v3/teams/(?P<tid>[^/]+)", "team", self._team),
            ("GET", r"/v3/teams/(?P<tid>[^/]+)/conversations", "team_channels", self._channels),
            ("GET", graph + r"/tags", "graph_tags", self._graph_tags),
            ("GET", graph + r"/tags/(?P<tag>[^/]+)/members", "graph_tag_members", self._tagged),
            ("GET", graph + r"/members", "graph_members", self._graph_members),
            ("GET", r"/v1/meetings/(?P<mtg>[^/]+)", "meeting", self._meeting),
            (
                "GET",
                r"/v1/meetings/(?P<mtg>[^/]+)/participants/(?P<pid>[^/]+)",
                "participant",
                self._participant,
            ),
        ]
        return [(m, re.compile(f"^{p}$"), kind, h) for m, p, kind, h in table]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        kind, handler, match = "unknown", None, {}
        for method, pattern, route_kind, route_handler in self._routes:
            found = pattern.match(path)
            if found and method == request.method:
                kind, handler, match = route_kind, route_handler, found.groupdict()
                break
        call = Call(
            next(self._seq),
            request.method,
            path,
            kind,
            body,
            dict(request.headers),
            dict(request.query),
            conversation_id=match.get("cid"),
            activity_id=match.get("aid"),
        )
        await self._record(call)
        if kind == "send" and isinstance(body, dict) and body.get("replyToId"):
            call.kind = "reply"
            call.activity_id = str(body["replyToId"])
        response = await self._answer(call, request, raw, handler, match)
        call.status = response.status
        for watcher in self._watchers:
            watcher(call)
        async with self._changed:
            self._changed.notify_all()
        return response

    async def _answer(
        self,
        call: Call,
        request: web.Request,
        raw: bytes,
        handler: Handler | None,
        match: dict[str, str],
    ) -> web.Response:
        fault = next((f for f in self._faults if f.matches(call.method, call.path)), None)
        if fault is not None:
            fault.left -= 1
            if fault.gate is not None:
                await self._wait(fault.gate.wait(), None)
            if fault.delay is not None:
                await self._wait(self._closing.wait(), fault.delay)
            if fault.status is not None and not fault.lose:
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = _seconds(fault.retry_after)
                return _error(TeamsRefusal(fault.status), headers)
        if self._closing.is_set():
            return _error(TeamsRefusal(503))
        if handler is None:
            return _error(TeamsRefusal(404, "NotFound", f"No such resource: {call.path}"))
        if call.kind not in ("openid", "keys", "token") and self.require_auth and not call.token:
            return _error(TeamsRefusal(401))
        if len(raw) > MAX_ACTIVITY_BYTES and call.kind in ("send", "reply", "update"):
            return _error(TeamsRefusal(413))
        try:
            result = await handler(_Request(call, match))
        except TeamsRefusal as refusal:
            headers = {"Retry-After": "1"} if refusal.status == 429 else {}
            return _error(refusal, headers)
        if fault is not None and fault.lose:
            return _error(TeamsRefusal(500))
        if isinstance(result, web.Response):
            return result
        if result is None:
            return web.Response(status=200)
        return _json(result)

    async def _wait(self, waiting: Awaitable[Any], limit: float | None) -> None:
        """Wait for `waiting` (or `limit` seconds), but never past `close`."""
        closing = asyncio.ensure_future(self._closing.wait())
        task = asyncio.ensure_future(waiting)
        try:
            await asyncio.wait({closing, task}, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closing.cancel()
            task.cancel()

    def assert_unmarked(self) -> None:
        assert self.marked == [], f"marks of typed words sent to Teams: {self.marked}"

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        if holds_marks(call.body):
            self.marked.append(call.kind)
        async with self._changed:
            self._changed.notify_all()

    # -- Microsoft's sign-in side ----------------------------------------------------------

    async def _slow(self) -> None:
        if self.key_delay > 0:
            await self._wait(self._closing.wait(), self.key_delay)

    async def _openid(self, request: _Request) -> dict[str, Any]:
        await self._slow()
        return {
            "issuer": ISSUER,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": self.keys_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    async def _keys(self, request: _Request) -> dict[str, Any]:
        await self._slow()
        return self.jwks()

    async def _token(self, request: _Request) -> web.Response:
        """Entra's token endpoint, for the client-credentials grant the bot signs in with:
        a token for the right app ID and password, else Entra's refusal."""
        form = dict(urllib.parse.parse_qsl(str(request.call.body or "")))
        if form.get("grant_type") != "client_credentials":
            return _json({"error": "unsupported_grant_type"}, 400)
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            refusal = {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
            }
            return _json(refusal, 401)
        now = int(time.time())
        scope = str(form.get("scope") or "")
        audience = scope.removesuffix("/.default") or "https://api.botframework.com"
        claims = {"aud": audience, "appid": self.app_id, "iat": now, "jti": str(uuid.uuid4())}
        token = jwt.encode({**claims, "exp": now + 3600}, self._key, algorithm="RS256")
        self.issued.add(token)
        if scope == GRAPH_SCOPE:
            self.graph_issued.add(token)
        return _json({"token_type": "Bearer", "expires_in": 3599, "access_token": token})

    # -- the connector --------------------------------------------------------------------

    def _conversation(self, cid: str) -> tuple[TeamsConversation, str | None]:
        """The conversation a path names, and the thread (a channel post's id) if any."""
        base, _, thread = cid.partition(";messageid=")
        conversation = self.conversations.get(base)
        if conversation is None:
            raise TeamsRefusal(404)
        if conversation.type == "personal" and conversation.members[0] not in self.installed:
            raise TeamsRefusal(403)
        return conversation, thread or None

    def _new_activity_id(self) -> str:
        return str(1_700_000_000_000 + next(self._ids))

    def _throttled(self, cid: str) -> bool:
        if not self.rate_limits:
            return False
        now = time.monotonic()
        sent = self._sends.setdefault(cid, deque())
        longest = max(window for window, _ in self.rate_limits)
        while sent and now - sent[0] > longest:
            sent.popleft()
        if any(
            sum(1 for t in sent if now - t < window) >= limit for window, limit in self.rate_limits
        ):
            return True
        sent.append(now)
        return False

    def _check_activity(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("type"):
            raise TeamsRefusal(400, message="The activity has no type.")
        if body["type"] == "message":
            if not body.get("text") and not body.get("attachments"):
                raise TeamsRefusal(400, message="The message is empty.")
            for attachment in body.get("attachments") or []:
                if attachment.get("contentType") == CARD:
                    content = attachment.get("content")
                    if not isinstance(content, dict) or content.get("type") != "AdaptiveCard":
                        raise TeamsRefusal(400, message="The Adaptive Card is not valid.")
        return body

    def _post(
        self, conversation: TeamsConversation, thread: str | None, activity: dict[str, Any]
    ) -> Posted:
        if self._throttled(conversation.id):
            raise TeamsRefusal(429)
        if thread is not None and thread not in self.posted:
            raise TeamsRefusal(404, "ActivityNotFoundInConversation", "Activity not found.")
        posted = Posted(self._new_activity_id(), conversation.id, activity, thread)
        self.posted[posted.id] = posted
        return posted

    async def _send(self, request: _Request) -> dict[str, Any]:
        call = request.call
        conversation, thread = self._conversation(request.match["cid"])
        activity = self._check_activity(call.body)
        if activity["type"] == "typing":
            return {}
        if conversation.type != "channel":
            # Threads exist only in channels: elsewhere a reply is a plain post.
            thread = None
        elif request.match.get("aid") and thread is None:
            thread = request.match["aid"]
        posted = self._post(conversation, thread, activity)
        call.created_id = posted.id
        return {"id": posted.id}

    def _own(self, cid: str, aid: str) -> Posted:
        conversation, _ = self._conversation(cid)
        posted = self.posted.get(aid)
        if posted is None or posted.deleted or posted.conversation_id != conversation.id:
            raise TeamsRefusal(404, "ActivityNotFoundInConversation", "Activity not found.")
        return posted

    async def _update(self, request: _Request) -> dict[str, Any]:
        posted = self._own(request.match["cid"], request.match["aid"])
        posted.activity = self._check_activity(request.call.body)
        return {"id": posted.id}

    async def _delete(self, request: _Request) -> None:
        self._own(request.match["cid"], request.match["aid"]).deleted = True

    async def _reaction(self, request: _Request) -> None:
        posted = self._own(request.match["cid"], request.match["aid"])
        if request.call.method == "PUT":
            posted.reactions.add(request.match["reaction"])
        else:
            posted.reactions.discard(request.match["reaction"])

    async def _create_conversation(self, request: _Request) -> dict[str, Any]:
        """A 1:1 chat with someone (found if they installed the app, else 403; never with an
        anonymous meeting guest, 400), or with
        `channelData.channel.id` and an activity, a new post in that channel."""
        body = request.call.body if isinstance(request.call.body, dict) else {}
        channel_data = body.get("channelData") or {}
        tenant = body.get("tenantId") or (channel_data.get("tenant") or {}).get("id")
        channel_id = (channel_data.get("channel") or {}).get("id")
        activity = body.get("activity")
        if channel_id:
            channel = self.conversations.get(channel_id)
            if channel is None or channel.type != "channel":
                raise TeamsRefusal(404)
            if not isinstance(activity, dict):
                raise TeamsRefusal(400, message="A channel conversation needs an activity.")
            posted = self._post(channel, None, self._check_activity(activity))
            request.call.created_id = posted.id
            request.call.conversation_id = channel.id
            return {"id": f"{channel.id};messageid={posted.id}", "activityId": posted.id}
        members = body.get("members") or []
        if len(members) != 1 or not isinstance(members[0], dict):
            raise TeamsRefusal(400, message="Incorrect conversation creation parameters.")
        if tenant != TENANT_ID:
            raise TeamsRefusal(400, message="A valid tenant id is required.")
        user = self._user(str(members[0].get("id") or ""))
        if user is not None and user.role == "anonymous":
            raise TeamsRefusal(
                400, message="Bot cannot create a conversation with an anonymous user"
            )
        if user is None or user.id not in self.installed:
            raise TeamsRefusal(403)
        cid = self.personal_id(user.id)
        request.call.conversation_id = cid
        found: dict[str, Any] = {"id": cid}
        if isinstance(activity, dict):
            posted = self._post(self.conversations[cid], None, self._check_activity(activity))
            request.call.created_id = posted.id
            found["activityId"] = posted.id
        return found

    def _user(self, member_id: str) -> TeamsUser | None:
        """Teams finds a member by their Teams id or their Entra object id."""
        return self.users.get(member_id) or next(
            (u for u in self.users.values() if u.aad_object_id and u.aad_object_id == member_id),
            None,
        )

    def _roster(self, cid: str) -> list[TeamsUser]:
        conversation, _ = self._conversation(cid)
        return [self.users[m] for m in conversation.members if m in self.users]

    async def _members(self, request: _Request) -> list[dict[str, Any]]:
        if "aid" in request.match:
            self._own(request.match["cid"], request.match["aid"])
        return [u.member() for u in self._roster(request.match["cid"])]

    async def _paged_members(self, request: _Request) -> dict[str, Any]:
        roster = self._roster(request.match["cid"])
        size = int(request.call.query.get("pageSize") or 200)
        start = int(request.call.query.get("continuationToken") or 0)
        page = roster[start : start + size]
        found: dict[str, Any] = {"members": [u.member() for u in page]}
        if start + size < len(roster):
            found["continuationToken"] = str(start + size)
        return found

    async def _member(self, request: _Request) -> dict[str, Any]:
        roster = self._roster(request.match["cid"])
        user = self._user(request.match["mid"])
        if user is None or user not in roster:
            raise TeamsRefusal(404, "MemberNotFoundInConversation", "Member not found.")
        return user.member()

    async def _team(self, request: _Request) -> dict[str, Any]:
        if request.match["tid"] != self.team_id:
            raise TeamsRefusal(404, "TeamNotFound", "Team not found.")
        channels = [c for c in self.conversations.values() if c.type == "channel"]
        return {
            "id": self.team_id,
            "name": TEAM_NAME,
            "aadGroupId": _guid(self.team_id),
            "channelCount": len(channels),
            "memberCount": len(self.general.members),
            "type": "standard",
        }

    async def _channels(self, request: _Request) -> dict[str, Any]:
        if request.match["tid"] != self.team_id:
            raise TeamsRefusal(404, "TeamNotFound", "Team not found.")
        return {
            "conversations": [
                # Teams leaves the General channel's name out.
                {"id": c.id, **({"name": c.name} if c.id != self.team_id else {})}
                for c in self.conversations.values()
                if c.type == "channel"
            ]
        }

    def _meeting_chat(self, meeting_id: str) -> TeamsConversation:
        found = next((c for c in self.conversations.values() if c.meeting_id == meeting_id), None)
        if found is None:
            raise TeamsRefusal(404, "MeetingNotFound", "Meeting not found.")
        return found

    async def _meeting(self, request: _Request) -> dict[str, Any]:
        chat = self._meeting_chat(request.match["mtg"])
        return {
            "details": {
                "id": chat.meeting_id,
                "title": chat.name or "Meeting",
                "type": "Scheduled",
            },
            "conversation": chat.account(),
            "organizer": {"tenantId": TENANT_ID},
        }

    async def _participant(self, request: _Request) -> dict[str, Any]:
        chat = self._meeting_chat(request.match["mtg"])
        roles = self.meeting_roles.get(chat.meeting_id or "", {})
        user = self._user(request.match["pid"])
        if user is None or user.id not in roles:
            raise TeamsRefusal(404, "ParticipantNotFound", "Participant not found.")
        return {
            "user": {**user.member(), "tenantId": TENANT_ID},
            "meeting": {"role": roles[user.id], "inMeeting": True},
            "conversation": chat.account(),
        }

    # -- Microsoft Graph ------------------------------------------------------------------

    def _graph_team(self, request: _Request) -> None:
        """Graph's checks before it says anything of a team: a token for Graph's scope from
        the token endpoint, the team, and the permissions its owner consented to."""
        if request.call.token not in self.graph_issued:
            raise TeamsRefusal(
                401, "InvalidAuthenticationToken", "Access token validation failure."
            )
        if request.match["gid"] != self.team_group_id:
            raise TeamsRefusal(404, "NotFound", "No team found with Group Id.")
        if not self.graph_consented:
            raise TeamsRefusal(403, "Forbidden", "Missing role permissions on the request.")

    def _graph_user(self, user_id: str) -> dict[str, Any]:
        user = self.users[user_id]
        return {
            "displayName": user.name,
            "userId": user.aad_object_id,
            "tenantId": TENANT_ID,
        }

    async def _graph_tags(self, request: _Request) -> dict[str, Any]:
        self._graph_team(request)
        return {
            "value": [
                {
                    "id": tag_id,
                    "teamId": self.team_group_id,
                    "displayName": name,
                    "description": "",
                    "memberCount": len(members),
                    "tagType": "standard",
                }
                for tag_id, (name, members) in self.tags.items()
            ]
        }

    async def _tagged(self, request: _Request) -> dict[str, Any]:
        self._graph_team(request)
        tag = self.tags.get(request.match["tag"])
        if tag is None:
            raise TeamsRefusal(404, "NotFound", "Tag not found.")
        return {
            "value": [
                {"id": _guid(f"{request.match['tag']}/{m}"), **self._graph_user(m)}
                for m in tag[1]
                if m in self.users
            ]
        }

    async def _graph_members(self, request: _Request) -> dict[str, Any]:
        """The team's members a page at a time, each with `roles` ["owner"] or [] (guests
        ["guest"]), as Graph's aadUserConversationMember."""
        self._graph_team(request)
        members = [self.users[m] for m in self.general.members if m in self.users]
        start = int(request.call.query.get("$skiptoken") or 0)
        page = members[start : start + GRAPH_PAGE]
        found: dict[str, Any] = {
            "value": [
                {
                    "@odata.type": "#microsoft.graph.aadUserConversationMember",
                    "id": _guid(f"member/{u.id}"),
                    "roles": (
                        ["owner"] if u.id in self.owners else ["guest"] if u.role == "guest" else []
                    ),
                    **self._graph_user(u.id),
                }
                for u in page
            ]
        }
        if start + GRAPH_PAGE < len(members):
            found["@odata.nextLink"] = (
                f"{self.url}v1.0/teams/{self.team_group_id}/members?$skiptoken={start + GRAPH_PAGE}"
            )
        return found


# -- reading what the bot sent --------------------------------------------------------------


def cards(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """The Adaptive Cards an activity carries."""
    return [
        a["content"]
        for a in activity.get("attachments") or []
        if a.get("contentType") == CARD and isinstance(a.get("content"), dict)
    ]


def _elements(items: list[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        if not isinstance(item, dict):
            continue
        yield item
        for key in ("items", "columns", "actions", "body", "inlines"):
            children = item.get(key)
            if isinstance(children, list):
                yield from _elements(children)
        card = (item.get("card") if item.get("type") == "Action.ShowCard" else None) or {}
        yield from _elements(card.get("body") or [])
        yield from _elements(card.get("actions") or [])


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button of a card (its `actions` and those in ActionSets, columns, containers
    and shown cards), in the order they appear."""
    return [
        e
        for e in _elements([*(card.get("body") or []), *(card.get("actions") or [])])
        if str(e.get("type", "")).startswith("Action.")
    ]


def inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every input of a card (Input.Text, Input.ChoiceSet, Input.Toggle, ...)."""
    return [
        e for e in _elements(card.get("body") or []) if str(e.get("type", "")).startswith("Input.")
    ]


def _guid(seed: str | None) -> str:
    """A GUID (as Entra object ids look) that is the same for the same seed."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"brewbot-loopback/{seed}"))


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=headers
    )


def _error(refusal: TeamsRefusal, headers: dict[str, str] | None = None) -> web.Response:
    return _json(
        {"error": {"code": refusal.code, "message": refusal.message}}, refusal.status, headers
    )

"""Who facilitates on Teams: a team's owners, and the members of the team's tag named by the
community's facilitator_role (the setting Slack reads as a user group and Discord as a role),
as Microsoft Graph says; and, anywhere, the people TEAMS_FACILITATORS lists.

Teams tells a bot nothing of tags or owners in an activity: only Graph does (GET
/teams/{group}/tags, /tags/{id}/members and /teams/{group}/members, whose `roles` say
"owner"), with the app's own token and the resource-specific permissions a team's owner
consents to when adding the app (TeamworkTag.Read.Group, TeamMember.Read.Group; the
manifest asks for them). So, as Slack's directory does:
- what Graph said about a team is kept CACHE_SECONDS, per team and tag name; an older answer
  is still used while a fresh one is fetched in the background, so a change of the
  facilitator_role setting (another tag name) is read at once, a change in Teams within
  minutes;
- one lookup at a time per team and tag name, shared by everyone who asks meanwhile; a person
  waits for a team's first answer at most LOOKUP_WAIT seconds, each call GRAPH_TIMEOUT;
- Graph refusing (the permissions not consented, the team gone) is a definite "nobody there":
  only TEAMS_FACILITATORS count; Graph not answering keeps the last answer, or with none
  the person's facilitator status is "not known yet" (UserRef.roles_known), and Graph is
  asked again no sooner than RETRY_SECONDS. Either is logged in one line, naming no one.

A one-to-one chat has no team: there, someone is a facilitator if they are one in a team of
the same organisation Brewbot has heard from since it started (their private steps, such
as the digest's Send button, come to that chat). Group and meeting chats have no team and
are nobody's: only TEAMS_FACILITATORS count there.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from bot.core.refs import Platform
from bot.engine.known import Known
from bot.platforms.single_flight import SingleFlight
from bot.platforms.teams.signin import TokenSource

log = logging.getLogger("brewbot.teams")

# The scope of an app-only token for Microsoft Graph.
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
CACHE_SECONDS = 300.0
RETRY_SECONDS = 30.0
# The longest a person waits for a team's first answer (a dialog's invoke has 15 s in all).
LOOKUP_WAIT = 2.0
GRAPH_TIMEOUT = 5.0
# A team's members come in pages; a lookup reads at most this many.
MAX_PAGES = 20
# The teams of one organisation a one-to-one chat is checked against, the latest heard.
MAX_TEAMS = 10
# Graph's answers that mean it will not tell this app about the team: not a failure.
REFUSED = frozenset({401, 403, 404})


@dataclass(frozen=True)
class Answer:
    """What Graph said about one team: its owners and the named tag's members (Entra object
    ids), and the tag's names ({its id, its display name}) that the services compare with
    the community's facilitator_role."""

    owners: frozenset[str] = frozenset()
    tagged: frozenset[str] = frozenset()
    tag_names: frozenset[str] = frozenset()


NOBODY = Answer()


@dataclass
class _Kept:
    answer: Answer | None = None  # None: never known
    checked: float = -math.inf
    failed: float = -math.inf


@dataclass(frozen=True)
class Standing:
    """A person's facilitator standing, as UserRef carries it."""

    roles: frozenset[str]
    is_admin: bool
    known: bool


class GraphError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class Facilitators:
    def __init__(
        self,
        graph_url: str,
        token: TokenSource,
        *,
        listed: Iterable[str],
        listed_role: str,
        ttl: float = CACHE_SECONDS,
        retry_after: float = RETRY_SECONDS,
        wait: float = LOOKUP_WAIT,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.graph_url = graph_url.rstrip("/")
        self.token = token
        self.listed = frozenset(listed) - {""}
        self.listed_role = listed_role
        self.ttl = ttl
        self.retry_after = retry_after
        self.wait = wait
        self.now = now
        self.http = httpx.AsyncClient(timeout=GRAPH_TIMEOUT)
        self._kept: dict[tuple[str, str], _Kept] = {}
        self._lookups = SingleFlight(log, "microsoft graph")
        self._teams: dict[str, dict[str, None]] = {}  # tenant -> its teams, latest last

    def heard(self, tenant: str, team: str) -> None:
        """An activity came from `team` (its Microsoft 365 group id) of `tenant`."""
        teams = self._teams.setdefault(tenant, {})
        teams.pop(team, None)
        teams[team] = None
        while len(teams) > MAX_TEAMS:
            del teams[next(iter(teams))]

    def listed_standing(self, user_id: str, aad: str) -> Standing:
        """What TEAMS_FACILITATORS alone says (Graph not asked)."""
        listed = bool({user_id, aad} & self.listed)
        return Standing(frozenset({self.listed_role}) if listed else frozenset(), listed, True)

    async def standing(
        self,
        *,
        tenant: str,
        team: str,
        personal: bool,
        user_id: str,
        aad: str,
        role: str,
    ) -> Standing:
        """`user_id` (Entra object id `aad`) in a conversation of `team` ("" when none; a
        one-to-one chat when `personal`), where the community's facilitator_role is `role`."""
        listed = self.listed_standing(user_id, aad)
        teams = [team] if team else list(self._teams.get(tenant, ())) if personal else []
        if not aad or not role.strip() or not teams:
            # An anonymous meeting guest has no Entra id, which is all Graph knows people by.
            return listed
        answers = await asyncio.gather(*(self._answer(tenant, t, role) for t in teams))
        roles = set(listed.roles)
        is_admin = listed.is_admin
        for answer in answers:
            if answer is None:
                continue
            is_admin = is_admin or aad in answer.owners
            if aad in answer.tagged:
                roles |= answer.tag_names
        return Standing(frozenset(roles), is_admin, all(a is not None for a in answers))

    async def close(self) -> None:
        """Stop the lookups still running, and the HTTP client (at shutdown)."""
        await self._lookups.close()
        await self.http.aclose()

    # -- one team -------------------------------------------------------------------------

    async def _answer(self, tenant: str, team: str, role: str) -> Answer | None:
        key = (team, role.strip().casefold())
        kept = self._kept.setdefault(key, _Kept())
        now = self.now()
        if now - kept.checked >= self.ttl and now - kept.failed >= self.retry_after:
            task = self._lookups.start(key, lambda: self._look_up(tenant, team, role.strip(), kept))
            if kept.answer is None:
                await asyncio.wait({task}, timeout=self.wait)
        return kept.answer

    async def _look_up(self, tenant: str, team: str, role: str, kept: _Kept) -> None:
        try:
            kept.answer = await self._read(tenant, team, role)
            kept.checked = self.now()
        except GraphError as exc:
            if exc.status in REFUSED:
                log.info(
                    "microsoft graph refused a team's tags and owners status=%d; "
                    "only TEAMS_FACILITATORS are facilitators there",
                    exc.status,
                )
                kept.answer, kept.checked = NOBODY, self.now()
                return
            self._failed(kept, exc.args[0])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            self._failed(kept, type(exc).__name__)

    def _failed(self, kept: _Kept, reason: str) -> None:
        kept.failed = self.now()
        held = "keeping the last answer" if kept.answer is not None else "TEAMS_FACILITATORS only"
        log.warning("microsoft graph lookup failed error=%s; %s for now", reason, held)

    async def _read(self, tenant: str, team: str, role: str) -> Answer:
        token = self.token(GRAPH_SCOPE, tenant)
        if inspect.isawaitable(token):
            token = await token
        headers = {"Authorization": f"Bearer {token}"}
        base = f"{self.graph_url}/v1.0/teams/{team}"
        owners = {
            str(m.get("userId") or "")
            for m in await self._pages(f"{base}/members", headers)
            if "owner" in (m.get("roles") or ())
        }
        # The services compare the setting with a role's name without regard to case.
        wanted = role.casefold()
        tags = [
            t
            for t in await self._pages(f"{base}/tags", headers)
            if wanted in (str(t.get("displayName") or "").casefold(), str(t.get("id") or ""))
        ]
        tagged: set[str] = set()
        for tag in tags:
            members = await self._pages(f"{base}/tags/{tag['id']}/members", headers)
            tagged |= {str(m.get("userId") or "") for m in members}
        names = {str(t[k]) for t in tags for k in ("id", "displayName") if t.get(k)}
        return Answer(frozenset(owners - {""}), frozenset(tagged - {""}), frozenset(names))

    async def _pages(self, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
        """Every item of a Graph list, following its @odata.nextLink."""
        found: list[dict[str, Any]] = []
        next_url: str | None = url
        for _ in range(MAX_PAGES):
            if not next_url:
                break
            response = await self.http.get(next_url, headers=headers)
            if response.status_code != 200:
                raise GraphError(response.status_code)
            body = response.json()
            found += [item for item in body.get("value") or () if isinstance(item, dict)]
            link = body.get("@odata.nextLink")
            next_url = str(link) if link else None
        return found


def community_role(known: Known, default: str) -> Callable[[str], Awaitable[str]]:
    """The facilitator_role of a tenant's community, as the services know it now (`default`
    for a community not stored yet), so a change of the setting counts at once."""

    async def role(tenant: str) -> str:
        found = await known.communities.get((Platform.TEAMS.value, tenant))
        return found.facilitator_role if found is not None else default

    return role

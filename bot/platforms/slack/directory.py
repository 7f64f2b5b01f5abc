"""Who someone is on Slack: their name, whether they are a workspace admin, and which user
groups they are in (for the facilitator check).

A person counts as a facilitator when the community's facilitator role names a user group
they belong to, by its id (what `/brew settings facilitator_role @group` stores when the
group is picked in Slack) or its handle (with or without "@"), never by its display name,
or when they are a workspace admin or owner. User groups need usergroups:read and, on
Slack, a paid plan; without them only admins and owners are facilitators.

What Slack said is remembered, and the way to a form never waits for Slack: a button that
opens a form must open it within Slack's 3 seconds (its trigger_id expires), and
usergroups.list is a Tier 2 method (about 20 calls a minute) that Slack slows down with 429s.
So:
- one lookup at a time per workspace (and per person), its answer shared by everyone who
  asked while it ran;
- an answer older than CACHE_SECONDS is still used while a fresh one is fetched in the
  background;
- a failed lookup keeps the last good answer; with none yet, the person's facilitator
  status is "not known yet" (UserRef.roles_known) and they are told so, not locked out;
  after a failure Slack is asked again no sooner than RETRY_SECONDS;
- the subteam_members_changed and subteam_updated events change what is known at once.
Only a command that cannot open a form (`wait=True`) waits, at most LOOKUP_WAIT seconds, for
a workspace's or a person's first answer.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.refs import CommunityRef, Platform, UserRef
from bot.core.typed import is_number
from bot.platforms.single_flight import SingleFlight
from bot.platforms.slack.errors import TRANSPORT_ERRORS, api_error

log = logging.getLogger("brewbot.slack")

CACHE_SECONDS = 300.0
# After a failed lookup, Slack is asked again no sooner than this.
RETRY_SECONDS = 30.0
# The longest a command that cannot open a form waits for a first answer from Slack.
LOOKUP_WAIT = 5.0
# Answers that mean the workspace has no user groups for us (a free plan, a missing scope):
# a definite "no groups", not a failure.
NO_GROUPS = frozenset(
    {
        "missing_scope",
        "paid_teams_only",
        "plan_upgrade_required",
        "no_permission",
        "not_allowed_token_type",
        "team_access_not_granted",
    }
)
# Answers that mean Slack will not tell us about this person: they are not an admin.
NO_PERSON = frozenset({"user_not_found", "user_not_visible", "missing_scope"})


@dataclass(frozen=True)
class Person:
    name: str
    is_admin: bool


@dataclass
class _Groups:
    """One workspace's user groups as last heard from Slack: id -> (handle, members)."""

    groups: dict[str, tuple[str, frozenset[str]]] | None = None  # None: never known
    checked: float = -math.inf  # when Slack last gave the whole list
    failed: float = -math.inf  # when asking last failed
    changes: int = 0  # events applied, so a lookup that overlapped one is read again
    roles: dict[str, frozenset[str]] = field(default_factory=dict)  # user -> ids and handles

    def store(self, groups: dict[str, tuple[str, frozenset[str]]]) -> None:
        self.groups = groups
        roles: dict[str, set[str]] = {}
        for group_id, (handle, users) in groups.items():
            names = {group_id, handle, f"@{handle}"} if handle else {group_id}
            for user_id in users:
                roles.setdefault(user_id, set()).update(names)
        self.roles = {user: frozenset(names) for user, names in roles.items()}


class SlackDirectory:
    def __init__(
        self,
        ttl: float = CACHE_SECONDS,
        now: Callable[[], float] = time.monotonic,
        *,
        retry_after: float = RETRY_SECONDS,
        wait: float = LOOKUP_WAIT,
    ) -> None:
        self.ttl = ttl
        self.now = now
        self.retry_after = retry_after
        self.wait = wait
        self._people: dict[tuple[str, str], tuple[float, Person]] = {}
        self._teams: dict[str, _Groups] = {}
        self._lookups = SingleFlight(log, "slack")

    async def user(
        self,
        client: AsyncWebClient,
        team: CommunityRef,
        user_id: str,
        fallback_name: str = "",
        *,
        wait: bool = True,
    ) -> UserRef:
        """The UserRef the services see for a Slack user in workspace `team`. With
        `wait=False` (anything that may open a form) no Web API call is waited for."""
        person = await self._person(client, team.id, user_id, wait)
        groups = await self._groups(client, team.id, wait)
        return UserRef(
            team,
            user_id,
            (person.name if person else "") or fallback_name,
            roles=groups.get(user_id, frozenset()) if groups is not None else frozenset(),
            is_admin=bool(person and person.is_admin),
            roles_known=person is not None and groups is not None,
        )

    def forget_groups(self, team_id: str) -> None:
        """Read the workspace's groups again at next use (what is known is used meanwhile)."""
        state = self._teams.get(team_id)
        if state is not None:
            state.checked = -math.inf
            state.failed = -math.inf

    def members_changed(
        self, team_id: str, group_id: str, added: Iterable[str], removed: Iterable[str]
    ) -> None:
        """Slack's subteam_members_changed: who joined or left a group."""
        state = self._teams.get(team_id)
        if state is None or state.groups is None:
            return  # nothing known yet: the first lookup reads it all
        state.changes += 1
        known = state.groups.get(group_id)
        if known is None:
            # A group we have not seen (created since): read them all at next use.
            state.checked = -math.inf
            return
        handle, users = known
        users = (users | {str(u) for u in added}) - {str(u) for u in removed}
        state.store({**state.groups, group_id: (handle, users)})

    def group_updated(self, team_id: str, group: dict[str, Any]) -> None:
        """Slack's subteam_updated: a group's handle, members, or that it was disabled."""
        state = self._teams.get(team_id)
        group_id = str(group.get("id") or "")
        if state is None or state.groups is None or not group_id:
            return
        state.changes += 1
        groups = dict(state.groups)
        if group.get("date_delete"):
            groups.pop(group_id, None)
            state.store(groups)
            return
        handle = str(group.get("handle") or "")
        users = group.get("users")
        count = group.get("user_count")
        whole = isinstance(users, list) and (
            not is_number(str(count or "")) or int(str(count)) <= len(users)
        )
        if whole:
            groups[group_id] = (handle, frozenset(str(u) for u in users or ()))
        else:
            # Slack sends at most 500 members here: keep what we know, read it all again.
            old = groups.get(group_id)
            groups[group_id] = (handle, old[1] if old else frozenset())
            state.checked = -math.inf
        state.store(groups)

    async def close(self) -> None:
        """Stop the lookups still running (at shutdown)."""
        await self._lookups.close()

    # -- people -------------------------------------------------------------------------------

    async def _person(
        self, client: AsyncWebClient, team_id: str, user_id: str, wait: bool
    ) -> Person | None:
        key = (team_id, user_id)
        cached = self._people.get(key)
        if cached is None or self.now() - cached[0] >= self.ttl:
            task = self._lookups.start(("person", *key), lambda: self._look_up(client, key))
            if cached is None and wait:
                await asyncio.wait({task}, timeout=self.wait)
                cached = self._people.get(key)
        return cached[1] if cached else None

    async def _look_up(self, client: AsyncWebClient, key: tuple[str, str]) -> None:
        try:
            data = (await client.users_info(user=key[1]))["user"]
        except TRANSPORT_ERRORS as exc:
            code = api_error(exc)
            log.warning("users.info failed error=%s", code or type(exc).__name__)
            if code in NO_PERSON:
                self._people[key] = (self.now(), Person("", False))
            return
        profile = data.get("profile") or {}
        self._people[key] = (
            self.now(),
            Person(
                name=str(
                    profile.get("display_name")
                    or profile.get("real_name")
                    or data.get("name")
                    or ""
                ),
                is_admin=bool(
                    data.get("is_admin") or data.get("is_owner") or data.get("is_primary_owner")
                ),
            ),
        )

    # -- user groups --------------------------------------------------------------------------

    async def _groups(
        self, client: AsyncWebClient, team_id: str, wait: bool
    ) -> dict[str, frozenset[str]] | None:
        state = self._teams.setdefault(team_id, _Groups())
        now = self.now()
        stale = now - state.checked >= self.ttl
        resting = now - state.failed < self.retry_after
        if stale and not resting:
            task = self._lookups.start(
                ("groups", team_id), lambda: self._read_groups(client, state)
            )
            if state.groups is None and wait:
                await asyncio.wait({task}, timeout=self.wait)
        return state.roles if state.groups is not None else None

    async def _read_groups(self, client: AsyncWebClient, state: _Groups) -> None:
        changes = state.changes
        try:
            response = await client.usergroups_list(include_users=True)
        except TRANSPORT_ERRORS as exc:
            code = api_error(exc)
            if code in NO_GROUPS:
                # Free plans and missing scopes: only admins are facilitators then.
                log.info("user groups unavailable error=%s", code)
                state.store({})
                state.checked = self.now()
                return
            state.failed = self.now()
            kept = "keeping the last answer" if state.groups is not None else "none known yet"
            log.warning("usergroups.list failed error=%s; %s", code or type(exc).__name__, kept)
            return
        groups: dict[str, tuple[str, frozenset[str]]] = {}
        for group in response.get("usergroups") or []:
            if group.get("date_delete") or not group.get("id"):
                continue
            users = frozenset(str(u) for u in group.get("users") or ())
            groups[str(group["id"])] = (str(group.get("handle") or ""), users)
        state.store(groups)
        # An event that came while Slack answered may be newer than the answer: ask again.
        state.checked = self.now() if state.changes == changes else -math.inf


def community(team_id: str, team_name: str = "") -> CommunityRef:
    return CommunityRef(Platform.SLACK, team_id, team_name)

"""Who someone is on Slack: their name, whether they are a workspace admin, and which user
groups they are in (for the facilitator check), with a short cache so a click does not wait
on Slack for what it asked a minute ago.

A person counts as a facilitator when the community's facilitator role names a user group
they belong to (its handle, with or without "@", or its name) or when they are a workspace
admin or owner. User groups need usergroups:read and, on Slack, a paid plan; without them
only admins and owners are facilitators.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.refs import CommunityRef, Platform, UserRef
from bot.platforms.slack.errors import TRANSPORT_ERRORS, api_error

log = logging.getLogger("brewbot.slack")

CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class Person:
    name: str
    is_admin: bool


class SlackDirectory:
    def __init__(
        self, ttl: float = CACHE_SECONDS, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.now = now
        self._people: dict[tuple[str, str], tuple[float, Person]] = {}
        self._groups: dict[str, tuple[float, dict[str, frozenset[str]]]] = {}

    async def user(
        self, client: AsyncWebClient, team: CommunityRef, user_id: str, fallback_name: str = ""
    ) -> UserRef:
        """The UserRef the services see for a Slack user in workspace `team`."""
        person = await self._person(client, team.id, user_id, fallback_name)
        groups = await self._groups_of(client, team.id)
        return UserRef(
            team,
            user_id,
            person.name,
            roles=groups.get(user_id, frozenset()),
            is_admin=person.is_admin,
        )

    def forget_groups(self, team_id: str) -> None:
        """A user group changed: look the groups up again next time."""
        self._groups.pop(team_id, None)

    async def _person(
        self, client: AsyncWebClient, team_id: str, user_id: str, fallback: str
    ) -> Person:
        key = (team_id, user_id)
        cached = self._people.get(key)
        if cached and self.now() - cached[0] < self.ttl:
            return cached[1]
        try:
            data = (await client.users_info(user=user_id))["user"]
        except TRANSPORT_ERRORS as exc:
            # Not knowing someone's name must not stop them taking part.
            log.warning("users.info failed error=%s", api_error(exc) or type(exc).__name__)
            return Person(fallback, False)
        profile = data.get("profile") or {}
        person = Person(
            name=str(
                profile.get("display_name") or profile.get("real_name") or data.get("name")
                or fallback
            ),
            is_admin=bool(
                data.get("is_admin") or data.get("is_owner") or data.get("is_primary_owner")
            ),
        )
        self._people[key] = (self.now(), person)
        return person

    async def _groups_of(self, client: AsyncWebClient, team_id: str) -> dict[str, frozenset[str]]:
        cached = self._groups.get(team_id)
        if cached and self.now() - cached[0] < self.ttl:
            return cached[1]
        members: dict[str, set[str]] = {}
        try:
            response = await client.usergroups_list(include_users=True)
        except TRANSPORT_ERRORS as exc:
            # Free plans and missing scopes land here: only admins are facilitators then.
            log.info("usergroups.list unavailable error=%s", api_error(exc) or type(exc).__name__)
        else:
            for group in response.get("usergroups") or []:
                if group.get("date_delete"):
                    continue
                handle = str(group.get("handle") or "")
                names = {n for n in (handle, f"@{handle}", str(group.get("name") or "")) if n}
                for user_id in group.get("users") or []:
                    members.setdefault(str(user_id), set()).update(names)
        frozen = {user: frozenset(names) for user, names in members.items()}
        self._groups[team_id] = (self.now(), frozen)
        return frozen


def community(team_id: str, team_name: str = "") -> CommunityRef:
    return CommunityRef(Platform.SLACK, team_id, team_name)

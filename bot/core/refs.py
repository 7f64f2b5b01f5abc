"""References to places and people on a chat platform, without the platform's own types."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Platform(StrEnum):
    SHELL = "shell"
    DISCORD = "discord"
    SLACK = "slack"
    TEAMS = "teams"

    def is_person_id(self, text: str) -> bool:
        """Whether `text` has the shape this platform gives people's ids. A bare id of any
        other shape (NaN, 0, a date) is nobody on it: nothing sent to it would arrive."""
        return _PERSON_ID[self].fullmatch(text) is not None

    def is_group_id(self, text: str) -> bool:
        """Whether `text` has the shape of the id this platform gives a group of people that
        can be mentioned: a Discord role, a Slack user group."""
        pattern = _GROUP_ID.get(self)
        return pattern is not None and pattern.fullmatch(text) is not None


# A person's id as each platform makes it: Discord's snowflakes (15 to 21 digits); Slack's
# member ids (U or W, then 8 or more capitals and digits); the terminal chat's own, a
# lowercase word, a hyphen and a name (shell-sam after /as Sam, demo-3, bench-user-7, and
# user-sam in the tests).
_PERSON_ID = {
    Platform.DISCORD: re.compile(r"[0-9]{15,21}"),
    Platform.SLACK: re.compile(r"[UW][A-Z0-9]{8,20}"),
    Platform.SHELL: re.compile(r"[a-z]+-\w[\w-]*"),
    # Teams' Bot Framework user ids: "29:" and a long opaque word.
    Platform.TEAMS: re.compile(r"29:[\w-]{8,200}"),
}


# A group's id: Discord's roles are snowflakes too; Slack's user groups start with S.
_GROUP_ID = {
    Platform.DISCORD: re.compile(r"[0-9]{15,21}"),
    Platform.SLACK: re.compile(r"S[A-Z0-9]{8,20}"),
}


# A visitor on a web page (someone with no chat account, bot/platforms/web) is a person id of
# this prefix and a random word for one opening of the page. No platform's person id starts
# with it (Teams' ids have a colon, but start "29:"), so a visitor can never be taken for a
# member of the chat; a visitor is never stored and nobody can be sent a message as one.
VISITOR_PREFIX = "web:"


def visitor_id(nonce: str) -> str:
    return f"{VISITOR_PREFIX}{nonce}"


def is_visitor(user_id: str) -> bool:
    return user_id.startswith(VISITOR_PREFIX)


@dataclass(frozen=True)
class CommunityRef:
    """A Discord guild, a Slack workspace or the shell's one pretend community."""

    platform: Platform
    id: str
    name: str = ""


@dataclass(frozen=True)
class ConversationRef:
    """A channel, a thread inside a channel, or a private conversation."""

    community: CommunityRef
    id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class UserRef:
    """Who did something. `roles`: platform role names or group handles, for permission checks.
    `roles_known` is False when the platform could not say yet (Slack's user groups not read
    yet): someone refused a facilitator step is then told so, not that they lack the role.
    `easy_read` is asked for with this one interaction (a web page's Easy Read version): it
    is what a person Brewbot does not store is answered in; a known person's own setting
    is theirs."""

    community: CommunityRef
    id: str
    display_name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    is_admin: bool = False
    roles_known: bool = True
    easy_read: bool = False


@dataclass(frozen=True)
class MessageRef:
    conversation: ConversationRef
    id: str

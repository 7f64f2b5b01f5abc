"""References to places and people on a chat platform, without the platform's own types."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Platform(StrEnum):
    SHELL = "shell"
    DISCORD = "discord"
    SLACK = "slack"


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
    yet): someone refused a facilitator step is then told so, not that they lack the role."""

    community: CommunityRef
    id: str
    display_name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    is_admin: bool = False
    roles_known: bool = True


@dataclass(frozen=True)
class MessageRef:
    conversation: ConversationRef
    id: str

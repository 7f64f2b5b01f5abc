"""What the bot asks Discord for: gateway intents and channel permissions, and how a missing
permission is named to the facilitator.

Intents: only `guilds` (channels, threads and roles of the servers the bot is in). Slash
commands, buttons and forms arrive as interactions, which need no intent; no privileged
intent (members, presences, message content) is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.engine.texts import Texts


@dataclass(frozen=True)
class Need:
    """The permissions one operation needs (in the order an admin should check them), and
    the one to name when Discord refuses although our cached copy says all is well."""

    main: str
    flags: tuple[str, ...]


SEND = Need("send_messages", ("view_channel", "send_messages", "embed_links", "attach_files"))
SEND_IN_THREAD = Need(
    "send_messages_in_threads",
    ("view_channel", "send_messages_in_threads", "embed_links", "attach_files"),
)
PRIVATE_THREAD = Need(
    "create_private_threads", ("view_channel", "create_private_threads", "send_messages_in_threads")
)
PUBLIC_THREAD = Need(
    "create_public_threads", ("view_channel", "create_public_threads", "send_messages_in_threads")
)
ADD_TO_THREAD = Need("send_messages_in_threads", ("view_channel", "send_messages_in_threads"))
# The bot created the thread, so it may archive it without Manage Threads; that is still the
# permission that settles it when Discord refuses.
ARCHIVE_THREAD = Need("manage_threads", ("view_channel",))
EVENTS = Need("create_events", ("create_events",))

# The invite asks for exactly these (README: the permissions integer).
REQUIRED_FLAGS = (
    "view_channel",
    "send_messages",
    "send_messages_in_threads",
    "create_public_threads",
    "create_private_threads",
    "embed_links",
    "attach_files",
    "read_message_history",
    "create_events",
)
REQUIRED_PERMISSIONS = discord.Permissions(**dict.fromkeys(REQUIRED_FLAGS, True))


def intents() -> discord.Intents:
    """The gateway intents the bot needs: guilds only."""
    return discord.Intents(guilds=True)


def invite_url(application_id: int) -> str:
    """The OAuth2 URL that adds the bot with its permissions and slash commands."""
    return discord.utils.oauth_url(
        application_id,
        permissions=REQUIRED_PERMISSIONS,
        scopes=("bot", "applications.commands"),
    )


def first_missing(permissions: discord.Permissions | None, need: Need) -> str:
    """The first permission of `need` that `permissions` lacks, else its main one."""
    if permissions is not None:
        for flag in need.flags:
            if not getattr(permissions, flag):
                return flag
    return need.main


def permission_name(texts: Texts, flag: str) -> str:
    """Discord's own name for a permission flag, e.g. "Create Private Threads"."""
    return texts.t(f"discord.permission.{flag}")

"""Who did something and where, from a Discord interaction, as neutral refs.

A person's `roles` are their role names and ids in the server, which the dispatcher compares
with the community's facilitator role (`/brew settings facilitator_role ...`). Server admins
(Administrator or Manage Server) are facilitators everywhere.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef


def community_ref(guild: discord.Guild | None, guild_id: int) -> CommunityRef:
    return CommunityRef(Platform.DISCORD, str(guild_id), guild.name if guild is not None else "")


def member_ref(
    community: CommunityRef,
    user: discord.Member | discord.User,
    permissions: discord.Permissions | None = None,
) -> UserRef:
    """`user` as a UserRef. `permissions`: the resolved permissions Discord sent with the
    interaction; a member's server-wide permissions are used when there are none."""
    roles: frozenset[str] = frozenset()
    if isinstance(user, discord.Member):
        # Names for a role typed in settings, ids for one picked there (<@&id>).
        own = [role for role in user.roles if not role.is_default()]
        roles = frozenset(role.name for role in own) | frozenset(str(role.id) for role in own)
        if permissions is None:
            permissions = user.guild_permissions
    admin = permissions is not None and (permissions.administrator or permissions.manage_guild)
    return UserRef(community, str(user.id), user.display_name, roles, admin)


def conversation_ref(
    community: CommunityRef, channel: object, channel_id: int | None
) -> ConversationRef:
    """A channel, or a thread inside its parent channel."""
    if isinstance(channel, discord.Thread):
        return ConversationRef(community, str(channel.parent_id), str(channel.id))
    return ConversationRef(community, str(channel_id or getattr(channel, "id", None) or ""))


_ROLE = re.compile(r"<@&(\d+)>")


def named_roles(args: dict[str, Any], guild: discord.Guild | None) -> dict[str, Any]:
    """Command options with each role mention given the role's name as the server shows it
    (<@&id|name>), as Slack gives a group's handle with its mention: settings keep the id and
    show the name, never the id."""

    def named(match: re.Match[str]) -> str:
        role = guild.get_role(int(match.group(1))) if guild is not None else None
        return f"<@&{match.group(1)}|{role.name}>" if role is not None else match.group()

    return {k: _ROLE.sub(named, v) if isinstance(v, str) else v for k, v in args.items()}

"""Who did something and where, from a Discord interaction, as neutral refs.

A person's `roles` are their role names and ids in the server, which the dispatcher compares
with the community's facilitator role (`/brew settings facilitator_role ...`). Server admins
(Administrator or Manage Server) are facilitators everywhere.
"""

from __future__ import annotations

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

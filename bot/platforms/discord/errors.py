"""Discord's refusals as DeliveryErrors the services can word for the facilitator.

Nothing here retries: a 403 will not change by asking again, and discord.py already waits
out rate limits (429) itself before anything reaches this module.
"""

from __future__ import annotations

import discord

from bot.core.ports import DeliveryError
from bot.engine.texts import Texts
from bot.platforms.discord.permissions import Need, first_missing, permission_name

# https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
MISSING_ACCESS = 50001
CANNOT_MESSAGE_USER = 50007
THREAD_ARCHIVED = 50083


def delivery_error(
    exc: discord.HTTPException,
    texts: Texts,
    *,
    need: Need,
    permissions: discord.Permissions | None = None,
    where: str = "channel",
) -> DeliveryError:
    """`exc` as a DeliveryError. `need`: what the operation needed, to name the permission;
    `permissions`: the bot's cached permissions there, to name the one actually missing;
    `where`: "channel", "thread" or "event", for "could not find ..."."""
    if isinstance(exc, discord.Forbidden):
        if exc.code == CANNOT_MESSAGE_USER:
            return DeliveryError("dm_closed")
        if exc.code == MISSING_ACCESS:
            # Brewbot cannot see the channel at all (no View Channels there): no other
            # permission it has there counts, so naming one would send the admin astray.
            return DeliveryError("no_access", texts.t(f"discord.where.{where}"))
        flag = first_missing(permissions, need)
        return DeliveryError("missing_permission", permission_name(texts, flag))
    if isinstance(exc, discord.NotFound):
        return DeliveryError("not_found", texts.t(f"discord.where.{where}"))
    if exc.code == THREAD_ARCHIVED:
        return DeliveryError("archived", texts.t("discord.where.archived_thread"))
    return DeliveryError("failed", cause=f"Discord answered {exc.status}")


def rate_limited() -> DeliveryError:
    """discord.py gave up waiting (only when a maximum wait is configured)."""
    return DeliveryError("rate_limited")

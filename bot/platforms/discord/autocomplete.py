"""What the cogs' suggestions while typing share (`suggests` in cog.py). Suggestions must be
read-only and quick: Discord gives an autocomplete answer 3 seconds and no way to defer it
(commands.py gives each AUTOCOMPLETE_SECONDS, then the last answer for the same words)."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.refs import CommunityRef
from storage.models import Community

MAX_SUGGESTIONS = 25  # Discord's limit
LABEL_MAX = 100


async def stored_community(tx: AsyncSession, community: CommunityRef) -> Community | None:
    """The community's row, or None before its first command (suggestions create nothing)."""
    query = select(Community).where(
        Community.platform == community.platform.value, Community.external_id == community.id
    )
    return (await tx.exec(query)).first()

"""Suggestions while someone types a session number or a spark id. Read-only and quick:
Discord gives an autocomplete answer 3 seconds and no way to defer it."""

from __future__ import annotations

import logging

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.core.refs import CommunityRef
from bot.sessions.service import UPCOMING
from bot.sparks.service import library_for
from storage.engine import DatabaseUnavailable
from storage.models import Community
from storage.repositories import sessions_in_states

log = logging.getLogger("brewbot.discord")

MAX_SUGGESTIONS = 25  # Discord's limit
LABEL_MAX = 100


async def session_suggestions(
    app: App, community: CommunityRef, typed: str
) -> list[tuple[str, int]]:
    """(label, session id) for the community's upcoming and running sessions that match."""
    try:
        async with app.db.read() as tx:
            row = await _community(tx, community)
            if row is None:
                return []
            sessions = await sessions_in_states(tx, row.id, list(UPCOMING))
            found = [(app.sessions.describe(row, s), s.id) for s in sessions]
    except DatabaseUnavailable:
        return []
    wanted = typed.strip().lstrip("#").casefold()
    return [
        (label[:LABEL_MAX], session_id)
        for label, session_id in found
        if not wanted or wanted in label.casefold() or str(session_id).startswith(wanted)
    ][:MAX_SUGGESTIONS]


async def spark_suggestions(app: App, community: CommunityRef, typed: str) -> list[tuple[str, str]]:
    """(label, spark id) for the shared library and the community's own sparks that match."""
    try:
        async with app.db.read() as tx:
            row = await _community(tx, community)
            library = await library_for(app.deps, tx, row.id) if row else app.deps.sparks
    except DatabaseUnavailable:
        return []
    wanted = typed.strip().casefold()
    return [
        (f"{spark.id}: {spark.title}"[:LABEL_MAX], spark.id)
        for spark in library.all()
        if not wanted or wanted in spark.id or wanted in spark.title.casefold()
    ][:MAX_SUGGESTIONS]


async def _community(tx: AsyncSession, community: CommunityRef) -> Community | None:
    query = select(Community).where(
        Community.platform == community.platform.value, Community.external_id == community.id
    )
    return (await tx.exec(query)).first()

"""When a workspace removes the app: cancel its sessions so no scheduled job fires for it.

This is the one piece of business logic in the Slack front-end, kept small and built only
from SessionService's own lifecycle step. Discord needs the same when the bot leaves a guild,
so it belongs in the services (`SessionService.cancel_all(community)`); see the report.
Nothing is posted: the workspace's token no longer works.
"""

from __future__ import annotations

import logging

from sqlmodel import select

from bot.app import App
from bot.core.refs import Platform
from bot.services.lifecycle import LIVE_STATES
from storage.models import Community, SessionState
from storage.repositories import sessions_in_states

log = logging.getLogger("brewbot.slack")


async def cancel_workspace(brew: App, team_id: str) -> list[int]:
    """Cancel every scheduled or running session of the workspace; their jobs go with them."""
    cancelled: list[int] = []
    async with brew.db.transaction() as tx:
        community = (
            await tx.exec(
                select(Community).where(
                    Community.platform == Platform.SLACK.value, Community.external_id == team_id
                )
            )
        ).first()
        if community is None:
            return []
        states = [SessionState.SCHEDULED, *sorted(LIVE_STATES)]
        for session in await sessions_in_states(tx, community.id, states):
            brew.sessions.move(session, SessionState.CANCELLED, "cancelled")
            tx.add(session)
            cancelled.append(session.id)
    for session_id in cancelled:
        await brew.deps.session_changed(session_id)
    log.info("workspace uninstalled sessions_cancelled=%d", len(cancelled))
    return cancelled

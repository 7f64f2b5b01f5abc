"""Multi-workspace install: Bolt's SQLAlchemy installation store in our database, each
workspace's own bot token, and uninstalling removes the installation and cancels its sessions."""

from __future__ import annotations

import time
from datetime import timedelta

import aiohttp
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlmodel import select

from bot.core.domain import SessionState
from bot.loopback.slack_server import BOT_ID, BOT_USER, TEAM_ID
from bot.scheduling.planner import JobKind, PlannedJob
from storage.models import Session
from tests.fakes.slack_harness import ROOM, reply_text, slack_world

INSTALLED_TOKEN = "xoxb-installed-by-oauth"
ADMIN = "UADA"


async def test_installed_workspace_then_uninstalled(sqlite_url):
    async with slack_world(
        sqlite_url, SLACK_CLIENT_ID="1111.2222", SLACK_CLIENT_SECRET="oauth-secret"
    ) as world:
        fake = world.fake
        fake.add_user(ADMIN, "Ada", admin=True)
        fake.add_channel(ROOM, "over-a-brew", members=(ADMIN,))
        store = world.bot.oauth.installations
        await store.async_save(
            Installation(
                app_id="A0BREW",
                enterprise_id=None,
                team_id=TEAM_ID,
                bot_token=INSTALLED_TOKEN,
                bot_id=BOT_ID,
                bot_user_id=BOT_USER,
                bot_scopes="chat:write,commands",
                user_id=ADMIN,
                installed_at=time.time(),
            )
        )

        # The install page is served next to the events endpoint.
        base = world.sender.endpoint.rsplit("/slack/", 1)[0]
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/slack/install", allow_redirects=False) as response:
                assert response.status in (200, 302)

        reply = await world.command(ADMIN, 'schedule next Tuesday 2pm theme="Being heard"')
        assert "1" in reply_text(reply)
        async with world.brew.db.read() as tx:
            session = (await tx.exec(select(Session))).one()

        # The bot speaking first (a scheduled reminder) finds the workspace's token itself.
        due = session.starts_at - timedelta(minutes=15)
        world.clock.set(due)
        await world.brew.jobs.run(PlannedJob(JobKind.REMIND, session.id, due))
        api_calls = [c for c in fake.calls if c.method not in ("response_url", "upload")]
        assert api_calls and {c.token for c in api_calls} == {INSTALLED_TOKEN}
        assert world.bot.services.clients.cached_teams() == {TEAM_ID}

        # Uninstalled: the installation is gone and the session cancelled, jobs and all.
        sent = await world.sender.event(
            {"type": "app_uninstalled", "event_ts": "1700000300.000100"}, "Ev0UNINSTALL"
        )
        assert sent.status == 200
        await world.settle()
        assert await store.async_find_bot(enterprise_id=None, team_id=TEAM_ID) is None
        async with world.brew.db.read() as tx:
            assert (await tx.get(Session, session.id)).state == SessionState.CANCELLED
        assert world.bot.services.clients.cached_teams() == set()

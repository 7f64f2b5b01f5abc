"""The loopback Teams (bot/loopback/teams_server.py) and the Teams SDK's own client, for the
tests that prove the one answers the other as Microsoft does."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from microsoft_teams.api import ApiClient
from microsoft_teams.common import ClientOptions

from bot.loopback.teams_server import TeamsLoopback

APP_ID = "00000000-0000-4000-8000-00000000b0e1"


@pytest.fixture
async def lb() -> AsyncIterator[TeamsLoopback]:
    loopback = TeamsLoopback(APP_ID)
    await loopback.start()
    yield loopback
    await loopback.close()


@pytest.fixture
async def api(lb: TeamsLoopback) -> AsyncIterator[ApiClient]:
    """The SDK's client, aimed at the loopback as an activity's serviceUrl aims it, with a
    bearer token (as its token provider would give) and a timeout (it has none itself)."""
    client = ApiClient(lb.url, ClientOptions(token="connector-token", timeout=5.0))
    yield client
    await client.http.http.aclose()

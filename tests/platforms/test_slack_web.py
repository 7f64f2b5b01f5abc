"""Slack and the web pages share the bot's one web server: in HTTP mode one address answers
Slack's signed requests, /healthz and the pages; in Socket Mode the pages are there too; and
`/brew link N` on Slack gives a link that opens the session's page."""

from __future__ import annotations

import re

import aiohttp
from sqlmodel import select

from bot.config import Settings
from bot.platforms.slack.main import listen_address
from storage.models import Session
from tests.conftest import make_settings
from tests.fakes.slack_harness import ROOM, SlackWorld, reply_text, slack_world

ADMIN = "UADA"


def workspace(world: SlackWorld) -> None:
    world.fake.add_user(ADMIN, "Ada", admin=True)
    world.fake.add_channel(ROOM, "over-a-brew", members=(ADMIN,))


async def test_http_mode_serves_slack_the_health_check_and_the_pages_on_one_address(sqlite_url):
    async with slack_world(sqlite_url) as world, aiohttp.ClientSession() as browser:
        workspace(world)
        assert world.bot.web is not None
        base = f"http://127.0.0.1:{world.bot.port}"
        assert world.bot.web.base_url == f"{base}/"

        answer = await world.command(ADMIN, "help")  # a really signed request
        assert "/brew join" in reply_text(answer)
        async with browser.get(f"{base}/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"ok": True}
        async with browser.get(f"{base}/accessibility") as response:
            assert response.status == 200
            assert "text/html" in response.headers["Content-Type"]


async def test_slack_is_not_rate_limited_per_address_but_the_pages_are(sqlite_url):
    # The pages allow 20 forms a minute from one address; Slack sends everyone's from a few.
    async with slack_world(sqlite_url) as world, aiohttp.ClientSession() as browser:
        workspace(world)
        for _ in range(25):
            sent = await world.sender.command(ADMIN, "help", ROOM)
            assert sent.status == 200, sent.text
        await world.settle()
        statuses = []
        for _ in range(25):
            async with browser.post(f"http://127.0.0.1:{world.bot.port}/") as response:
                statuses.append(response.status)
        assert 429 in statuses


async def test_unsigned_requests_are_still_refused_on_the_shared_server(sqlite_url):
    async with slack_world(sqlite_url) as world, aiohttp.ClientSession() as browser:
        url = f"http://127.0.0.1:{world.bot.port}/slack/events"
        async with browser.post(url, data="command=%2Fbrew&text=help") as response:
            assert response.status == 401
            assert await response.json() == {"error": "invalid request"}


async def test_socket_mode_serves_the_web_pages_too(sqlite_url):
    async with (
        slack_world(sqlite_url, SLACK_MODE="socket", SLACK_SIGNING_SECRET="") as world,
        aiohttp.ClientSession() as browser,
    ):
        assert world.bot.http is None  # Slack's own routes are not needed
        assert world.bot.web is not None
        async with browser.get(world.bot.web.base_url) as response:
            assert response.status == 200
        async with browser.post(f"{world.bot.web.base_url}slack/events") as response:
            assert response.status in (404, 405)


async def test_brew_link_on_slack_opens_the_sessions_page(sqlite_url):
    async with slack_world(sqlite_url) as world, aiohttp.ClientSession() as browser:
        workspace(world)
        await world.command(ADMIN, 'schedule tomorrow 2pm theme="Being heard"')
        async with world.brew.db.read() as tx:
            session = (await tx.exec(select(Session))).one()
        answer = reply_text(await world.command(ADMIN, f"link {session.id}"))
        found = re.search(r"http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]+", answer)
        assert found, answer
        async with browser.get(found.group(0)) as response:
            html = await response.text()
        assert response.status == 200
        assert "<h1>Being heard</h1>" in html


def test_the_old_slack_port_is_kept_until_the_new_one_is_set(caplog, monkeypatch):
    for name in ("BREWBOT_WEB_HOST", "BREWBOT_WEB_PORT", "SLACK_HTTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert listen_address(Settings(_env_file=None)) == ("0.0.0.0", 3000)  # as before
    old_way = Settings(_env_file=None, SLACK_HTTP_PORT=3001)
    assert listen_address(old_way) == ("0.0.0.0", 3001)
    assert not caplog.records

    both = make_settings("sqlite://", SLACK_HTTP_PORT=3001, BREWBOT_WEB_PORT=8090)
    assert listen_address(both) == ("127.0.0.1", 8090)
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith("SLACK_HTTP_PORT=3001 is not used: ")
    assert "port 8090 (BREWBOT_WEB_PORT)" in line

    same = make_settings("sqlite://", SLACK_HTTP_PORT=8090, BREWBOT_WEB_PORT=8090)
    assert listen_address(same) == ("127.0.0.1", 8090)
    assert len(caplog.records) == 1

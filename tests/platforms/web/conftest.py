"""The real web server, listening on a free port, around the real App of tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import App
from bot.platforms.web.guards import RateLimits
from bot.platforms.web.server import WebServer

# Limits far above what any test but the rate limit's own sends.
ROOMY = RateLimits(read="1000/minute", write="1000/minute")


@pytest.fixture
async def server(app: App) -> AsyncIterator[WebServer]:
    pages = WebServer(app, limits=ROOMY)
    await pages.start()
    yield pages
    await pages.close()


@pytest.fixture
async def browser(server: WebServer) -> AsyncIterator[aiohttp.ClientSession]:
    """A client for the server's own address, keeping no cookies between requests."""
    async with aiohttp.ClientSession(
        base_url=server.base_url, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        yield session

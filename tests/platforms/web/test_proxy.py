"""The rate limit behind a reverse proxy: X-Forwarded-For is believed only from the proxies
in BREWBOT_WEB_TRUSTED_PROXIES, read from the right, and never from anyone else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from ipaddress import ip_network

import aiohttp
import pytest

from bot.app import App
from bot.config import ConfigError, load_settings
from bot.platforms.web.guards import RateLimits, client_address
from bot.platforms.web.server import WebServer
from tests.conftest import make_settings

# Three reads a minute: the fourth from one address is refused.
SMALL = RateLimits(read="3/minute", write="1/minute")


@asynccontextmanager
async def serving(app: App, trusted: str) -> AsyncIterator[aiohttp.ClientSession]:
    """The real server, trusting `trusted` as BREWBOT_WEB_TRUSTED_PROXIES, with small limits,
    and a client for it. The test's own connections come from 127.0.0.1."""
    app.settings = make_settings(app.settings.database_url, BREWBOT_WEB_TRUSTED_PROXIES=trusted)
    pages = WebServer(app, limits=SMALL)
    await pages.start()
    try:
        async with aiohttp.ClientSession(base_url=pages.base_url) as browser:
            yield browser
    finally:
        await pages.close()


async def reads(browser: aiohttp.ClientSession, *forwarded: str | None) -> list[int]:
    """GET /healthz once for each X-Forwarded-For given (None: no such header)."""
    statuses = []
    for header in forwarded:
        headers = {} if header is None else {"X-Forwarded-For": header}
        async with browser.get("/healthz", headers=headers) as response:
            statuses.append(response.status)
    return statuses


async def test_a_direct_connection_is_limited_by_its_own_address(app: App):
    async with serving(app, "") as browser:
        assert await reads(browser, None, None, None, None) == [200, 200, 200, 429]


@pytest.mark.parametrize("trusted", ["", "10.0.0.0/8"])
async def test_a_visitor_cannot_escape_the_limit_with_their_own_forwarded_for(
    app: App, trusted: str
):
    # The connection (127.0.0.1) is not a trusted proxy: each made-up address is ignored.
    async with serving(app, trusted) as browser:
        made_up = [f"203.0.113.{n}" for n in range(1, 5)]
        assert await reads(browser, *made_up) == [200, 200, 200, 429]
        assert await reads(browser, None) == [429]


async def test_through_a_trusted_proxy_each_visitor_has_their_own_limit(app: App):
    async with serving(app, "127.0.0.1") as browser:
        first, second = "198.51.100.7", "203.0.113.9"
        assert await reads(browser, first, first, first, first) == [200, 200, 200, 429]
        assert await reads(browser, second, second, second) == [200, 200, 200]
        # The proxy's own requests (no header) are counted apart from both.
        assert await reads(browser, None) == [200]


async def test_a_chain_of_trusted_proxies_finds_the_visitor_whatever_they_wrote(app: App):
    # The visitor's own X-Forwarded-For (left) changes every time; the front proxy (10.0.0.3)
    # added the visitor's real address, and the inner proxy is the connection itself.
    async with serving(app, "127.0.0.1, 10.0.0.0/8") as browser:
        chained = [f"192.0.2.{n}, 203.0.113.9, 10.0.0.3" for n in range(1, 4)]
        assert await reads(browser, *chained) == [200, 200, 200]
        assert await reads(browser, "203.0.113.9") == [429]  # the same visitor
        assert await reads(browser, "10.0.0.4, 10.0.0.3") == [200]  # all trusted: the left-most


async def test_an_unreadable_forwarded_address_counts_as_the_proxys(app: App):
    async with serving(app, "127.0.0.1") as browser:
        garbage = ["not-an-address", "203.0.113.9:4711", "", "198.51.100.7, 300.1.1.1"]
        assert await reads(browser, *garbage[:3]) == [200, 200, 200]
        assert await reads(browser, garbage[3], None) == [429, 429]  # all in one bucket
        assert await reads(browser, "203.0.113.9") == [200]


TRUSTED = [ip_network("10.0.0.0/8"), ip_network("2001:db8::/32")]


@pytest.mark.parametrize(
    ("peer", "forwarded", "counted"),
    [
        ("192.0.2.1", ["203.0.113.9"], "192.0.2.1"),  # not a proxy: header ignored
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["203.0.113.9"], "203.0.113.9"),
        ("10.0.0.2", ["1.1.1.1, 203.0.113.9, 10.0.0.7"], "203.0.113.9"),
        ("10.0.0.2", ["1.1.1.1, 203.0.113.9", "10.0.0.7"], "203.0.113.9"),  # two lines
        ("10.0.0.2", ["10.0.0.9, 10.0.0.7"], "10.0.0.9"),
        ("10.0.0.2", ["203.0.113.9, garbage"], "10.0.0.2"),
        ("::ffff:10.0.0.2", ["2001:db8::5, 2001:db9::1"], "2001:db9::1"),
        ("2001:db8::1", [" 198.51.100.7 "], "198.51.100.7"),
        (None, ["203.0.113.9"], ""),
    ],
)
def test_the_visitor_is_the_right_most_address_that_is_not_a_trusted_proxy(
    peer, forwarded, counted
):
    assert client_address(peer, forwarded, TRUSTED) == counted


def test_the_setting_reads_addresses_and_networks(monkeypatch):
    monkeypatch.setenv("BREWBOT_WEB_TRUSTED_PROXIES", " 10.0.0.2, 192.168.1.0/24,2001:db8::/32,")
    assert load_settings(_env_file=None).web_trusted_proxies == [
        ip_network("10.0.0.2"),
        ip_network("192.168.1.0/24"),
        ip_network("2001:db8::/32"),
    ]
    monkeypatch.delenv("BREWBOT_WEB_TRUSTED_PROXIES")
    assert load_settings(_env_file=None).web_trusted_proxies == []


@pytest.mark.parametrize("bad", ["proxy.example.org", "10.0.0.300", "10.0.0.5/24", "10.0.0.2;"])
def test_a_bad_proxy_stops_start_up_with_one_line(monkeypatch, bad):
    monkeypatch.setenv("BREWBOT_WEB_TRUSTED_PROXIES", f"10.0.0.1,{bad}")
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert "BREWBOT_WEB_TRUSTED_PROXIES" in message and repr(bad) in message
    assert "\n" not in message and "Input should be" not in message

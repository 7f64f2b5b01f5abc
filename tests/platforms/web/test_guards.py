"""What every response gets: security headers, no cookies, bounded bodies, a rate limit per
address, and a kind page with one plain sentence for every refusal."""

from __future__ import annotations

import asyncio
import io
import logging

import aiohttp
import pytest

from bot.app import App
from bot.logs import guard
from bot.platforms.web.guards import MAX_BODY_BYTES, SECURITY_HEADERS, RateLimits
from bot.platforms.web.server import WebServer

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
NOT_FOUND = (
    "This link is not known or is no longer in use. Please ask the person who sent it to you "
    "for a new one."
)


async def every_kind_of_response(
    browser: aiohttp.ClientSession,
) -> dict[str, aiohttp.ClientResponse]:
    """One of each: pages, the health check, a static file, and each refusal but 429."""
    seen = {}
    for name, method, path, body in [
        ("home", "GET", "/", None),
        ("accessibility", "GET", "/accessibility", None),
        ("health", "GET", "/healthz", None),
        ("static", "GET", "/static/site.css", None),
        ("head", "HEAD", "/", None),
        ("unknown page", "GET", "/s/no-such-link", None),
        ("unknown static", "GET", "/static/nothing.css", None),
        ("wrong method", "POST", "/", b"a=1"),
        ("too large", "POST", "/", b"x" * (MAX_BODY_BYTES + 1)),
    ]:
        async with browser.request(method, path, data=body) as response:
            await response.read()
            seen[name] = response
    return seen


async def test_every_response_has_the_security_headers_and_no_cookie(browser):
    responses = await every_kind_of_response(browser)
    assert {name: r.status for name, r in responses.items()} == {
        "home": 200, "accessibility": 200, "health": 200, "static": 200, "head": 200,
        "unknown page": 404, "unknown static": 404, "wrong method": 405, "too large": 413,
    }  # fmt: skip
    for name, response in responses.items():
        assert response.headers["Content-Security-Policy"] == CSP, name
        assert response.headers["Referrer-Policy"] == "no-referrer", name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert "camera=()" in response.headers["Permissions-Policy"], name
        assert response.headers["Server"] == "Brewbot", name  # not aiohttp and its version
        assert "Set-Cookie" not in response.headers, name
    assert responses["home"].headers["Cache-Control"] == "no-store"


async def test_an_unknown_link_gets_a_kind_page_with_one_plain_sentence(browser):
    async with browser.get("/s/not-a-real-token") as response:
        html = await response.text()
    assert response.status == 404
    assert response.content_type == "text/html"
    assert f"<p>{NOT_FOUND}</p>" in html
    assert html.count("<h1>") == 1
    assert "Traceback" not in html and "aiohttp" not in html


async def test_a_wrong_method_says_so_and_keeps_allow(browser):
    async with browser.post("/accessibility", data=b"") as response:
        html = await response.text()
    assert response.status == 405
    assert "GET" in response.headers["Allow"]
    assert "This page cannot be used in that way." in html


async def test_a_body_over_the_limit_is_refused_before_it_is_read(browser):
    async with browser.post("/", data=b"x" * (MAX_BODY_BYTES + 1)) as response:
        html = await response.text()
    assert response.status == 413
    assert "more than this page can take" in html
    async with browser.post("/", data=b"x" * 100) as response:  # small: on to the page
        assert response.status == 405


async def test_too_many_requests_from_one_address_wait_with_retry_after(app: App):
    pages = WebServer(app, limits=RateLimits(read="5/minute", write="2/minute"))
    await pages.start()
    try:
        async with aiohttp.ClientSession(base_url=pages.base_url) as browser:
            posts = [(await browser.post("/", data=b"")).status for _ in range(3)]
            # Forms have the stricter limit; reading has its own, still open.
            assert posts == [405, 405, 429]
            reads = [(await browser.get("/healthz")).status for _ in range(6)]
            assert reads == [200] * 5 + [429]
            async with browser.get("/") as refused:
                html = await refused.text()
    finally:
        await pages.close()
    assert refused.status == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60
    assert f"Please wait {wait} seconds, then try again." in html
    assert refused.headers["Content-Security-Policy"] == CSP


@pytest.fixture
def logged() -> io.StringIO:
    """Everything logged at DEBUG and above, through the same filter as the real handlers."""
    out = io.StringIO()
    handler = guard(logging.StreamHandler(out))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


async def test_no_address_path_or_user_agent_is_logged(browser, server, logged):
    agent = "Mozilla/5.0 (a-distinctive-agent)"
    browser.headers["User-Agent"] = agent
    await every_kind_of_response(browser)
    # A request the server cannot read: aiohttp's own line would name the sender's address.
    port = int(server.base_url.rsplit(":", 1)[1].strip("/"))
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
    await writer.drain()
    assert b" 400 Bad Request" in (await reader.read()).split(b"\r\n")[0]
    writer.close()
    text = logged.getvalue()
    assert "127.0.0.1" not in text
    assert agent not in text and "no-such-link" not in text
    assert "a request could not be read" in text  # the line was there, without the address


def test_the_headers_are_the_documented_ones():
    assert SECURITY_HEADERS["Content-Security-Policy"] == CSP
    assert "script-src" not in CSP  # default-src 'none': no script at all

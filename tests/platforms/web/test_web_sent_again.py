"""A reflection sent again from the web page after a crash: the process is killed after
storing it and before the page reached the person, so they see no thank-you and no code, and
their browser sends the same form again to the process started anew. As in the chat
(tests/reflections/test_sent_again.py), it is stored once and they get the "sent again" thanks
with a new code; nothing that ties the form to the person is stored (docs/anonymity.md)."""

from __future__ import annotations

import contextlib
import html as htmllib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from bot.app import App
from bot.platforms.web.keys import FORM_TOKENS
from bot.platforms.web.server import WebServer
from tests.conftest import app_for, make_settings
from tests.intruder import copy, dump_postgres
from tests.platforms.web.conftest import ROOMY
from tests.platforms.web.test_web_reflections import (
    CODE,
    GOOD,
    WORDS,
    opened,
    reflecting_page,
    stored,
)

AGAIN = "This reflection was already saved, so it is kept once."
EXPIRED = "This form had been open a long time, so nothing was sent yet."


async def post(base_url: str, path: str, sent: dict[str, str]) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession(base_url=base_url, cookie_jar=aiohttp.DummyCookieJar()) as browser,
        browser.post(f"{path}/reflect", data=sent) as response,
    ):
        return response.status, await response.text()


@contextlib.asynccontextmanager
async def restarted(
    web: App, server: WebServer, database_url: str, clock
) -> AsyncIterator[tuple[App, WebServer]]:
    """The process killed and started anew on the same database, its pages served again:
    a new app and web server, so a new key for the forms' tokens."""
    await server.close()
    await web.close()
    again = await app_for(make_settings(database_url), clock)
    again.deps.web_base_url = web.deps.web_base_url
    pages = WebServer(again, limits=ROOMY)
    await pages.start()
    try:
        yield again, pages
    finally:
        await pages.close()
        await again.close()


async def test_the_same_form_sent_again_after_a_restart_is_stored_once(
    web, chat, fac, server, browser, clock, database_url, data_folder: Path, elsewhere: Path
):
    session_id, path = await reflecting_page(web, chat, fac)
    _, tokens = await opened(browser, path)
    sent = {**GOOD, "form": tokens[0], "version": "standard"}
    status, first = await post(server.base_url, path, sent)
    assert status == 200, first  # stored; then killed before the page reached the person
    [first_code] = set(CODE.findall(first))
    async with restarted(web, server, database_url, clock) as (again, pages):
        status, page = await post(pages.base_url, path, sent)  # the browser sends it again
        assert status == 200, page
        assert AGAIN in htmllib.unescape(page)
        [code] = set(CODE.findall(page))
        assert code != first_code and code.startswith(f"{session_id}-")
        assert [row.text for row in await stored(again)] == [WORDS], "stored once"

        # Sent a third time (a double press), still once.
        status, page = await post(pages.base_url, path, sent)
        assert status == 200 and AGAIN in htmllib.unescape(page)
        [code] = set(CODE.findall(page))
        assert len(await stored(again)) == 1

        # The intruder with the data folder finds neither the token nor its nonce.
        copied = copy(data_folder, elsewhere / "copy")
        if database_url.startswith("postgresql"):
            dump_postgres(database_url, copied)
        nonce = tokens[0].split(".")[0]
        for file in copied.rglob("*"):
            if file.is_file():
                data = file.read_bytes()
                assert nonce.encode() not in data, f"the nonce is in {file.name}"
                assert tokens[0].encode() not in data, f"the token is in {file.name}"

        # The newest code takes it back, from another opening of the page.
        async with aiohttp.ClientSession(
            base_url=pages.base_url, cookie_jar=aiohttp.DummyCookieJar()
        ) as other:
            _, fresh = await opened(other, path)
            taken = {"form": fresh[1], "version": "standard", "code": code}
            async with other.post(f"{path}/withdraw", data=taken) as response:
                assert response.status == 200
                assert "taken back" in await response.text()
        assert await stored(again) == []


async def test_a_form_from_before_a_restart_not_stored_yet_is_refused_kindly(
    web, chat, fac, server, browser, clock, database_url
):
    """Opened before the restart and first sent after it: the token cannot be checked, and
    nothing was stored from it, so nothing is stored now; the words are shown again."""
    _, path = await reflecting_page(web, chat, fac)
    _, tokens = await opened(browser, path)
    async with restarted(web, server, database_url, clock) as (again, pages):
        status, page = await post(pages.base_url, path, {**GOOD, "form": tokens[0]})
        assert status == 422
        assert EXPIRED in htmllib.unescape(page) and WORDS in htmllib.unescape(page)
        assert await stored(again) == []


async def test_two_openings_with_different_words_are_two_reflections(web, chat, fac, browser):
    _, path = await reflecting_page(web, chat, fac)
    _, first = await opened(browser, path)
    _, second = await opened(browser, path)
    other = "The carers' forum is at a time nobody who works can come to."
    for token, words in ((first[0], WORDS), (second[0], other)):
        sent = {**GOOD, "text": words, "form": token}
        async with browser.post(f"{path}/reflect", data=sent) as response:
            page = await response.text()
        assert response.status == 200 and AGAIN not in htmllib.unescape(page)
    assert sorted(row.text for row in await stored(web)) == sorted([WORDS, other])


async def test_a_changed_or_run_out_token_gets_one_kind_sentence(
    web, chat, fac, browser, clock, server
):
    _, path = await reflecting_page(web, chat, fac)
    _, tokens = await opened(browser, path)
    nonce, expires, signature = tokens[0].split(".")
    changed = [
        f"{nonce}.{int(expires) + 60}.{signature}",  # kept longer by hand
        f"{nonce[:-1]}{'0' if nonce[-1] != '0' else '1'}.{expires}.{signature}",  # another nonce
        f"{nonce}.{expires}.{signature[:-2]}AA",  # signed by someone else
        "not-a-nonce.1.x",
    ]
    for token in changed:
        async with browser.post(f"{path}/reflect", data={**GOOD, "form": token}) as response:
            page = htmllib.unescape(await response.text())
        assert response.status == 422, token
        assert EXPIRED in page and WORDS in page
    assert await stored(web) == []

    # Run out: a day and a little later, the untouched token is refused in the same way.
    server.application[FORM_TOKENS]._now = lambda: float(int(expires) + 1)
    async with browser.post(f"{path}/reflect", data={**GOOD, "form": tokens[0]}) as response:
        page = htmllib.unescape(await response.text())
    assert response.status == 422 and EXPIRED in page
    assert await stored(web) == []

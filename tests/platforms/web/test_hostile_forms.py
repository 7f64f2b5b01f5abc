"""Every form on the pages against what a hostile or broken client sends, through the real
server: bodies that are not forms, bytes that are not UTF-8, files where words belong,
repeated and missing fields, control characters, huge values, forged tokens. Each gets an
answer a browser can show (never a 500, never a traceback in the page) and, unless it was a
well-formed answer, nothing is stored."""

from __future__ import annotations

import re

import aiohttp
import pytest
from sqlmodel import select

from bot.core.domain import SessionState
from storage.models import Reflection
from tests.conftest import snapshot
from tests.helpers import make_session
from tests.platforms.web.test_session_page import link_path

FORM = re.compile(r'name="form" value="([^"]+)"')
# What the pages may answer: a page, a redirect after an answer, or a kind refusal.
FINE = {200, 303, 400, 403, 404, 405, 413, 415, 422, 429}


def bodies(token: str) -> list[tuple[str, dict[str, str], bytes | aiohttp.FormData]]:
    """(description, headers, body) for one form whose valid token is `token`."""
    files = aiohttp.FormData()
    files.add_field("form", token)
    files.add_field("text", b"\x00\xff binary", filename="x.bin")
    files.add_field("first_name", b"\xff\xfe", filename="name.txt")
    files.add_field("code", b"12-ABCDE", filename="code.txt")
    form = "application/x-www-form-urlencoded"
    return [
        ("empty", {"Content-Type": form}, b""),
        ("not utf-8", {"Content-Type": form}, b"form=" + token.encode() + b"&text=\xff\xfe\xfd"),
        ("json", {"Content-Type": "application/json"}, b'{"text": "hi"}'),
        ("no type", {}, b"garbage\x00\x01"),
        ("broken multipart", {"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\nbad"),
        ("nul and controls", {"Content-Type": form},
         b"form=" + token.encode() + b"&text=a%00b%1b[31m&first_name=%00&code=%00"),
        ("percent junk", {"Content-Type": form}, b"form=%ZZ&text=%&=&&&=x"),
        ("long value", {"Content-Type": form},
         b"form=" + token.encode() + b"&category=idea&agree=yes&text=" + b"A" * 60_000),
        ("files", {}, files),
    ]  # fmt: skip


async def _forms(app, chat, fac, browser, state: SessionState) -> list[str]:
    """The POST paths of the session page's forms, and its tokens."""
    session_id = await make_session(app, state)
    path = await link_path(chat, fac, session_id)
    async with browser.get(path) as response:
        page = await response.text()
    return [path, *FORM.findall(page)]


@pytest.mark.parametrize(
    ("state", "actions"),
    [
        (SessionState.SCHEDULED, ("rsvp",)),
        (SessionState.REFLECTING, ("reflect", "withdraw")),
    ],
)
async def test_hostile_bodies_get_a_kind_answer_and_store_nothing(
    web, chat, fac, browser, state, actions
):
    path, *tokens = await _forms(web, chat, fac, browser, state)
    before = await snapshot(web)
    for action, token in zip(actions, tokens, strict=True):
        for what, headers, body in bodies(token):
            async with browser.post(
                f"{path}/{action}", data=body, headers=headers, allow_redirects=False
            ) as response:
                page = await response.text(errors="replace")
            assert response.status in FINE, (action, what, response.status)
            assert "Traceback" not in page and "Error" not in page.split("<title>")[0]
            if response.status != 200:
                assert "<h1>" in page or response.status in (303, 405), (action, what)
    assert await snapshot(web) == before


async def test_a_field_sent_twice_counts_once_as_first_written(web, chat, fac, browser):
    path, token, _ = await _forms(web, chat, fac, browser, SessionState.REFLECTING)
    body = f"form={token}&category=idea&category=future&text=a&text=b&agree=yes".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    async with browser.post(f"{path}/reflect", data=body, headers=headers) as response:
        assert response.status == 200
    async with web.db.read() as tx:
        [row] = (await tx.exec(select(Reflection))).all()
    assert (row.category, row.text) == ("idea", "a")


async def test_a_personal_page_takes_no_hostile_body_either(web, chat, fac, browser):
    session_id = await make_session(web)
    path = await link_path(chat, fac, session_id)
    async with browser.get(path) as response:
        [token] = FORM.findall(await response.text())
    sent = {"form": token, "first_name": "Ann", "consent": "yes", "answer": "yes"}
    async with browser.post(f"{path}/rsvp", data=sent, allow_redirects=False) as response:
        mine = response.headers["Location"]
    async with browser.get(mine) as response:
        tokens = FORM.findall(await response.text())
    before = await snapshot(web)
    for what, headers, body in bodies(tokens[0] if tokens else ""):
        async with browser.post(mine, data=body, headers=headers) as response:
            page = await response.text(errors="replace")
        assert response.status in FINE, (what, response.status)
        assert "Traceback" not in page
    assert await snapshot(web) == before

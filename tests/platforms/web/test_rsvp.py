""" "I'm coming / I can't come" on a session's page and each person's own page, through the
real server: the form, its refusals (one sentence, the person's words kept, nothing
stored), the personal link that changes or removes the answer, and nothing kept about the
browser or the connection."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlmodel import select

from bot.app import App
from bot.platforms.web.server import WebServer
from storage.models import WebRsvp
from tests.conftest import Chat, app_for, make_settings, snapshot
from tests.helpers import make_session
from tests.platforms.web.conftest import ROOMY
from tests.platforms.web.test_pages import assert_accessible_shape
from tests.platforms.web.test_session_page import link_path

TOKEN = re.compile(r'name="form" value="([^"]+)"')


async def opened(browser: aiohttp.ClientSession, path: str) -> tuple[str, str]:
    """A page's HTML and its (first) form's token."""
    async with browser.get(path) as response:
        assert response.status == 200
        page = await response.text()
    found = TOKEN.search(page)
    return page, found.group(1) if found else ""


async def send(browser: aiohttp.ClientSession, path: str, **fields: str) -> tuple[int, str, str]:
    """POST a form without following a redirect: status, page, and where it sends us."""
    async with browser.post(path, data=fields, allow_redirects=False) as response:
        return response.status, await response.text(), response.headers.get("Location", "")


async def rows(app: App) -> list[WebRsvp]:
    async with app.db.read() as tx:
        return list((await tx.exec(select(WebRsvp).order_by(WebRsvp.id))).all())


async def session_page(app: App, chat, fac) -> str:
    session_id = await make_session(app)
    return await link_path(chat, fac, session_id)


async def test_a_session_still_to_come_has_the_form_and_says_what_is_kept(app, chat, fac, browser):
    path = await session_page(app, chat, fac)
    page, token = await opened(browser, path)
    assert_accessible_shape(page)
    assert token
    assert f'action="{path}/rsvp"' in page
    assert '<label for="rsvp-name">Your first name</label>' in page
    assert 'name="consent" type="checkbox" value="yes" required' in page
    assert "I&#39;m coming" in page and "I can&#39;t come" in page
    assert "We keep only your first name until this session is over." in page
    assert 'name="email"' not in page, "no e-mail set up: no reminders offered"
    easy, _ = await opened(browser, f"{path}/easy-read")
    assert "We delete it when the session ends." in easy
    assert 'name="easy" value="yes"' in easy


async def test_a_session_that_is_not_coming_up_has_no_form(app, chat, fac, browser):
    path = await session_page(app, chat, fac)
    await chat.say(fac, "/brew cancel")
    page, token = await opened(browser, path)
    assert token == "" and "Are you coming?" not in page


async def test_an_answer_opens_the_persons_own_page(app, chat, fac, browser, server):
    path = await session_page(app, chat, fac)
    _, token = await opened(browser, path)
    status, _, where = await send(
        browser, f"{path}/rsvp", form=token, first_name=" Ann ", consent="yes", answer="yes"
    )
    assert status == 303 and re.fullmatch(r"/r/[A-Za-z0-9_-]{32}", where)
    [row] = await rows(app)
    assert (row.first_name, row.email, row.coming) == ("Ann", None, True)
    assert where == f"/r/{row.token}"
    mine, _ = await opened(browser, where)
    assert_accessible_shape(mine)
    assert "You said you are coming to &#34;Being heard&#34; on Wednesday 25 November" in mine
    assert f'<a href="{where}">{server.base_url}{where[1:]}</a>' in mine
    # The facilitator sees it under the link.
    answer = await chat.say(fac, "/brew link")
    assert "1 coming, 0 cannot come" in answer.text and "Ann" in answer.text


async def test_a_crowd_answering_at_once_each_reach_their_own_page(app, chat, fac, server):
    # Kept together (one transaction for those that arrive while one is written): each
    # person still gets their own answer, their own page and their own words, and the
    # refused one only their own sentence.
    path = await session_page(app, chat, fac)
    names = [f"Person {n}" for n in range(30)]
    names[17] = ""  # no name: refused, with the form again

    async def one(name: str) -> tuple[int, str, str]:
        async with aiohttp.ClientSession(
            base_url=server.base_url, cookie_jar=aiohttp.DummyCookieJar()
        ) as own:
            _, token = await opened(own, path)
            status, page, where = await send(
                own, f"{path}/rsvp", form=token, first_name=name, consent="yes", answer="yes"
            )
            if status == 303:
                page, _ = await opened(own, where)
            return status, page, where

    answers = await asyncio.gather(*(one(name) for name in names))
    stored = {f"/r/{row.token}": row.first_name for row in await rows(app)}
    for name, (status, page, where) in zip(names, answers, strict=True):
        if not name:
            assert status == 422 and "Please write your first name" in page
            continue
        assert status == 303 and stored[where] == name
        assert f"{server.base_url}{where[1:]}" in page
    assert sorted(stored.values()) == sorted(name for name in names if name)


@pytest.mark.parametrize(
    ("fields", "sentence", "field"),
    [
        ({"first_name": "", "consent": "yes"}, "Please write your first name", "name"),
        ({"first_name": "A" * 41, "consent": "yes"}, "in 40 letters or fewer", "name"),
        ({"first_name": "Ann <b>"}, "Please tick the box", "consent"),
        (
            {"first_name": "Ann <b>", "consent": "yes", "email": "ann@example.org"},
            "not switched on",
            "",  # with no e-mail set up, the page has no field for it
        ),
    ],
)
async def test_a_refusal_keeps_the_words_and_stores_nothing(
    app, chat, fac, browser, fields, sentence, field
):
    path = await session_page(app, chat, fac)
    _, token = await opened(browser, path)
    before = await snapshot(app)
    status, page, _ = await send(browser, f"{path}/rsvp", form=token, answer="no", **fields)
    assert status == 422
    assert_accessible_shape(page)
    assert sentence in html.unescape(page)
    assert 'role="alert"' in page
    assert (f'<a href="#rsvp-{field}">' in page) == bool(field)
    assert page.count('aria-invalid="true"') == int(bool(field)), "the field is marked"
    assert f'value="{html.escape(fields["first_name"])}"' in page, "their words are kept"
    assert ("checked" in page) == ("consent" in fields)
    assert "<b>" not in page
    assert TOKEN.search(page), "a fresh form to send again"
    assert await snapshot(app) == before


async def test_a_form_without_a_good_token_is_refused_kindly(app, chat, fac, browser):
    path = await session_page(app, chat, fac)
    _, token = await opened(browser, path)
    other = await session_page_of_another(app, chat, fac, browser)
    before = await snapshot(app)
    words = {"first_name": "Ann", "consent": "yes", "answer": "yes"}
    for form in ("", "made.up.value", other, token + "x"):
        status, page, _ = await send(browser, f"{path}/rsvp", form=form, **words)
        assert status == 422
        assert "nothing was saved. Your words are still here" in page
        assert 'value="Ann"' in page and "checked" in page
    assert await snapshot(app) == before
    # Pressing the button again, on the page that said so, works.
    fresh = TOKEN.search(page)
    assert fresh and fresh.group(1) != token
    status, _, _ = await send(browser, f"{path}/rsvp", form=fresh.group(1), **words)
    assert status == 303 and [r.first_name for r in await rows(app)] == ["Ann"]


async def session_page_of_another(app, chat, fac, browser) -> str:
    """A good token, but for another session's form."""
    session_id = await make_session(app, people=0)
    _, token = await opened(browser, await link_path(chat, fac, session_id))
    return token


async def test_pressing_twice_is_one_answer(app, chat, fac, browser):
    path = await session_page(app, chat, fac)
    _, token = await opened(browser, path)
    words = {"form": token, "first_name": "Ann", "consent": "yes", "answer": "yes"}
    sent = await asyncio.gather(*(send(browser, f"{path}/rsvp", **words) for _ in range(3)))
    assert {status for status, _, _ in sent} == {303}
    assert len({where for _, _, where in sent}) == 1
    assert len(await rows(app)) == 1


async def test_the_own_page_changes_the_answer_and_removes_it(app, chat, fac, browser):
    path = await session_page(app, chat, fac)
    _, token = await opened(browser, path)
    words = {"form": token, "first_name": "Ann", "consent": "yes", "answer": "yes"}
    _, _, mine = await send(browser, f"{path}/rsvp", **words)
    page, token = await opened(browser, mine)
    assert "Stop my reminders" not in page, "no address given"

    status, page, _ = await send(browser, mine, form=token, do="no")
    assert status == 200 and "Done. We have changed your answer." in page
    assert "You said you cannot come" in page
    assert [r.coming for r in await rows(app)] == [False]

    status, page, _ = await send(browser, mine, form="old", do="yes")
    assert status == 422 and "nothing was saved" in page
    assert [r.coming for r in await rows(app)] == [False]

    _, token = await opened(browser, mine)
    status, page, _ = await send(browser, mine, form=token, do="forget")
    assert status == 200 and "We keep nothing about you." in page
    assert await rows(app) == []
    async with browser.get(mine) as response:
        assert response.status == 404


async def test_unknown_links_open_nothing(app, chat, fac, browser):
    path = await session_page(app, chat, fac)
    _, token = await opened(browser, path)
    for where in ("/r/" + "x" * 32, "/r/short"):
        async with browser.get(where) as response:
            assert response.status == 404
    status, _, _ = await send(browser, "/s/" + "x" * 32 + "/rsvp", form=token, first_name="A")
    assert status == 404


async def test_the_answer_keeps_nothing_of_the_browser_or_connection(app, chat, fac, browser):
    path = await session_page(app, chat, fac)
    _, token = await opened(browser, path)
    words = {"form": token, "first_name": "Ann", "consent": "yes", "answer": "yes"}
    headers = {"User-Agent": "Distinctive-Agent/9.9", "Cookie": "tracker=abc123"}
    async with browser.post(f"{path}/rsvp", data=words, headers=headers) as response:
        assert response.status == 200
        assert "Set-Cookie" not in response.headers
    everything = repr(await snapshot(app))
    for trace in ("127.0.0.1", "Distinctive-Agent", "abc123", token.split(".")[0]):
        assert trace not in everything


# -- with e-mail set up ------------------------------------------------------------------------


@pytest.fixture
async def mailing(database_url, clock) -> AsyncIterator[App]:
    """The app with e-mail set up (nothing is sent in these tests)."""
    settings = make_settings(
        database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_FROM="brewbot@example.org"
    )
    app = await app_for(settings, clock)
    yield app
    await app.close()


@pytest.fixture
async def mail_browser(mailing) -> AsyncIterator[aiohttp.ClientSession]:
    pages = WebServer(mailing, limits=ROOMY)
    await pages.start()
    async with aiohttp.ClientSession(
        base_url=pages.base_url, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        yield session
    await pages.close()


async def test_reminders_by_e_mail_are_offered_and_can_be_stopped(mailing, mail_browser):
    chat, fac = Chat(mailing), Chat.person("Fran", facilitator=True)
    path = await session_page(mailing, chat, fac)
    page, token = await opened(mail_browser, path)
    assert 'name="email" type="email"' in page and "if you would like a reminder" in page
    assert "and your e-mail address if you give one, until this session is over" in page

    words = {"form": token, "first_name": "Ann", "consent": "yes", "answer": "yes"}
    status, page, _ = await send(mail_browser, f"{path}/rsvp", email="ann@", **words)
    assert status == 422 and "does not look right" in page and 'value="ann@"' in page
    assert await rows(mailing) == []

    _, token = await opened(mail_browser, path)
    words["form"] = token
    _, _, mine = await send(mail_browser, f"{path}/rsvp", email=" ann@example.org ", **words)
    assert [r.email for r in await rows(mailing)] == ["ann@example.org"]
    page, token = await opened(mail_browser, mine)
    assert "We will send you a reminder by e-mail" in page
    status, page, _ = await send(mail_browser, mine, form=token, do="stop")
    assert status == 200 and "deleted your e-mail address" in page
    assert "Stop my reminders" not in page
    assert [(r.first_name, r.email) for r in await rows(mailing)] == [("Ann", None)]


async def test_the_own_page_says_when_the_answer_can_no_longer_change(app, chat, fac, browser):
    path = await session_page(app, chat, fac)
    _, token = await opened(browser, path)
    words = {"form": token, "first_name": "Ann", "consent": "yes", "answer": "yes"}
    _, _, mine = await send(browser, f"{path}/rsvp", **words)
    _, token = await opened(browser, mine)
    await chat.say(fac, "/brew open")
    status, page, _ = await send(browser, mine, form=token, do="no")
    assert status == 422 and "answers are closed" in page
    assert "can no longer be changed" in page
    assert [r.coming for r in await rows(app)] == [True]


async def test_someone_coming_reads_about_payment_and_where_to_choose_it(app, chat, fac, browser):
    """A web answer is not a person who can claim (no chat account, no attendance): the page
    says the benefits note's plain words and where the choice can be made, and takes none."""
    path = await session_page(app, chat, fac)
    _, token = await opened(browser, path)
    words = {"form": token, "first_name": "Ann", "consent": "yes", "answer": "yes"}
    _, _, mine = await send(browser, f"{path}/rsvp", **words)
    page, _ = await opened(browser, mine)
    assert_accessible_shape(page)
    text = html.unescape(page)
    assert "<h2>Being paid for your time</h2>" in text
    assert "Please get free, independent advice before you say yes." in text
    assert "This page cannot record how you would like to be paid" in text
    assert "/brew claim pay" in text and "tell the facilitator" in text
    assert 'name="choice"' not in page, "no choice is offered where it cannot be kept"
    # Not coming: nothing about payment.
    _, token = await opened(browser, mine)
    _, page, _ = await send(browser, mine, form=token, do="no")
    assert "Being paid for your time" not in page
    # Answered on the Easy Read page: the Easy Read note; the community's own words win.
    _, token = await opened(browser, f"{path}/easy-read")
    words = {"form": token, "first_name": "Bo", "consent": "yes", "answer": "yes", "easy": "yes"}
    _, _, easy_mine = await send(browser, f"{path}/rsvp", **words)
    page, _ = await opened(browser, easy_mine)
    assert "Ask for free advice first." in page and "This page cannot keep your choice." in page
    await chat.say(fac, "/brew settings benefits_note Ask Sam at the hub about payment.")
    page, _ = await opened(browser, easy_mine)
    assert "Ask Sam at the hub about payment." in page

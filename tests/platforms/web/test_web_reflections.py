"""Sharing a reflection from a session's web page, and taking it back, through the real server:
the chat's own form, checks, refusals and anonymity, with nothing about the visitor stored
or logged."""

from __future__ import annotations

import asyncio
import html as htmllib
import logging
import re
from pathlib import Path

from sqlmodel import select

from bot.core.domain import SessionState
from storage.models import Reflection
from tests.conftest import snapshot
from tests.helpers import make_session
from tests.intruder import copy, dump_postgres
from tests.platforms.web.test_pages import assert_accessible_shape
from tests.platforms.web.test_session_page import link_path

# The code as the thanks shows it (the form's hint shows an example, not in bold).
CODE = re.compile(r"<strong>(\d+-[A-Z2-9]{5}-[A-Z2-9]{5}-[A-Z2-9]{5})</strong>")
FORM = re.compile(r'name="form" value="([^"]+)"')
WORDS = "The bus to the day centre never comes on time, so I miss the start."


async def reflecting_page(app, chat, fac, **kwargs) -> tuple[int, str]:
    session_id = await make_session(app, SessionState.REFLECTING, **kwargs)
    return session_id, await link_path(chat, fac, session_id)


async def opened(browser, path: str) -> tuple[str, list[str]]:
    """The page, and its forms' tokens (reflection form first, then taking back)."""
    async with browser.get(path) as response:
        assert response.status == 200
        page = await response.text()
    return page, FORM.findall(page)


async def share(browser, path: str, version: str = "", **values: str) -> tuple[int, str]:
    """Open the page (its Easy Read version with version="easy") and send its reflection
    form with `values`."""
    _, tokens = await opened(browser, f"{path}/easy-read" if version == "easy" else path)
    sent = {"form": tokens[0], "version": version or "standard", **values}
    async with browser.post(f"{path}/reflect", data=sent) as response:
        return response.status, await response.text()


async def stored(app) -> list[Reflection]:
    async with app.db.read() as tx:
        return list((await tx.exec(select(Reflection))).all())


GOOD = {"category": "not_working", "text": WORDS, "quote": "yes", "agree": "yes"}


async def test_the_page_offers_the_chats_own_form_while_reflections_are_open(
    web, chat, fac, browser
):
    _, path = await reflecting_page(web, chat, fac)
    page, tokens = await opened(browser, path)
    assert_accessible_shape(page)
    assert len(tokens) == 2  # sharing, and taking back
    for label in ("What is it about?", "Your reflection", "May we quote your words?"):
        assert label in page
    # Not having answered the privacy notice, a visitor agrees in the form itself.
    assert 'name="agree"' in page and "Before you share, please read Your privacy" in page
    assert 'for="field-text"' in page and 'id="field-text"' in page
    assert "Take back a reflection" in page


async def test_a_reflection_is_stored_anonymously_and_the_code_takes_it_back(
    web, chat, fac, browser
):
    session_id, path = await reflecting_page(web, chat, fac)
    status, page = await share(browser, path, **GOOD)
    assert status == 200, page
    assert "Thank you for sharing" in page
    [code] = set(CODE.findall(page))
    assert code.startswith(f"{session_id}-")
    # Thanked: the form is not there to send the same words twice.
    assert 'name="text"' not in page
    [row] = await stored(web)
    assert (row.session_id, row.category, row.quote_ok, row.text) == (
        session_id,
        "not_working",
        True,
        WORDS,
    )
    assert row.breakout_number is None and row.withdraw_tag

    # From another opening of the page (another day, another browser), the code works.
    _, tokens = await opened(browser, path)
    sent = {"form": tokens[1], "version": "standard", "code": code.lower()}
    async with browser.post(f"{path}/withdraw", data=sent) as response:
        page = await response.text()
    assert response.status == 200
    assert "Your reflection has been taken back and deleted." in page
    assert await stored(web) == []


async def test_a_refusal_is_one_sentence_by_its_field_with_the_words_kept(web, chat, fac, browser):
    _, path = await reflecting_page(web, chat, fac)
    before = await snapshot(web)
    words = "<b>Tom & Jerry</b> said nothing"
    cases = [
        ({"text": words, "agree": "yes"}, "category", "Please choose what your reflection"),
        ({"category": "idea", "text": "  \u200b ", "agree": "yes"}, "text", "is empty"),
        ({"category": "idea", "text": words}, "agree", "please read the privacy notice"),
        ({"category": "idea", "text": "x" * 2001, "agree": "yes"}, "text", "2001 characters"),
        ({"category": "made-up", "text": words, "agree": "yes"}, "category", "Please choose"),
    ]
    for values, field, sentence in cases:
        status, page = await share(browser, path, **values)
        assert status == 422, (values, page)
        assert sentence in page
        assert f'href="#field-{field}"' in page
        assert f'id="field-{field}-error"' in page
        assert_accessible_shape(page)
        if "x" * 10 not in values["text"] and values["text"].strip("\u200b "):
            # What they wrote is still there, escaped.
            assert htmllib.escape(words, quote=False) in page and "<b>Tom" not in page
    assert await snapshot(web) == before


async def test_a_form_with_no_good_token_sends_nothing_and_keeps_the_words(web, chat, fac, browser):
    _, path = await reflecting_page(web, chat, fac)
    before = await snapshot(web)
    _, tokens = await opened(browser, path)
    for token in ("", "made.up.token", tokens[1]):  # none, forged, another form's
        sent = {**GOOD, "form": token}
        async with browser.post(f"{path}/reflect", data=sent) as response:
            page = await response.text()
        assert response.status == 422
        assert "This form had been open a long time, so nothing was sent yet." in page
        assert WORDS in htmllib.unescape(page)
    assert await snapshot(web) == before


async def test_the_same_words_sent_twice_from_one_opening_are_kept_once(web, chat, fac, browser):
    """As in the chat, the same form sent again is the same reflection (its nonce gives its
    id, bot/reflections/resend.py): kept once, with a new code that replaces the first.
    After a restart too: tests/platforms/web/test_web_sent_again.py."""
    _, path = await reflecting_page(web, chat, fac)
    _, tokens = await opened(browser, path)
    sent = {**GOOD, "form": tokens[0]}
    codes = []
    for _ in range(2):
        async with browser.post(f"{path}/reflect", data=sent) as response:
            page = await response.text()
        assert response.status == 200
        codes.extend(set(CODE.findall(page)))
    assert "This reflection was already saved, so it is kept once." in page
    assert len(await stored(web)) == 1
    assert len(codes) == 2 and codes[0] != codes[1]


async def test_each_opening_of_a_page_made_once_has_forms_of_its_own(web, chat, fac, browser):
    """The page is rendered once for a crowd (bot/platforms/web/render.py), yet every opening
    gets tokens no other opening has: the same words sent from two openings are two people's
    reflections, not one sent twice."""
    _, path = await reflecting_page(web, chat, fac)
    openings = await asyncio.gather(*(opened(browser, path) for _ in range(20)))
    tokens = [token for _, found in openings for token in found]
    assert len(tokens) == 40 and len(set(tokens)) == 40
    pages = {FORM.sub("", page) for page, _ in openings}
    assert len(pages) == 1, "the same page apart from its tokens"
    for _, (reflect, _) in openings[:2]:
        async with browser.post(f"{path}/reflect", data={**GOOD, "form": reflect}) as response:
            assert response.status == 200
    assert len(await stored(web)) == 2


async def test_everyone_on_the_page_counts_as_one_writer(web, chat, fac, browser):
    session_id, path = await reflecting_page(web, chat, fac)
    for n in range(6):
        status, _ = await share(browser, path, **{**GOOD, "text": f"{WORDS} Week {n}."})
        assert status == 200
    ids = [row.id for row in await stored(web)]
    assert len(ids) == 6
    # Six openings of the page might be one person: the small-number rule must not pass.
    assert web.deps.writers.writers_at_least(session_id, ids) == 1


async def test_the_easy_read_page_answers_in_easy_read(web, chat, fac, browser):
    _, path = await reflecting_page(web, chat, fac)
    status, page = await share(browser, path, version="easy", **GOOD)
    assert status == 200
    assert "We saved what you wrote." in page and CODE.search(page)


async def test_words_that_show_someone_at_risk_reach_the_safeguarding_contact_only(
    web, chat, fac, browser
):
    _, path = await reflecting_page(web, chat, fac)
    risky = "Some nights I think about ending my life."
    status, page = await share(browser, path, **{**GOOD, "text": risky})
    assert status == 200
    assert "passing it on privately to the person who looks after safety" in page
    [row] = await stored(web)
    assert row.held
    [alert] = web.deps.adapter.private_to("user-fran")
    assert risky in alert.plain_text()
    assert "web:" not in alert.plain_text()


async def test_a_link_switched_off_takes_no_form_even_from_a_page_just_opened(
    web, chat, fac, browser
):
    session_id, path = await reflecting_page(web, chat, fac)
    _, tokens = await opened(browser, path)
    await chat.say(fac, f"/brew link {session_id} off")
    for action, form in (("reflect", tokens[0]), ("withdraw", tokens[1])):
        async with browser.post(f"{path}/{action}", data={**GOOD, "form": form}) as response:
            assert response.status == 404
    assert await stored(web) == []


async def test_reflections_not_open_show_no_form_and_refuse_one_sent_anyway(
    web, chat, fac, browser
):
    session_id = await make_session(web, SessionState.BREAKOUTS)
    path = await link_path(chat, fac, session_id)
    page, _ = await opened(browser, path)
    assert 'name="text"' not in page and "Take back a reflection" not in page
    async with browser.post(f"{path}/reflect", data={**GOOD, "form": "x"}) as response:
        assert response.status == 422
    assert await stored(web) == []


async def test_a_wrong_code_changes_nothing(web, chat, fac, browser):
    _, path = await reflecting_page(web, chat, fac)
    await share(browser, path, **GOOD)
    for code, sentence in (
        ("banana", "That code does not look right."),
        ("1-AAAAA-BBBBB-CCCCC", "I could not find a reflection with that code."),
    ):
        _, tokens = await opened(browser, path)
        sent = {"form": tokens[1], "version": "standard", "code": code}
        async with browser.post(f"{path}/withdraw", data=sent) as response:
            page = await response.text()
        assert response.status == 422
        assert sentence in page and 'aria-invalid="true"' in page
    assert len(await stored(web)) == 1


async def test_wrong_codes_are_limited_per_address_however_often_the_page_is_opened(
    web, chat, fac, browser
):
    session_id, path = await reflecting_page(web, chat, fac)
    _, page = await share(browser, path, **GOOD)
    [code] = set(CODE.findall(page))
    for letter in "ABCDE":
        _, tokens = await opened(browser, path)  # a fresh opening each time
        wrong = f"{session_id}-{letter * 5}-{letter * 5}-{letter * 5}"
        sent = {"form": tokens[1], "version": "standard", "code": wrong}
        async with browser.post(f"{path}/withdraw", data=sent) as response:
            assert "I could not find a reflection with that code." in await response.text()
    _, tokens = await opened(browser, path)
    sent = {"form": tokens[1], "version": "standard", "code": code}
    async with browser.post(f"{path}/withdraw", data=sent) as response:
        page = await response.text()
    assert response.status == 422
    assert "Please wait 15 minutes" in page
    assert len(await stored(web)) == 1


async def test_nothing_about_the_visitor_is_stored_or_logged(
    web, chat, fac, browser, data_folder: Path, elsewhere: Path, database_url: str
):
    """An intruder with the whole data folder (database, WAL, log at DEBUG) looks for the
    visitor's address, browser, the page's link, the form's token and its nonce."""
    _, path = await reflecting_page(web, chat, fac)
    _, tokens = await opened(browser, path)
    nonce = tokens[0].split(".")[0]
    marks = {
        "address": "203.0.113.77",
        "browser": "Mozilla/5.0 (Brewbot-Intruder-Test) Gecko/20100101",
        "referrer": "https://intruder.example/came-from",
    }
    headers = {
        "X-Forwarded-For": marks["address"],
        "User-Agent": marks["browser"],
        "Referer": marks["referrer"],
        "Cookie": "visitor=cookie-monster-77",
    }
    sent = {**GOOD, "form": tokens[0]}
    async with browser.post(f"{path}/reflect", data=sent, headers=headers) as response:
        assert response.status == 200
        assert "Set-Cookie" not in response.headers
    copied = copy(data_folder, elsewhere)
    if database_url.startswith("postgresql"):
        dump_postgres(database_url, copied)
    link = path.rsplit("/", 1)[1]
    needles = {**marks, "cookie": "cookie-monster-77", "token": tokens[0], "nonce": nonce}
    for file in copied.rglob("*"):
        if not file.is_file():
            continue
        data = file.read_bytes()
        for what, needle in needles.items():
            assert needle.encode() not in data, f"{what} found in {file.name}"
        if file.suffix == ".log":
            # The log may name the page's route, never the page's own link.
            assert link.encode() not in data, f"the link is in {file.name}"
    assert not logging.getLogger("aiohttp.access").handlers


async def test_each_thanks_shows_only_its_own_code_though_the_page_is_made_once(
    web, chat, fac, browser
):
    """The thanked page is kept rendered too, with a hole for the thanks: each person who
    sends a reflection reads their own code, and it takes back their own reflection only."""
    _, path = await reflecting_page(web, chat, fac)
    codes = []
    for n in range(3):
        status, page = await share(browser, path, **{**GOOD, "text": f"{WORDS} Week {n}."})
        assert status == 200
        [code] = CODE.findall(page)
        assert "brewbot-hole" not in page
        codes.append(code)
    assert len(set(codes)) == 3
    _, tokens = await opened(browser, path)
    sent = {"form": tokens[1], "code": codes[1], "version": "standard"}
    async with browser.post(f"{path}/withdraw", data=sent) as response:
        assert response.status == 200
    assert sorted(row.text for row in await stored(web)) == [f"{WORDS} Week {n}." for n in (0, 2)]

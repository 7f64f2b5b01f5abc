"""Group links (bot/digest/pages.py): `/brew link group` gives facilitators the link to their
community's pages; `new` replaces it and `off` removes it; only sent digests of the link's own
community are shown. SQLite and PostgreSQL (the `app` fixture)."""

from __future__ import annotations

import re

import pytest

from bot.core.domain import SessionState
from bot.sessions.links import TOKEN_LENGTH
from storage.models import Community, Session, id_of
from storage.models import Digest as DigestRow
from storage.repositories import get_or_create_community
from tests.conftest import START, WEB_ADDRESS, Chat, snapshot
from tests.helpers import make_session

LINK = re.compile(re.escape(WEB_ADDRESS) + r"g/([A-Za-z0-9_-]+)")


def token_in(answer) -> str:
    found = LINK.search(answer.text)
    assert found, answer.text
    return found.group(1)


async def community_of(app, token: str) -> Community | None:
    async with app.db.read() as tx:
        return await app.group_links.community(tx, token)


async def mark_sent(app, session_id: int) -> None:
    async with app.db.transaction() as tx:
        tx.add(DigestRow(session_id=session_id, status="sent"))


async def another_communitys_sent_session(app) -> int:
    """A session of another community whose digest was sent."""
    async with app.db.transaction() as tx:
        other = await get_or_create_community(tx, "discord", "another-guild", name="Elsewhere")
        theirs = Session(
            community_id=other.id,
            title="Theirs",
            starts_at=START,
            state=SessionState.SUMMARISED.value,
            channel_id="c",
            created_by="u",
        )
        tx.add(theirs)
        await tx.flush()
        tx.add(DigestRow(session_id=id_of(theirs), status="sent"))
        return id_of(theirs)


async def test_facilitators_get_the_same_link_until_asking_for_a_new_one(web, chat, fac):
    first = token_in(await chat.say(fac, "/brew link group"))
    assert len(first) == TOKEN_LENGTH
    assert token_in(await chat.say(fac, "/brew link group")) == first
    assert (await community_of(web, first)) is not None

    # "link group new" is the group's command (the longest name typed), not session "group".
    renewed = await chat.say(fac, "/brew link group new")
    second = token_in(renewed)
    assert second != first
    assert "The old link no longer works." in renewed.text
    assert await community_of(web, first) is None
    assert await community_of(web, second) is not None


async def test_off_removes_the_link_and_says_so_once(web, chat, fac):
    token = token_in(await chat.say(fac, "/brew link group"))
    answer = await chat.say(fac, "/brew link group off")
    assert "Their link no longer works." in answer.text
    assert await community_of(web, token) is None
    before = await snapshot(web)
    again = await chat.say(fac, "/brew link group off")
    assert again.text == "This community has no link to its pages to switch off."
    assert await snapshot(web) == before


async def test_with_no_web_pages_there_is_no_link_and_nothing_is_stored(app, chat, fac):
    assert not app.deps.web_base_url
    await make_session(app)
    before = await snapshot(app)
    answer = await chat.say(fac, "/brew link group")
    assert "web pages are switched off" in answer.text
    assert "http" not in answer.text
    assert await snapshot(app) == before


async def test_only_facilitators_can_make_a_link(web, chat):
    await make_session(web)
    before = await snapshot(web)
    answer = await chat.say(Chat.person("Pat"), "/brew link group")
    assert LINK.search(answer.text) is None
    assert await snapshot(web) == before


async def test_the_session_link_still_works_beside_it(web, chat, fac):
    session_id = await make_session(web)
    answer = await chat.say(fac, f"/brew link {session_id}")
    assert f"{WEB_ADDRESS}s/" in answer.text


@pytest.mark.parametrize("token", ["", "x", "A" * TOKEN_LENGTH, "../../etc/passwd"])
async def test_a_link_that_was_never_made_opens_nothing(web, chat, fac, token):
    await chat.say(fac, "/brew link group")
    assert await community_of(web, token) is None


async def test_only_this_communitys_sent_digests_are_shown(web, chat, fac):
    token = token_in(await chat.say(fac, "/brew link group"))
    sent = await make_session(web, SessionState.SUMMARISED)
    draft = await make_session(web, SessionState.CLOSED, people=0)
    await mark_sent(web, sent)
    their_id = await another_communitys_sent_session(web)
    async with web.db.transaction() as tx:
        tx.add(DigestRow(session_id=draft, status="draft"))
    async with web.db.read() as tx:
        community = await web.group_links.community(tx, token)
        assert [s.session_id for s in await web.group_links.sent(tx, community)] == [sent]
        assert await web.group_links.digest(tx, community, sent) is not None
        for unseen in (draft, their_id, 999_999):
            assert await web.group_links.digest(tx, community, unseen) is None
            assert await web.group_links.heard(tx, community, unseen) is None


async def test_the_tracker_shows_the_owners_label_and_never_the_person(web, chat, fac):
    token = token_in(await chat.say(fac, "/brew link group"))
    await chat.say(Chat.person("Sam"), "/brew call me Sam")
    added = await chat.say(
        fac, '/brew action add Ramps owner="Estates team" due="15 March" person=@Sam'
    )
    assert "Sam" in added.text, "the person to remind was taken"
    await chat.say(fac, '/brew action add Parking status=cant_do reason="Not our car park"')
    await chat.say(fac, '/brew action add Timetable status=done did="New timetable"')
    async with web.db.read() as tx:
        community = await web.group_links.community(tx, token)
        groups = await web.group_links.tracker(tx, community)
    [ramps] = groups["open"]
    assert (ramps.said, ramps.owner, ramps.due) == ("Ramps", "Estates team", "Monday 15 March 2027")
    assert "Sam" not in repr(groups)
    [parking] = groups["cant_do"]
    assert (parking.status, parking.reason) == ("can't do", "Not our car park")
    [timetable] = groups["done"]
    assert (timetable.did, timetable.due, timetable.reason) == ("New timetable", None, None)

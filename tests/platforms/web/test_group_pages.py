"""A community's pages for its working group and participants, through the real server:
reached by the link `/brew link group` gives; each sent digest (and only a sent one, of this
community), "we said, we did", and what people who took part were told, plain and Easy
Read; escaped, accessible, with the security headers; a replaced link opens nothing."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.core.domain import SessionState
from bot.digest.feedback import MAX_ACTIONS
from storage.models import Digest as DigestRow
from storage.models import Reflection, Session
from tests.digest.test_feedback import WORDS
from tests.digest.test_group_links import another_communitys_sent_session
from tests.helpers import make_session
from tests.platforms.web.test_guards import CSP, NOT_FOUND
from tests.platforms.web.test_pages import assert_accessible_shape
from tests.test_easy_read_pictures import pictured_page


async def group_path(chat, fac, what: str = "") -> str:
    answer = await chat.say(fac, f"/brew link group {what}".strip())
    found = re.search(r"https?://[^/\s]+(/g/[A-Za-z0-9_-]+)", answer.text)
    assert found, answer.text
    return found.group(1)


async def sent_session(app, chat, fac, title: str = "Being heard", *, people: int = 6) -> int:
    """A closed session with six reflections, its digest sent through `/brew digest N send`."""
    session_id = await make_session(app, SessionState.CLOSED, people=people)
    async with app.db.transaction() as tx:
        session = await tx.get(Session, session_id)
        session.title = title
        tx.add(session)
        for text in WORDS:
            tx.add(Reflection(session_id=session_id, category="not_working", text=text,
                              quote_ok=True))  # fmt: skip
    await chat.say(fac, f"/brew digest {session_id} send")
    async with app.db.read() as tx:
        found = select(DigestRow.status).where(DigestRow.session_id == session_id)
        assert (await tx.exec(found)).one() == "sent"
    return session_id


async def get(browser, path: str) -> tuple[int, str]:
    async with browser.get(path) as response:
        return response.status, await response.text()


async def test_the_link_opens_the_list_of_sent_digests(app, chat, fac, browser):
    sent = await sent_session(app, chat, fac)
    draft = await make_session(app, SessionState.CLOSED, people=0)
    path = await group_path(chat, fac)
    async with browser.get(path) as response:
        html = await response.text()
        headers = response.headers
    assert response.status == 200
    assert headers["Content-Security-Policy"] == CSP
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in headers
    assert_accessible_shape(html)
    assert f'href="{path}/digest/{sent}"' in html
    assert f'href="{path}/heard/{sent}"' in html and f'href="{path}/heard/{sent}/easy-read"' in html
    assert f'href="{path}/actions"' in html
    assert f"/digest/{draft}" not in html


async def test_a_sent_digest_shows_as_sent_inside_the_site(app, chat, fac, browser):
    session_id = await sent_session(app, chat, fac)
    path = await group_path(chat, fac)
    status, html = await get(browser, f"{path}/digest/{session_id}")
    assert status == 200
    assert_accessible_shape(html)
    assert "<h1>Key findings: Being heard</h1>" in html
    assert "<style" not in html
    assert 'aria-labelledby="glance"' in html and 'aria-labelledby="actions"' in html
    assert "<table" in html  # attendance, by role


async def test_what_a_facilitator_typed_is_escaped_on_every_page(app, chat, fac, browser):
    typed = '<script>alert("x")</script> & tea'
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; tea"
    session_id = await sent_session(app, chat, fac, title=typed)
    await chat.say(fac, f'/brew action add <b>Ramps</b> & more session={session_id} '
                        'owner="<i>Estates</i>"')  # fmt: skip
    path = await group_path(chat, fac)
    for page in ("", "/actions", f"/digest/{session_id}", f"/heard/{session_id}",
                 f"/heard/{session_id}/easy-read"):  # fmt: skip
        status, html = await get(browser, f"{path}{page}")
        assert status == 200, page
        assert "<script>" not in html and "<b>" not in html and "<i>" not in html, page
        if page in ("", f"/digest/{session_id}"):
            assert escaped in html, page
        if page != "":
            assert "&lt;b&gt;Ramps&lt;/b&gt; &amp; more" in html, page


async def test_the_tracker_groups_actions_and_names_no_person(app, chat, fac, browser):
    await chat.say(fac, '/brew action add Ramps owner="Estates team" due="15 March"')
    await chat.say(fac, '/brew action add Parking status=cant_do reason="Not our car park"')
    await chat.say(fac, '/brew action add Timetable status=done did="New timetable"')
    path = await group_path(chat, fac)
    status, html = await get(browser, f"{path}/actions")
    assert status == 200
    assert_accessible_shape(html)
    still, done, cant = (html.index(h) for h in ("<h2>Still to do", "<h2>Done", "<h2>We can"))
    assert still < html.index("Ramps") < done < html.index("Timetable") < cant
    assert cant < html.index("Not our car park")
    assert "Estates team" in html and "Monday 15 March 2027" in html


async def test_what_people_heard_plain_and_easy_read(app, chat, fac, browser):
    session_id = await sent_session(app, chat, fac)
    await chat.say(fac, f"/brew action add Buses on time session={session_id} status=doing")
    path = await group_path(chat, fac)
    status, plain = await get(browser, f"{path}/heard/{session_id}")
    assert status == 200
    assert_accessible_shape(plain)
    assert "<h1>What we heard and what is happening</h1>" in plain
    assert "You said: Buses on time.<br>We are doing this now." in plain
    assert f'href="{path}/heard/{session_id}/easy-read"' in plain
    for words in WORDS:
        assert words not in plain, "what people wrote is never quoted here"
    status, easy = await get(browser, f"{path}/heard/{session_id}/easy-read")
    assert status == 200
    assert_accessible_shape(easy)
    assert "<p>You said: Buses on time.</p>" in easy and "<p>We are doing this now.</p>" in easy
    assert f'href="{path}/heard/{session_id}"' in easy
    # Each idea beside its picture in Easy Read (tests/test_easy_read_pictures.py); the
    # standard page has the words alone.
    assert pictured_page(easy) >= 6 and pictured_page(plain) == 0


async def test_every_action_is_named_on_the_page_where_no_command_can_be_typed(
    app, chat, fac, browser
):
    session_id = await sent_session(app, chat, fac)
    count = MAX_ACTIONS + 2
    for n in range(count):
        await chat.say(fac, f"/brew action add Step {n} session={session_id}")
    path = await group_path(chat, fac)
    _, plain = await get(browser, f"{path}/heard/{session_id}")
    assert all(f"You said: Step {n}." in plain for n in range(count))
    assert "action list" not in plain


async def test_other_communities_unsent_digests_and_bad_numbers_get_the_404_page(
    app, chat, fac, browser
):
    draft = await make_session(app, SessionState.CLOSED, people=0)
    their_id = await another_communitys_sent_session(app)
    async with app.db.transaction() as tx:
        tx.add(DigestRow(session_id=draft, status="draft"))
    path = await group_path(chat, fac)
    for session_id in (draft, their_id, "abc", "-1", "0", "99999999999999999999", "١"):
        for page in (f"/digest/{session_id}", f"/heard/{session_id}",
                     f"/heard/{session_id}/easy-read"):  # fmt: skip
            status, html = await get(browser, f"{path}{page}")
            assert status == 404, page
            assert f"<p>{NOT_FOUND}</p>" in html


async def test_a_replaced_or_removed_link_opens_nothing(app, chat, fac, browser):
    session_id = await sent_session(app, chat, fac)
    first = await group_path(chat, fac)
    second = await group_path(chat, fac, "new")
    for page in ("", "/actions", f"/digest/{session_id}", f"/heard/{session_id}"):
        status, html = await get(browser, f"{first}{page}")
        assert status == 404, page
        assert f"<p>{NOT_FOUND}</p>" in html
    assert (await get(browser, second))[0] == 200
    await chat.say(fac, "/brew link group off")
    assert (await get(browser, second))[0] == 404

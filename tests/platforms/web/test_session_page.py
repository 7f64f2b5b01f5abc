"""A session's web page, through the real server: reached by the link `/brew link N` gives,
escaped, accessible, with its calendar invite and an Easy Read version; a replaced or
removed link opens nothing."""

from __future__ import annotations

import re

from icalendar import Calendar

from bot.core.domain import SessionState
from bot.engine.texts import marked_ideas, without_marks
from storage.models import Session
from tests.helpers import make_session
from tests.platforms.web.test_pages import assert_accessible_shape
from tests.test_easy_read_pictures import pictured_page


async def link_path(chat, fac, session_id: int, what: str = "") -> str:
    answer = await chat.say(fac, f"/brew link {session_id} {what}".strip())
    found = re.search(r"https?://[^/\s]+(/s/[A-Za-z0-9_-]+)", answer.text)
    assert found, answer.text
    return found.group(1)


async def test_the_link_opens_the_sessions_page(app, chat, fac, browser):
    session_id = await make_session(app)
    path = await link_path(chat, fac, session_id)
    async with browser.get(path) as response:
        html = await response.text()
    assert response.status == 200
    assert_accessible_shape(html)
    assert "<h1>Being heard</h1>" in html
    assert "Wednesday 25 November 2026, 9:00am" in html
    spark = app.deps.sparks.all()[0]
    assert spark.title in html
    assert f'href="{path}/invite.ics"' in html and f'href="{path}/easy-read"' in html

    async with browser.get(f"{path}/easy-read") as response:
        easy = await response.text()
    assert response.status == 200
    assert_accessible_shape(easy)
    assert without_marks(spark.easy_questions[0]) in easy
    assert f'href="{path}"' in easy
    assert pictured_page(html) == 0, "the standard page has no Easy Read pictures"


async def test_the_easy_read_page_shows_each_idea_beside_its_picture(app, chat, fac, browser):
    """The spark, the privacy notice and, while reflections are open, the reflection form:
    each idea with its picture and the picture's words (tests/test_easy_read_pictures.py)."""
    spark = app.deps.sparks.all()[0]
    privacy = app.deps.texts.ideas("privacy_web", days=app.deps.settings.forget_after_days)
    form = app.reflections.form(1, easy=True, ask_agreement=True, on_web=True)
    spark_ideas = len(marked_ideas(spark.easy_intro)) + len(spark.easy_questions)
    for state, ideas in (
        (SessionState.SCHEDULED, spark_ideas + len(privacy)),
        (SessionState.REFLECTING, spark_ideas + len(privacy) + len(form.ideas)),
    ):
        path = await link_path(chat, fac, await make_session(app, state, people=0))
        async with browser.get(f"{path}/easy-read") as response:
            easy = await response.text()
        assert pictured_page(easy) == ideas, state
        assert without_marks(spark.easy_intro).strip() in easy


async def test_the_invite_downloads_as_a_calendar_file(app, chat, fac, browser):
    session_id = await make_session(app)
    path = await link_path(chat, fac, session_id)
    async with browser.get(f"{path}/invite.ics") as response:
        body = await response.read()
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert f'filename="over-a-brew-{session_id}.ics"' in response.headers["Content-Disposition"]
    event = Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Being heard"


async def test_what_a_facilitator_typed_is_escaped(app, chat, fac, browser):
    session_id = await make_session(app)
    async with app.db.transaction() as tx:
        session = await tx.get(Session, session_id)
        session.title = '<script>alert("x")</script> & tea'
        tx.add(session)
    path = await link_path(chat, fac, session_id)
    async with browser.get(path) as response:
        html = await response.text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; tea" in html


async def test_a_replaced_or_removed_link_opens_nothing(app, chat, fac, browser):
    session_id = await make_session(app)
    first = await link_path(chat, fac, session_id)
    second = await link_path(chat, fac, session_id, "new")
    for path in (first, f"{first}/invite.ics", f"{first}/easy-read"):
        async with browser.get(path) as response:
            assert response.status == 404
            assert "This link is not known or is no longer in use." in await response.text()
    async with browser.get(second) as response:
        assert response.status == 200
    await chat.say(fac, f"/brew link {session_id} off")
    async with browser.get(second) as response:
        assert response.status == 404


async def test_a_cancelled_session_says_so(app, chat, fac, browser):
    session_id = await make_session(app)
    path = await link_path(chat, fac, session_id)
    await chat.say(fac, f"/brew cancel {session_id}")
    async with browser.get(path) as response:
        html = await response.text()
    assert "This session was cancelled. We are sorry." in html

""" "What we heard and what is happening": once a session's digest has been sent, everyone who
took part hears in Easy Read, in the channel and privately, and again when one of its actions
is added or changes status. Nothing in it identifies anyone."""

from dataclasses import replace
from datetime import date

from sqlmodel import select

from bot.core.domain import SessionState
from bot.core.marked import unmark
from bot.core.ports import DeliveryError
from bot.digest import feedback
from bot.digest.feedback import feedback_message
from bot.digest.model import ThemeCount
from storage.models import ActionItem, Community, Participant, Reflection, Session
from tests.helpers import make_session, state_of
from tests.test_easy_read_pictures import pictured
from tests.test_readability import EASY_MIN, EASY_SENTENCE_WORDS, _score, _sentences

TITLE = "What we heard and what is happening"
PEOPLE = [f"user-p{n}" for n in range(6)]
WORDS = [
    "The bus to the day centre never comes on time",
    "Nobody told me about the carers assessment",
    "My social worker changes every few months",
    "I had to tell my story again and again",
    "The bus stops too far from my house",
    "I never know who to ring when things go wrong",
]


async def closed_session_with_words(app) -> int:
    session_id = await make_session(app, SessionState.CLOSED)
    async with app.db.transaction() as tx:
        for text in WORDS:
            tx.add(Reflection(session_id=session_id, category="not_working", text=text,
                              quote_ok=True))
    return session_id


def under(message, heading: str) -> list:
    """The ideas from `heading` to the next heading, or the closing line that says no names."""
    start = next(n for n, s in enumerate(message.sections) if s.heading == heading)
    found = [message.sections[start]]
    for idea in message.sections[start + 1 :]:
        if idea.heading or idea.body == "This message does not say who said what.":
            break
        found.append(idea)
    return found


def feedback_to(app, user_id: str) -> list:
    return [m for m in app.deps.adapter.private_to(user_id) if m.title == TITLE]


def posted(app) -> list:
    return [s.message for s in app.deps.adapter.ops("send") if s.message.title == TITLE]


async def test_everyone_who_took_part_hears_once_the_digest_is_sent(app, chat, fac):
    session_id = await closed_session_with_words(app)
    await chat.say(fac, f'/brew action add Buses that come on time session={session_id} '
                        'status=doing did="Talking to the bus company" due="15 March"')
    await chat.say(fac, f"/brew action add Free parking session={session_id} status=cant_do "
                        'reason="the council does not own the car park"')
    await chat.say(fac, "/brew action add Something from another session")
    # Before the digest is sent, nobody is told anything.
    assert posted(app) == [] and feedback_to(app, PEOPLE[0]) == []
    await chat.say(fac, f"/brew digest {session_id} send")
    assert await state_of(app, session_id) == SessionState.SUMMARISED
    [post] = posted(app)
    assert [s.to.id for s in app.deps.adapter.ops("send") if s.message is post] == ["brew-room"]
    for user_id in PEOPLE:
        [message] = feedback_to(app, user_id)
        assert message.plain_text() == post.plain_text()
    text = post.plain_text()
    assert "You took part in Over a Brew on Wednesday 25 November 2026." in text
    assert "You said: Buses that come on time.\nWe are doing this now.\n" in text
    assert "What we did: Talking to the bus company.\nWe aim to do it by Monday 15 March 2027." in (
        text
    )
    assert "You said: Free parking.\nWe cannot do this.\n" in text
    assert "This is why: the council does not own the car park." in text
    assert "another session" not in text
    assert "This message does not say who said what." in text
    # What people wrote is never quoted, and nobody is named.
    for words in WORDS:
        assert words not in text
    assert "Person 0" not in text and "user-p0" not in text
    # Each theme with how often it came up, under the digest's small-number rule.
    heard = under(post, "What we heard")
    assert heard and all(idea.untrusted for idea in heard)
    for idea in heard:
        assert idea.body.endswith(("times.", "fewer than 5 times.")), idea.body
        assert "came up 1 times" not in idea.body
    # One idea at a time, each beside its picture (Easy Read); the words alone in plain text.
    pictured(post.sections)
    assert len(under(post, "What is happening")) == 2


async def test_choices_are_respected(app, chat, fac):
    session_id = await closed_session_with_words(app)
    async with app.db.transaction() as tx:
        people = {p.user_id: p for p in (await tx.exec(select(Participant))).all()}
        people["user-p1"].reminders = "none"  # asked for no private messages
        people["user-p2"].plain_style = True
        tx.add(people["user-p1"])
        tx.add(people["user-p2"])
    await chat.say(fac, f"/brew present \"Pat Jones\" session={session_id}")
    await chat.say(fac, f"/brew digest {session_id} send")
    assert feedback_to(app, "user-p1") == [], "no private message after reminders=none"
    [plain] = feedback_to(app, "user-p2")
    assert plain.plain and not feedback_to(app, "user-p0")[0].plain
    offline = [s for s in app.deps.adapter.ops("private") if s.to.id.startswith("offline:")]
    assert offline == [], "someone with no chat account is not messaged"
    assert len(posted(app)) == 1, "the channel post reaches everyone"


async def test_a_change_of_status_is_told_again_and_only_then(app, chat, fac):
    session_id = await closed_session_with_words(app)
    await chat.say(fac, f"/brew action add Buses that come on time session={session_id}")
    await chat.say(fac, f"/brew digest {session_id} send")
    assert len(posted(app)) == 1
    answer = await chat.say(fac, '/brew action update 1 status=done did="New timetable"')
    assert f"I will tell the 6 people who took part in session {session_id}" in answer.text
    assert len(posted(app)) == 2
    latest = feedback_to(app, "user-p3")[-1]
    assert latest.sections[0].body == "We have news about what you told us."
    assert latest.plain_text().startswith(f"{TITLE}\n\nWe have news about what you told us.")
    assert "We have done this.\nWhat we did: New timetable." in latest.plain_text()
    # Words only, or the person or the day: no news for everyone.
    quiet = await chat.say(fac, '/brew action update 1 did="A new timetable from January"')
    assert "I will tell" not in quiet.text
    assert len(posted(app)) == 2 and len(feedback_to(app, "user-p3")) == 2
    # A new action for a session whose digest has gone is news too.
    await chat.say(fac, f"/brew action add Bus passes for carers session={session_id}")
    assert len(posted(app)) == 3
    assert "Bus passes for carers" in feedback_to(app, "user-p3")[-1].plain_text()


async def test_a_refused_channel_post_reaches_the_facilitator(app, chat, fac):
    session_id = await closed_session_with_words(app)
    await chat.say(fac, f"/brew digest {session_id} send")
    app.deps.adapter.failures["send:brew-room"] = DeliveryError("missing_permission", "Send")
    await chat.say(fac, f"/brew action add Ramps session={session_id}")
    notices = [m for m in app.deps.adapter.private_to(fac.id) if "could not post" in m.text]
    assert notices and [a.label for a in notices[-1].actions] == ["Retry"]
    assert len(feedback_to(app, "user-p0")) == 2, "private copies still arrive"


async def test_nothing_here_can_stop_the_digest_being_sent(app, chat, fac, monkeypatch):
    session_id = await closed_session_with_words(app)

    async def broken(*args, **kwargs):
        raise RuntimeError("a bug in the feedback")

    monkeypatch.setattr(feedback, "share", broken)
    await chat.say(fac, f"/brew digest {session_id} send")
    assert await state_of(app, session_id) == SessionState.SUMMARISED
    assert posted(app) == []


async def compiled(app, session_id: int):
    async with app.db.transaction() as tx:
        session = await tx.get(Session, session_id)
        community = await tx.get(Community, session.community_id)
        return await app.digests.compile(tx, community, session)


async def test_small_counts_follow_the_digests_rule(app):
    session_id = await closed_session_with_words(app)
    digest = replace(
        await compiled(app, session_id),
        themes_at_a_glance=(ThemeCount("Getting about", 7), ThemeCount("Being listened to", 2)),
    )
    message = feedback_message(app.deps.texts, digest, [], day=date(2026, 11, 25), news=False)
    assert [unmark(idea.body) for idea in under(message, "What we heard")] == [
        "Getting about. This came up 7 times.",
        "Being listened to. This came up fewer than 5 times.",
    ]
    [happening] = under(message, "What is happening")
    assert happening.body == "We are still deciding what to do. We will tell you when we know."
    pictured(message.sections)


async def test_the_message_reads_very_easily(app):
    session_id = await closed_session_with_words(app)
    digest = replace(
        await compiled(app, session_id),
        theme="getting the right support",
        themes_at_a_glance=(
            ThemeCount("Getting about", 7),
            ThemeCount("Being listened to", 6),
            ThemeCount("Telling my story again", 2),
        ),
    )
    actions = [
        ActionItem(id=1, community_id=1, said="More time in reviews", status="doing",
                   did="Reviews are now 90 minutes", due_on=date(2027, 3, 15)),
        ActionItem(id=2, community_id=1, said="Buses that come on time", status="cant_do",
                   reason="we do not run the buses"),
        ActionItem(id=3, community_id=1, said="One worker who knows me", status="done",
                   did="You now have a named worker"),
    ]
    for news in (False, True):
        message = feedback_message(
            app.deps.texts, digest, actions, day=date(2026, 11, 25), news=news
        )
        text = message.plain_text()
        assert _score(text) >= EASY_MIN, f"scores {_score(text):.0f}:\n{text}"
        # A heading stands on its own line, as the reader sees it.
        for line in text.splitlines():
            for sentence in _sentences(line):
                assert len(sentence.split()) <= EASY_SENTENCE_WORDS, sentence

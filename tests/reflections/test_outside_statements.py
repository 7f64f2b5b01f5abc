"""Statements gathered outside the chat (paper, phone, e-mail): checked row by row, added all or
none, through the reflection form's own redaction and safeguarding, tied to nobody, and
counted as contributions for the small-number rule."""

import re

import pytest
from sqlmodel import select

from bot.core.commands import CommandError
from bot.core.domain import SessionState
from bot.core.marked import unmark
from bot.reflections.outside import add_statements, read_csv
from storage.models import Community, Participant, Reflection, Session
from storage.models import Digest as DigestRow
from tests.conftest import Chat, loaded_texts, snapshot
from tests.helpers import make_session
from tests.reflections.test_reflections import reflect

HEADER = "text,category,quote,source,person\n"


def statements(body: str, header: str = HEADER) -> list:
    return read_csv((header + body).encode(), loaded_texts())


def refusal(body: str, header: str = HEADER) -> str:
    with pytest.raises(CommandError) as caught:
        read_csv((header + body).encode() if isinstance(body, str) else body, loaded_texts())
    return unmark(loaded_texts().t(caught.value.key, **caught.value.values))


# --- reading a file ---------------------------------------------------------------------------


def test_a_file_is_read_with_forgiving_words():
    found = statements(
        '"Waiting six months, then told to start again",What\u2019s not working,Yes,Phone,P1\n'
        ",,,,\n"  # a blank row, as spreadsheets leave
        "The carers' cafe helps,working,no,paper,\n"
        "Ask us first,Important for the future,,e-mail,P1\n".replace(
            "Important for the future", "future"
        )
    )
    assert [(s.category, s.quote_ok, s.source, s.person) for s in found] == [
        ("not_working", True, "phone", "P1"),
        ("working", False, "paper", None),
        ("future", False, "email", "P1"),
    ]
    assert found[0].text == "Waiting six months, then told to start again"


def test_only_text_and_category_are_needed():
    [found] = read_csv(
        b"\xef\xbb\xbfStatement,Category\nMore time in reviews,idea\n", loaded_texts()
    )
    assert (found.text, found.category, found.quote_ok, found.source) == (
        "More time in reviews", "idea", False, None
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "header", "said"),
    [
        ("Fine,working,yes,paper,\n", "text,quote\n", "The file has no category column."),
        ("Fine,working\n", "category,quote\n", "The file has no text column."),
        ("Fine,working,yes,,\n ,idea,no,,\n", HEADER, "Row 3 has no words in the text column."),
        ("Fine,brilliant,yes,,\n", HEADER, "Row 2 has the category brilliant, which I do not"),
        ("Fine,working,maybe,,\n", HEADER, "Row 2 says maybe for quote."),
        ("Fine,working,yes,carrier pigeon,\n", HEADER, "Row 2 says carrier pigeon for source."),
        (f"{'x' * 2001},working,,,\n", HEADER, "Row 2 is 2001 characters."),
        (f"Fine,working,,,{'P' * 41}\n", HEADER, "Row 2 has a person word longer than 40"),
        ("", HEADER, "The file has no statements in it."),
    ],
)
def test_a_bad_file_is_refused_in_one_sentence_naming_the_row(body, header, said):
    sentence = refusal(body, header)
    assert sentence.startswith(said), sentence
    assert "\n" not in sentence and sentence.endswith("Nothing was added.")


def test_a_file_that_is_not_utf8_is_refused():
    sentence = refusal("Caf\xe9 closed,working,,,\n".encode("latin-1"))
    assert sentence.startswith("The file is not UTF-8 text.")


def test_too_many_rows_are_refused():
    body = "".join(f"Point {n},idea,,,\n" for n in range(501))
    assert refusal(body).startswith("The file has more than 500 statements.")


# --- adding them ------------------------------------------------------------------------------


async def add(app, session_id, found):
    async with app.db.transaction(isolated=True) as tx:
        session = await tx.get(Session, session_id)
        community = await tx.get(Community, session.community_id)
        return await add_statements(app.reflections, tx, community, session, found)


async def rows(app):
    async with app.db.read() as tx:
        return list((await tx.exec(select(Reflection))).all())


async def contributors(app, session_id):
    async with app.db.transaction() as tx:
        session = await tx.get(Session, session_id)
        community = await tx.get(Community, session.community_id)
        return await app.digests.compile(tx, community, session)


async def test_statements_are_redacted_and_stored_like_reflections(app):
    session_id = await make_session(app, SessionState.REFLECTING)
    added = await add(app, session_id, statements(
        "My social worker Jane Smith never rang back; call 07700 900123,not_working,yes,phone,\n"
    ))  # fmt: skip
    assert (added.count, added.people, added.held) == (1, 1, 0)
    [row] = await rows(app)
    assert "Jane Smith" not in row.text and "07700" not in row.text
    assert "[phone]" in row.text
    assert row.quote_ok and not row.held
    assert row.breakout_number is None


async def test_a_statement_that_signals_risk_is_held_and_alerts_the_contact(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING)
    added = await add(
        app, session_id, statements("I am scared to go home,not_working,yes,paper,\n")
    )
    assert added.held == 1 and added.alert_keys
    [row] = await rows(app)
    assert row.held
    await app.deps.outbox.deliver(keys=added.alert_keys)
    [alert] = app.deps.adapter.private_to("user-fran")
    body = alert.plain_text()
    assert "scared to go home" in body and "gathered outside the chat" in body


async def test_each_statement_counts_as_a_person_unless_the_file_says_otherwise(app, chat, fac):
    five = await make_session(app, SessionState.REFLECTING)
    await add(
        app, five, statements("".join(f"Point {n} about reviews,idea,yes,,\n" for n in range(5)))
    )
    await chat.say(fac, f"/brew close {five}")
    digest = await contributors(app, five)
    assert digest.contributors == 5 and digest.verbatim_allowed

    shared = await make_session(app, SessionState.REFLECTING, people=0)
    await add(app, shared, statements(
        "".join(f"Point {n} about buses,idea,yes,,{'P1' if n < 3 else ''}\n" for n in range(5))
    ))  # fmt: skip
    await chat.say(fac, f"/brew close {shared}")
    digest = await contributors(app, shared)
    assert digest.contributors == 3 and not digest.verbatim_allowed


async def test_after_the_close_the_draft_counts_the_new_people(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    for n in range(3):
        await reflect(chat, Chat.person(f"P{n}"), session_id, f"Reflection {n} on assessments.")
    await chat.say(fac, f"/brew close {session_id}")
    assert (await contributors(app, session_id)).contributors == 3
    added = await add(app, session_id, statements(
        "Nobody explained my budget,not_working,yes,email,A\n"
        "Still nobody explained it,not_working,no,email,A\n"
        "The day centre is a lifeline,working,yes,paper,\n"
        "I am scared to go home,not_working,yes,paper,\n"
    ))  # fmt: skip
    assert (added.count, added.people, added.held) == (4, 3, 1)
    digest = await contributors(app, session_id)
    # Three writers, then A and one more (the held statement is not shown, so not counted).
    assert digest.contributors == 5 and digest.verbatim_allowed
    async with app.db.read() as tx:
        row = (await tx.exec(select(DigestRow))).one()
    assert (row.contributors, row.counted_reflections) == (5, 6)


def shape(value: object) -> str:
    """What a stored value shows whatever its words: its kind, and for random-looking hex (an
    id, a withdrawal tag) its length."""
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]+", value):
        return f"hex of {len(value)}"
    return type(value).__name__


async def told_apart(app) -> dict[str, set[str]]:
    """Each column in which a statement's row shows something no chat reflection's row
    shows (the chat's words begin "Reflection"), with what only statements show."""
    stored = [row.model_dump() for row in await rows(app)]
    chat = [row for row in stored if row["text"].startswith("Reflection")]
    outside = [row for row in stored if not row["text"].startswith("Reflection")]
    assert chat and outside
    apart = {
        column: {shape(row[column]) for row in outside} - {shape(row[column]) for row in chat}
        for column in stored[0]
    }
    return {column: only for column, only in apart.items() if only}


async def test_a_statement_looks_like_a_reflection_in_every_column_until_the_seal(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    for n in range(3):
        await reflect(chat, Chat.person(f"P{n}"), session_id, f"Reflection {n} on assessments.")
    # Typed in for someone who joined by phone, and from a file of paper forms.
    await chat.say(
        fac, f"/brew statement add {session_id} not_working My care worker never stays the hour"
    )
    await add(app, session_id, statements("The day centre is a lifeline,working,yes,paper,\n"))
    assert await told_apart(app) == {}
    # Added to the draft after the close, when the chat's reflections have been counted.
    await chat.say(fac, f"/brew close {session_id}")
    await chat.say(fac, f"/brew statement add {session_id} idea Evening sessions would help")
    assert await told_apart(app) == {}
    # A statement's tag is no code's: nothing typed takes it back.
    refused = await chat.say(fac, f"/brew withdraw {session_id}-ABCDE-FGHJK-MNPQR")
    assert "could not find" in refused.text
    assert len(await rows(app)) == 6


async def test_the_same_file_twice_adds_nothing_the_second_time(app):
    session_id = await make_session(app, SessionState.REFLECTING)
    found = statements("More time,idea,,,\nLess paperwork,idea,,,\n")
    await add(app, session_id, found)
    before = await snapshot(app)
    with pytest.raises(CommandError) as caught:
        await add(app, session_id, found)
    assert caught.value.key == "statements.file_already_added"
    assert await snapshot(app) == before


@pytest.mark.parametrize(
    ("state", "key"),
    [
        (SessionState.SCHEDULED, "statements.not_collecting"),
        (SessionState.BREAKOUTS, "statements.not_collecting"),
        (SessionState.SUMMARISED, "statements.already_sent"),
        (SessionState.CANCELLED, "statements.cancelled"),
    ],
)
async def test_only_a_session_that_is_collecting_takes_statements(app, state, key):
    session_id = await make_session(app, state)
    before = await snapshot(app)
    with pytest.raises(CommandError) as caught:
        await add(app, session_id, statements("More time,idea,,,\n"))
    assert caught.value.key == key
    assert await snapshot(app) == before


async def test_once_the_digest_is_on_its_way_no_more_are_added(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    await chat.say(fac, f"/brew close {session_id}")
    await chat.say(fac, f"/brew digest {session_id} send")
    refused = await chat.say(fac, f"/brew statement add {session_id} idea More buses")
    assert "has been sent" in refused.text


# --- in the chat ------------------------------------------------------------------------------


async def test_a_facilitator_adds_one_statement_in_chat_and_nothing_names_them(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING)
    typist = Chat.person("Tess", facilitator=True)  # never seen before by Brewbot
    answer = await chat.say(
        typist,
        f"/brew statement add {session_id} not_working No one rang back after my review "
        "quote=yes source=phone",
    )
    assert answer.text.startswith(f"Added 1 statement to session {session_id}, from 1 more person")
    assert "phone 1" in answer.text
    [row] = await rows(app)
    assert row.text == "No one rang back after my review" and row.category == "not_working"
    assert row.quote_ok
    async with app.db.read() as tx:
        people = (await tx.exec(select(Participant.user_id))).all()
    assert typist.id not in people  # nothing was written about the facilitator


async def test_a_risky_statement_in_chat_tells_the_facilitator(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    answer = await chat.say(fac, f"/brew statement add {session_id} not_working I am not safe")
    assert "I sent the words only to the person who looks after safety here" in answer.text
    [alert] = app.deps.adapter.private_to("user-fran")
    assert "I am not safe" in alert.plain_text()


async def test_in_chat_a_bad_statement_is_refused_and_only_facilitators_may_add(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    before = await snapshot(app)
    bad = await chat.say(fac, f"/brew statement add {session_id} idea Fine quote=perhaps")
    assert bad.text.startswith("Please say yes or no for quote")
    source = await chat.say(fac, f"/brew statement add {session_id} idea Fine source=fax")
    assert source.text.startswith("Please say paper, phone or email")
    assert await snapshot(app) == before
    sam = await chat.say(Chat.person("Sam"), f"/brew statement add {session_id} idea Fine")
    assert sam.text.startswith("Only facilitators")
    twice = [await chat.say(fac, f"/brew statement add {session_id} idea More buses")
             for _ in range(2)]  # fmt: skip
    assert "already in session" in twice[1].text
    assert len(await rows(app)) == 1

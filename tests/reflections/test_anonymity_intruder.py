"""A motivated intruder with a copy of the data folder (database, its WAL, the log), taken
while the bot runs, and the list of participants, tries to tie reflections to the people
who wrote them (docs/anonymity.md). Each attack here is one that worked before the
reflections were made unlinkable; each must fail now, at every moment: stored, closed,
withdrawn, sent, cancelled and forgotten.
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, Table, event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import SQLModel, select

from bot.core.domain import SessionState
from bot.core.refs import UserRef
from bot.reflections.sealing import seal
from bot.scheduling.planner import JobKind, PlannedJob
from storage.models import (
    MOMENTS,
    Attendance,
    Breakout,
    BreakoutMember,
    OutboxItem,
    Participant,
    Reflection,
    Session,
)
from storage.types import UTCDateTime, UTCDay, utc_day
from tests import forensics
from tests.conftest import Chat
from tests.helpers import make_session
from tests.intruder import (
    PER_PERSON,
    copy,
    dump_postgres,
    keyed_links,
    people_beside,
    person,
    tables_about_people,
    wal_steps,
)

WRITERS = 12
WORDS = [
    "acorn", "bramble", "copper", "damson", "ember", "fennel",
    "gorse", "heather", "indigo", "juniper", "kestrel", "linden",
]  # fmt: skip
HELD_TURN = 5


@dataclass
class Written:
    person: UserRef
    words: str
    code: str


async def everyone_agrees(chat: Chat) -> None:
    """Half agree to the privacy notice when the session opens; the others agree in the
    reflection form itself."""
    for n in range(0, WRITERS, 2):
        await chat.press(person(n), "brew:consent:yes:")


async def everyone_reflects(chat: Chat, session_id: int, seed: int = 3) -> list[Written]:
    """Each person in turn (not in the order they were created) opens the form and, a little
    later, sends one reflection, as in a real session."""
    order = list(range(WRITERS))
    random.Random(seed).shuffle(order)
    written = []
    clock = chat.app.deps.clock
    for turn, n in enumerate(order):
        who = person(n)
        clock.advance(timedelta(seconds=20))
        await chat.press(who, f"brew:reflection:open:{session_id}")
        clock.advance(timedelta(seconds=40))
        words = f"Reflection {WORDS[turn]}: the waiting list for respite was far too long."
        if turn == HELD_TURN:  # one is held back, and its alert goes through the outbox
            words = f"Reflection {WORDS[turn]}: I am scared of going home, he hits me."
        reply = await chat.press(
            who,
            f"brew:reflection:submit:{session_id}",
            {"category": "not_working", "text": words, "quote": "yes", "agree": "yes"},
        )
        code = re.search(rf"\b{session_id}-[A-Z0-9][A-Z0-9-]{{4,}}[A-Z0-9]\b", reply.text)
        assert code, reply.text
        written.append(Written(who, words, code.group(0)))
    return written


def user_ids() -> list[str]:
    return [person(n).id for n in range(WRITERS)]


def recomputed_links(
    folder: Path, written: list[Written], earlier: dict[bytes, set[bytes]]
) -> set[tuple[str, str]]:
    """Every (user id, reflection words) pair a keyed hash found in the folder ties together:
    every candidate secret in the files, tried as a key over each user id, alone and with
    each reflection's words, against every 64-hex-digit string stored. `earlier` keeps the
    hashes each key gave in earlier copies, so a key found again is not hashed again."""
    messages = []
    for user in user_ids():
        for purpose in ("", "person", "dedupe", "repeat"):
            messages.append(((user, ""), "\x1f".join(p for p in (purpose, user) if p)))
            for w in written:
                same = " ".join(w.words.lower().split())
                parts = (purpose, user, same)
                messages.append(((user, w.words), "\x1f".join(p for p in parts if p)))
    return keyed_links(folder, messages, earlier)


async def test_no_stored_secret_recomputes_a_link_at_any_moment(
    app, chat, data_folder, elsewhere, database_url
):
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await everyone_agrees(chat)
    written = await everyone_reflects(chat, session_id)
    fac = Chat.person("Fran", facilitator=True)
    tried: dict[bytes, set[bytes]] = {}
    moments = {"stored": None, "closed": f"/brew close {session_id}"}
    moments["sent"] = f"/brew digest {session_id} send"
    for moment, command in moments.items():
        if command:
            await chat.say(fac, command)
        copied = copy(data_folder, elsewhere / f"copy-{moment}")
        if not database_url.startswith("sqlite"):
            dump_postgres(database_url, copied)
        assert recomputed_links(copied, written, tried) == set(), moment


async def test_the_order_of_writes_pairs_no_one_with_their_reflection(
    app, chat, data_folder, elsewhere, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("the PostgreSQL form of this attack is the xmin test below")
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await everyone_agrees(chat)
    # The worst moments to be copied: just after each transaction commits, before anything
    # else happens (one copy is one attacker; each is attacked on its own).
    copies: list[Path] = []

    def copy_now(_session: object) -> None:
        copies.append(copy(data_folder, elsewhere / f"copy-{len(copies):03d}"))

    event.listen(OrmSession, "after_commit", copy_now)
    try:
        written = await everyone_reflects(chat, session_id)
    finally:
        event.remove(OrmSession, "after_commit", copy_now)
    by_words = {w.words: w.person.id for w in written}
    seen, right = set(), 0
    for number, copied in enumerate(copies):
        steps = wal_steps(copied, elsewhere / f"replay-{number}", ("reflection", "outbox"))
        # The attack: a reflection was written by whoever's row changed last before it, or
        # next after it, in the same log.
        for at, step in enumerate(steps):
            # The held reflection's alert is as telling as the reflection itself.
            outbox = [row for rows in step.change["outbox"] for row in rows]
            if any("safeguarding:" in str(row) for row in outbox):
                assert not set().union(*(s.people for s in steps)), (
                    f"copy {number}: an alert beside a person"
                )
            for row in step.change["reflection"][0]:
                words = next(v for v in row if isinstance(v, str) and v.startswith("Reflection"))
                seen.add(words)
                assert not step.people, "a person's row was written with a reflection"
                near = people_beside(steps, at)
                assert not near, f"copy {number}: reflection beside writes about {near}"
                right += by_words[words] in near
    assert seen == set(by_words), "every reflection was in some copy's log"
    assert right == 0


def times(table: Table) -> list[Column]:
    return [column for column in table.columns if isinstance(column.type, DateTime | UTCDateTime)]


def test_every_time_in_a_persons_row_is_a_day_or_a_moment_that_is_not_theirs():
    """A new table about people, or a new time in one, must be a day (UTCDay) or say whose
    moment it holds: nobody's own (storage/models.py MOMENTS)."""
    checked = 0
    for table in tables_about_people():
        for column in times(table):
            checked += 1
            whose = column.info.get("moment")
            assert isinstance(column.type, UTCDay) or whose in MOMENTS, (
                f"{table.name}.{column.name} may hold the moment a person did something"
            )
    assert checked >= 8


async def spread_steps(app, session_id: int) -> list[datetime]:
    """The session opened 40 minutes ago, with everyone there, and moved on since, at
    moments of its own."""
    now = app.deps.clock.now()
    async with app.db.transaction() as tx:
        session = await tx.get(Session, session_id)
        session.opened_at = now - timedelta(minutes=40)
        session.spark_at = now - timedelta(minutes=38)
        session.breakouts_at = now - timedelta(minutes=30)
        session.reflecting_at, session.closed_at = now - timedelta(minutes=2), None
        tx.add(session)
        for row in (await tx.exec(select(Attendance))).all():
            row.joined_at = session.opened_at
            tx.add(row)
    return [*session.moments(), session.starts_at]


async def test_nothing_people_do_while_others_reflect_is_kept_at_its_moment(app, chat, clock):
    """Each person in turn reflects and does everything else they can do during a session,
    each at a moment of its own. Every time kept in any row about any of them, in any table,
    must be a day or a moment the whole session shares: anything finer would order people by
    when they acted, and a copy of the database can give the order reflections were written in."""
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    shared = await spread_steps(app, session_id)
    await everyone_agrees(chat)
    await chat.say(
        Chat.person("Fran", facilitator=True), "/brew settings safeguarding_contact user-sam"
    )
    newcomer = Chat.person("Noor")
    order = list(range(WRITERS))
    random.Random(7).shuffle(order)
    for turn, who in enumerate([*(person(n) for n in order), newcomer]):
        for step in (
            f"/brew join {session_id}",
            f"/brew call me {who.display_name}",
            f"/brew claim pay lower 10 session={session_id}",
            f"/brew claim expense travel 3.50 yes session={session_id}",
            "/brew needs add=bsl",
            "/brew preferences easy_read=on",
            "reflect",
            f"brew:contact:yes:{session_id}",
            f"/brew leave {session_id}",
        ):
            clock.advance(timedelta(seconds=17 + turn))
            if step == "reflect":
                words = f"Reflection {turn}: the waiting list for respite was far too long."
                reply = await chat.press(
                    who,
                    f"brew:reflection:submit:{session_id}",
                    {"category": "idea", "text": words, "quote": "yes", "agree": "yes"},
                )
            elif step.startswith("brew:"):
                reply = await chat.press(who, step)
            else:
                reply = await chat.say(who, step)
            assert not any(message.refused for message, _ in reply.replies), (step, reply.text)
    ids = {person(n).id for n in range(WRITERS)} | {newcomer.id}
    kept = await rows_about(app, ids)
    assert {"participant", "attendance", "session_payment", "expense"} <= set(kept)
    for table, rows in kept.items():
        for row in rows:
            for column in times(SQLModel.metadata.tables[table]):
                value = row[column.name]
                assert value is None or value == utc_day(value) or value in shared, (
                    f"{table}.{column.name} keeps {value}"
                )


async def rows_about(app, user_ids: set[str]) -> dict[str, list[dict]]:
    """Every row, in every table, about any of these people: a row of a table about people
    (see tables_about_people), or any row holding one of their user ids."""
    people_tables = set(PER_PERSON)
    found: dict[str, list[dict]] = {}
    async with app.db.read() as tx:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await tx.exec(table.select())).mappings():  # type: ignore[call-overload]
                holds_id = any(
                    isinstance(v, str) and any(u in v for u in user_ids) for v in row.values()
                )
                if table.name in people_tables or holds_id:
                    found.setdefault(table.name, []).append(dict(row))
    return found


async def test_where_reflections_sit_never_gives_the_order_they_were_written_in(
    app, chat, data_folder, elsewhere, database_url
):
    """SQLite fills a page from its end backwards, and PostgreSQL gives each row the id of
    the transaction that wrote it: left alone, either gives the writing order, which any
    order of people's actions could then be paired with. Every write puts a session's
    reflections back in key order, so at every moment they sit in that order and on
    PostgreSQL share one transaction id."""
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await everyone_agrees(chat)
    copies: list[Path] = []
    versions: list[list[tuple[str, ...]]] = []

    def copy_now(_session: object) -> None:
        if database_url.startswith("sqlite"):
            copies.append(copy(data_folder, elsewhere / f"copy-{len(copies):03d}"))

    event.listen(OrmSession, "after_commit", copy_now)
    try:
        written = []
        for n in range(WRITERS):
            written += await everyone_reflects_one(chat, session_id, n)
            if not database_url.startswith("sqlite"):
                versions.append(forensics.pg_row_versions(database_url, "reflection"))
    finally:
        event.remove(OrmSession, "after_commit", copy_now)
    async with app.db.read() as tx:
        rows = (await tx.exec(select(Reflection).order_by(Reflection.id))).all()
    by_key = {r.text: r.id for r in rows}
    for copied in copies:
        physical = forensics.physical_order(copied / "brewbot.db", written)
        assert physical == sorted(physical, key=lambda words: by_key[words], reverse=True)
    for rows_then in versions:
        assert len({xmin for xmin, *_ in rows_then}) == 1, "one transaction wrote them all"
        assert [key for *_, key in rows_then] == sorted(key for *_, key in rows_then)
    assert len(copies) >= WRITERS or len(versions) == WRITERS


async def everyone_reflects_one(chat: Chat, session_id: int, n: int) -> list[str]:
    """Person n sends a reflection, then leaves the session: its words."""
    chat.app.deps.clock.advance(timedelta(seconds=40))
    words = f"Reflection {WORDS[(n * 5) % WRITERS]}: the bus to the day centre never comes."
    reply = await chat.press(
        person(n),
        f"brew:reflection:submit:{session_id}",
        {"category": "idea", "text": words, "quote": "yes", "agree": "yes"},
    )
    assert "code" in reply.text, reply.text
    chat.app.deps.clock.advance(timedelta(seconds=20))
    await chat.say(person(n), f"/brew leave {session_id}")
    return [words]


async def test_sealing_leaves_rows_in_an_order_that_says_nothing(
    app, chat, data_folder, elsewhere, database_url
):
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await everyone_agrees(chat)
    written = await everyone_reflects(chat, session_id)
    fac = Chat.person("Fran", facilitator=True)
    await chat.say(fac, f"/brew close {session_id}")
    await chat.say(fac, f"/brew digest {session_id} send")
    async with app.db.read() as tx:
        rows = (await tx.exec(select(Reflection).order_by(Reflection.id))).all()
    by_id = [r.text for r in rows]
    writing = [w.words for w in written]
    assert sorted(by_id) == sorted(writing)
    if database_url.startswith("sqlite"):
        copied = copy(data_folder, elsewhere / "copy")
        physical = forensics.physical_order(copied / "brewbot.db", writing)
        assert physical in (by_id, by_id[::-1]), "rewritten in random-id order"
        assert physical not in (writing, writing[::-1])
    else:
        versions = forensics.pg_row_versions(database_url, "reflection")
        assert len({xmin for xmin, *_ in versions}) == 1, "one transaction wrote them all"
        assert [key for *_, key in versions] == [r.id for r in rows], "ctid follows the id"


async def test_opening_and_sending_the_form_write_nothing_about_the_person_postgresql(
    app, chat, database_url
):
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL row versions; the SQLite WAL is replayed above")
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await everyone_agrees(chat)
    await everyone_reflects(chat, session_id)
    reflections = forensics.pg_row_versions(database_url, "reflection")
    first = min(int(xmin) for xmin, *_ in reflections)
    for table in PER_PERSON:
        later = [v for v in forensics.pg_row_versions(database_url, table) if int(v[0]) >= first]
        assert later == [], f"{table} rows written while reflections were: {later}"


async def test_a_withdrawn_reflection_is_gone_from_the_files_once_answered(
    app, chat, data_folder, elsewhere, database_url
):
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await everyone_agrees(chat)
    written = await everyone_reflects(chat, session_id)
    taken_back = written[4]
    done = await chat.say(taken_back.person, f"/brew withdraw {taken_back.code}")
    assert "taken back" in done.text
    marker = taken_back.words.split(":")[0]
    if database_url.startswith("sqlite"):
        copied = copy(data_folder, elsewhere / "copy")
        assert not forensics.contains(copied, marker)
        assert forensics.contains(copied, written[5].words.split(":")[0]), "others are kept"
    else:
        assert marker.encode() not in forensics.pg_relation_bytes(database_url, "reflection")


async def test_sealing_leaves_no_tag_in_the_files(app, chat, data_folder, elsewhere, database_url):
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await everyone_agrees(chat)
    await everyone_reflects(chat, session_id)
    async with app.db.read() as tx:
        tags = {r.withdraw_tag for r in (await tx.exec(select(Reflection))).all()}
    assert len(tags) == WRITERS
    fac = Chat.person("Fran", facilitator=True)
    await chat.say(fac, f"/brew close {session_id}")
    await chat.say(fac, f"/brew digest {session_id} send")
    if database_url.startswith("sqlite"):
        copied = copy(data_folder, elsewhere / "copy")
        assert not any(forensics.contains(copied, tag) for tag in tags)
    else:
        heap = forensics.pg_relation_bytes(database_url, "reflection")
        assert not any(tag.encode() in heap for tag in tags)


async def test_cancelling_while_reflecting_seals_the_session(
    app, chat, data_folder, elsewhere, database_url
):
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await everyone_agrees(chat)
    written = await everyone_reflects(chat, session_id)
    async with app.db.read() as tx:
        tags = {r.withdraw_tag for r in (await tx.exec(select(Reflection))).all()}
    fac = Chat.person("Fran", facilitator=True)
    reply = await chat.say(fac, f"/brew cancel {session_id}")
    assert "cancel" in reply.text.lower()
    async with app.db.read() as tx:
        assert (await tx.get(Session, session_id)).sealed_at is not None
        ids = [r.id for r in (await tx.exec(select(Reflection))).all()]
    assert app.deps.writers.writers_at_least(session_id, ids) == 1, "memory forgotten too"
    late = await chat.say(written[0].person, f"/brew withdraw {written[0].code}")
    assert "no longer be taken back" in late.text
    if database_url.startswith("sqlite"):
        copied = copy(data_folder, elsewhere / "copy")
        assert not any(forensics.contains(copied, tag) for tag in tags)


async def test_a_digest_never_sent_is_sealed_after_the_forget_period(app, chat, clock):
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await everyone_agrees(chat)
    written = await everyone_reflects(chat, session_id)
    fac = Chat.person("Fran", facilitator=True)
    await chat.say(fac, f"/brew close {session_id}")
    # Told in advance, with the day.
    [draft] = [m for m in app.deps.adapter.private_to(fac.id) if "Until" in m.plain_text()]
    assert "destroys everything that could tie" in draft.plain_text()
    async with app.db.read() as tx:
        closed_at = (await tx.get(Session, session_id)).closed_at
    due = closed_at + timedelta(days=app.settings.forget_after_days)
    clock.set(due)
    await app.jobs.run(PlannedJob(JobKind.FORGET, session_id, due))
    async with app.db.read() as tx:
        session = await tx.get(Session, session_id)
        rows = (await tx.exec(select(Reflection))).all()
    assert session.sealed_at is not None and session.state == SessionState.CLOSED
    assert all(r.withdraw_tag is None for r in rows)
    late = await chat.say(written[0].person, f"/brew withdraw {written[0].code}")
    assert "no longer be taken back" in late.text
    assert any("destroyed" in m.plain_text() for m in app.deps.adapter.private_to(fac.id))
    # The digest can still be sent, and still counts the twelve writers.
    sent = await chat.say(fac, f"/brew digest {session_id} send")
    assert "sending" in sent.text
    assert any("has arrived" in m.plain_text() for m in app.deps.adapter.private_to(fac.id))


async def test_the_small_number_rule_counts_only_people_whose_words_are_shown(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING, people=6)
    for n in range(5):
        await chat.press(person(n), "brew:consent:yes:")
    codes = []
    for n in range(5):
        words = (
            "I do not feel safe at home, he hits me."
            if n == 4
            else f"Point {WORDS[n]}: transport to the day centre is unreliable."
        )
        reply = await chat.press(
            person(n),
            f"brew:reflection:submit:{session_id}",
            {"category": "not_working", "text": words, "quote": "yes"},
        )
        codes.append(re.search(rf"\b{session_id}(-[A-Z0-9]{{5}}){{3}}\b", reply.text).group(0))
    for n in (0, 1):
        assert "taken back" in (await chat.say(person(n), f"/brew withdraw {codes[n]}")).text
    fac = Chat.person("Fran", facilitator=True)
    await chat.say(fac, f"/brew close {session_id}")
    async with app.db.transaction() as tx:
        session = await tx.get(Session, session_id)
        from storage.models import Community

        community = await tx.get(Community, session.community_id)
        digest = await app.digests.compile(tx, community, session)
    # Two people's words are shown (one is held for safeguarding, two were taken back).
    assert digest.contributors <= 2
    assert not digest.verbatim_allowed, "no quotes when fewer than 5 people's words are shown"


async def everyone_in_one_group(app, session_id: int, number: int) -> None:
    async with app.db.transaction() as tx:
        people = (await tx.exec(select(Participant).order_by(Participant.id))).all()
        group = Breakout(session_id=session_id, number=number)
        tx.add(group)
        await tx.flush()
        for p in people:
            tx.add(BreakoutMember(breakout_id=group.id, participant_id=p.id))


async def test_a_breakout_number_never_singles_out_a_writer(app, chat, clock):
    session_id = await make_session(app, SessionState.REFLECTING, people=6)
    await everyone_in_one_group(app, session_id, number=1)
    # Only one of the six agreed to the privacy notice, so only they could have written.
    await chat.press(person(3), "brew:consent:yes:")
    await chat.press(
        person(3),
        f"brew:reflection:submit:{session_id}",
        {"category": "idea", "text": "More time with the same worker.", "quote": "yes"},
    )
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Reflection))).all()
    assert row.breakout_number is None


async def test_a_big_enough_group_keeps_its_number_until_it_is_too_small(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING, people=6)
    await everyone_in_one_group(app, session_id, number=2)
    for n in range(5):
        await chat.press(person(n), "brew:consent:yes:")
    await chat.press(
        person(0),
        f"brew:reflection:submit:{session_id}",
        {"category": "idea", "text": "A named worker would help.", "quote": "yes"},
    )
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Reflection))).all()
    assert row.breakout_number == 2, "five who could have written it"
    # Two take their agreement back before the digest is sent: at sealing, too few.
    for n in (1, 2):
        await chat.press(person(n), "brew:consent:no:")
    fac = Chat.person("Fran", facilitator=True)
    await chat.say(fac, f"/brew close {session_id}")
    await chat.say(fac, f"/brew digest {session_id} send")
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Reflection))).all()
    assert row.breakout_number is None


async def test_members_who_left_do_not_make_a_group_big_enough(app, chat, clock):
    session_id = await make_session(app, SessionState.REFLECTING, people=5)
    await everyone_in_one_group(app, session_id, number=2)
    for n in range(5):
        await chat.press(person(n), "brew:consent:yes:")
    clock.advance(timedelta(minutes=5))
    for n in (1, 2, 3, 4):  # four of the group have to go (care calls, transport)
        await chat.say(person(n), f"/brew leave {session_id}")
    await chat.press(
        person(0),
        f"brew:reflection:submit:{session_id}",
        {"category": "not_working", "text": "Nobody listens at the day centre.", "quote": "yes"},
    )
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Reflection))).all()
    assert row.breakout_number is None, "the one member still there would be named"


async def test_a_burst_over_two_sessions_numbers_each_by_its_own_group(app, chat, clock):
    # The same six in a group in each of two sessions; four of them leave the second. Two
    # reflections sent in one burst, one to each session, are written together, and each is
    # numbered by its own session's group: five who could have written it, and one.
    first = await make_session(app, SessionState.REFLECTING, people=6)
    second = await make_session(app, SessionState.REFLECTING, people=0)
    async with app.db.transaction() as tx:
        for p in (await tx.exec(select(Participant))).all():
            tx.add(Attendance(session_id=second, participant_id=p.id, joined_at=clock.now()))
    await everyone_in_one_group(app, first, number=2)
    # The same number in both: one session's members must not count for the other's.
    await everyone_in_one_group(app, second, number=2)
    for n in range(5):
        await chat.press(person(n), "brew:consent:yes:")
    clock.advance(timedelta(minutes=5))
    for n in (1, 2, 3, 4):
        await chat.say(person(n), f"/brew leave {second}")
    commits: list[int] = []
    event.listen(app.db.engine.sync_engine, "commit", lambda _conn: commits.append(1))
    await asyncio.gather(
        *(
            chat.press(
                person(0),
                f"brew:reflection:submit:{session_id}",
                {"category": "idea", "text": f"A named worker would help ({n}).", "quote": "yes"},
            )
            for n, session_id in enumerate((first, second))
        )
    )
    assert len(commits) == 1, "the two were written together"
    async with app.db.read() as tx:
        numbers = {r.session_id: r.breakout_number for r in (await tx.exec(select(Reflection)))}
    assert numbers == {first: 2, second: None}


async def sealed_number(app, chat, clock, session_id: int, leaving: tuple[int, ...]) -> int | None:
    """Person 0 reflects in a group of everyone, then `leaving` leave before the session
    closes and its digest is sent: the reflection's breakout number once sealed."""
    await chat.press(
        person(0),
        f"brew:reflection:submit:{session_id}",
        {"category": "idea", "text": "A named worker would help.", "quote": "yes"},
    )
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Reflection))).all()
    assert row.breakout_number == 2, "written while the whole group was there"
    clock.advance(timedelta(minutes=5))
    for n in leaving:
        await chat.say(person(n), f"/brew leave {session_id}")
    clock.advance(timedelta(minutes=5))
    fac = Chat.person("Fran", facilitator=True)
    await chat.say(fac, f"/brew close {session_id}")
    await chat.say(fac, f"/brew digest {session_id} send")
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Reflection))).all()
        assert (await tx.get(Session, session_id)).sealed_at is not None
    return row.breakout_number


@pytest.mark.parametrize(("leaving", "kept"), [((), True), ((5,), True), ((4, 5), False)])
async def test_sealing_counts_the_members_still_there_at_the_close(app, chat, clock, leaving, kept):
    # Six in one group, all agreed; the close marks everyone still there as leaving then.
    session_id = await make_session(app, SessionState.REFLECTING, people=6)
    await everyone_in_one_group(app, session_id, number=2)
    for n in range(6):
        await chat.press(person(n), "brew:consent:yes:")
    number = await sealed_number(app, chat, clock, session_id, leaving)
    assert number == (2 if kept else None)


async def test_the_log_holds_no_trace_of_a_reflection(app, chat, data_folder, elsewhere):
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await everyone_agrees(chat)
    written = await everyone_reflects(chat, session_id)
    await chat.say(written[0].person, f"/brew withdraw {written[0].code}")
    log = (data_folder / "brewbot.log").read_text()
    assert "reflection" in log.lower() or log, "the log was written"
    for w in written:
        assert w.words.split(":")[0] not in log
        assert w.code.split("-", 1)[1] not in log
    # Not even a line saying that someone opened or sent the form, or withdrew: its time
    # could be matched with other records.
    assert "command=reflection:" not in log and "command=withdraw" not in log
    assert "command=reflect " not in log


async def test_a_crash_before_the_purge_is_purged_at_start(
    app, chat, data_folder, elsewhere, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite WAL; PostgreSQL's table rewrite runs at start the same way")
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await everyone_agrees(chat)
    await everyone_reflects(chat, session_id)
    async with app.db.read() as tx:
        tags = {r.withdraw_tag for r in (await tx.exec(select(Reflection))).all()}
    # Sealed, then the process dies before the purge that would follow.
    async with app.db.transaction() as tx:
        session = await tx.get(Session, session_id)
        await seal(app.deps, tx, session)
    crashed = copy(data_folder, elsewhere / "crashed")
    assert any(forensics.contains(crashed, tag) for tag in tags), "the WAL still held them"
    await app.start(run_scheduler=False)
    started = copy(data_folder, elsewhere / "started")
    assert not any(forensics.contains(started, tag) for tag in tags)


async def test_a_safeguarding_alert_leaves_no_time_that_dates_its_reflection(app, chat, clock):
    session_id = await make_session(app, SessionState.REFLECTING, people=WRITERS)
    await everyone_agrees(chat)
    clock.advance(timedelta(minutes=37, seconds=13))
    await chat.press(
        person(0),
        f"brew:reflection:submit:{session_id}",
        {"category": "not_working", "text": "I get hurt when he drinks.", "agree": "yes"},
    )
    async with app.db.read() as tx:
        [alert] = (await tx.exec(select(OutboxItem))).all()
    assert alert.status == "done" and alert.payload == ""
    for when in (alert.created_at, alert.due_at, alert.done_at):
        assert (when.hour, when.minute, when.second) == (0, 0, 0), "days, not times"

"""A motivated intruder against Brewbot on Microsoft Teams (docs/anonymity.md): people write
reflections through the Teams dialog (task/fetch, then task/submit: signed activities through
the SDK's own endpoint, against the loopback connector), with logging as `brewbot run` sets it
up, at DEBUG, into a file in the data folder. The intruder copies the folder (database, its
WAL, the log) at several moments and tries to tie each reflection to its writer, with what
Teams adds: every activity's id kept with its time in `processed_event`, the private copy of
the thank-you sent to the writer's 1:1 chat (refused for someone without the app), and the
ids Teams gives people and their 1:1 chats.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import random
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy import text as sql
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import SQLModel

from bot.core.domain import SessionState
from bot.logs import configure_logging
from bot.loopback.teams_sender import TeamsConversation, TeamsUser, dialog_card
from bot.loopback.teams_server import TENANT_ID, inputs
from bot.scheduling.planner import JobKind, PlannedJob
from storage.engine import Database
from storage.models import Attendance, Participant, Session
from storage.repositories import get_or_create_community
from tests import forensics
from tests.conftest import START
from tests.fakes.teams_harness import TeamsWorld, teams_world
from tests.intruder import copy, dump_postgres, keyed_links, people_beside, wal_steps

WRITERS = 8
WORDS = ["acorn", "bramble", "copper", "damson", "ember", "fennel", "gorse", "heather"]
FAC_ID = "29:1facilitatorfran0000000000000000000000"
# The one person who never added Brewbot to their own chats: Teams refuses the bot a 1:1
# chat with them, so the private copy of their thank-you cannot be sent.
LONER = 5


@dataclass
class Written:
    person: TeamsUser
    words: str
    code: str


@dataclass
class Room:
    world: TeamsWorld
    channel: TeamsConversation
    people: list[TeamsUser]
    fac: TeamsUser
    fac_chat: TeamsConversation
    session_id: int


@pytest.fixture
def logged_folder(tmp_path: Path) -> Iterator[Path]:
    """The data folder (tmp_path: the SQLite file is there) with the log as `brewbot run`
    writes it with BREWBOT_LOG_LEVEL=DEBUG and a log file there; logging is put back after."""
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("DEBUG", file=tmp_path / "brewbot.log")
    yield tmp_path
    root.removeHandler(handler)
    handler.close()
    root.setLevel(level)


@contextlib.asynccontextmanager
async def teams_room(database_url: str) -> AsyncIterator[Room]:
    """A session in its reflection step on Teams: WRITERS people in a team's channel, each
    with the app in their own chats but LONER. Their reminders went out before (so the
    outbox, as on any day, says whose 1:1 chat Teams refused)."""
    async with teams_world(database_url, TEAMS_FACILITATORS=FAC_ID) as world:
        channel = world.lb.add_channel("Over a Brew")
        people = [world.lb.add_user(f"Person {n}") for n in range(WRITERS)]
        for n, someone in enumerate(people):
            if n != LONER:
                world.lb.install_for(someone.id)
        fac = world.lb.add_user("Fran Facilitator", user_id=FAC_ID)
        fac_chat = world.lb.install_for(fac.id)
        session_id = await _session(world, channel, people)
        due = world.clock.now()
        await world.brew.jobs.run(PlannedJob(JobKind.REMIND, session_id, due))
        await world.settle()
        async with world.brew.db.transaction() as tx:
            session = await tx.get(Session, session_id)
            assert session is not None
            session.state = SessionState.REFLECTING.value
            for stamp in ("opened_at", "spark_at", "breakouts_at", "reflecting_at"):
                setattr(session, stamp, due)
        yield Room(world, channel, people, fac, fac_chat, session_id)


async def _session(world: TeamsWorld, channel: TeamsConversation, people: list[TeamsUser]) -> int:
    """A scheduled session in the channel, everyone coming (as tests.helpers.make_session,
    in the Teams tenant)."""
    async with world.brew.db.transaction() as tx:
        community = await get_or_create_community(tx, "teams", TENANT_ID, name="Brew council")
        session = Session(
            community_id=community.id,
            title="Being heard",
            theme="Being heard",
            spark_id=world.brew.deps.sparks.all()[0].id,
            starts_at=START + timedelta(days=1),
            state=SessionState.SCHEDULED.value,
            channel_id=channel.id,
            created_by=FAC_ID,
            seed=7,
        )
        tx.add(session)
        await tx.flush()
        for someone in people:
            row = Participant(
                community_id=community.id, user_id=someone.id, display_name=someone.name
            )
            tx.add(row)
            await tx.flush()
            tx.add(Attendance(session_id=session.id, participant_id=row.id, rsvp="yes"))
        assert session.id is not None
        return session.id


async def reflect(room: Room, who: TeamsUser, words: str, *, agree_first: bool) -> Written:
    """`who` presses "Share a reflection" on the channel's card (Teams asks for the dialog:
    task/fetch), fills it in and sends it (task/submit). With `agree_first` they first
    press Yes on the privacy notice, just before: their own row changes right then."""
    world, sender = room.world, room.world.sender
    if agree_first:
        await sender.submit_card({"brew": "brew:consent:yes:"}, who, room.channel)
        await world.settle()
    opened = {"brew": f"brew:reflection:open:{room.session_id}", "msteams": {"type": "task/fetch"}}
    status, body = await sender.invoke("task/fetch", sender.task_value(opened), who, room.channel)
    card = dialog_card(body)
    assert status == 200 and card is not None, body
    answers = {"category": "not_working", "text": words}
    for field in inputs(card):
        if field.get("type") == "Input.Toggle":  # may be quoted; agrees to the notice
            answers[str(field["id"])] = str(field.get("valueOn", "true"))
    status, body = await sender.submit_dialog(card, who, room.channel, answers=answers)
    await world.settle()
    found = re.search(rf"\b{room.session_id}-[A-Z0-9][A-Z0-9-]{{4,}}[A-Z0-9]\b", json.dumps(body))
    assert status == 200 and found, body
    return Written(who, words, found.group(0))


async def everyone_reflects(room: Room, seed: int = 3) -> list[Written]:
    """Each person in turn (not in the order they were created); every other one agrees to
    the privacy notice just before, the others agree in the form itself."""
    order = list(range(WRITERS))
    random.Random(seed).shuffle(order)
    written = []
    for turn, n in enumerate(order):
        words = f"Reflection {WORDS[turn]}: the waiting list for respite was far too long."
        written.append(await reflect(room, room.people[n], words, agree_first=turn % 2 == 0))
    return written


async def facilitator_says(room: Room, command: str) -> None:
    sent = await room.world.sender.message(command, room.fac, room.fac_chat)
    assert sent.status == 200
    await room.world.settle()


def teams_ids(room: Room) -> dict[str, str]:
    """Everything Teams calls a person by, and the person's user id: their id, their Entra
    (AAD) object id and the id of their 1:1 chat with Brewbot."""
    found = {}
    for someone in room.people:
        found[someone.id] = someone.id
        found[someone.aad_object_id] = someone.id
        found[room.world.lb.personal_id(someone.id)] = someone.id
    return found


# --------------------------------------------------------------------------- what is read


def tables(copied: Path, database_url: str, scratch: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as the intruder reads the copy: on SQLite the file with its
    WAL applied; on PostgreSQL the server's tables (with each row's xmin)."""
    found: dict[str, list[dict[str, Any]]] = {}
    if database_url.startswith("sqlite"):
        scratch.mkdir(parents=True, exist_ok=True)
        image = scratch / "final.db"
        image.write_bytes(forensics.final_image(copied / "brewbot.db"))
        with contextlib.closing(forensics.open_snapshot(image)) as con:
            for table in SQLModel.metadata.sorted_tables:
                cursor = con.execute(f'SELECT * FROM "{table.name}"')
                names = [d[0] for d in cursor.description]
                found[table.name] = [dict(zip(names, row, strict=True)) for row in cursor]
        return found
    engine = create_engine(re.sub(r"^postgresql\+asyncpg", "postgresql+psycopg", database_url))
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = conn.execute(sql(f'SELECT xmin::text::bigint AS xmin, * FROM "{table.name}"'))
            found[table.name] = [dict(row._mapping) for row in rows]
    engine.dispose()
    return found


def when(value: Any) -> datetime:
    """A stored time (naive ones are UTC, as storage writes them)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def log_times(log: str) -> list[datetime]:
    """When each line of the log was written (the format's asctime, local time)."""
    stamps = re.findall(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ", log, flags=re.M)
    return [datetime.strptime(s, "%Y-%m-%d %H:%M:%S,%f").astimezone(UTC) for s in stamps]


def reflections_in_writing_order(
    copied: Path, database_url: str, rows: dict[str, list[dict[str, Any]]]
) -> list[str]:
    """The order reflections were stored in, as the files give it away before the session
    is sealed: on SQLite where each row sits in its page (cells are filled from the end of
    the page backwards); on PostgreSQL each row's xmin."""
    texts = [r["text"] for r in rows["reflection"]]
    if database_url.startswith("sqlite"):
        return forensics.physical_order(copied / "brewbot.db", texts)[::-1]
    return [r["text"] for r in sorted(rows["reflection"], key=lambda r: r["xmin"])]


def time_links(
    copied: Path, database_url: str, scratch: Path, written: list[Written]
) -> set[tuple[str, str]]:
    """The attack with times. The intruder reads, from one copy:
    - who could not be written to privately: the outbox's refusals (dm_closed);
    - when each dialog was sent: `processed_event` keeps every activity's id with the time
      it came, and each person opens a dialog (task/fetch) then sends it (task/submit), so
      every second invoke in time order is a sending; on PostgreSQL, the sending is the
      invoke written just before each reflection (xmin);
    - which reflection each sending stored: the order they were stored in;
    - the log: a line written right after a sending was caused by it.
    A reflection whose sending was followed by a line, when only one person could not be
    written to privately, is theirs. Returns the (user id, words) pairs it ties."""
    rows = tables(copied, database_url, scratch)
    refused = {r["target"] for r in rows["outbox"] if r["last_error"] == "dm_closed"}
    writers = {w.person.id for w in written}
    events = sorted(rows["processed_event"], key=lambda r: when(r["seen_at"]))
    order = reflections_in_writing_order(copied, database_url, rows)
    # Teams gives an invoke (a dialog opened or sent) an id starting "f:".
    invokes = [e for e in events if e["event_id"].startswith("teams:f:")]
    if database_url.startswith("sqlite"):
        sendings = [when(e["seen_at"]) for e in invokes[1::2]]
    else:
        sendings = [
            when(max(before, key=lambda e: e["xmin"])["seen_at"])
            for r in sorted(rows["reflection"], key=lambda r: r["xmin"])
            if (before := [e for e in invokes if e["xmin"] < r["xmin"]])
        ]
    times = [when(e["seen_at"]) for e in events]
    caused = set()
    for line in log_times((copied / "brewbot.log").read_text(encoding="utf-8")):
        before = [t for t in times if t <= line]
        if before and before[-1] in sendings:
            caused.add(sendings.index(before[-1]))
    suspects = refused & writers
    if len(suspects) != 1:
        return set()
    (suspect,) = suspects
    return {(suspect, order[k]) for k in caused if k < len(order)}


# --------------------------------------------------------------------------- the attacks


async def test_no_stored_secret_recomputes_a_link_at_any_moment(
    database_url, logged_folder, elsewhere
):
    """Every candidate secret in the folder, tried as a key over every id Teams gives a
    person (alone and with each reflection's words), against every stored hash."""
    async with teams_room(database_url) as room:
        written = await everyone_reflects(room)
        ids = teams_ids(room)
        messages = []
        for name, user in ids.items():
            for purpose in ("", "person", "dedupe", "repeat"):
                messages.append(((user, ""), "\x1f".join(p for p in (purpose, name) if p)))
                for w in written:
                    same = " ".join(w.words.lower().split())
                    parts = (purpose, name, same)
                    messages.append(((user, w.words), "\x1f".join(p for p in parts if p)))
        tried: dict[bytes, set[bytes]] = {}
        sid = room.session_id
        moments = {"stored": "", "closed": f"brew close {sid}", "sent": f"brew digest {sid} send"}
        for moment, command in moments.items():
            if command:
                await facilitator_says(room, command)
            copied = copy(logged_folder, elsewhere / f"copy-{moment}")
            if not database_url.startswith("sqlite"):
                dump_postgres(database_url, copied)
            assert keyed_links(copied, messages, tried) == set(), moment
        # The attack finds such a link when there is one: a hash of one person's id
        # under a key kept beside it.
        planted = copy(logged_folder, elsewhere / "planted")
        key = "5f" * 32
        digest = hmac.new(bytes.fromhex(key), room.people[2].id.encode(), "sha256")
        (planted / "cache.txt").write_text(f"{key}\n{digest.hexdigest()}\n")
        assert (room.people[2].id, "") in keyed_links(planted, messages, {})


@pytest.mark.parametrize("protected", [True, False], ids=["protected", "wal-not-emptied"])
async def test_the_order_of_writes_pairs_no_one_with_their_reflection(
    sqlite_url, logged_folder, elsewhere, monkeypatch, protected
):
    """Copies taken just after every commit, each attacked alone: a reflection was written
    by whoever's row changed beside it in the WAL, or beside the `processed_event` row of
    the dialog's sending (the event written last before the reflection). With the WAL not
    emptied around a reflection (`wal-not-emptied`), the same attack must find writers:
    the control that shows it can."""
    if not protected:

        async def kept(self: Database) -> bool:
            return True

        monkeypatch.setattr(Database, "_empty_wal", kept)
    async with teams_room(sqlite_url) as room:
        copies: list[Path] = []

        def copy_now(_session: object) -> None:
            copies.append(copy(logged_folder, elsewhere / f"copy-{len(copies):03d}"))

        event.listen(OrmSession, "after_commit", copy_now)
        try:
            written = await everyone_reflects(room)
        finally:
            event.remove(OrmSession, "after_commit", copy_now)
    by_words = {w.words: w.person.id for w in written}
    seen, right = set(), 0
    for number, copied in enumerate(copies):
        steps = wal_steps(copied, elsewhere / f"replay-{number}", ("reflection", "processed_event"))
        for at, step in enumerate(steps):
            for row in step.change["reflection"][0]:
                words = next(v for v in row if isinstance(v, str) and v.startswith("Reflection"))
                seen.add(words)
                near = set(step.people) | people_beside(steps, at)
                # The sending's event: the last one written before the reflection.
                sent = [n for n in range(at) if steps[n].change["processed_event"][0]]
                if sent:
                    near |= set(steps[sent[-1]].people) | people_beside(steps[:at], sent[-1])
                right += by_words[words] in near
    assert seen == set(by_words), "every reflection was in some copy's log"
    if protected:
        assert right == 0
    else:
        assert right >= WRITERS // 2, "those who agreed just before are found"


async def test_no_log_line_or_timed_row_ties_a_reflection_to_who_has_no_private_chat(
    database_url, logged_folder, elsewhere
):
    async with teams_room(database_url) as room:
        written = await everyone_reflects(room)
        copied = copy(logged_folder, elsewhere / "copy-stored")
        links = time_links(copied, database_url, elsewhere / "scratch", written)
    truth = {(w.person.id, w.words) for w in written}
    assert links & truth == set()
    assert links == set()


def _everything(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    return {t: sorted(repr(sorted((k, v) for k, v in r.items() if k != "xmin")) for r in found)
            for t, found in rows.items()}  # fmt: skip


async def test_opening_the_form_writes_nothing_and_sending_it_only_the_reflection(
    database_url, logged_folder, elsewhere
):
    async with teams_room(database_url) as room:
        await everyone_reflects(room)  # the first of the day is behind everyone
        before = _everything(
            tables(copy(logged_folder, elsewhere / "a"), database_url, elsewhere / "sa")
        )
        sender, who = room.world.sender, room.people[1]
        opened = {
            "brew": f"brew:reflection:open:{room.session_id}",
            "msteams": {"type": "task/fetch"},
        }
        status, body = await sender.invoke(
            "task/fetch", sender.task_value(opened), who, room.channel
        )
        await room.world.settle()
        assert status == 200 and dialog_card(body) is not None
        after = _everything(
            tables(copy(logged_folder, elsewhere / "b"), database_url, elsewhere / "sb")
        )
        changed = [t for t in after if after[t] != before[t]]
        assert changed == [], "opening the form wrote to these tables"
        card = dialog_card(body)
        await sender.submit_dialog(
            card,
            who,
            room.channel,
            answers={"category": "idea", "text": "A second thought about transport."},
        )
        await room.world.settle()
        sent = _everything(
            tables(copy(logged_folder, elsewhere / "c"), database_url, elsewhere / "sc")
        )
        changed = [t for t in sent if sent[t] != after[t]]
        assert changed == ["reflection"], "sending the form wrote to these tables"


async def test_the_log_holds_no_id_words_or_code_and_no_line_while_a_reflection_is_sent(
    sqlite_url, logged_folder
):
    log = logged_folder / "brewbot.log"
    async with teams_room(sqlite_url) as room:
        # Person 2 removes the app after their 1:1 chat was opened (for their reminder).
        room.world.lb.uninstall_for(room.people[2].id)
        written, lines = [], {}
        for turn, someone in enumerate(room.people):
            if turn % 2 == 0:  # agreeing to the privacy notice is not anonymous: it may log
                await room.world.sender.submit_card(
                    {"brew": "brew:consent:yes:"}, someone, room.channel
                )
                await room.world.settle()
            size = log.stat().st_size
            words = f"Reflection {WORDS[turn]}: nobody rang back about the carer's assessment."
            written.append(await reflect(room, someone, words, agree_first=False))
            lines[someone.name] = log.read_bytes()[size:].decode()
        taken_back = written[0]
        size = log.stat().st_size
        chat = room.world.lb.personal_chat(taken_back.person.id)
        await room.world.sender.message(f"brew withdraw {taken_back.code}", taken_back.person, chat)
        await room.world.settle()
        lines["withdrawing"] = log.read_bytes()[size:].decode()
        await facilitator_says(room, f"brew close {room.session_id}")
        await facilitator_says(room, f"brew digest {room.session_id} send")
        ids = teams_ids(room)
    text = log.read_text(encoding="utf-8")
    assert "brewbot.dispatch command=close" in text, "the log was written"
    found = [name for name in ids if name in text]
    found += [w.words.split(":")[0] for w in written if w.words.split(":")[0] in text]
    found += [w.code for w in written if w.code.split("-", 1)[1] in text]
    assert found == [], "the log names people, their 1:1 chats, words or codes"
    # Opening the form, sending it and withdrawing leave no line (its time would date it).
    assert {k: v for k, v in lines.items() if v} == {}, "lines written while reflecting"

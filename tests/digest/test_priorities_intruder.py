"""A motivated intruder with a copy of the data folder (database, its WAL and -shm, the log),
taken at any moment while people mark their priorities, and the list of participants (user
ids and names), tries to tie a person to the themes they marked (docs/anonymity.md, "People's
priorities"). People mark through the same dispatcher every platform uses, some of them doing
something that is written about them (joining, saying yes, a setting, a reflection) just
before or just after. Every attack must fail in every copy.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from bot.core.domain import SessionState
from bot.core.refs import UserRef
from tests import forensics
from tests.conftest import Chat
from tests.digest.test_priorities import STATEMENTS
from tests.helpers import make_session, share_reflections
from tests.intruder import (
    PER_PERSON,
    copy,
    dump_postgres,
    keyed_links,
    people_beside,
    person,
    wal_steps,
)

PEOPLE = 8
# make_session puts the first few in the session; the others join on the day.
IN_SESSION = 4
# What some people do, just before or just after they mark: each is written about them.
BEFORE = {1: "call me", 3: "reflect", 4: "join", 5: "rsvp", 6: "preferences"}
AFTER = {0: "preferences", 2: "describe", 7: "call me"}


@dataclass
class Moment:
    """One copy of the data folder, and what had just happened when it was taken."""

    folder: Path
    after: str


class Intruder:
    """Copies the data folder after every commit (before anything else runs: the worst
    moment) and after every step a person takes."""

    def __init__(self, folder: Path, elsewhere: Path, database_url: str) -> None:
        self.folder, self.elsewhere, self.database_url = folder, elsewhere, database_url
        self.moments: list[Moment] = []
        self.step = "start"

    def take(self, what: str) -> None:
        copied = copy(self.folder, self.elsewhere / f"copy-{len(self.moments):03d}")
        if not self.database_url.startswith("sqlite"):
            dump_postgres(self.database_url, copied)
        self.moments.append(Moment(copied, what))

    def on_commit(self, _session: object) -> None:
        self.take(f"commit during {self.step}")

    async def watch(self, chat: Chat, who: UserRef, step: str, custom_or_text: str, values=None):
        self.step = f"{who.id} {step}"
        if values is None and custom_or_text.startswith("/"):
            answer = await chat.say(who, custom_or_text)
        else:
            answer = await chat.press(who, custom_or_text, values)
        self.take(self.step)
        return answer


async def identifying(intruder: Intruder, chat: Chat, who: UserRef, what: str, session_id: int):
    if what == "call me":
        await intruder.watch(chat, who, what, f"/brew call me {who.display_name} Smith")
    elif what == "preferences":
        await intruder.watch(chat, who, what, "/brew preferences easy_read=on")
    elif what == "describe":
        await intruder.watch(chat, who, what, "/brew describe carer")
    elif what == "join":
        await intruder.watch(chat, who, what, f"/brew join {session_id}")
    elif what == "rsvp":
        await intruder.watch(chat, who, what, f"brew:rsvp:yes:{session_id}")
    else:
        category, text = STATEMENTS[-1]
        await intruder.watch(
            chat,
            who,
            what,
            f"brew:reflection:submit:{session_id}",
            {"category": category, "text": f"Also: {text}", "quote": "no", "agree": "yes"},
        )


async def everyone_marks(app, chat, fac, intruder: Intruder) -> tuple[int, dict[str, list[str]]]:
    """Six reflections, the facilitator's post, then each person in turn (not in the order
    they were made) opens the form and marks one to three themes, some doing something
    identifying just before or after. The session, and what each marked by user id."""
    session_id = await make_session(app, SessionState.REFLECTING, people=IN_SESSION)
    await share_reflections(chat, session_id, STATEMENTS, person)
    await chat.say(fac, f"/brew digest {session_id} priorities")
    intruder.take("posted")
    event.listen(OrmSession, "after_commit", intruder.on_commit)
    marked: dict[str, list[str]] = {}
    order = list(range(PEOPLE))
    pick = random.Random(15)
    pick.shuffle(order)
    try:
        for n in order:
            who = person(n)
            if n in BEFORE:
                await identifying(intruder, chat, who, BEFORE[n], session_id)
            opened = await intruder.watch(chat, who, "open", f"brew:priorities:open:{session_id}")
            (form,) = opened.forms
            labels = [choice.value for choice in form.fields[0].choices]
            chosen = pick.sample(labels, pick.randint(1, min(3, len(labels))))
            values = dict(zip(("first", "second", "third"), chosen, strict=False))
            thanks = await intruder.watch(
                chat, who, "mark", f"brew:priorities:save:{session_id}", values
            )
            assert "has been counted" in thanks.text, thanks.text
            marked[who.id] = chosen
            if n in AFTER:
                await identifying(intruder, chat, who, AFTER[n], session_id)
    finally:
        event.remove(OrmSession, "after_commit", intruder.on_commit)
    return session_id, marked


def people() -> list[UserRef]:
    return [person(n) for n in range(PEOPLE)]


def plain_hashes(session_id: str) -> list[tuple[str, bytes]]:
    """SHA-256 of each user id, alone and with the session, as raw bytes: what an unkeyed
    record of "who has chosen" would hold."""
    found = []
    for p in people():
        for message in (p.id, f"{session_id}:{p.id}", f"{session_id}\x1f{p.id}"):
            found.append((p.id, hashlib.sha256(message.encode()).digest()))
    return found


def hash_links(folder: Path, session_id: str, earlier: dict[bytes, set[bytes]]) -> set[str]:
    """Every person a hash stored in the folder points to: keyed with any stored secret (as
    the reflections' attack does), or not keyed at all, raw or in hex."""
    messages = []
    for p in people():
        for purpose in ("", "priorities", "chosen", session_id):
            for name in (p.id, p.display_name):
                messages.append((p.id, "\x1f".join(x for x in (purpose, name) if x)))
                messages.append((p.id, ":".join(x for x in (purpose, name) if x)))
    links = keyed_links(folder, messages, earlier)
    for user, digest in plain_hashes(session_id):
        if forensics.contains(folder, digest) or forensics.contains(folder, digest.hex()):
            links.add(user)
    return links


async def test_no_copy_at_any_moment_ties_a_person_to_their_marks(
    app, chat, fac, data_folder, elsewhere, database_url
):
    intruder = Intruder(data_folder, elsewhere, database_url)
    session_id, marked = await everyone_marks(app, chat, fac, intruder)
    sqlite = database_url.startswith("sqlite")
    all_labels = {label for chosen in marked.values() for label in chosen}
    tried: dict[bytes, set[bytes]] = {}
    marks_seen: set[frozenset[tuple]] = set()
    for number, moment in enumerate(intruder.moments):
        where = f"copy {number} ({moment.after})"
        # The log: no line with who did something, and no theme anyone marked.
        log = (moment.folder / "brewbot.log").read_text()
        assert "priorities:" not in log, where
        for p in people():
            assert p.id not in log and p.display_name not in log, where
        assert not any(label in log for label in all_labels), where
        # No hash of anyone's user id, keyed with anything stored or not keyed at all.
        assert hash_links(moment.folder, str(session_id), tried) == set(), where
        if not sqlite:
            continue
        # The order of writes: a priority count is never written with, or in the same WAL as,
        # a write about anyone.
        steps = wal_steps(moment.folder, elsewhere / f"replay-{number}", ("priority_count",))
        for at, step in enumerate(steps):
            added, removed = step.change["priority_count"]
            if not (added or removed):
                continue
            marks_seen.add(frozenset(added))
            assert not step.people, f"{where}: a person's row written with the marks"
            near = people_beside(steps, at)
            assert not near, f"{where}: marks beside writes about {near}"
    if sqlite:
        # The attack had something to look at: every person's marks were in some copy's WAL.
        assert len(marks_seen) == len(marked)


def final_rows(folder: Path, scratch: Path) -> dict[str, set[tuple]]:
    """Every row of every table in a copy, as SQLite would read it (its WAL applied)."""
    scratch.mkdir(parents=True, exist_ok=True)
    image = scratch / "image.db"
    image.write_bytes(forensics.final_image(folder / "brewbot.db"))
    with forensics.open_snapshot(image) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {table: forensics.table_rows(image, table) for table in tables}


async def test_opening_and_marking_write_only_counts(
    app, chat, fac, data_folder, elsewhere, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite files; PostgreSQL's row versions are the test below")
    intruder = Intruder(data_folder, elsewhere, database_url)
    await everyone_marks(app, chat, fac, intruder)
    steps = [m for m in intruder.moments if not m.after.startswith("commit")]
    for number, (before, after) in enumerate(itertools.pairwise(steps)):
        if not after.after.endswith((" open", " mark")):
            continue
        old = final_rows(before.folder, elsewhere / f"old-{number}")
        new = final_rows(after.folder, elsewhere / f"new-{number}")
        changed = {table for table in new if new[table] != old.get(table)}
        wanted = {"priority_count"} if after.after.endswith("mark") else set()
        assert changed == wanted, after.after
        # One row per theme, never one per person: session, label and count only.
        assert all(len(row) == 3 for row in new["priority_count"])


async def test_no_person_is_written_in_the_transaction_of_a_mark_postgresql(
    app, chat, fac, data_folder, elsewhere, database_url
):
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL row versions; the SQLite WAL is replayed above")
    intruder = Intruder(data_folder, elsewhere, database_url)
    await everyone_marks(app, chat, fac, intruder)
    marks = {xmin for xmin, *_ in forensics.pg_row_versions(database_url, "priority_count")}
    assert marks
    for table in PER_PERSON:
        about_people = {xmin for xmin, *_ in forensics.pg_row_versions(database_url, table)}
        assert not marks & about_people, f"{table} written in a transaction with marks"


async def test_no_count_stands_out_as_the_last_one_marked_postgresql(
    app, chat, fac, data_folder, elsewhere, database_url
):
    """Left alone, the count a mark changed would keep that mark's transaction id, and the
    person whose row was written next would point to the theme they chose. Every mark
    rewrites the session's counts, in label order, in its own transaction."""
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL row versions; the SQLite WAL is replayed above")
    intruder = Intruder(data_folder, elsewhere, database_url)
    await everyone_marks(app, chat, fac, intruder)
    versions = forensics.pg_row_versions(database_url, "priority_count")
    assert len(versions) > 1
    assert len({xmin for xmin, *_ in versions}) == 1
    assert [label for *_, label in versions] == sorted(label for *_, label in versions)

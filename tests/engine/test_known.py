"""What is known in memory (bot/engine/known.py) stays true: a commit in this process drops
what it changed before the writer hears it is done, a read that raced a commit is not kept,
a savepoint is not a commit, and another process's change is seen once LIFETIME has passed."""

import asyncio
from dataclasses import replace

from sqlalchemy import select as sa_select
from sqlalchemy import text, update
from sqlmodel import col, select

from bot.engine.known import LIFETIME, Known, Person, Watch
from storage.engine import Database
from storage.models import Community, Participant
from tests.conftest import COMMUNITY, Chat
from tests.helpers import community_row


async def stored_person(app, chat, name: str = "Sam") -> tuple[int, str]:
    """Someone who agreed to the privacy notice; their key in `Known.people`."""
    person = Chat.person(name)
    await chat.press(person, "brew:consent:yes:")
    return (await community_row(app)).id, person.id


async def set_consent(db: Database, key: tuple[int, str], consent: str) -> None:
    async with db.transaction() as tx:
        row = (
            await tx.exec(
                select(Participant).where(
                    Participant.community_id == key[0], Participant.user_id == key[1]
                )
            )
        ).one()
        row.consent = consent
        tx.add(row)


def consent_of(person: Person | None) -> str | None:
    return person.consent if person else None


async def test_a_commit_drops_what_it_changed_before_the_writer_hears(app, chat):
    key = await stored_person(app, chat)
    people = app.deps.known.people
    assert consent_of(await people.get(key)) == "yes"
    await set_consent(app.db, key, "no")
    assert consent_of(await people.get(key)) == "no"


async def test_someone_not_stored_is_known_as_such_until_they_are(app, chat):
    community_id, _ = await stored_person(app, chat, "Ola")
    newcomer = Chat.person("Nia")
    key = (community_id, newcomer.id)
    assert await app.deps.known.people.get(key) is None
    await chat.press(newcomer, "brew:consent:yes:")  # stores them
    assert consent_of(await app.deps.known.people.get(key)) == "yes"


async def test_bulk_and_textual_writes_drop_the_whole_fact(app, chat):
    key = await stored_person(app, chat)
    people = app.deps.known.people
    assert consent_of(await people.get(key)) == "yes"
    async with app.db.transaction() as tx:
        await tx.exec(update(Participant).values(consent="no"))
    assert consent_of(await people.get(key)) == "no"
    # SQL text says nothing the ORM can read: everything is read again.
    async with app.db.transaction() as tx:
        await tx.exec(text("UPDATE participant SET consent = 'yes'"))
    assert consent_of(await people.get(key)) == "yes"


async def test_a_savepoint_is_not_a_commit(app, chat):
    # A value read after a savepoint is released but before the transaction commits is the
    # old one; the commit must still drop it.
    key = await stored_person(app, chat)
    people = app.deps.known.people
    async with app.db.transaction() as tx:
        row = (await tx.exec(select(Participant).where(Participant.user_id == key[1]))).one()
        async with tx.begin_nested():
            row.consent = "no"
            tx.add(row)
        assert consent_of(await people.get(key)) == "yes", "not committed yet"
    assert consent_of(await people.get(key)) == "no"


async def test_a_rolled_back_write_leaves_what_is_known(app, chat):
    key = await stored_person(app, chat)
    people = app.deps.known.people
    assert consent_of(await people.get(key)) == "yes"

    class Undo(Exception):
        pass

    try:
        async with app.db.transaction() as tx:
            row = (await tx.exec(select(Participant).where(Participant.user_id == key[1]))).one()
            row.consent = "no"
            tx.add(row)
            await tx.flush()
            raise Undo
    except Undo:
        pass
    assert consent_of(await people.get(key)) == "yes"


class HeldRead:
    """A fact of people's consent whose read, once it has the database's answer, waits for
    the test to let go: so a commit can land while a read is under way."""

    def __init__(self, app) -> None:
        self.read_once, self.release = asyncio.Event(), asyncio.Event()
        self.fact = app.deps.known.fact(
            "test consent",
            self._read,
            Watch(Participant, ("community_id", "user_id"), frozenset({"consent"})),
        )

    async def _read(self, tx, keys):
        rows = await tx.exec(
            select(Participant.community_id, Participant.user_id, Participant.consent).where(
                col(Participant.user_id).in_([user for _, user in keys])
            )
        )
        found = {(community, user): consent for community, user, consent in rows}
        self.read_once.set()
        await self.release.wait()
        return found


async def test_a_read_that_raced_a_commit_is_not_kept(app, chat):
    key = await stored_person(app, chat)
    held = HeldRead(app)
    first = asyncio.create_task(held.fact.get(key))
    await held.read_once.wait()
    await set_consent(app.db, key, "no")
    held.release.set()
    assert await first == "yes", "asked before the commit, so either answer would do"
    assert await held.fact.get(key) == "no", "the raced read's old value was not kept"


async def test_a_read_that_began_before_a_commit_is_not_joined_after_it(app, chat):
    key = await stored_person(app, chat)
    held = HeldRead(app)
    first = asyncio.create_task(held.fact.get(key))
    await held.read_once.wait()
    await set_consent(app.db, key, "no")
    later = asyncio.create_task(held.fact.get(key))  # asked after the commit
    held.release.set()
    assert await first == "yes"
    assert await later == "no"


async def test_concurrent_misses_are_read_together(app, chat):
    people = [Chat.person(f"Writer {n}") for n in range(30)]
    for person in people:
        await chat.press(person, "brew:consent:yes:")
    community_id = (await community_row(app)).id
    reads: list[int] = []

    async def counted(tx, keys):
        reads.append(len(keys))
        rows = await tx.exec(
            select(Participant.user_id, Participant.consent).where(
                col(Participant.user_id).in_([user for _, user in keys])
            )
        )
        return {(community_id, user): consent for user, consent in rows}

    consent = app.deps.known.fact("test counted", counted, Watch(Participant, ("user_id",)))
    answers = await asyncio.gather(*(consent.get((community_id, p.id)) for p in people))
    assert answers == ["yes"] * len(people)
    assert sum(reads) == len(people) and len(reads) <= 2, reads


async def test_another_process_is_seen_once_its_lifetime_has_passed(app, chat, database_url):
    key = await stored_person(app, chat)
    moment = [0.0]
    known = Known(app.db, now=lambda: moment[0])
    assert consent_of(await known.people.get(key)) == "yes"
    other = Database(database_url)  # another process sharing the database: nothing is heard
    try:
        await set_consent(other, key, "no")
    finally:
        await other.dispose()
    assert consent_of(await known.people.get(key)) == "yes", "kept for its lifetime"
    moment[0] += LIFETIME
    assert consent_of(await known.people.get(key)) == "no"


async def test_a_community_is_known_by_its_platform_and_id(app, chat, fac):
    await chat.say(fac, "/brew settings facilitator_role=Helper")
    key = (COMMUNITY.platform.value, COMMUNITY.id)
    assert (await app.deps.known.communities.get(key)).facilitator_role == "Helper"
    helper = replace(fac, roles=frozenset({"Helper"}))
    await chat.say(helper, "/brew settings facilitator_role=Facilitator")
    assert (await app.deps.known.communities.get(key)).facilitator_role == "Facilitator"
    assert await app.deps.known.communities.get(("shell", "nowhere")) is None


async def test_a_watch_without_a_key_makes_every_value_old(app, chat):
    """A fact keyed by something other than a model's rows (here, how many people said yes,
    by answer) watches that model without a key: a change to a watched column of any row
    drops every value, and a change to another column drops none."""
    key = await stored_person(app, chat)
    reads: list[int] = []

    async def read(tx, answers):
        reads.append(len(answers))
        rows = (await tx.exec(select(Participant.consent))).all()
        return {answer: sum(1 for consent in rows if consent == answer) for answer in answers}

    said = app.deps.known.fact("test answers", read, Watch(Participant, (), frozenset({"consent"})))
    assert (await said.get("yes"), await said.get("no")) == (1, 0)
    await set_consent(app.db, key, "no")
    assert (await said.get("yes"), await said.get("no")) == (0, 1)
    assert len(reads) == 4, "both answers were read again"
    async with app.db.transaction() as tx:
        row = (await tx.exec(select(Participant).where(Participant.user_id == key[1]))).one()
        row.easy_read = not row.easy_read
        tx.add(row)
    assert (await said.get("yes"), await said.get("no")) == (0, 1)
    assert len(reads) == 4, "a column the fact does not read changed: nothing read again"


def test_a_watch_on_what_a_statement_reads_names_that_models_columns_only():
    statement = sa_select(col(Participant.consent), col(Community.name), col(Participant.id))
    watch = Watch.read_by(Participant, statement)
    assert (watch.key, watch.columns) == ((), frozenset({"consent", "id"}))
    assert Watch.read_by(Community, statement).columns == frozenset({"name"})

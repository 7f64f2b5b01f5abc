"""Storing many people at once (a burst of presses): everyone new stored once, with the name
given; someone already stored, or stored by another process at the same moment, read back as
they are."""

import asyncio

import pytest
from sqlmodel import col, select

from storage.engine import Database
from storage.models import Community, Participant
from storage.repositories import get_or_create_participants


@pytest.fixture
async def db(database_url):
    database = Database(database_url)  # migrated already (tests/conftest.py)
    yield database
    await database.dispose()


async def _community(db: Database) -> int:
    async with db.transaction() as tx:
        community = Community(platform="shell", external_id="many", name="Many")
        tx.add(community)
        await tx.flush()
        tx.add(Participant(community_id=community.id, user_id="u-known", display_name="Kit"))
        assert community.id is not None
        return community.id


async def test_new_people_are_stored_and_known_ones_kept_as_they_are(db):
    community = await _community(db)
    names = {(community, "u-known"): "Kit Renamed", (community, "u-new"): "Nia"}
    async with db.transaction() as tx:
        people = await get_or_create_participants(tx, names)
    assert sorted((p.user_id, p.display_name) for p in people) == [
        ("u-known", "Kit"),
        ("u-new", "Nia"),
    ]
    async with db.read() as tx:
        stored = (await tx.exec(select(Participant.user_id))).all()
    assert sorted(stored) == ["u-known", "u-new"]


async def test_two_batches_storing_the_same_newcomers_at_once_store_each_once(db):
    community = await _community(db)
    names = {(community, f"u-{n}"): f"Person {n}" for n in range(30)}

    async def batch() -> set[int | None]:
        async with db.transaction() as tx:
            return {p.id for p in await get_or_create_participants(tx, names)}

    first, second = await asyncio.gather(batch(), batch())
    assert first == second and len(first) == 30
    async with db.read() as tx:
        count = len(
            (await tx.exec(select(Participant).where(col(Participant.user_id).like("u-%")))).all()
        )
    assert count == 31  # the 30, and the one stored before


async def test_nobody_asked_for_reads_nothing(db):
    async with db.transaction() as tx:
        assert await get_or_create_participants(tx, {}) == []

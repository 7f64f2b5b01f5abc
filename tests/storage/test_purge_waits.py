"""On PostgreSQL a purge rewrites the reflection table; a transaction that began before the
delete (another Brewbot process, say) would make the rewrite keep the deleted row. The purge
waits for it, so a withdrawn reflection is gone from the files once the writer is told."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import create_engine, text

from bot.core.domain import SessionState
from tests import forensics
from tests.conftest import postgres_base
from tests.helpers import make_session
from tests.reflections.test_anonymity_intruder import everyone_agrees, everyone_reflects

ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@ON_POSTGRES
async def test_a_withdrawal_waits_for_an_older_transaction_before_rewriting(
    app, chat, database_url
):
    session_id = await make_session(app, SessionState.REFLECTING, people=12)
    await everyone_agrees(chat)
    written = await everyone_reflects(chat, session_id)
    taken_back = written[4]
    marker = taken_back.words.split(":")[0]
    # Another session holds a snapshot from before the withdrawal (it reads another table,
    # so it takes no lock the rewrite would wait for).
    other = create_engine(database_url, isolation_level="REPEATABLE READ").connect()
    holder = other.begin()
    other.execute(text("SELECT count(*) FROM participant")).scalar_one()
    withdrawing = asyncio.create_task(
        chat.say(taken_back.person, f"/brew withdraw {taken_back.code}")
    )
    watcher = create_engine(database_url)
    try:
        # Once the purge is waiting on the older transaction, end it, as its process would.
        await _until_purge_waits(watcher)
        holder.commit()
        done = await asyncio.wait_for(withdrawing, 10)
    finally:
        other.close()
        watcher.dispose()
    assert "taken back" in done.text
    assert marker.encode() not in forensics.pg_relation_bytes(database_url, "reflection")


@ON_POSTGRES
async def test_a_withdrawal_waits_for_a_later_snapshot_an_older_writer_held_back(
    app, chat, database_url
):
    """A transaction that begins while an older writer still runs takes the writer's
    horizon with it: the purge must wait for it too, though it began after the withdrawal."""
    session_id = await make_session(app, SessionState.REFLECTING, people=12)
    await everyone_agrees(chat)
    written = await everyone_reflects(chat, session_id)
    taken_back = written[4]
    marker = taken_back.words.split(":")[0]
    writer = create_engine(database_url).connect()
    old = writer.begin()
    writer.execute(text("SELECT pg_current_xact_id()")).scalar_one()  # a writer: it has an id
    withdrawing = asyncio.create_task(
        chat.say(taken_back.person, f"/brew withdraw {taken_back.code}")
    )
    later = create_engine(database_url, isolation_level="REPEATABLE READ").connect()
    watcher = create_engine(database_url)
    try:
        await _until_purge_waits(watcher)
        # Begins after the withdrawal, while the writer runs: its snapshot keeps the row.
        held = later.begin()
        later.execute(text("SELECT count(*) FROM participant")).scalar_one()
        old.commit()
        with watcher.connect() as connection:
            ended = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
        # The purge has looked again since the writer ended, and is still waiting.
        await _until_purge_checks_after(watcher, ended)
        assert not withdrawing.done()
        held.commit()
        done = await asyncio.wait_for(withdrawing, 10)
    finally:
        writer.close()
        later.close()
        watcher.dispose()
    assert "taken back" in done.text
    assert marker.encode() not in forensics.pg_relation_bytes(database_url, "reflection")


@ON_POSTGRES
async def test_a_withdrawal_waits_for_a_write_in_another_database(app, chat, database_url):
    """A transaction that has written is in every snapshot on the server while it runs, the
    rewrite's own included: one in another database holds the rewrite back as well."""
    session_id = await make_session(app, SessionState.REFLECTING, people=12)
    await everyone_agrees(chat)
    written = await everyone_reflects(chat, session_id)
    taken_back = written[4]
    marker = taken_back.words.split(":")[0]
    databases = []
    for url in (database_url, postgres_base()):
        engine = create_engine(url)
        with engine.connect() as connection:
            databases.append(connection.execute(text("SELECT current_database()")).scalar_one())
        engine.dispose()
    assert databases[0] != databases[1]
    elsewhere = create_engine(postgres_base()).connect()
    writing = elsewhere.begin()
    elsewhere.execute(text("SELECT pg_current_xact_id()")).scalar_one()
    withdrawing = asyncio.create_task(
        chat.say(taken_back.person, f"/brew withdraw {taken_back.code}")
    )
    watcher = create_engine(database_url)
    try:
        await _until_purge_waits(watcher)
        writing.commit()
        done = await asyncio.wait_for(withdrawing, 10)
    finally:
        elsewhere.close()
        watcher.dispose()
    assert "taken back" in done.text
    assert marker.encode() not in forensics.pg_relation_bytes(database_url, "reflection")


async def _until_purge_checks_after(engine, moment) -> None:
    """Poll the server until the purge's wait has asked again after `moment` (its last
    statement is still that question, so it has not gone on to rewrite the table)."""
    async with asyncio.timeout(10):
        while True:
            with engine.connect() as connection:
                if connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE"
                        " '%age(backend_xmin) >%' AND pid <> pg_backend_pid()"
                        " AND query_start > :moment"
                    ),
                    {"moment": moment},
                ).scalar_one():
                    return
            await asyncio.sleep(0.02)


async def _until_purge_waits(engine) -> None:
    """Poll the server (it has nothing to wait on) until the purge's wait is seen."""
    async with asyncio.timeout(10):
        while True:
            if _purge_waiting(engine):
                return
            await asyncio.sleep(0.02)


def _purge_waiting(engine) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE"
                    " '%age(backend_xmin) >%' AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        )

"""`forget me` removes everything stored about a person, and `my data` shows it: found from the
schema and from what is stored, never from a list of tables written by hand, so a table
added later (like `posted_part`) is checked too."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import SQLModel, col, select

from bot.core.refs import UserRef
from bot.platforms.parts import PostedParts
from storage.models import OutboxItem
from tests.people.test_claims_and_data import scripted_session

Rows = dict[str, list[dict[str, Any]]]


async def every_row(app) -> Rows:
    rows: Rows = {}
    async with app.db.read() as tx:
        for table in SQLModel.metadata.sorted_tables:
            result = await tx.exec(table.select())  # type: ignore[call-overload]
            rows[table.name] = [dict(row) for row in result.mappings()]
    return rows


def key_of(table: str, row: dict[str, Any]) -> tuple[object, ...]:
    primary = SQLModel.metadata.tables[table].primary_key.columns
    return tuple(row[column.name] for column in primary)


def mentions(row: dict[str, Any], needles: set[str]) -> bool:
    return any(isinstance(v, str) and any(n in v for n in needles) for v in row.values())


def derived(values: list[object]) -> set[str]:
    """What another row could keep of a value instead of the value: its SHA-256, or any
    prefix of it of 16 hex digits or more (a digest of an outbox key, say)."""
    found = set()
    for value in values:
        if isinstance(value, str) and len(value) >= 8:
            found.add(hashlib.sha256(value.encode()).hexdigest()[:16])
    return found


def traces_left(before: Rows, after: Rows, needles: set[str]) -> list[str]:
    """Whatever still ties the store to a person (known by `needles`: their id and names)
    once they are forgotten: a value naming them; a row pointing (by a foreign key in the
    schema) at a row of theirs that is gone; a digest of a value of such a row."""
    gone: dict[str, set[tuple[object, ...]]] = {}
    gone_values: list[object] = []
    for table, rows in before.items():
        kept = {key_of(table, row) for row in after[table]}
        for row in rows:
            if mentions(row, needles) and key_of(table, row) not in kept:
                gone.setdefault(table, set()).add(key_of(table, row))
                gone_values.extend(row.values())
    digests = derived(gone_values)
    left = []
    for table, rows in after.items():
        keys = SQLModel.metadata.tables[table].foreign_keys
        for row in rows:
            if mentions(row, needles):
                left.append(f"{table} names them: {row}")
            for fk in keys:
                if (row[fk.parent.name],) in gone.get(fk.column.table.name, set()):
                    left.append(f"{table} points at a row of theirs: {row}")
            for value in row.values():
                text = value.hex() if isinstance(value, bytes) else str(value)
                if any(d in text.lower() for d in digests):
                    left.append(f"{table} keeps a digest of a row of theirs: {row}")
    return left


async def a_life_with_long_messages(app, chat, fac, clock) -> tuple[UserRef, UserRef]:
    """Bo takes part in a session, chooses and says things, and is sent messages long enough
    for several Teams cards or Discord messages: each part that arrived is written down as
    the Teams and Discord adapters do (bot/platforms/parts.py)."""
    session_id, ann, bo = await scripted_session(app, chat, fac, clock)
    await chat.say(bo, "/brew call me Bobby")
    await chat.say(bo, "/brew needs add=bsl")
    await chat.say(fac, f"/brew digest {session_id} send")
    # Whatever the outbox has not delivered yet (its worker would): the digest, then the
    # feedback it sends to everyone who took part.
    await app.deps.outbox.deliver()
    async with app.db.read() as tx:
        keys = (
            await tx.exec(
                select(OutboxItem.key).where(
                    OutboxItem.kind == "private", col(OutboxItem.target).in_([bo.id, ann.id])
                )
            )
        ).all()
    assert any(bo.id in key for key in keys), "Bo was sent the feedback, privately"
    parts = PostedParts(app.db)
    for key in keys:
        for number in range(2):
            await parts.note(key, number)
    return ann, bo


async def test_forget_me_leaves_nothing_found_from_the_schema(app, chat, fac, clock):
    _, bo = await a_life_with_long_messages(app, chat, fac, clock)
    before = await every_row(app)
    needles = {bo.id, "Bobby"}
    assert any(mentions(row, needles) for rows in before.values() for row in rows)
    await chat.say(bo, "/brew forget me")
    done = await chat.press(bo, "brew:privacy:forget:yes")
    assert "deleted" in done.text
    after = await every_row(app)
    assert traces_left(before, after, needles) == []
    assert after["posted_part"], "Ann's parts are kept: only Bo is forgotten"


async def test_my_data_shows_the_messages_to_them_and_their_parts(app, chat, fac, clock):
    ann, bo = await a_life_with_long_messages(app, chat, fac, clock)
    reply = await chat.say(bo, "/brew my data")
    [(message, _)] = reply.replies
    [file] = message.attachments
    text = file.content.decode()
    data = json.loads(text[text.index("{") :])
    messages = data["messages_to_you"]
    async with app.db.read() as tx:
        theirs = (
            await tx.exec(
                select(OutboxItem).where(OutboxItem.kind == "private", OutboxItem.target == bo.id)
            )
        ).all()
    assert len(messages) == len(theirs) >= 1
    assert all(m["parts_already_shown"] == 2 for m in messages)
    assert ann.id not in text and "Ann" not in text

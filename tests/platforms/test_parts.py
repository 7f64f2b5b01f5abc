"""The parts of a long delivery written down as they arrive (bot/platforms/parts.py): what a
try that comes again skips, for how long, and what a row keeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import select

from bot.core.messages import OutgoingMessage
from bot.engine.clock import ManualClock
from bot.platforms.parts import KEEP, PostedParts, delivery_tag, post_each
from storage.engine import Database
from storage.models import PostedPart
from storage.types import utc_day
from tests.conftest import START

FIRST = OutgoingMessage("Findings", once="digest:7:post")
AGAIN = replace(FIRST, again=True)


class Conversation:
    """Stands for a conversation: shows each part it is given, or fails on one."""

    def __init__(self, refuse: str = "") -> None:
        self.refuse = refuse
        self.shown: list[str] = []

    async def post(self, number: int, part: str) -> str:
        if part == self.refuse:
            raise ConnectionError("the platform failed")
        self.shown.append(part)
        return f"id-{number}"


async def rows(db: Database) -> list[PostedPart]:
    async with db.read() as tx:
        return list((await tx.exec(select(PostedPart))).all())


async def test_a_try_that_comes_again_posts_only_the_parts_that_had_not_arrived(database_url):
    db = Database(database_url)
    posted = PostedParts(db, ManualClock(START))
    conversation = Conversation(refuse="two")
    try:
        try:
            await post_each(["one", "two", "three"], FIRST, conversation.post, posted)
        except ConnectionError:
            pass
        conversation.refuse = ""
        answers = await post_each(["one", "two", "three"], AGAIN, conversation.post, posted)
        assert conversation.shown == ["one", "two", "three"]
        assert answers == [None, "id-1", "id-2"], "nothing answered for the part shown before"
        # A row names the delivery by a digest of its key and keeps the day, not the time.
        assert {(r.delivery, r.part, r.day) for r in await rows(db)} == {
            (delivery_tag(FIRST.once), n, utc_day(START)) for n in range(3)
        }
    finally:
        await db.dispose()


async def test_only_a_try_that_may_have_arrived_before_looks(database_url):
    """A first try (not `again`) posts every part, even one written down for its key."""
    db = Database(database_url)
    posted = PostedParts(db, ManualClock(START))
    try:
        await posted.note(FIRST.once, 0)
        conversation = Conversation()
        await post_each(["one", "two"], FIRST, conversation.post, posted)
        assert conversation.shown == ["one", "two"]
    finally:
        await db.dispose()


async def test_a_message_of_one_part_writes_nothing(database_url):
    db = Database(database_url)
    try:
        conversation = Conversation()
        await post_each(["one"], FIRST, conversation.post, PostedParts(db, ManualClock(START)))
        assert conversation.shown == ["one"]
        assert await rows(db) == []
    finally:
        await db.dispose()


async def test_parts_are_forgotten_after_a_day(database_url):
    """Older than KEEP, a part is not skipped (the outbox may have forgotten the key and
    enqueued it again) and is deleted."""
    db = Database(database_url)
    clock = ManualClock(START)
    try:
        await PostedParts(db, clock).note(FIRST.once, 0)
        clock.advance(KEEP + timedelta(days=1))
        later = PostedParts(db, clock)  # another process, or after a restart
        assert await later.shown(FIRST.once) == frozenset()
        await later.note("digest:8:post", 0)
        assert [(r.delivery, r.part) for r in await rows(db)] == [
            (delivery_tag("digest:8:post"), 0)
        ]
    finally:
        await db.dispose()

"""The parts of a long delivery written down as they arrive (bot/platforms/parts.py): what a
try that comes again skips, what a row keeps, and that it never outlives its delivery."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import delete
from sqlmodel import select

from bot.core.messages import OutgoingMessage
from bot.delivery.outbox import Delivery, enqueue
from bot.platforms.parts import PostedParts, post_each
from storage.engine import Database
from storage.models import Community, OutboxItem, PostedPart
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


async def in_the_outbox(db: Database, *keys: str) -> dict[str, int]:
    """Deliveries recorded as a feature records them: their outbox ids by key."""
    async with db.transaction() as tx:
        community = Community(platform="shell", external_id="parts")
        tx.add(community)
        await tx.flush()
        assert community.id is not None
        for key in keys:
            delivery = Delivery(key, "notice", "post", "room", OutgoingMessage("Findings"))
            await enqueue(tx, community.id, delivery, START)
    async with db.read() as tx:
        return {i.key: i.id for i in (await tx.exec(select(OutboxItem))).all() if i.id}


async def test_a_try_that_comes_again_posts_only_the_parts_that_had_not_arrived(database_url):
    db = Database(database_url)
    posted = PostedParts(db)
    conversation = Conversation(refuse="two")
    try:
        ids = await in_the_outbox(db, FIRST.once)
        try:
            await post_each(["one", "two", "three"], FIRST, conversation.post, posted)
        except ConnectionError:
            pass
        conversation.refuse = ""
        answers = await post_each(["one", "two", "three"], AGAIN, conversation.post, posted)
        assert conversation.shown == ["one", "two", "three"]
        assert answers == [None, "id-1", "id-2"], "nothing answered for the part shown before"
        # A row names the delivery by its outbox row and the part: no message id, no time.
        assert {(r.outbox_id, r.part) for r in await rows(db)} == {
            (ids[FIRST.once], n) for n in range(3)
        }
    finally:
        await db.dispose()


async def test_only_a_try_that_may_have_arrived_before_looks(database_url):
    """A first try (not `again`) posts every part, even one written down for its key."""
    db = Database(database_url)
    posted = PostedParts(db)
    try:
        await in_the_outbox(db, FIRST.once)
        await posted.note(FIRST.once, 0)
        conversation = Conversation()
        await post_each(["one", "two"], FIRST, conversation.post, posted)
        assert conversation.shown == ["one", "two"]
    finally:
        await db.dispose()


async def test_a_message_of_one_part_writes_nothing(database_url):
    db = Database(database_url)
    try:
        await in_the_outbox(db, FIRST.once)
        conversation = Conversation()
        await post_each(["one"], FIRST, conversation.post, PostedParts(db))
        assert conversation.shown == ["one"]
        assert await rows(db) == []
    finally:
        await db.dispose()


async def test_parts_go_with_their_delivery(database_url):
    """A delivery forgotten (pruned, withdrawn, a person's forgotten) takes its parts with it,
    so a key enqueued again never finds the parts of its first time; and a part that arrives
    once its delivery is forgotten is not written down."""
    db = Database(database_url)
    posted = PostedParts(db)
    try:
        ids = await in_the_outbox(db, FIRST.once, "digest:8:post")
        for key in (FIRST.once, "digest:8:post"):
            await posted.note(key, 0)
        async with db.transaction() as tx:
            await tx.exec(delete(OutboxItem).where(OutboxItem.key == FIRST.once))
        assert [(r.outbox_id, r.part) for r in await rows(db)] == [(ids["digest:8:post"], 0)]
        assert await posted.shown(FIRST.once) == frozenset()
        await posted.note(FIRST.once, 1)
        assert len(await rows(db)) == 1, "nothing written for a delivery no longer there"
    finally:
        await db.dispose()

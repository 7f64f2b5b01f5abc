"""The parts of a long delivery that a platform has already shown, for Teams and Discord.

A long message goes out in several parts (Teams cards, Discord messages), one post each. When
a later part fails, or the process stops in the middle, the outbox tries the whole delivery
again and says an earlier try may have arrived (`OutgoingMessage.again`); the parts shown the
first time must not be shown again. Slack finds them in the conversation, by the message
metadata each part carries. Teams gives a bot no way to read a conversation. Discord keeps a
message's nonce for a few minutes only and never shows it afterwards (a message read back has
none), and a Discord message has no hidden field to carry a mark in: finding a part by its
words could take an earlier message that says the same for this one, and leave a part unsent
but counted as sent. So these two write down each part as it arrives (`posted_part`), and a
try that comes again skips what is written.

Only a part whose answer came back is written down: one whose post reached the platform but
whose answer did not (the connection dropped, the process was killed in between) is shown
again by the next try, unless that try comes within Discord's few minutes of nonce. Teams
offers nothing that could tell.

A row holds the outbox row of the delivery and the part's number, and is deleted with that
row (the database's ON DELETE CASCADE): whichever way a delivery is forgotten (delivered and
pruned, withdrawn with its session, or `forget me` deleting a person's private messages), its
parts go with it, and a part that arrives after its delivery was forgotten is not written
down. No message id is kept, nor a time: Teams' and Discord's ids are the times messages were
posted, and a part may be a safeguarding alert's, whose rows keep days, not times
(docs/anonymity.md). For the same reason rows are written in a transaction isolated in the
WAL, like the alert's own.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy import insert, literal
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.core.messages import OutgoingMessage
from bot.core.ports import DeliveryError
from storage.engine import Database, DatabaseUnavailable
from storage.models import OutboxItem, PostedPart

log = logging.getLogger("brewbot.parts")

Part = TypeVar("Part")
Posted = TypeVar("Posted")


def delivery_tag(once: str) -> str:
    """What names a delivery outside Brewbot (Slack's message metadata): a digest of its key,
    so none of the key's parts (a session's, a person's or a reflection's id) is repeated."""
    return hashlib.sha256(once.encode()).hexdigest()[:32]


class PostedParts:
    """The `posted_part` table: which parts of a delivery arrived."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def shown(self, once: str) -> frozenset[int]:
        """The numbers of the parts of delivery `once` that an earlier try showed."""
        query = (
            select(PostedPart.part)
            .join(OutboxItem, col(OutboxItem.id) == col(PostedPart.outbox_id))
            .where(OutboxItem.key == once)
        )
        try:
            async with self.db.read() as tx:
                return frozenset((await tx.exec(query)).all())
        except DatabaseUnavailable:
            # Posting without knowing would show again what arrived: the outbox tries later.
            raise DeliveryError(
                "failed", cause="the parts already shown could not be read"
            ) from None

    async def note(self, once: str, part: int) -> None:
        """Part `part` of delivery `once` arrived. Written down only while the delivery is in
        the outbox (one forgotten meanwhile keeps nothing of it), and not when the database
        cannot be reached: the part is then shown again if the delivery is tried again."""
        delivery = select(col(OutboxItem.id), literal(part)).where(OutboxItem.key == once)
        added = insert(PostedPart).from_select(["outbox_id", "part"], delivery)
        try:
            async with self.db.transaction(isolated=True) as tx:
                await tx.exec(added)
        except IntegrityError:
            # Another process's try of the same delivery wrote it down at the same moment
            # (it claimed the delivery when this one's lease ran out): it is written.
            pass
        except DatabaseUnavailable:
            log.warning("a part that arrived was not written down; a retry may show it again")


async def post_each(
    parts: Sequence[Part],
    message: OutgoingMessage,
    post: Callable[[int, Part], Awaitable[Posted]],
    posted: PostedParts | None,
) -> list[Posted | None]:
    """Post `parts` (the rendering of `message`) in order with `post(number, part)`, and
    what each post answered, None for a part an earlier try of the same delivery showed
    (skipped). Parts are written down only for a delivery (`once`) of several parts: a
    single part that failed has nothing to skip."""
    kept = posted if posted is not None and message.once and len(parts) > 1 else None
    shown = await kept.shown(message.once) if kept is not None and message.again else frozenset()
    answers: list[Posted | None] = []
    for number, part in enumerate(parts):
        if number in shown:
            answers.append(None)
            continue
        answers.append(await post(number, part))
        if kept is not None:
            await kept.note(message.once, number)
    return answers

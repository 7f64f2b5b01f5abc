"""Reflections arriving all at once, through the same Dispatcher every platform uses.

Latency is measured open-loop: every submission has an arrival time, drawn evenly at random
within the burst, and its latency runs from that arrival to the moment its answer is given.
Time spent queueing behind earlier commands therefore counts, as it would for a person
pressing "Send" (measuring from when a command happened to start would hide it).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bench.seed import CATEGORIES, Room, reflection_text
from bot.core.commands import CommandError, CommandTable, ComponentRoute
from bot.core.messages import OutgoingMessage, Reply, Response, custom_id
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.engine.context import CommandContext
from bot.engine.dispatch import MAX_BATCH, Dispatcher
from bot.platforms.memory import MemoryResponder
from storage.models import Reflection, table_of


@dataclass(frozen=True)
class Submission:
    """One person sending one reflection form."""

    user: UserRef
    where: ConversationRef
    custom_id: str
    values: dict[str, str]


def submissions(
    rooms: Sequence[Room], session_ids: Sequence[int], rng: random.Random, first: int = 0
) -> list[Submission]:
    """Everyone in every room submits one reflection to their room's session."""
    out: list[Submission] = []
    n = first
    for room, session_id in zip(rooms, session_ids, strict=True):
        community = CommunityRef(Platform.SHELL, room.external_id, "")
        where = ConversationRef(community, "brew-room")
        for user_id in room.users:
            out.append(
                Submission(
                    UserRef(community, user_id, ""),
                    where,
                    custom_id("reflection", "submit", str(session_id)),
                    {
                        "category": rng.choice(CATEGORIES),
                        "text": reflection_text(rng, n),
                        "quote": "yes" if rng.random() < 0.7 else "",
                    },
                )
            )
            n += 1
    return out


def floor_dispatcher(real: Dispatcher) -> Dispatcher:
    """The same Dispatcher class, database and community lookups, with a handler that does
    nothing: what every command costs before its own work starts."""

    async def nothing(_ctx: CommandContext) -> Reply:
        return Reply(OutgoingMessage("ok"))

    async def nothing_for_each(contexts: Sequence[CommandContext]) -> list[Response | CommandError]:
        return [Reply(OutgoingMessage("ok")) for _ in contexts]

    # Batched like the real route, so the floor is what the real burst costs without its work.
    table: CommandTable[CommandContext] = CommandTable()
    table.add_component(
        ComponentRoute("reflection", "submit", nothing, anonymous=True, batch=nothing_for_each)
    )
    return Dispatcher(real.db, table, real.texts, real.clock, real.community_defaults)


@dataclass(frozen=True)
class BurstResult:
    latencies_ms: list[float]
    answers: list[str]


async def burst(
    dispatcher: Dispatcher, subs: Sequence[Submission], seconds: float, rng: random.Random
) -> BurstResult:
    """Every submission arrives at a random moment within `seconds`; all run concurrently."""
    arrivals = sorted(rng.uniform(0, seconds) for _ in subs)
    latencies: list[float] = [0.0] * len(subs)
    answers: list[str] = [""] * len(subs)
    start = time.perf_counter() + 0.05

    async def one(i: int, sub: Submission, at: float) -> None:
        # Load generation, not synchronisation: wait for this person's moment to press Send.
        await asyncio.sleep(max(0.0, start + at - time.perf_counter()))
        responder = MemoryResponder()
        await dispatcher.run_component(sub.custom_id, sub.values, sub.user, sub.where, responder)
        latencies[i] = (time.perf_counter() - (start + at)) * 1000
        answers[i] = responder.text

    await asyncio.gather(
        *(one(i, s, at) for i, (s, at) in enumerate(zip(subs, arrivals, strict=True)))
    )
    return BurstResult(latencies, answers)


async def flood(dispatcher: Dispatcher, subs: Sequence[Submission]) -> tuple[float, list[str]]:
    """Every submission at once (closed loop); returns wall seconds and the answers."""
    answers: list[str] = [""] * len(subs)

    async def one(i: int, sub: Submission) -> None:
        responder = MemoryResponder()
        await dispatcher.run_component(sub.custom_id, sub.values, sub.user, sub.where, responder)
        answers[i] = responder.text

    started = time.perf_counter()
    await asyncio.gather(*(one(i, s) for i, s in enumerate(subs)))
    return time.perf_counter() - started, answers


async def raw_inserts(
    engine: AsyncEngine,
    from_sessions: Sequence[int],
    to_sessions: Sequence[int],
) -> tuple[float, int]:
    """The rows the services stored for `from_sessions`, inserted again for `to_sessions`
    through SQLAlchemy Core, batched the way the services write them: the dispatcher's
    group commit puts up to MAX_BATCH waiting reflections in one transaction, so the raw
    baseline does too (one transaction per row would flatter the services). Returns
    (seconds, rows)."""
    remap = dict(zip(from_sessions, to_sessions, strict=True))
    ref_table = table_of(Reflection)
    async with engine.connect() as conn:
        reflections = [
            {**r._mapping, "id": r.id[::-1], "session_id": remap[r.session_id]}
            for r in await conn.execute(
                select(ref_table).where(ref_table.c.session_id.in_(list(from_sessions)))
            )
        ]
    ref_insert = insert(ref_table)
    started = time.perf_counter()
    for first in range(0, len(reflections), MAX_BATCH):
        async with engine.begin() as conn:
            await conn.execute(ref_insert, reflections[first : first + MAX_BATCH])
    return time.perf_counter() - started, len(reflections)

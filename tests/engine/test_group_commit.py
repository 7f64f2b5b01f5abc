"""Group commit (bot/engine/group_commit.py): a crowd arriving while a batch is written is
the next batch; each item gets its own result; one item's failure is its own; a database
out of reach fails the batch at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.engine.group_commit import GroupCommit
from storage.engine import DatabaseUnavailable


class Writer:
    """Writes batches as told: records each, and can hold the first until released."""

    def __init__(self, *, refuse: set[int] = frozenset(), down: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.first_started = asyncio.Event()
        self.release = asyncio.Event()
        self.refuse, self.down = refuse, down

    async def write(self, items: Sequence[int]) -> list[str]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.first_started.set()
            await self.release.wait()
        if self.down:
            raise DatabaseUnavailable("gone")
        if self.refuse & set(items):
            raise ValueError("a bad item spoils the batch")
        return [f"kept {item}" for item in items]


async def crowd_behind_the_first(
    group: GroupCommit[int, str], writer: Writer, crowd: range
) -> list[object]:
    """Item 0 alone, then `crowd` arriving while it is written; every outcome, in order."""
    first = asyncio.create_task(group.add(0))
    await writer.first_started.wait()
    waiting = [asyncio.create_task(group.add(n)) for n in crowd]
    await asyncio.sleep(0)  # every one of the crowd has queued (each ran to its wait)
    writer.release.set()
    return await asyncio.gather(first, *waiting, return_exceptions=True)


async def test_those_arriving_during_a_write_are_the_next_batch_each_with_its_own_result():
    writer = Writer()
    outcomes = await crowd_behind_the_first(
        GroupCommit(writer.write, most=200), writer, range(1, 51)
    )
    assert outcomes == [f"kept {n}" for n in range(51)]
    assert writer.batches == [[0], list(range(1, 51))]


async def test_a_batch_is_never_larger_than_most():
    writer = Writer()
    await crowd_behind_the_first(GroupCommit(writer.write, most=20), writer, range(1, 46))
    assert [len(batch) for batch in writer.batches] == [1, 20, 20, 5]


async def test_an_item_that_spoils_its_batch_fails_alone():
    writer = Writer(refuse={7})
    outcomes = await crowd_behind_the_first(
        GroupCommit(writer.write, most=200), writer, range(1, 11)
    )
    assert isinstance(outcomes[7], ValueError)
    assert [o for n, o in enumerate(outcomes) if n != 7] == [
        f"kept {n}" for n in range(11) if n != 7
    ]
    # The batch of ten, then each of them again on its own.
    assert writer.batches[1] == list(range(1, 11))
    assert writer.batches[2:] == [[n] for n in range(1, 11)]


async def test_a_database_out_of_reach_fails_the_batch_at_once_not_one_by_one():
    writer = Writer(down=True)
    outcomes = await crowd_behind_the_first(
        GroupCommit(writer.write, most=200), writer, range(1, 6)
    )
    assert all(isinstance(outcome, DatabaseUnavailable) for outcome in outcomes)
    assert writer.batches == [[0], [1, 2, 3, 4, 5]]


async def test_someone_who_stops_waiting_leaves_the_others_their_answers():
    writer = Writer()
    group: GroupCommit[int, str] = GroupCommit(writer.write, most=200)
    first = asyncio.create_task(group.add(0))
    await writer.first_started.wait()
    gone = asyncio.create_task(group.add(1))
    stays = asyncio.create_task(group.add(2))
    await asyncio.sleep(0)
    gone.cancel()
    writer.release.set()
    assert (await first, await stays) == ("kept 0", "kept 2")
    assert writer.batches == [[0], [1, 2]]  # the one who went was still written

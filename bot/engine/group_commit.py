"""Group commit for work that arrives in crowds outside the dispatcher (the web page's "I'm
coming"): while one batch is being written, the ones that arrive wait, and the next batch
takes them all, in one transaction. A crowd then costs one transaction, not one each, and
waits on the write lock once (the dispatcher gathers a burst of reflections the same way)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from bot.engine.known import retrieved
from storage.engine import DatabaseUnavailable

log = logging.getLogger("brewbot.group_commit")

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """`write` stores a batch in one transaction and gives each item its result, in order.
    If a batch fails as a whole, each of its items is written again on its own, so one
    item's failure is its own; an item that fails alone gets its exception. A database out
    of reach fails the whole batch at once."""

    def __init__(
        self, write: Callable[[Sequence[Item]], Awaitable[Sequence[Result]]], most: int
    ) -> None:
        self._write = write
        self._most = most
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def add(self, item: Item) -> Result:
        """`item`'s result, once its batch is written."""
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        done.add_done_callback(retrieved)
        self._waiting.append((item, done))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_all())
        # Shielded: someone who stops waiting (a closed browser) leaves the batch whole.
        return await asyncio.shield(done)

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self._most], self._waiting[self._most :]
                await self._settle(batch)
        finally:
            self._writer = None

    async def _settle(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            results = await self._write([item for item, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"{len(results)} results for {len(batch)} items")
        except DatabaseUnavailable as exc:
            # Not the items' fault, and trying each alone would wait that long for each.
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        except Exception as exc:
            if len(batch) == 1:
                if not batch[0][1].done():
                    batch[0][1].set_exception(exc)
                return
            log.warning("batch failed, writing one by one size=%d", len(batch))
            for one in batch:
                await self._settle([one])
            return
        for (_, done), result in zip(batch, results, strict=True):
            if not done.done():
                done.set_result(result)

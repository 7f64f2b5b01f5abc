"""Work a front-end started after answering a request (Slack's ack, Teams' HTTP answer),
counted so a shutdown can let it finish."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any


class WorkTracker:
    """Counts the work listeners left running after their answer, so shutting down can let
    it finish. A failure is logged on `log` as "Failed to run listener function", the line
    the log filter (bot/logs.py) keeps the exception's text out of, on a logger it guards."""

    def __init__(self, log: logging.Logger) -> None:
        self.log = log
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        # Strong references: the event loop keeps only weak ones to its tasks.
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the answer, counted until it ends (on Slack, in place of Bolt's
        lazy listeners, which deep-copy every request and parse its body again first)."""
        self._running += 1
        self._idle.clear()
        task = asyncio.ensure_future(self._run(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            self.log.exception("Failed to run listener function")
        finally:
            self._finished()

    @contextlib.asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        self._running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._finished()

    def _finished(self) -> None:
        self._running -= 1
        if self._running == 0:
            self._idle.set()

    @property
    def running(self) -> int:
        return self._running

    async def wait_idle(self) -> None:
        await self._idle.wait()

"""One lookup at a time per key, shared by everyone who asks meanwhile: Slack's directory
(people and user groups, from the Web API) and Teams' facilitators (from Microsoft Graph)
each look up what many presses at once would otherwise each ask for."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable


class SingleFlight:
    """At most one running lookup per key; everyone who asks meanwhile shares it. A lookup
    that fails unexpectedly is logged on `log` as "`what` lookup failed", by its type only."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self.log = log
        self.what = what
        self._running: dict[Hashable, asyncio.Task[None]] = {}

    def start(self, key: Hashable, lookup: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(lookup())
            self._running[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return task

    def _finished(self, key: Hashable, task: asyncio.Task[None]) -> None:
        self._running.pop(key, None)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            self.log.warning("%s lookup failed error=%s", self.what, type(error).__name__)

    async def close(self) -> None:
        """Stop the lookups still running (at shutdown)."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task

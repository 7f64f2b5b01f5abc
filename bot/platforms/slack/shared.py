"""What the Slack listeners share: the composed app, the adapter, the user directory, the
event log for de-duplication and a tracker of work still running after an ack."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

from bot.app import App
from bot.core.commands import CommandError, parse_text
from bot.core.messages import parse_custom_id
from bot.engine.texts import Texts
from bot.platforms.slack.adapter import SlackAdapter
from bot.platforms.slack.clients import SlackClients
from bot.platforms.slack.dedupe import EventLog
from bot.platforms.slack.directory import SlackDirectory

# Bolt's logger for listeners: a failure's line is worded as Bolt words a listener's, so the
# log filter (bot/logs.py) keeps the exception's text out as it does for Bolt's own.
listener_log = logging.getLogger("brewbot.slack.bolt")


class WorkTracker:
    """Counts the work listeners left running after their ack, so shutting down can let it
    finish."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        # Strong references: the event loop keeps only weak ones to its tasks.
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the ack, counted until it ends. In place of Bolt's lazy
        listeners, which deep-copy every request (and parse its body again) first."""
        self._running += 1
        self._idle.clear()
        task = asyncio.ensure_future(self._run(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            listener_log.exception("Failed to run listener function")
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


@dataclass
class SlackServices:
    brew: App
    adapter: SlackAdapter
    clients: SlackClients
    directory: SlackDirectory
    events: EventLog
    installation_store: AsyncInstallationStore | None = None
    work: WorkTracker = field(default_factory=WorkTracker)

    @property
    def texts(self) -> Texts:
        return self.adapter.texts

    def may_open_form(self, *, component: str = "", text: str = "") -> bool:
        """Whether a click (`component`: its action id) or a /brew command (`text`) may
        answer with a form: then nothing on its way may wait for Slack (the trigger_id that
        opens the form expires after 3 seconds)."""
        table = self.brew.table
        if component:
            parsed = parse_custom_id(component)
            route = table.components.get(parsed[:2]) if parsed else None
            return route is None or route.may_open_form
        try:
            command, _ = parse_text(text, table)
        except CommandError:
            return False
        return command.may_open_form

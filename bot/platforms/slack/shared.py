"""What the Slack listeners share: the composed app, the adapter, the user directory, the
event log for de-duplication and a tracker of work still running after an ack."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

from bot.app import App
from bot.core.commands import CommandError, parse_text
from bot.core.messages import parse_custom_id
from bot.engine.texts import Texts
from bot.platforms.slack.adapter import SlackAdapter
from bot.platforms.slack.clients import SlackClients
from bot.platforms.slack.dedupe import EventLog
from bot.platforms.slack.directory import SlackDirectory


class WorkTracker:
    """Counts lazy-listener work in flight, so shutting down can let it finish."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        self._running += 1
        self._idle.clear()
        try:
            yield
        finally:
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

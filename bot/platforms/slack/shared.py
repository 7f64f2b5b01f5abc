"""What the Slack listeners share: the composed app, the adapter, the user directory, the
event log for de-duplication and a tracker of work still running after an ack."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

from bot.app import App
from bot.core.commands import CommandError, parse_text
from bot.engine.texts import Texts
from bot.platforms.event_log import EventLog
from bot.platforms.slack.adapter import SlackAdapter
from bot.platforms.slack.clients import SlackClients
from bot.platforms.slack.directory import SlackDirectory
from bot.platforms.work import WorkTracker

# Bolt's logger for listeners: a failure's line is worded as Bolt words a listener's, so the
# log filter (bot/logs.py) keeps the exception's text out as it does for Bolt's own.
listener_log = logging.getLogger("brewbot.slack.bolt")


@dataclass
class SlackServices:
    brew: App
    adapter: SlackAdapter
    clients: SlackClients
    directory: SlackDirectory
    events: EventLog
    installation_store: AsyncInstallationStore | None = None
    work: WorkTracker = field(default_factory=lambda: WorkTracker(listener_log))

    @property
    def texts(self) -> Texts:
        return self.adapter.texts

    def may_open_form(self, *, component: str = "", text: str = "") -> bool:
        """Whether a click (`component`: its action id) or a /brew command (`text`) may
        answer with a form: then nothing on its way may wait for Slack (the trigger_id that
        opens the form expires after 3 seconds)."""
        table = self.brew.table
        if component:
            return table.may_open_form(component)
        try:
            command, _ = parse_text(text, table)
        except CommandError:
            return False
        return command.may_open_form

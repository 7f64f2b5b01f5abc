"""The Slack app manifest asks for what the code uses, and nothing the code does not."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.platforms.slack import listeners
from bot.platforms.slack.listeners.commands import COMMAND
from bot.platforms.slack.oauth import BOT_SCOPES

SLACK = Path(listeners.__file__).resolve().parents[1]


def test_manifest_matches_the_code():
    manifest = yaml.safe_load((SLACK / "manifest.yml").read_text())
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND and command["should_escape"] is True
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    # Every event a listener is registered for is subscribed to, and no other.
    source = (SLACK / "listeners" / "events.py").read_text()
    registered = set(re.findall(r'app\.event\("([a-z_]+)"\)', source))
    assert registered and sorted(settings["event_subscriptions"]["bot_events"]) == sorted(
        registered
    )
    # The Home tab the app_home_opened listener publishes is switched on.
    assert "app_home_opened" in registered
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True

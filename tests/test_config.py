"""Settings: one typed object; every setting documented in .env.example; one-line errors."""

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented_with_its_default():
    example = (ROOT / ".env.example").read_text()
    documented = dict(re.findall(r"^([A-Z_]+)=(.*)$", example, re.M))
    aliases = {f.alias for f in Settings.model_fields.values()}
    assert set(documented) == aliases
    defaults = Settings(_env_file=None)
    for name, field in Settings.model_fields.items():
        value = getattr(defaults, name)
        shown = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        assert documented[field.alias] == shown, field.alias


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BREWBOT_TIMEZONE": "Mars/Olympus"}, "BREWBOT_TIMEZONE"),
        ({"BREWBOT_GROUP_SIZE": "two"}, "BREWBOT_GROUP_SIZE"),
        ({"BREWBOT_REMINDER_MINUTES": "soon"}, "BREWBOT_REMINDER_MINUTES"),
        ({"BREWBOT_MIN_COUNT": "2"}, "BREWBOT_MIN_COUNT"),
        ({"SLACK_MODE": "carrier-pigeon"}, "SLACK_MODE"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_MODE": "http"}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_bad_settings_stop_with_one_line_naming_the_variable(monkeypatch, env, variable):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert variable in message and "\n" not in message


def test_platform_follows_the_tokens(monkeypatch):
    assert Settings(_env_file=None).platform == "shell"
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    assert Settings(_env_file=None).platform == "discord"


def test_reminders_accept_a_simple_list(monkeypatch):
    monkeypatch.setenv("BREWBOT_REMINDER_MINUTES", "15, 1440,60")
    assert Settings(_env_file=None).reminder_minutes == [1440, 60, 15]

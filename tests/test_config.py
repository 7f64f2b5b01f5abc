"""Settings: one typed object; every setting documented in .env.example; one-line errors."""

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
DATABASE_REFUSED = (
    "Setting DATABASE_URL is not right: it should be empty (SQLite in BREWBOT_DATA_DIR) or a "
    "PostgreSQL address such as postgresql://user:password@host:5432/brewbot. Change it in .env "
    "(or the environment), then start Brewbot again."
)
IN_MEMORY_REFUSED = (
    "Setting DATABASE_URL is not right: it should be a database that keeps what Brewbot "
    "stores: empty (SQLite in BREWBOT_DATA_DIR), a SQLite file such as sqlite:///data/brewbot.db, "
    "or a PostgreSQL address (a database in memory forgets everything when Brewbot stops). "
    "Change it in .env (or the environment), then start Brewbot again."
)


def test_every_setting_is_documented_with_its_default():
    example = (ROOT / ".env.example").read_text()
    # A setting the Docker image sets itself is shown commented out (`# NAME=default`).
    documented = dict(re.findall(r"^(?:# )?([A-Z_]+)=(.*)$", example, re.M))
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


@pytest.mark.parametrize(
    "given",
    [
        "postgres://brew:s%40cret@db.example.org:5432/brew?sslmode=require",
        "postgresql://brew:s%40cret@db.example.org:5432/brew?sslmode=require",
        "postgresql+psycopg2://brew:s%40cret@db.example.org:5432/brew?sslmode=require",
    ],
)
def test_a_postgresql_address_in_any_spelling_uses_psycopg(given):
    url = Settings(_env_file=None, DATABASE_URL=given).database_url
    assert url == "postgresql+psycopg://brew:s%40cret@db.example.org:5432/brew?sslmode=require"


def test_the_engine_reads_postgres_addresses_too():
    from storage.engine import async_url

    assert async_url("postgres://brew@db/brew") == "postgresql+psycopg://brew@db/brew"


@pytest.mark.parametrize(
    ("env", "variable", "words"),
    [
        ({"DATABASE_URL": "mysql://brew@db/brew"}, "DATABASE_URL", "postgresql://"),
        ({"DATABASE_URL": "postgresql://[::1"}, "DATABASE_URL", "postgresql://user:password@"),
        ({"DATABASE_URL": "postgresql://db:port/brew"}, "DATABASE_URL", "postgresql://user:"),
        ({"SLACK_BOT_TOKEN": "xapp-1-swapped"}, "SLACK_BOT_TOKEN", "xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN", "xapp-"),
        ({"DISCORD_TOKEN": "Bot abc"}, "DISCORD_TOKEN", "no 'Bot' in front"),
        ({"BREWBOT_DB_WAIT_SECONDS": "0"}, "BREWBOT_DB_WAIT_SECONDS", "more than 0 and at most 60"),
        ({"SMTP_STARTTLS": "perhaps"}, "SMTP_STARTTLS", "True or False"),
    ],
)
def test_each_line_says_what_the_setting_should_be(monkeypatch, env, variable, words):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert variable in message and words in message and "\n" not in message
    assert "Input should be" not in message


URL_PARTS = st.sampled_from(["postgresql://", "postgres://", "sqlite:///", "mysql://", "", "["])


@settings(max_examples=500, deadline=None)
@given(URL_PARTS, st.text(alphabet="[]:@/?=&%.#\\ abc019", max_size=24))
def test_any_database_address_refused_gets_the_one_sentence_on_what_it_looks_like(start, rest):
    """Whatever is wrong with DATABASE_URL, the line is the same: what an address looks like,
    never the words of the library that could not read it."""
    try:
        load_settings(_env_file=None, DATABASE_URL=start + rest)
    except ConfigError as refused:
        assert str(refused) in (DATABASE_REFUSED, IN_MEMORY_REFUSED)


@pytest.mark.parametrize(
    "given",
    [
        "sqlite://",
        "sqlite:///",
        "sqlite:///:memory:",
        "sqlite+aiosqlite:///:memory:",
        "sqlite:///file::memory:?uri=true",
        "sqlite:///file:brew?mode=memory&uri=true",
    ],
)
def test_a_database_in_memory_is_refused_for_running(given):
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None, DATABASE_URL=given)
    assert str(refused.value) == IN_MEMORY_REFUSED
    # A command table made without a database (brewbot teams-app) still may use one.
    assert Settings(_env_file=None, DATABASE_URL=given).database_url == given

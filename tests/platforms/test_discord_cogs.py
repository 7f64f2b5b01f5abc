"""The cogs as discord.py itself sees them: each reports its feature's `/brew` subcommands and
its listeners, every table command is reported by exactly one cog, and unloading a cog takes
its subcommands, listeners and suggestions away."""

from __future__ import annotations

import logging

import pytest
from discord.ext import commands

from bot.app import build_app
from bot.loopback.discord_server import AUTOCOMPLETE_RESULT
from bot.platforms.discord.client import cog_modules, make_bot
from bot.platforms.discord.cog import BrewCog
from bot.platforms.discord.commands import SPELLING, walk_commands
from bot.platforms.memory import MemoryAdapter
from tests.conftest import make_settings
from tests.fakes.discord_harness import running_discord
from tests.platforms.test_discord_events import Heard

# What each cog listens to, besides its commands.
LISTENERS = {
    "Sessions": {"on_brew_session_changed", "on_guild_remove"},
    "Help": {"on_guild_join"},
    "Sparks": set(),
    "Reflections": set(),
    "Digest": set(),
    "People": set(),
    "Delivery": set(),
}


@pytest.fixture
async def table_app(tmp_path):
    app = await build_app(make_settings(f"sqlite:///{tmp_path / 'b.db'}"), MemoryAdapter())
    yield app
    await app.close()


async def _bot(table_app, tmp_path, modules):
    built = make_bot(make_settings(f"sqlite:///{tmp_path / 'b.db'}"))
    built.attach(table_app)
    built.tree.add_command(built.brew.group)
    for name in modules:
        await built.load_extension(name)
    return built


@pytest.fixture
async def bot(table_app, tmp_path):
    """A bot with every cog loaded, as setup_hook loads them (not connected to anything)."""
    built = await _bot(table_app, tmp_path, cog_modules())
    yield built
    await built.close()


def _discord_paths(table_app, feature: str) -> set[str]:
    """Where a feature's table commands sit on Discord: {"brew claim on", ...}."""
    return {
        spelled.removeprefix("/")
        for command in table_app.table.features[feature].commands
        for spelled in SPELLING.commands(command.name)
    }


def _reported(cog: commands.Cog) -> set[str]:
    return {c.qualified_name for c in cog.walk_app_commands()}


async def test_one_cog_per_feature_with_discord_parts(bot, table_app):
    features = {cog.feature for cog in bot.cogs.values() if isinstance(cog, BrewCog)}
    assert len(features) == len(bot.cogs)
    assert features == set(table_app.table.features)
    assert set(bot.cogs) == set(LISTENERS)


async def test_each_cog_reports_its_features_subcommands(bot, table_app):
    for cog in bot.cogs.values():
        assert isinstance(cog, BrewCog)
        reported = _reported(cog)
        assert reported, f"{cog.qualified_name} reports no commands"
        assert reported == _discord_paths(table_app, cog.feature)
        for command in cog.walk_app_commands():
            # Bound to the cog, as discord.py binds a command written in a cog: its errors
            # go to the cog's cog_app_command_error.
            assert command.binding is cog
            assert command.root_parent is bot.brew.group
            assert table_app.table.feature_of(_table_command(table_app, command)) == cog.feature
        assert cog.has_app_command_error_handler(), cog.qualified_name
        # They are subcommands of /brew, not top-level commands of their own.
        assert cog.get_app_commands() == []


def _table_command(table_app, app_command):
    for command in table_app.table:
        if f"/{app_command.qualified_name}" in SPELLING.commands(command.name):
            return command
    raise AssertionError(f"/{app_command.qualified_name} is no table command")


async def test_each_cog_reports_its_listeners(bot):
    for name, cog in bot.cogs.items():
        assert {event for event, _ in cog.get_listeners()} == LISTENERS[name], name
    # What the bot listens to: the cogs' listeners, registered with discord.py.
    assert bot.extra_events["on_guild_remove"] == [bot.cogs["Sessions"].on_guild_remove]
    assert bot.extra_events["on_guild_join"] == [bot.cogs["Help"].on_guild_join]


async def test_every_table_command_is_reported_by_exactly_one_cog(bot, table_app):
    reported = [path for cog in bot.cogs.values() for path in _reported(cog)]
    assert len(reported) == len(set(reported)), sorted(p for p in reported if reported.count(p) > 1)
    offered = {c.qualified_name for c in walk_commands(bot.brew.group)}
    assert set(reported) == offered
    every = {p for f in table_app.table.features for p in _discord_paths(table_app, f)}
    assert offered == every
    # The one top-level command, which no cog owns.
    assert [c.name for c in bot.tree.get_commands()] == ["brew"]


async def test_every_kind_of_suggestion_comes_from_a_cog(bot, table_app):
    kinds = {o.autocomplete for c in table_app.table for o in c.options if o.autocomplete}
    assert kinds == set(bot.brew.suggest) == {"session", "spark", "command"}
    assert bot.brew.suggest["session"] == bot.cogs["Sessions"].session_suggestions
    assert bot.brew.suggest["spark"] == bot.cogs["Sparks"].spark_suggestions
    assert bot.brew.suggest["command"] == bot.cogs["Help"].command_suggestions


@pytest.mark.parametrize("module", sorted(cog_modules()))
async def test_unloading_a_cog_removes_its_subcommands_and_reloading_restores_them(bot, module):
    before = bot.brew.group.to_dict(bot.tree)
    cog = next(c for c in bot.cogs.values() if c.__module__ == module)
    mine = _reported(cog)
    await bot.unload_extension(module)
    assert cog.qualified_name not in bot.cogs
    left = {c.qualified_name for c in walk_commands(bot.brew.group)}
    assert left and not (left & mine)
    for event in LISTENERS[cog.qualified_name]:
        assert not bot.extra_events.get(event)
    for kind, method in type(cog).__brew_suggesters__.items():
        assert kind not in bot.brew.suggest, method
    assert [c.name for c in bot.tree.get_commands()] == ["brew"], "/brew itself stays"
    await bot.load_extension(module)
    # Back where they were: Discord is sent the same /brew as before.
    assert bot.brew.group.to_dict(bot.tree) == before


async def test_the_tree_is_the_same_whichever_order_the_cogs_load_in(bot, table_app, tmp_path):
    backwards = await _bot(table_app, tmp_path, sorted(cog_modules(), reverse=True))
    try:
        assert backwards.brew.group.to_dict(backwards.tree) == bot.brew.group.to_dict(bot.tree)
    finally:
        await backwards.close()


async def test_a_command_discord_has_an_older_version_of_gets_one_sentence(tmp_path):
    heard = Heard("slash command not run command=brew schedule error=CommandSignatureMismatch")
    logger = logging.getLogger("brewbot.discord")
    logger.addHandler(heard)
    try:
        async with running_discord(tmp_path) as (fake, run):
            fran = fake.add_person("Fran", facilitator=True)
            # Discord still has a /brew schedule whose `when` could be left out.
            [brew] = fake.commands[str(fake.guild_id)]
            schedule = next(o for o in brew["options"] if o["name"] == "schedule")
            next(o for o in schedule["options"] if o["name"] == "when")["required"] = False
            answer = await (await fake.slash(fran, "schedule", theme="Being heard")).answered()
            assert answer.text() == run.app.deps.texts.t("discord.command_changed")
            assert "/brew help" in answer.text()
            assert answer.messages[0]["flags"] & 64, "privately"
            assert heard.seen.is_set()
    finally:
        logger.removeHandler(heard)
    fake.assert_clean()


async def test_a_command_the_bot_no_longer_has_gets_one_sentence_and_no_traceback(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    async with running_discord(tmp_path) as (fake, run):
        sam = fake.add_person("Sam")
        # Sam's Discord still has /brew rsvp (a subcommand this bot does not have, as after a
        # rename), as a person's Discord keeps the list it was last sent.
        [brew] = fake.commands[str(fake.guild_id)]
        session = {"name": "session", "description": "Session", "type": 3, "autocomplete": True}
        rsvp = {"name": "rsvp", "description": "Say you are coming", "type": 1}
        brew["options"].append({**rsvp, "options": [session]})
        answer = await (await fake.slash(sam, "rsvp", session="12")).answered()
        assert answer.text() == run.app.deps.texts.t("discord.command_changed")
        assert answer.messages[0]["flags"] & 64, "privately"
        # Suggestions while typing it: none, at once, rather than no answer.
        typing = await (await fake.autocomplete(sam, "rsvp", "session", "1")).answered()
        assert typing.callback_types == [AUTOCOMPLETE_RESULT] and typing.choices == []
    assert [r.getMessage() for r in caplog.records if r.name == "brewbot.discord"] == [
        "slash command not found command=brew rsvp error=CommandNotFound"
    ] * 2
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    fake.assert_clean()

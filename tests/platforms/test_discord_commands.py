"""The /brew command tree on Discord: built from the shared command table by the cogs.

Includes the meta-test: no two commands share a name anywhere under /brew."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
import pytest

from bot.core.commands import Audience, CommandName, bind_words
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.core.spelling import TYPED
from bot.engine.texts import Texts, command_names
from bot.loopback.discord_server import (
    COMMAND_CHARACTERS_MAX,
    command_characters,
    command_problems,
)
from bot.platforms.discord import permissions as perms
from bot.platforms.discord.client import cog_modules, make_bot
from bot.platforms.discord.commands import SPELLING, BrewGroup, walk_commands
from bot.platforms.memory import MemoryResponder
from cogs.sessions import session_suggestions
from cogs.sparks import spark_suggestions
from tests.conftest import COMMUNITY, app_for, make_settings, migrated_sqlite

ROOT = Path(__file__).resolve().parents[2]
GUILD = CommunityRef(Platform.DISCORD, "4242", "Test server")


@pytest.fixture
async def table_app(tmp_path):
    app = await app_for(make_settings(migrated_sqlite(tmp_path / "b.db")))
    yield app
    await app.close()


@pytest.fixture
async def bot(table_app, tmp_path):
    """A bot with every cog loaded (not connected to anything)."""
    built = make_bot(make_settings(f"sqlite:///{tmp_path / 'b.db'}"))
    built.attach(table_app)
    built.tree.add_command(built.brew.group)
    for name in cog_modules():
        await built.load_extension(name)
    yield built
    await built.close()


def test_cogs_are_found_by_walking_the_package_skipping_underscores():
    modules = set(cog_modules())
    expected = {"sessions", "sparks", "reflections", "digest", "people", "delivery", "help"}
    assert modules == {f"cogs.{m}" for m in expected}
    on_disk = {p.stem for p in (ROOT / "cogs").glob("*.py") if not p.stem.startswith("_")}
    assert on_disk == expected


async def test_no_two_commands_share_a_name(bot):
    names = [c.qualified_name for c in walk_commands(bot.brew.group)]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert all(n.startswith("brew ") for n in names)
    # One top-level command for everything.
    assert [c.name for c in bot.tree.get_commands()] == ["brew"]


async def test_every_table_command_is_offered_by_exactly_one_cog(bot, table_app):
    assert sorted(bot.brew.owners) == sorted(table_app.table.commands)
    with pytest.raises(ValueError, match="offered by both"):
        bot.brew.add(["schedule"], "AnotherCog")


async def test_the_tree_is_one_discord_accepts(bot):
    payload = bot.brew.group.to_dict(bot.tree)
    assert command_problems(payload, depth=0) == []
    # Discord counts every name, description and choice of /brew together (8000 at most);
    # /brew holds every command, so this is the limit a new command or option meets first.
    assert command_characters(payload) <= COMMAND_CHARACTERS_MAX
    assert payload["contexts"] is None or payload["contexts"] == [0]
    assert payload["dm_permission"] is False, "/brew is for servers"


def _named_commands() -> dict[str, set[str]]:
    """Every command a prompt names as {/NAME}, with the keys of the prompts that name it."""
    texts = Texts.load()
    named: dict[str, set[str]] = {}
    for key, text in [*texts.strings.items(), *texts.templates.items()]:
        for phrase in command_names(text):
            named.setdefault(phrase, set()).add(key)
    return named


def _discord_paths(bot) -> set[str]:
    return {c.qualified_name for c in walk_commands(bot.brew.group)}


async def test_every_command_a_prompt_names_exists_on_every_platform(bot, table_app):
    named = _named_commands()
    assert len(named) > 20
    paths = _discord_paths(bot)
    for phrase, keys in named.items():
        # Slack and the terminal chat: the words parse as that command, nothing left over.
        typed = TYPED.command(phrase)
        found = table_app.table.find(typed.split()[1:])
        assert found is not None, f"{typed} ({sorted(keys)}) is not a command"
        command, rest = found
        for option, value in bind_words(command, rest).items():  # "claim off"
            choices = next(o.choices for o in command.options if o.name == option)
            assert value in choices, f"{typed} ({sorted(keys)}): {value} is not a {option}"
        # Discord: the spelling is a command in the synced tree.
        spelled = SPELLING.command(phrase)
        assert spelled.removeprefix("/") in paths, f"{spelled} ({sorted(keys)}) is not on Discord"


async def test_prompts_name_commands_only_through_the_spelling(table_app):
    # "/brew calendar" typed into a prompt would be wrong on Discord: {/calendar} is not.
    texts = Texts.load()
    first_words = {c.words[0] for c in table_app.table}
    for key, text in [*texts.strings.items(), *texts.templates.items()]:
        for word in re.findall(r"/brew ([a-z_]+)", text):
            assert word not in first_words, f"{key} types /brew {word}: use {{/{word}}}"


async def test_discord_texts_and_help_speak_discords_spelling(bot, table_app):
    texts = table_app.deps.texts.spoken_as(SPELLING)
    assert "/brew my name" in texts.t(
        "errors.missing_option", option="name", command=CommandName("call me")
    )
    assert "/brew sparks list" in texts.t("running.unknown_spark", spark_id="x")
    assert "/brew claim off" in texts.template("benefits_note")
    paths = _discord_paths(bot)
    table_app.deps.texts = texts
    fran = UserRef(GUILD, "1", "Fran", frozenset({"Facilitator"}))
    helped = MemoryResponder()
    await table_app.dispatcher.run_text("/brew help", fran, ConversationRef(GUILD, "9"), helped)
    listed = re.findall(r"^(/brew [a-z ]+):", helped.text, flags=re.MULTILINE)
    assert len(listed) == len(paths)
    assert {line.removeprefix("/") for line in listed} == paths
    for name in ("calendar", "sparks", "call me", "preferences", "claim", "claims export"):
        assert f"/brew {name}:" not in helped.text, name
    for path in paths:
        usage = MemoryResponder()
        asked = path.removeprefix("brew ")
        await table_app.dispatcher.run_text(
            f"/brew help {asked}", fran, ConversationRef(GUILD, "9"), usage
        )
        example = re.search(r"For example: (/brew .*)$", usage.text, flags=re.MULTILINE)
        assert example is not None, usage.text
        assert "=" not in example[1].split(":")[0], example[1]
        words = example[1].removeprefix("/brew ").split()
        assert " ".join(["brew", *words[: len(asked.split())]]) == path, example[1]


async def test_options_keep_their_table_names_types_and_choices(table_app):
    calls = []

    async def record(interaction, spec, raw):
        calls.append((interaction, spec.name, raw))

    brew = BrewGroup(table_app.table, table_app.deps.texts, record)
    brew.add(["describe", "claim", "breakouts"], "Test")
    describe = brew.group.get_command("describe")
    as_option = next(p for p in describe.parameters if p.display_name == "as")
    assert as_option.type is discord.AppCommandOptionType.string
    assert as_option.required is False
    await describe.callback("interaction", as_="carer", lived_only="yes")
    assert calls[-1] == ("interaction", "describe", {"as": "carer", "lived_only": "yes"})
    claim_off = brew.group.get_command("claim").get_command("off")
    assert claim_off.parameters == []
    await claim_off.callback("interaction")
    assert calls[-1][1:] == ("claim", {"choice": "off"})
    size = next(p for p in brew.group.get_command("breakouts").parameters if p.name == "size")
    assert size.type is discord.AppCommandOptionType.integer


async def test_facilitator_commands_are_refused_by_the_dispatcher_not_hidden(table_app):
    # Subcommands cannot have their own Discord permissions; the dispatcher checks the
    # community's facilitator role (/brew settings facilitator_role ...) for each one.
    facilitator_only = [c.name for c in table_app.table if c.audience is Audience.FACILITATOR]
    assert "schedule" in facilitator_only and "settings" in facilitator_only


async def test_session_and_spark_suggestions(table_app):
    fran = UserRef(GUILD, "1", "Fran", frozenset({"Facilitator"}))
    where = ConversationRef(GUILD, "99")
    responder = MemoryResponder()
    # A week from today: a fixed date here became the past once its day came.
    day = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    await table_app.dispatcher.run_text(
        f'/brew schedule {day} 14:00 theme="Being heard"', fran, where, responder
    )
    assert "planned" in responder.text
    [(label, value)] = await session_suggestions(table_app, GUILD, "")
    assert value == 1 and "Being heard" in label
    assert await session_suggestions(table_app, GUILD, "heard") == [(label, 1)]
    assert await session_suggestions(table_app, GUILD, "#1") == [(label, 1)]
    assert await session_suggestions(table_app, GUILD, "tuesday picnic") == []
    other = CommunityRef(Platform.DISCORD, "777")
    assert await session_suggestions(table_app, other, "") == []
    sparks = await spark_suggestions(table_app, GUILD, "assess")
    assert [v for _, v in sparks] == ["going-through-an-assessment"]


def test_intents_are_minimal_and_need_no_privileged_intent():
    intents = perms.intents()
    assert intents == discord.Intents(guilds=True)
    assert not (intents.members or intents.presences or intents.message_content)


def test_every_permission_the_bot_may_name_has_words():
    texts = Texts.load()
    needs = [getattr(perms, n) for n in dir(perms) if isinstance(getattr(perms, n), perms.Need)]
    flags = {f for need in needs for f in (need.main, *need.flags)}
    for flag in flags | set(perms.REQUIRED_FLAGS):
        assert hasattr(discord.Permissions, flag)
        assert perms.permission_name(texts, flag)


def test_the_readme_section_gives_the_exact_permissions_and_scopes():
    doc = (ROOT / "docs" / "discord.md").read_text(encoding="utf-8")
    value = perms.REQUIRED_PERMISSIONS.value
    assert f"`{value}`" in doc
    assert perms.invite_url(123).endswith(f"permissions={value}")
    assert "bot" in doc and "applications.commands" in doc
    assert "DISCORD_TOKEN" in doc and "make run" in doc
    for flag in perms.REQUIRED_FLAGS:
        assert perms.permission_name(Texts.load(), flag) in doc, flag


async def test_unloading_a_cog_takes_its_commands_away(bot):
    await bot.unload_extension("cogs.people")
    assert bot.brew.group.get_command("claim") is None, "an empty group goes too"
    assert bot.brew.group.get_command("present") is None
    assert "claim" not in bot.brew.owners
    await bot.load_extension("cogs.people")
    assert bot.brew.group.get_command("claim").get_command("export") is not None


async def test_a_long_title_is_shortened_in_suggestions_and_its_time_kept(table_app):
    """Discord shows at most 100 characters of a suggestion: a long title is shortened with
    an ellipsis, so the session's number, time and state still show (they were cut off)."""
    fran = UserRef(GUILD, "1", "Fran", frozenset({"Facilitator"}))
    where = ConversationRef(GUILD, "99")
    theme = "Building the right relationships with the people who support us at home " * 3
    for days in (7, 8):
        day = (datetime.now(UTC) + timedelta(days=days)).date().isoformat()
        await table_app.dispatcher.run_text(
            f'/brew schedule {day} 14:00 theme="{theme.strip()}"', fran, where, MemoryResponder()
        )
    found = await session_suggestions(table_app, GUILD, "")
    assert [value for _, value in found] == [1, 2]
    for label, _ in found:
        assert len(label) <= 100
        assert "…" in label and "2:00pm" in label, label
    # Words past what is shown still find the session.
    assert len(await session_suggestions(table_app, GUILD, "people who support us at home b")) == 2


async def test_a_long_spark_title_is_shortened_in_suggestions(app, chat, fac):
    title = "Making the most of the day centre on the days when nobody else comes in"
    opened = await chat.say(fac, "/brew sparks add")
    [form] = opened.forms
    added = await chat.press(
        fac,
        form.custom_id,
        {
            "title": title,
            "theme": "Day centres",
            "intro": "Let us talk about the day centre and what makes a good day there.",
            "questions": "What makes a good day?\nWhat would you change?",
            "reflection_prompt": "What one thing would make the day centre better?",
        },
    )
    assert "making-the-most" in added.text
    [(label, value)] = await spark_suggestions(app, COMMUNITY, "nobody else")
    assert value.startswith("making-the-most") and len(value) <= 100
    assert len(label) <= 100 and label.endswith("…"), label

"""The one `/brew` slash command, built from the same command table every platform offers.

Each table command becomes a subcommand with the same options (types, choices, lengths,
descriptions); the table's words become the path: `/brew schedule`, `/brew action add`.
Discord allows at most 25 entries in a group and no group that is also a command, so a few
commands are placed differently (PLACES). PLACES is Discord's spelling (SPELLING): help and
every text that names a command (`{/call me}`) use it, so Discord people read `/brew my name`
where Slack people read `/brew call me`.

Discord lists the entries in the order they are registered, so they are kept in the table's
order (the features' order, as `/brew help` lists them) whichever cog loads first.

Suggestions while typing (autocomplete) must reach Discord within 3 seconds, which cannot
be deferred: each is given AUTOCOMPLETE_SECONDS, then the last answer for the same words,
or none. The cog of the feature that knows the things suggested registers them by kind
(`suggests` in cog.py): sessions, sparks, command names.

The group belongs to the bot; each feature's cog adds that feature's commands to it when it
loads and takes them away when it unloads (cog.py).
"""

from __future__ import annotations

import asyncio
import inspect
import keyword
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, Optional

import discord
from discord import app_commands

from bot.core.commands import MAX_NUMBER, Command, CommandTable, Option, OptionKind
from bot.core.marked import unmark
from bot.core.refs import CommunityRef, Platform
from bot.core.spelling import Place, Spelling
from bot.engine.texts import Texts

NAME_MAX = 32
DESCRIPTION_MAX = 100
STRING_MAX = 6000
# Discord drops an autocomplete answer after 3 seconds; what is left is for the way there.
AUTOCOMPLETE_SECONDS = 2.0
REMEMBERED_SUGGESTIONS = 256

log = logging.getLogger("brewbot.discord")


# Only the exceptions; every other command sits at its own words.
PLACES: dict[str, tuple[Place, ...]] = {
    # "sparks" is also the group of "sparks show" and "sparks add".
    "sparks": (Place(("sparks", "list")),),
    # Personal things people rarely need, kept together to stay under 25 entries.
    "my data": (Place(("my", "data")),),
    "call me": (Place(("my", "name")),),
    "preferences": (Place(("my", "preferences")),),
    "calendar": (Place(("my", "calendar")),),
    "forget me": (Place(("my", "forget")),),
    "needs": (Place(("my", "needs")),),
    "notices": (Place(("my", "notices")),),
    # "/brew claim on", "/brew claim off" and "/brew claim export".
    "claim": (
        Place(("claim", "on"), (("choice", "on"),), "discord.command.claim_on"),
        Place(("claim", "off"), (("choice", "off"),), "discord.command.claim_off"),
    ),
    "claims export": (Place(("claim", "export")),),
    # A session's page and the community's pages: "/brew link session" and "/brew link group".
    "link": (Place(("link", "session")),),
    "link group": (Place(("link", "group")),),
}


SPELLING = Spelling(
    places=PLACES, option_form="{name}:{value}", typed=False, options_hint="help.options_boxes"
)


def places(name: str) -> tuple[Place, ...]:
    return SPELLING.places_of(name)


Runner = Callable[[discord.Interaction, Command, dict[str, Any]], Awaitable[None]]
Suggester = Callable[[CommunityRef, str], Awaitable[list[tuple[str, Any]]]]


class BrewGroup:
    """The `/brew` group and the table commands the cogs have added to it."""

    def __init__(self, table: CommandTable, texts: Texts, run: Runner) -> None:
        self.table = table
        self.texts = texts
        self.run = run
        # What each kind of suggestion comes from, registered by the cogs that know it.
        self.suggest: dict[str, Suggester] = {}
        self.group = app_commands.Group(
            name="brew", description=texts.t("discord.brew"), guild_only=True
        )
        # Table command name -> the cog that added it.
        self.owners: dict[str, str] = {}
        # The last suggestions for (server, kind, words typed): the answer when the database
        # is too slow to answer in time.
        self.remembered: OrderedDict[tuple[int, str, str], list[tuple[str, Any]]] = OrderedDict()

    def add(
        self, names: Iterable[str], owner: str, binding: Any = None
    ) -> list[app_commands.Command[Any, ..., None]]:
        """Add the table commands `names` for `owner`, bound to `binding` (the cog: discord.py
        then sends their errors to its `cog_app_command_error`); the subcommands made."""
        names = list(names)
        for name in names:
            if name in self.owners:
                raise ValueError(f"{name!r} is offered by both {self.owners[name]} and {owner}")
        made = []
        for name in names:
            spec = self.table.commands[name]
            for place in places(name):
                command = self._build(spec, place)
                command.binding = binding
                self._parent(place.path[:-1]).add_command(command)
                made.append(command)
            self.owners[name] = owner
        self._arrange(self.group)
        return made

    def remove(self, names: Iterable[str]) -> None:
        for name in names:
            if self.owners.pop(name, None) is None:
                continue
            for place in places(name):
                parent = self._parent(place.path[:-1])
                parent.remove_command(place.path[-1])
                if parent is not self.group and not parent.commands:
                    self.group.remove_command(parent.name)

    def paths(self) -> list[str]:
        """Every command offered, as people type it after `/brew` on Discord, sorted."""
        return sorted(" ".join(place.path) for name in self.owners for place in places(name))

    def _arrange(self, group: app_commands.Group) -> None:
        """Put `group`'s entries (and theirs) in the table's order."""
        table_order = {name: i for i, name in enumerate(self.table.commands)}
        first: dict[str, int] = {}
        for name in self.owners:
            for place in places(name):
                for end in range(1, len(place.path) + 1):
                    path = " ".join(place.path[:end])
                    first[path] = min(first.get(path, len(table_order)), table_order[name])

        def rank(
            entry: app_commands.Command[Any, ..., Any] | app_commands.Group,
        ) -> int:
            path = entry.qualified_name.removeprefix(f"{self.group.name} ")
            return first.get(path, len(table_order))

        entries = sorted(group.commands, key=rank)
        for entry in entries:
            group.remove_command(entry.name)
            group.add_command(entry)
            if isinstance(entry, app_commands.Group):
                self._arrange(entry)

    def _parent(self, path: tuple[str, ...]) -> app_commands.Group:
        group = self.group
        for word in path:
            found = group.get_command(word)
            if found is None:
                # A group made with a parent adds itself to it.
                found = app_commands.Group(
                    name=word, description=self.texts.t(f"discord.group.{word}"), parent=group
                )
            if not isinstance(found, app_commands.Group):
                raise ValueError(f"/brew {word} is a command and cannot hold others")
            group = found
        return group

    def _build(self, spec: Command, place: Place) -> app_commands.Command[Any, ..., None]:
        fixed = dict(place.fixed)
        options = [o for o in spec.options if o.name not in fixed]
        python_names = {o.name: _python_name(o.name) for o in options}
        by_python = {v: k for k, v in python_names.items()}
        run = self.run

        async def callback(*bound: Any, **values: Any) -> None:
            # discord.py passes the cog the command is bound to (if any), then the interaction;
            # it reads the options from the signature below.
            interaction: discord.Interaction = bound[-1]
            raw = {by_python[k]: v for k, v in values.items()}
            raw.update(fixed)
            await run(interaction, spec, raw)

        parameters = [
            inspect.Parameter(
                "interaction",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=discord.Interaction,
            )
        ]
        for option in options:
            parameters.append(
                inspect.Parameter(
                    python_names[option.name],
                    inspect.Parameter.KEYWORD_ONLY,
                    default=inspect.Parameter.empty if option.required else None,
                    annotation=_annotation(option),
                )
            )
        callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        described = {python_names[o.name]: _description(o.description) for o in options}
        renamed = {p: o for o, p in python_names.items() if p != o}
        choices = {
            python_names[o.name]: [app_commands.Choice(name=c, value=c) for c in o.choices]
            for o in options
            if o.choices
        }
        completers = {
            python_names[o.name]: self._completer(o.autocomplete) for o in options if o.autocomplete
        }
        decorated: Any = app_commands.describe(**described)(callback)
        if renamed:
            decorated = app_commands.rename(**renamed)(decorated)
        if choices:
            decorated = app_commands.choices(**choices)(decorated)
        if completers:
            decorated = app_commands.autocomplete(**completers)(decorated)
        description = (
            self.texts.t(place.description_key) if place.description_key else spec.description
        )
        return app_commands.Command(
            name=place.path[-1], description=_description(description), callback=decorated
        )

    def _completer(
        self, kind: str
    ) -> Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
        async def complete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            # Looked up now: the cog that suggests these may load after this command's, or
            # be unloaded (then there are no suggestions).
            suggest = self.suggest.get(kind)
            if interaction.guild_id is None or suggest is None:
                return []
            community = CommunityRef(Platform.DISCORD, str(interaction.guild_id))
            typed = str(current or "")
            key = (interaction.guild_id, kind, typed)
            try:
                async with asyncio.timeout(AUTOCOMPLETE_SECONDS):
                    found = await suggest(community, typed)
            except TimeoutError:
                log.warning("suggestions too slow kind=%s", kind)
                found = self.remembered.get(key, [])
            else:
                self.remembered[key] = found
                self.remembered.move_to_end(key)
                while len(self.remembered) > REMEMBERED_SUGGESTIONS:
                    self.remembered.popitem(last=False)
            # A suggestion's name is plain text: without marks (bot/core/marked.py).
            return [app_commands.Choice(name=unmark(label), value=value) for label, value in found]

        return complete


def _python_name(name: str) -> str:
    # Options such as "as", "from" and "self" are fine on Discord but not as Python names.
    if name.isidentifier() and not keyword.iskeyword(name) and name != "interaction":
        return name
    return f"{name}_"


def _annotation(option: Option) -> Any:
    if option.kind is OptionKind.INTEGER:
        # The same bounds as typed numbers (bot/core/commands.py): Discord refuses others.
        kind: Any = app_commands.Range[int, 0, MAX_NUMBER]
    else:
        kind = app_commands.Range[str, 1, min(option.max_length, STRING_MAX)]
    return kind if option.required else Optional[kind]  # noqa: UP045 (discord.py reads it)


def _description(text: str) -> str:
    if len(text) > DESCRIPTION_MAX:
        raise ValueError(f"Discord descriptions are at most {DESCRIPTION_MAX} characters: {text!r}")
    return text


def walk_commands(group: app_commands.Group) -> Iterable[app_commands.Command[Any, ..., Any]]:
    for child in group.commands:
        if isinstance(child, app_commands.Group):
            yield from walk_commands(child)
        else:
            yield child

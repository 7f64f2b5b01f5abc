"""`/brew help` and `/brew help NAME`: what a person can do, and how to use one command,
in the spelling of the platform in use. It reads the whole table, so it is the engine's."""

from __future__ import annotations

from typing import Protocol

from bot.core.commands import (
    Audience,
    Command,
    CommandError,
    CommandTable,
    Feature,
    Option,
    split_words,
)
from bot.core.messages import OutgoingMessage, Reply, Response
from bot.core.spelling import Place
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from bot.engine.texts import Texts


class Needs(Protocol):
    deps: Deps
    table: CommandTable[CommandContext]


def feature(app: Needs) -> Feature[CommandContext]:
    deps, table = app.deps, app.table

    async def help_(ctx: CommandContext) -> Response:
        # The texts as they are now: a front-end may set its spelling after start-up.
        texts = deps.texts
        asked = ctx.arg("command")
        if asked:
            return Reply(OutgoingMessage(usage(texts, table, asked)))
        lines = [
            line
            for c in table
            if c.audience is Audience.EVERYONE or ctx.is_facilitator
            for line in _help_lines(texts, c)
        ]
        t = texts.t
        return Reply(OutgoingMessage("\n".join([t("help.heading"), *lines, t("help.more")])))

    return Feature(
        "help",
        commands=(
            Command(
                "help",
                "What you can do, or how to use one command",
                help_,
                (
                    Option(
                        "command",
                        "A command's name, to see how to use it",
                        rest=True,
                        autocomplete="command",
                        max_length=60,
                    ),
                ),
                example="schedule",
            ),
        ),
    )


def _help_lines(texts: Texts, command: Command, places: tuple[Place, ...] = ()) -> list[str]:
    """One line per way to type `command` on this platform, with what it does."""
    t, spelling = texts.t, texts.spelling
    return [
        t(
            "help.line",
            command=" ".join([spelling.prefix, *place.path]),
            description=t(place.description_key) if place.description_key else command.description,
        )
        for place in places or spelling.places_of(command.name)
    ]


def usage(texts: Texts, table: CommandTable[CommandContext], asked: str) -> str:
    """`/brew help NAME`: how to use one command, in this platform's spelling."""
    t, spelling = texts.t, texts.spelling
    words = split_words(asked.replace('"', " "))
    if words and words[0].lower() in ("/brew", "brew"):
        words = words[1:]
    if words and words[0].startswith("/"):
        words[0] = words[0][1:]
    found = spelling.find(table, words) if words else None
    if found is None:
        raise CommandError("errors.unknown_command", name=asked[:40])
    command, places = found
    fixed = {k for place in places for k, _ in place.fixed}
    options = [o for o in command.options if o.name not in fixed]
    lines = _help_lines(texts, command, places)
    for option in options:
        key = "help.option_needed" if option.required else "help.option"
        description = option.description
        if option.choices and option.choices[0] not in description:
            description = t(
                "help.choices", description=description, choices=", ".join(option.choices)
            )
        lines.append(t(key, option=option.name, description=description))
    lines.append(t(spelling.options_hint) if options else t("help.no_options"))
    place = places[0] if len(places) == 1 else None
    lines.append(t("help.example", example=spelling.example(command, place)))
    return "\n".join(lines)

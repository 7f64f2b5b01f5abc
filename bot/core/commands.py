"""The command table's shape: every platform offers the same commands from one table.

A `Command` names its options, who may run it and its handler. Discord turns the table into
slash commands, Slack and the shell parse `/brew NAME ...` text with `parse_text`.
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.messages import Response
    from bot.services.context import CommandContext

Handler = Callable[["CommandContext"], Awaitable["Response"]]
# Many interactions of one kind in one transaction: one answer (or refusal) per context, in
# order. See ComponentRoute.batch.
BatchHandler = Callable[
    [Sequence["CommandContext"]], Awaitable[list["Response | CommandError"]]
]

MAX_OPTION_LENGTH = 300


class Audience(StrEnum):
    EVERYONE = "everyone"
    FACILITATOR = "facilitator"


class OptionKind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"


class CommandError(Exception):
    """Input that cannot be understood. `key` names a sentence in prompts/strings.yaml;
    `field`, the form field it is about, if any."""

    def __init__(self, key: str, *, field: str = "", **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.values = values


@dataclass(frozen=True)
class Option:
    name: str
    description: str
    kind: OptionKind = OptionKind.TEXT
    required: bool = False
    # The option that collects the free words of a text command ("schedule next Tuesday 2pm").
    rest: bool = False
    autocomplete: str | None = None  # "session" or "spark"
    choices: tuple[str, ...] = ()
    max_length: int = MAX_OPTION_LENGTH


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    handler: Handler
    options: tuple[Option, ...] = ()
    audience: Audience = Audience.EVERYONE
    # Anonymous steps write nothing about the person and leave no log line at all
    # (docs/anonymity.md): opening the reflection form, sending it, withdrawing.
    anonymous: bool = False
    # Commands that may answer with a form must not be deferred first (Discord modals).
    may_open_form: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split())


@dataclass(frozen=True)
class ComponentRoute:
    """Where a button click or form submission goes: `brew:<feature>:<verb>:<arg>`."""

    feature: str
    verb: str
    handler: Handler
    audience: Audience = Audience.EVERYONE
    anonymous: bool = False
    may_open_form: bool = False
    # For interactions that arrive in bursts (everyone sending a reflection at once): the
    # dispatcher gathers the ones waiting and runs them together through `batch`, in one
    # transaction, instead of one by one. `handler` must do the same for one interaction.
    # A batch handler refuses an interaction by returning its CommandError, having written
    # nothing for it; anything it raises sends the whole batch back to run one by one.
    batch: BatchHandler | None = None

    def __post_init__(self) -> None:
        open_to_all = self.audience is Audience.EVERYONE and not self.may_open_form
        if self.batch is not None and not open_to_all:
            # The dispatcher refuses no one while gathering a batch, and a form must be the
            # first answer, so neither fits a batch.
            raise ValueError(f"{self.feature}:{self.verb}: only open, form-less routes batch")


@dataclass
class CommandTable:
    commands: dict[str, Command] = field(default_factory=dict)
    components: dict[tuple[str, str], ComponentRoute] = field(default_factory=dict)

    def add(self, command: Command) -> None:
        if command.name in self.commands:
            raise ValueError(f"two commands are called {command.name!r}")
        self.commands[command.name] = command

    def add_component(self, route: ComponentRoute) -> None:
        key = (route.feature, route.verb)
        if key in self.components:
            raise ValueError(f"two component routes for {key!r}")
        self.components[key] = route

    def __iter__(self) -> Iterable[Command]:
        return iter(self.commands.values())

    def find(self, words: list[str]) -> tuple[Command, list[str]] | None:
        """The longest command name that starts `words`, and the words left over."""
        for size in (3, 2, 1):
            name = " ".join(w.lower() for w in words[:size])
            if len(words) >= size and name in self.commands:
                return self.commands[name], words[size:]
        return None


def parse_text(text: str, table: CommandTable) -> tuple[Command, dict[str, Any]]:
    """Parse `/brew schedule next Tuesday 2pm theme="Being heard"` (the `/brew` is optional)."""
    text = text.strip()
    if len(text) > 4000:
        raise CommandError("errors.too_long", limit=4000)
    try:
        words = _words(text)
    except ValueError:
        raise CommandError("errors.unbalanced_quotes") from None
    if words and words[0].lower() in ("/brew", "brew"):
        words = words[1:]
    if words and words[0].startswith("/"):
        words[0] = words[0][1:]
    if not words:
        raise CommandError("errors.empty_command")
    found = table.find(words)
    if found is None:
        raise CommandError("errors.unknown_command", name=words[0][:40])
    command, rest = found
    return command, bind_options(command, rest)


# Phones and word processors turn "..." into curly quotes as people type.
_CURLY_DOUBLE = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"',
                               "\u00bb": '"'})


def _words(text: str) -> list[str]:
    """Split on spaces, keeping "double-quoted words" together. Apostrophes ("we'll",
    "carers' voices"), backslashes and # are ordinary characters, not shell syntax."""
    lexer = shlex.shlex(text.translate(_CURLY_DOUBLE), posix=True)
    lexer.whitespace_split = True
    lexer.quotes = '"'
    lexer.escape = ""
    lexer.commenters = ""
    return list(lexer)


def bind_options(command: Command, words: list[str]) -> dict[str, Any]:
    """Match words to options: `name=value` anywhere, then positional words in order."""
    by_name = {o.name: o for o in command.options}
    raw: dict[str, str] = {}
    loose: list[str] = []
    for word in words:
        key, sep, value = word.partition("=")
        if sep and key.lower() in by_name:
            raw[key.lower()] = value
        else:
            loose.append(word)
    positional = [o for o in command.options if o.name not in raw]
    rest_option = next((o for o in positional if o.rest), None)
    for option in positional:
        if not loose:
            break
        if option is rest_option:
            continue
        if rest_option is not None and not _fits(option, loose[0]):
            continue
        raw[option.name] = loose.pop(0)
    if loose:
        if rest_option is None:
            raise CommandError("errors.too_many_words", command=command.name)
        raw[rest_option.name] = " ".join(loose)
    return convert_options(command, raw)


def _fits(option: Option, word: str) -> bool:
    # Before a free-text option, only take a word that clearly belongs to this option.
    if option.kind is OptionKind.INTEGER:
        return word.lstrip("#").isdigit()
    return bool(option.choices) and word.lower() in option.choices


def convert_options(command: Command, raw: dict[str, Any]) -> dict[str, Any]:
    """Check and convert option values; used by every front-end, typed or not."""
    values: dict[str, Any] = {}
    for option in command.options:
        value = raw.get(option.name)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        if value is None:
            if option.required:
                raise CommandError(
                    "errors.missing_option", option=option.name, command=command.name
                )
            values[option.name] = None
            continue
        if isinstance(value, str) and len(value) > option.max_length:
            raise CommandError(
                "errors.option_too_long", option=option.name, limit=option.max_length
            )
        if option.kind is OptionKind.INTEGER:
            text = str(value).lstrip("#")
            if not text.isdigit() or len(text) > 12:
                raise CommandError("errors.not_a_number", option=option.name)
            value = int(text)
        elif option.choices:
            value = str(value).lower()
            if value not in option.choices:
                raise CommandError(
                    "errors.not_a_choice", option=option.name, choices=", ".join(option.choices)
                )
        values[option.name] = value
    return values

"""The command table's shape: every platform offers the same commands from one table.

A `Command` names its options, who may run it and its handler. Discord turns the table into
slash commands, Slack and the shell parse `/brew NAME ...` text with `parse_text`.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Any, Generic, TypeVar

from bot.core.messages import Response, parse_custom_id
from bot.core.typed import is_number, readable

# What a handler is given: the engine's context (bot/engine/context.py). The core only
# carries it from the table to the handler, so it names no type of its own.
Ctx = TypeVar("Ctx")

Handler = Callable[[Ctx], Awaitable[Response]]
# Many interactions of one kind in one transaction: one answer (or refusal) per context, in
# order. See ComponentRoute.batch.
BatchHandler = Callable[[Sequence[Ctx]], Awaitable[Sequence["Response | CommandError"]]]
# A check that needs only what is known in memory: returns if the interaction may go on,
# raises CommandError to turn it down.
Check = Callable[[Ctx], Awaitable[None]]
# Sentences a feature adds to the end of a person's private answer, whatever they asked
# (a safeguarding message waiting for someone to receive it), read in the answer's own
# transaction; none for most answers.
Notes = Callable[[Ctx], Awaitable[Sequence[str]]]

MAX_OPTION_LENGTH = 300
# The largest number any option may hold: PostgreSQL's `integer`, the type of every id and
# count column. A bigger number can name nothing, so it is refused before any query.
MAX_NUMBER = 2**31 - 1
# An option's name as people type it in `name=value`.
_OPTION_NAME = re.compile(r"[a-z][a-z_]*")
# NUL (which PostgreSQL cannot store) and lone surrogates (half an emoji, which no database
# can encode): they carry nothing a person meant, so they are taken out of everything typed.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


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
    # Other names people may type in `name=value` (text platforms only).
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Command(Generic[Ctx]):
    name: str
    description: str
    handler: Handler[Ctx]
    options: tuple[Option, ...] = ()
    audience: Audience = Audience.EVERYONE
    # Anonymous steps write nothing about the person and leave no log line at all
    # (docs/anonymity.md): opening the reflection form, sending it, withdrawing.
    anonymous: bool = False
    # Commands that may answer with a form must not be deferred first (Discord modals).
    may_open_form: bool = False
    # What might follow the command's name, as people type it on Slack or in the terminal
    # (`next Tuesday 2pm theme="Being heard"`); `/brew help NAME` shows it in each
    # platform's own spelling.
    example: str = ""

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split())


@dataclass(frozen=True)
class ComponentRoute(Generic[Ctx]):
    """Where a button click or form submission goes: `brew:<feature>:<verb>:<arg>`."""

    feature: str
    verb: str
    handler: Handler[Ctx]
    audience: Audience = Audience.EVERYONE
    anonymous: bool = False
    may_open_form: bool = False
    # For interactions that arrive in bursts (everyone sending a reflection at once): the
    # dispatcher gathers the ones waiting and runs them together through `batch`, in one
    # transaction, instead of one by one. `handler` must do the same for one interaction.
    # A batch handler refuses an interaction by returning its CommandError, having written
    # nothing for it; anything it raises sends the whole batch back to run one by one.
    batch: BatchHandler[Ctx] | None = None
    # For a batched route: the checks that need only what is known in memory (engine/
    # known.py), run before the interaction waits for its batch, so a refusal waits for no
    # batch. Where a form can show a refusal in place (Slack keeps the form open only if its
    # acknowledgement says so), the acknowledgement waits for these checks and nothing else;
    # elsewhere it comes first, as for any step. The batch checks again, in its own
    # transaction, before storing.
    check: Check[Ctx] | None = None
    # A step that only reads (opening the reflection form): the dispatcher runs it with no
    # transaction, from what is known in memory (engine/known.py), so a burst of them never
    # queues behind the writers. It writes nothing about the person, who stays a stand-in
    # if not stored; only a community's very first interaction stores the community.
    reads_only: bool = False

    def __post_init__(self) -> None:
        open_to_all = self.audience is Audience.EVERYONE and not self.may_open_form
        if self.batch is not None and not open_to_all:
            # The dispatcher refuses no one while gathering a batch, and a form must be the
            # first answer, so neither fits a batch.
            raise ValueError(f"{self.feature}:{self.verb}: only open, form-less routes batch")
        if self.check is not None and self.batch is None:
            raise ValueError(f"{self.feature}:{self.verb}: only a batch is checked beforehand")
        if self.batch is not None and self.reads_only:
            raise ValueError(f"{self.feature}:{self.verb}: a batch writes, so it cannot only read")


@dataclass(frozen=True)
class Feature(Generic[Ctx]):
    """One feature package's slice of the table (its `commands.py` builds it): the commands
    it adds to `/brew` and the buttons and forms it answers."""

    name: str
    commands: tuple[Command[Ctx], ...] = ()
    routes: tuple[ComponentRoute[Ctx], ...] = ()
    notes: tuple[Notes[Ctx], ...] = ()


@dataclass
class CommandTable(Generic[Ctx]):
    commands: dict[str, Command[Ctx]] = field(default_factory=dict)
    components: dict[tuple[str, str], ComponentRoute[Ctx]] = field(default_factory=dict)
    # Which feature added each command, by the feature's name (Discord's cogs read it).
    features: dict[str, Feature[Ctx]] = field(default_factory=dict)
    # Every feature's notes for private answers (Feature.notes), in the features' order.
    notes: list[Notes[Ctx]] = field(default_factory=list)

    def add_feature(self, feature: Feature[Ctx]) -> None:
        if feature.name in self.features:
            raise ValueError(f"two features are called {feature.name!r}")
        self.features[feature.name] = feature
        self.notes.extend(feature.notes)
        for command in feature.commands:
            self.add(command)
        for route in feature.routes:
            self.add_component(route)

    def add(self, command: Command[Ctx]) -> None:
        if command.name in self.commands:
            raise ValueError(f"two commands are called {command.name!r}")
        self.commands[command.name] = command

    def add_component(self, route: ComponentRoute[Ctx]) -> None:
        key = (route.feature, route.verb)
        if key in self.components:
            raise ValueError(f"two component routes for {key!r}")
        self.components[key] = route

    def __iter__(self) -> Iterator[Command[Ctx]]:
        return iter(self.commands.values())

    def route(self, custom_id: str) -> ComponentRoute[Ctx] | None:
        """The route a button's or form's `brew:<feature>:<verb>:<arg>` id names, if any."""
        parsed = parse_custom_id(custom_id)
        return self.components.get(parsed[:2]) if parsed else None

    def may_open_form(self, custom_id: str) -> bool:
        """Whether pressing the button (or sending the form) `custom_id` may be answered with
        a form: then a front-end asks for the form at once (Slack's trigger_id expires, Teams
        opens a dialog only for a button that asked for one)."""
        route = self.route(custom_id)
        return route is not None and route.may_open_form

    def feature_of(self, command: Command[Ctx]) -> str:
        """The name of the feature that added `command`."""
        for feature in self.features.values():
            if command in feature.commands:
                return feature.name
        raise KeyError(command.name)

    def find(self, words: list[str]) -> tuple[Command[Ctx], list[str]] | None:
        """The longest command name that starts `words`, and the words left over."""
        for size in (3, 2, 1):
            name = " ".join(w.lower() for w in words[:size])
            if len(words) >= size and name in self.commands:
                return self.commands[name], words[size:]
        return None


class CommandName(str):
    """A table command's name in a sentence's values: `Texts` writes it the way people type
    it on the platform in use (`/brew call me` on Slack is `/brew my name` on Discord)."""


def clean(text: str) -> str:
    """`text` without what no database can store: NUL and lone surrogates."""
    return _UNSTORABLE.sub("", text)


def as_id(text: str) -> int | None:
    """`text` as a row id (an id in a button's `brew:...:<id>`), or None when it cannot be
    one: not plain digits, or beyond what the database holds."""
    if not is_number(text) or len(text) > len(str(MAX_NUMBER)):
        return None
    value = int(text)
    return value if value <= MAX_NUMBER else None


def parse_text(text: str, table: CommandTable) -> tuple[Command, dict[str, Any]]:
    """Parse `/brew schedule next Tuesday 2pm theme="Being heard"` (the `/brew` is optional)."""
    text = clean(text).strip()
    if len(text) > 4000:
        raise CommandError("errors.too_long", limit=4000)
    try:
        words = split_words(text)
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
_CURLY_DOUBLE = str.maketrans(
    {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'}
)


def split_words(text: str) -> list[str]:
    """Split on spaces, keeping "double-quoted words" together. Apostrophes ("we'll",
    "carers' voices"), backslashes and # are ordinary characters, not shell syntax."""
    lexer = shlex.shlex(text.translate(_CURLY_DOUBLE), posix=True)
    lexer.whitespace_split = True
    lexer.quotes = '"'
    lexer.escape = ""
    lexer.commenters = ""
    return list(lexer)


def bind_options(command: Command, words: list[str]) -> dict[str, Any]:
    """Match words to options and check them (see `bind_words`)."""
    return convert_options(command, bind_words(command, words))


def bind_words(command: Command, words: list[str]) -> dict[str, str]:
    """Match words to options, unchecked: `name=value` anywhere, then the other words in
    order. A choice with a value (`facilitator_role=Facilitator`, where facilitator_role is a
    choice of the setting to change) sets both that option and the one after it, just as
    the two words would in order. A `name=value` whose name is no option is refused, naming
    it, unless the command takes free words and the name is nothing like an option's."""
    by_name = {name: o for o in command.options for name in (o.name, *o.aliases)}
    raw: dict[str, str] = {}
    loose: list[str] = []
    for word in words:
        key, sep, value = word.partition("=")
        key = key.lower()
        if not sep or not _OPTION_NAME.fullmatch(key):
            loose.append(word)
        elif key in by_name:
            raw[by_name[key].name] = value
        elif (pair := _choice_with_value(command, key, raw)) is not None:
            raw[pair[0].name], raw[pair[1].name] = key, value
        else:
            _refuse_unknown(command, key)
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
            raise CommandError("errors.too_many_words", command=CommandName(command.name))
        raw[rest_option.name] = " ".join(loose)
    return raw


def _choice_with_value(
    command: Command, key: str, raw: dict[str, str]
) -> tuple[Option, Option] | None:
    """The option that has `key` as a choice and the free-text option right after it."""
    options = command.options
    for chooser, follower in pairwise(options):
        if (
            key in chooser.choices
            and not follower.choices
            and follower.kind is OptionKind.TEXT
            and chooser.name not in raw
            and follower.name not in raw
        ):
            return chooser, follower
    return None


def _refuse_unknown(command: Command, key: str) -> None:
    canonical = {name: o.name for o in command.options for name in (o.name, *o.aliases)}
    names = list(canonical)
    paired = [c for a, b in pairwise(command.options) if not b.choices for c in a.choices]
    near = difflib.get_close_matches(key, [*names, *paired], n=1, cutoff=0.6) or [
        name for name in names if len(key) > 2 and (name.startswith(key) or key.startswith(name))
    ]
    takes_free_words = any(o.rest for o in command.options)
    name = CommandName(command.name)
    if near:
        suggestion = canonical.get(near[0], near[0])
        raise CommandError(
            "errors.unknown_option_near", name=key[:40], command=name, suggestion=suggestion
        )
    if takes_free_words:
        return  # "e=mc2" in a message is just words
    if not command.options:
        raise CommandError("errors.no_options", name=key[:40], command=name)
    raise CommandError(
        "errors.unknown_option",
        name=key[:40],
        command=name,
        options=", ".join(o.name for o in command.options),
    )


def _fits(option: Option, word: str) -> bool:
    # Before a free-text option, only take a word that clearly belongs to this option.
    if option.kind is OptionKind.INTEGER:
        return is_number(word.lstrip("#"))
    return bool(option.choices) and word.lower() in option.choices


def convert_options(command: Command, raw: dict[str, Any]) -> dict[str, Any]:
    """Check and convert option values; used by every front-end, typed or not."""
    values: dict[str, Any] = {}
    for option in command.options:
        value = raw.get(option.name)
        if isinstance(value, str):
            # What shows nothing or turns text around is left out (bot/core/typed.py), so a
            # value of only zero-width spaces is no value: never a blank name or post.
            value = readable(clean(value)) or None
        if value is None:
            if option.required:
                raise CommandError(
                    "errors.missing_option", option=option.name, command=CommandName(command.name)
                )
            values[option.name] = None
            continue
        if isinstance(value, str) and len(value) > option.max_length:
            raise CommandError(
                "errors.option_too_long", option=option.name, limit=option.max_length
            )
        if option.kind is OptionKind.INTEGER:
            value = _number(option, value)
        elif option.choices:
            value = str(value).lower()
            if value not in option.choices:
                raise CommandError(
                    "errors.not_a_choice", option=option.name, choices=", ".join(option.choices)
                )
        values[option.name] = value
    return values


def _number(option: Option, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise CommandError("errors.not_a_number", option=option.name)
    text = str(value).lstrip("#")
    if not is_number(text):
        # Digits from other scripts too (bot/core/typed.py): this sentence names the option
        # and already asks for the digits 0 to 9.
        raise CommandError("errors.not_a_number", option=option.name)
    if len(text) > len(str(MAX_NUMBER)) or int(text) > MAX_NUMBER:
        raise CommandError("errors.number_too_big", option=option.name)
    return int(text)

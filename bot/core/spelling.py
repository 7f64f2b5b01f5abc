"""How people type the table's commands on each platform: one source of truth per platform.

Slack and the terminal chat read typed text, so a command is typed with the table's own
words and its options as `name=value` or in order: `/brew call me Sam`. Discord's commands
are a fixed tree with at most 25 entries in a group, so a few commands sit elsewhere
(bot/platforms/discord/commands.py, PLACES) and options are boxes, shown as `name:value`:
`/brew my name name:Sam`.

Texts name a command as `{/call me}` (a table command's name, and for a command that a
platform splits into several, the option words that choose one: `{/claim off}`); `Texts`
writes it in the spelling of the platform in use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.commands import Command, CommandTable, bind_words, split_words

PREFIX = "/brew"


@dataclass(frozen=True)
class Place:
    """Where a table command sits in a platform's command tree, and the option values the
    place itself stands for (`/brew claim off` is `claim` with choice=off)."""

    path: tuple[str, ...]
    fixed: tuple[tuple[str, str], ...] = ()
    # A prompts key for the description, when the place needs its own (else the table's).
    description_key: str | None = None


@dataclass(frozen=True)
class Spelling:
    """A platform's way of writing commands. The default is the text platforms' way."""

    # Commands that sit somewhere other than their own words; every other command sits at
    # its own words.
    places: Mapping[str, tuple[Place, ...]] = field(default_factory=dict)
    # How one option is written in an example.
    option_form: str = "{name}={value}"
    # Text platforms also take option values in order, without their names.
    typed: bool = True
    # The sentence that says how options are given (prompts/strings/general.yaml).
    options_hint: str = "help.options_typed"
    # What a command starts with: Teams takes a message starting "/" as its own command, so
    # there people type `brew help`.
    prefix: str = PREFIX

    def places_of(self, name: str) -> tuple[Place, ...]:
        return self.places.get(name, (Place(tuple(name.split())),))

    def command(self, phrase: str) -> str:
        """`/brew ...` for a phrase in a text (`call me`, `claim off`), as people type it."""
        return " ".join([self.prefix, *self.place(phrase).path])

    def commands(self, name: str) -> tuple[str, ...]:
        """Every way to type the table command `name` (Discord's `claim` is two commands)."""
        return tuple(" ".join([self.prefix, *place.path]) for place in self.places_of(name))

    def place(self, phrase: str) -> Place:
        words = phrase.lower().split()
        for name, places in self.places.items():
            for place in places:
                if place.fixed and words == [*name.split(), *(v for _, v in place.fixed)]:
                    return place
        return self.places_of(" ".join(words))[0]

    def find(
        self, table: CommandTable, words: list[str]
    ) -> tuple[Command, tuple[Place, ...]] | None:
        """The table command people mean by `words` (its spelling here, or its table name),
        and the places they mean: the one they typed, or all of the command's."""
        typed = [w.lower() for w in words]
        for name in table.commands:
            for place in self.places_of(name):
                if list(place.path) == typed:
                    return table.commands[name], (place,)
        found = table.find(words)
        if found is None or found[1]:
            return None
        return found[0], self.places_of(found[0].name)

    def example(self, command: Command, place: Place | None = None) -> str:
        """The command's example (given as typed text) in this platform's spelling, at
        `place` if given."""
        if self.typed:
            words = [self.prefix, *self.places_of(command.name)[0].path, command.example]
            return " ".join(words).rstrip()
        raw = bind_words(command, split_words(command.example)) if command.example else {}
        place = place or self._place_for(command, raw)
        fixed = dict(place.fixed)
        given = [
            self.option_form.format(name=option.name, value=raw[option.name])
            for option in command.options
            if option.name in raw and option.name not in fixed
        ]
        return " ".join([self.prefix, *place.path, *given])

    def _place_for(self, command: Command, raw: dict[str, str]) -> Place:
        places = self.places_of(command.name)
        for place in places:
            if all(raw.get(k, "").lower() == v for k, v in place.fixed):
                return place
        return places[0]


TYPED = Spelling()

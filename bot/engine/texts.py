"""Loads the words people read from the `prompts` package and fills them in.

Short sentences live in `prompts/strings/*.yaml` (one file per feature, keys must not clash);
longer messages are Markdown templates in `prompts/templates/NAME.md`, with an Easy Read variant
in `NAME.easy.md`, whose ideas may each name a picture with a `[name]` mark (bot/core/easy_read.py):
`template` gives the words alone, `ideas` the ideas with their pictures.

Every value filled in is marked as typed unless it is known to be Brewbot's own (another
text, which these methods return as `Own`; a number; a date): bot/core/marked.py.

A text names a command as `{/NAME}` (`{/forget me}`, `{/claim off}`), never as typed words:
it is written the way people type it on the platform in use (bot/core/spelling.py), and a
test checks that every command a text names exists on every platform.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from bot.core.commands import CommandName
from bot.core.easy_read import ideas, marks, words_only
from bot.core.marked import Own, mark
from bot.core.messages import Picture, Section
from bot.core.spelling import TYPED, Spelling
from bot.core.yaml_data import DataFileError, load_data_file
from bot.engine.pictures import shared_pictures


class TextsError(DataFileError):
    """The prompts package is broken (missing file or key). Stops start-up."""


@cache
def _placeholders(text: str) -> frozenset[str]:
    # Cached: the texts are a few hundred fixed strings, and pages ask for dozens each.
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


def command_names(text: str) -> set[str]:
    """The commands a text names as `{/NAME}` (`{/}` alone is how commands start: `/brew`,
    or `brew` on Teams)."""
    return {name[1:] for name in _placeholders(text) if name.startswith("/") and name != "/"}


# Values Brewbot made itself, put in as they are. Every other value is taken to be typed, and
# marked (bot/core/marked.py): a name, a title, a reason, a theme, whoever typed it.
_OWN = (Own, int, float, Decimal, date, time, timedelta)


def _value(value: Any, spelling: Spelling) -> Any:
    if isinstance(value, CommandName):
        return spelling.command(value)
    if isinstance(value, _OWN) or value is None:
        return value
    return mark(str(value))


class _Values(dict[str, Any]):
    """A sentence's values, with `{/NAME}` and CommandName values in the platform's spelling
    and every value not known to be Brewbot's own marked as typed."""

    def __init__(self, values: dict[str, Any], spelling: Spelling) -> None:
        super().__init__((k, _value(v, spelling)) for k, v in values.items())
        self.spelling = spelling

    def __missing__(self, key: str) -> str:
        if key.startswith("/"):
            return self.spelling.command(key[1:])
        raise KeyError(key)


@dataclass
class Texts:
    strings: dict[str, str]
    templates: dict[str, str]
    # How commands are written for the platform in use (Discord sets its own).
    spelling: Spelling = field(default=TYPED)

    @classmethod
    def load(cls, spelling: Spelling = TYPED) -> Texts:
        root = resources.files("prompts")
        strings: dict[str, str] = {}
        for entry in sorted(root.joinpath("strings").iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".yaml"):
                continue
            where = f"prompts/strings/{entry.name}"
            try:
                text = entry.read_text(encoding="utf-8")
            except OSError as exc:
                raise TextsError(f"{where} could not be read: {exc}") from exc
            raw = load_data_file(text, where, TextsError) or {}
            for key, text in _flatten(raw).items():
                if key in strings:
                    raise TextsError(f"prompts/strings/{entry.name}: {key!r} is defined twice")
                strings[key] = text
        templates = {
            entry.name.removesuffix(".md"): entry.read_text(encoding="utf-8").strip()
            for entry in root.joinpath("templates").iterdir()
            if entry.name.endswith(".md")
        }
        known = shared_pictures().alts
        for name, text in templates.items():
            unknown = [mark for mark in marks(text) if mark not in known]
            if unknown:
                raise TextsError(f"prompts/templates/{name}.md: no picture {unknown[0]!r}")
        return cls(strings=strings, templates=templates, spelling=spelling)

    def spoken_as(self, spelling: Spelling) -> Texts:
        """The same texts, naming commands in `spelling`."""
        return replace(self, spelling=spelling)

    def t(self, key: str, /, **values: Any) -> str:
        """One short sentence by key, filled in (an `Own`, so it can be put into another)."""
        try:
            text = self.strings[key]
        except KeyError:
            raise TextsError(f"prompts/strings has no entry {key!r}") from None
        if not values and not _placeholders(text):
            return Own(text)
        return Own(text.format_map(_Values(values, self.spelling)))

    def counted(self, key: str, count: int, /, **values: Any) -> str:
        """The sentence for `count` things: `KEY_one` for one, else `KEY_many`, with the
        number as {count}."""
        return self.t(f"{key}_{'one' if count == 1 else 'many'}", count=count, **values)

    def template(self, name: str, /, *, easy: bool = False, **values: Any) -> str:
        """A Markdown template, in Easy Read if asked and available."""
        key = f"{name}.easy" if easy and f"{name}.easy" in self.templates else name
        try:
            text = self.templates[key]
        except KeyError:
            raise TextsError(f"prompts/templates/{name}.md is missing") from None
        return Own(_words(text).format_map(_Values(values, self.spelling)))

    def ideas(self, name: str, /, **values: Any) -> tuple[Section, ...]:
        """The Easy Read template `name` as its ideas, filled in, each with its picture."""
        try:
            text = self.templates[f"{name}.easy"]
        except KeyError:
            raise TextsError(f"prompts/templates/{name}.easy.md is missing") from None
        filled = _Values(values, self.spelling)
        return tuple(
            Section(Own(idea.words.format_map(filled)), picture=_picture(idea.picture))
            for idea in ideas(text, shared_pictures().alts)
        )

    def idea(self, key: str, /, **values: Any) -> Section:
        """One short sentence as an Easy Read idea of its own, with the picture
        prompts/pictures/strings.yaml chooses for it."""
        return Section(self.t(key, **values), picture=shared_pictures().for_string(key))


def marked_ideas(text: str) -> tuple[Section, ...]:
    """Words written with marks, not filled in (a spark's Easy Read intro, one of its
    questions), as ideas with their pictures. A community's own spark may have none."""
    return tuple(
        Section(idea.words, picture=_picture(idea.picture))
        for idea in ideas(text, shared_pictures().alts)
    )


def without_marks(text: str) -> str:
    """Words written with marks, without them."""
    return words_only(text, shared_pictures().alts)


def _picture(name: str | None) -> Picture | None:
    return shared_pictures().picture(name) if name else None


@cache
def _words(template: str) -> str:
    # Cached: a template's marks are taken out once per process, not on every message.
    return without_marks(template)


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = str(value).strip()
    return flat


@cache
def shared_texts() -> Texts:
    """The words in the typed spelling, read once per process, for the pure modules that are
    handed no Deps (the digest's model, renderers and report)."""
    return Texts.load()

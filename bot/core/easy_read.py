"""Easy Read: one idea at a time, each with words and a picture (the Department of Health's
Easy Read guidance: the picture on the left, short sentences).

The words of prompts/ name an idea's picture with a mark at its start, `[name]`, where `name`
is a picture of prompts/pictures (docs/easy-read.md). An idea is a paragraph: the text
between blank lines. Marks are parsed from the words as written in prompts/, before any value
is filled in, so nothing typed by a person can become a mark. Pure: nothing is read here.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
# A mark: a picture's name in square brackets at the start of a line, then a space.
MARK = re.compile(r"^\[([a-z][a-z0-9-]*)\][ \t]+", re.M)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")


def easy_read_layout(text: str) -> str:
    """Layout for a facilitator's own message: one short sentence per line, with space
    between, so each idea stands on its own."""
    sentences = [s.strip() for part in text.split("\n") for s in _SENTENCE_END.split(part)]
    return "\n\n".join(s for s in sentences if s)


@dataclass(frozen=True)
class Idea:
    """One idea: its words, still to be filled in, and the name of its picture, if marked."""

    words: str
    picture: str | None = None


def marks(text: str) -> list[str]:
    """Every picture a text names, in order."""
    return MARK.findall(text)


def words_only(text: str, known: Container[str]) -> str:
    """`text` without the marks that name a picture in `known`; anything else in square
    brackets is someone's words and stays."""
    return MARK.sub(lambda found: "" if found.group(1) in known else found.group(0), text)


def ideas(text: str, known: Container[str]) -> tuple[Idea, ...]:
    """`text` as its ideas (paragraphs), each with the picture its mark names, if `known`."""
    found: list[Idea] = []
    for paragraph in _PARAGRAPHS.split(text.strip()):
        mark = MARK.match(paragraph)
        picture = mark.group(1) if mark and mark.group(1) in known else None
        words = words_only(paragraph, known).strip()
        if words:
            found.append(Idea(words, picture))
    return tuple(found)

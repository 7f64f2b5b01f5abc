"""Words someone typed, inside Brewbot's own sentences: marked, so each front-end can show them
exactly as typed while the sentence around them keeps its formatting.

`Texts` fills a sentence from prompts/ with values. A value is Brewbot's own only when it is
known to be (`Own`: another sentence from prompts/, an address Brewbot made, a mention Brewbot
built for an id; a number; a date); every other value is taken to be typed, by anyone, and
is marked: `OPEN` + value + `CLOSE`. These are the Unicode interlinear annotation characters,
which nobody can type into Brewbot (bot/core/typed.py takes them out of what people type,
and `mark` out of every value), so a mark always means Brewbot put it there.

Each front-end turns marked words into its own escaped form (the rule it uses for a
`Section(untrusted=True)`), with `shown_as`; anything that is not a chat (a file, an e-mail,
a web page, a log, the terminal) takes the marks out with `unmark`. Nothing leaving the
process may hold a mark: the loopback Discord, Slack and Teams fail a test that sends one.

A mention Brewbot builds for an id (`mention`) is marked too, with `SEPARATOR` and a kind
after `OPEN`, so each platform writes it its own way: a person, a channel or a group (a
Discord role, a Slack user group). Only the platform's renderer makes it a mention; anywhere
else it shows its id, as it did before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

OPEN = "\ufff9"
SEPARATOR = "\ufffa"
CLOSE = "\ufffb"

_MARKS = re.compile(f"[{OPEN}{SEPARATOR}{CLOSE}]")
# A marked span: typed words, or a mention (SEPARATOR, its kind, its id). An OPEN with no
# CLOSE runs to the end: what follows it is treated as typed, never as Brewbot's own.
_SPAN = re.compile(f"{OPEN}({SEPARATOR}?)([^{OPEN}{CLOSE}]*)(?:{CLOSE}|$)")
# What an id Brewbot mentions may hold (Discord's digits, Slack's U…/C…/S…, Teams' 19:…@…).
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9:@._-]{0,127}")


class Own(str):
    """Words Brewbot wrote itself (a sentence from prompts/, an address it made): put into
    another sentence as they are, never marked as typed."""

    __slots__ = ()


class MentionKind(StrEnum):
    PERSON = "@"
    CHANNEL = "#"
    GROUP = "&"


@dataclass(frozen=True)
class Mention:
    kind: MentionKind
    id: str


def mark(value: str) -> str:
    """Typed `value` marked as typed (with any marks it held taken out first: a value's marks
    are never read, whoever put them there)."""
    words = _MARKS.sub("", value)
    return f"{OPEN}{words}{CLOSE}" if words else ""


def unmark(text: str) -> str:
    """`text` with every mark taken out: the words as a reader sees them, mentions as ids."""
    if OPEN not in text and SEPARATOR not in text and CLOSE not in text:
        return text
    return _MARKS.sub("", _SPAN.sub(_plain_span, text))


def _plain_span(match: re.Match[str]) -> str:
    mentioned, words = match.groups()
    return words[1:] if mentioned and words[:1] in _KINDS else words


_KINDS = {kind.value for kind in MentionKind}


def mention(kind: MentionKind, id_: str) -> Own:
    """A mention of `id_` that each chat platform writes its own way; Brewbot's own, so it is
    never marked as typed. An id that is not one (typed words) is marked as typed instead."""
    if not _ID.fullmatch(id_):
        return Own(mark(id_))
    return Own(f"{OPEN}{SEPARATOR}{kind.value}{id_}{CLOSE}")


def has_marks(text: str) -> bool:
    return _MARKS.search(text) is not None


def pieces(text: str) -> Iterator[str | Mention | Typed]:
    """`text` cut into Brewbot's own words (str), mentions and typed words, in order."""
    position = 0
    for match in _SPAN.finditer(text):
        if match.start() > position:
            yield _MARKS.sub("", text[position : match.start()])
        mentioned, words = match.groups()
        if mentioned and words[:1] in _KINDS and _ID.fullmatch(words[1:]):
            yield Mention(MentionKind(words[0]), words[1:])
        elif words:
            yield Typed(_MARKS.sub("", words))
        position = match.end()
    if position < len(text):
        yield _MARKS.sub("", text[position:])


class Typed(str):
    """Words someone typed, cut out of a sentence by `pieces`."""

    __slots__ = ()


def shown_as(text: str, typed: Callable[[str], str], mentioned: Callable[[Mention], str]) -> str:
    """`text` with its typed words in `typed`'s form and its mentions in `mentioned`'s, for a
    platform that reads the whole text in one format (Discord's Markdown)."""
    if not has_marks(text):
        return text
    return "".join(
        typed(p) if isinstance(p, Typed) else mentioned(p) if isinstance(p, Mention) else p
        for p in pieces(text)
    )


@dataclass(frozen=True)
class Held:
    """A text whose typed words and mentions are held out of it, each by a placeholder that no
    conversion of Brewbot's own Markdown touches, to be put back in their platform's form
    once the text around them has been converted (Slack's mrkdwn, the web's HTML)."""

    text: str
    held: tuple[Typed | Mention, ...]

    def restore(
        self, converted: str, typed: Callable[[str], str], mentioned: Callable[[Mention], str]
    ) -> str:
        def back(match: re.Match[str]) -> str:
            piece = self.held[ord(match.group(1)) - _FIRST]
            return typed(piece) if isinstance(piece, Typed) else mentioned(piece)

        return _PLACEHOLDER.sub(back, converted) if self.held else converted

    def parts(self, converted: str) -> list[str | Typed | Mention]:
        """`converted` cut into the text around the placeholders and the pieces they hold,
        for a platform that builds the pieces apart (Teams' TextRuns)."""
        out: list[str | Typed | Mention] = []
        position = 0
        for match in _PLACEHOLDER.finditer(converted):
            if match.start() > position:
                out.append(converted[position : match.start()])
            out.append(self.held[ord(match.group(1)) - _FIRST])
            position = match.end()
        if position < len(converted):
            out.append(converted[position:])
        return out


def has_placeholder(text: str) -> bool:
    return _PLACEHOLDER.search(text) is not None


# A placeholder: OPEN, a character from the private use area numbering the piece, CLOSE.
_FIRST = 0xF0000
_PLACEHOLDER = re.compile(f"{OPEN}([\U000f0000-\U000ffffd]){CLOSE}")


def hold(text: str) -> Held:
    """`text` with each typed piece and mention replaced by a placeholder (see `Held`)."""
    if not has_marks(text):
        return Held(text, ())
    out: list[str] = []
    held: list[Typed | Mention] = []
    for piece in pieces(text):
        if isinstance(piece, Typed | Mention):
            out.append(f"{OPEN}{chr(_FIRST + len(held))}{CLOSE}")
            held.append(piece)
        else:
            out.append(piece)
    return Held("".join(out), tuple(held))


class SaidLine(Exception):
    """An exception whose message is one line for whoever runs Brewbot (a setting to fix, a
    platform out of reach): printed or logged, never rendered, so without marks."""

    def __init__(self, line: str = "") -> None:
        super().__init__(unmark(line))


def plain_mention(found: Mention) -> str:
    """A mention where no platform writes it: its id, as Brewbot showed it before."""
    return found.id

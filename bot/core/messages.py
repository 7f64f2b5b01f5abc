"""The neutral message model. Services return these; each front-end renders them natively.

A capability a platform lacks degrades to plain text (see `plain_text`), so every message has
a readable form without buttons, colour or emoji.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bot.core.marked import unmark

CUSTOM_ID_MAX = 100
# The marks of bot/core/marked.py in UTF-8: EF BF B9, EF BF BA, EF BF BB.
_MARK_BYTES = re.compile(b"\xef\xbf[\xb9-\xbb]")


def custom_id(feature: str, verb: str, arg: str = "") -> str:
    """Build a `brew:<feature>:<verb>:<arg>` id shared by Discord and Slack components."""
    value = f"brew:{feature}:{verb}:{arg}"
    if len(value) > CUSTOM_ID_MAX or any(":" in part for part in (feature, verb)):
        raise ValueError(f"custom id {value!r} is not a valid brew id")
    return value


def parse_custom_id(value: str) -> tuple[str, str, str] | None:
    """Split a brew custom id into (feature, verb, arg), or None if it is not ours."""
    parts = value.split(":", 3)
    if len(parts) != 4 or parts[0] != "brew":
        return None
    return parts[1], parts[2], parts[3]


class ActionStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Action:
    """A button. The label is always words; meaning is never carried by emoji or colour alone."""

    label: str
    custom_id: str
    style: ActionStyle = ActionStyle.DEFAULT


@dataclass(frozen=True)
class Picture:
    """An Easy Read picture: `name` is a file in prompts/pictures (`name`.png), `alt` the
    words a screen reader says instead (prompts/pictures/pictures.yaml)."""

    name: str
    alt: str


@dataclass(frozen=True)
class Section:
    """A block of the message. `untrusted` marks words a participant typed: every renderer
    escapes them so they cannot ping anyone or inject formatting when reposted.

    `picture`: the section is one Easy Read idea, shown beside its picture where the platform
    can show one (Discord, Slack with a public address, the web pages); elsewhere, and in
    plain style, its words alone."""

    body: str
    heading: str = ""
    untrusted: bool = False
    picture: Picture | None = None


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "text/plain"

    def __post_init__(self) -> None:
        # A file leaves the process: a text one never holds the marks around typed words
        # (bot/core/marked.py), whichever sentence put them there.
        object.__setattr__(self, "filename", unmark(self.filename))
        if self.mime_type.startswith("text/") and _MARK_BYTES.search(self.content):
            object.__setattr__(self, "content", unmark(self.content.decode()).encode())


@dataclass(frozen=True)
class OutgoingMessage:
    """What the bot says. `text` is Markdown-lite (bold, lists) that every renderer understands;
    words a participant typed go in an untrusted `Section`, never in `text`. `ping` is True only
    where a mention is meant to notify someone."""

    text: str = ""
    sections: tuple[Section, ...] = ()
    actions: tuple[Action, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    title: str = ""
    ping: bool = False
    # The reader asked for plain style: renderers pass every text through core.plain.
    plain: bool = False
    # A delivery key (the outbox's): sent again with the same key, the message is shown once
    # where the platform can tell (Discord's nonce; Slack's message metadata, looked for when
    # `again` says an earlier try may have arrived without our knowing; on Teams, and on
    # Discord past the nonce's minutes, the parts written down as they arrived,
    # bot/platforms/parts.py).
    once: str = ""
    again: bool = False
    # An answer that turns down what was sent (bad input, not allowed, or not stored just now):
    # a front-end that can keep a form open shows it in the form, under the field named by
    # `field` when there is one, so the person's words are not lost.
    refused: bool = False
    field: str = ""
    # Words only the reader should keep (a withdrawal code): where private answers do not last
    # (Slack's ephemeral messages), the front-end may also send the reader a private copy,
    # directly, never through the outbox, never stored or logged.
    keep_copy: bool = False

    def plain_text(self) -> str:
        """The whole message as plain text; buttons become numbered choices."""
        blocks: list[str] = [self.title, self.text]
        for section in self.sections:
            blocks.append("\n".join(part for part in (section.heading, section.body) if part))
        if self.actions:
            choices = (f"{n}. {a.label}" for n, a in enumerate(self.actions, start=1))
            blocks.append("\n".join(["Choices:", *choices]))
        blocks.extend(f"[file: {a.filename}]" for a in self.attachments)
        return "\n\n".join(block for block in blocks if block)


class FieldKind(StrEnum):
    SHORT = "short"
    PARAGRAPH = "paragraph"
    CHOICE = "choice"
    CHECKBOX = "checkbox"


@dataclass(frozen=True)
class Choice:
    label: str
    value: str


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    kind: FieldKind = FieldKind.SHORT
    required: bool = True
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    hint: str = ""
    # A choice a platform's menu cannot hold all of (Discord's 25 options, Slack's 100) is
    # asked for as typed words instead, with this hint; the handler must accept them.
    if_typed: str = ""

    def fitted(self, most: int, value_most: int) -> FormField:
        """This field as a platform can show it whose menu or tick boxes hold at most `most`
        choices, each value at most `value_most` characters: as it is, or else a choice as a
        short box to type one in (`if_typed`), so no choice is ever silently left out or
        sent cut short. A field that cannot be typed instead is refused."""
        if len(self.choices) <= most and all(len(c.value) <= value_most for c in self.choices):
            return self
        if self.kind is not FieldKind.CHOICE or not self.if_typed:
            raise ValueError(f"field {self.id!r}: a platform cannot show all its choices")
        return replace(self, kind=FieldKind.SHORT, choices=(), hint=self.if_typed, max_length=None)


@dataclass(frozen=True)
class Form:
    """A private form (Discord modal, Slack modal, or questions asked one by one in the shell)."""

    title: str
    custom_id: str
    fields: tuple[FormField, ...]
    intro: str = ""
    submit_label: str = "Send"
    # Easy Read: `intro` as its ideas, each with its picture, for a front-end that can show
    # pictures in a form (a Slack modal, the web page); `intro` keeps the words for the
    # others (a Discord modal cannot show a picture; the terminal shows words).
    ideas: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Reply:
    """A command's answer: a message, shown only to the person when `private`."""

    message: OutgoingMessage
    private: bool = True
    # Said instead of `message` when a post the answer speaks of did not go through (the
    # answer then goes on to say why): never "posted" next to a failure.
    if_undelivered: OutgoingMessage | None = None


@dataclass(frozen=True)
class OpenForm:
    """A command's answer that opens a form. It must be the first response on every platform."""

    form: Form


Response = Reply | OpenForm


@dataclass(frozen=True)
class FormSubmission:
    custom_id: str
    values: dict[str, str] = field(default_factory=dict)


def unmarked(message: OutgoingMessage) -> OutgoingMessage:
    """`message` as a reader sees it where nothing is rendered (the terminal, the recording
    adapter): without the marks around typed words (bot/core/marked.py)."""
    return replace(
        message,
        text=unmark(message.text),
        title=unmark(message.title),
        sections=tuple(
            replace(s, body=unmark(s.body), heading=unmark(s.heading)) for s in message.sections
        ),
        actions=tuple(replace(a, label=unmark(a.label)) for a in message.actions),
    )


def unmarked_form(form: Form) -> Form:
    """`form` without marks: every part of a form is plain text on every platform."""
    return replace(
        form,
        title=unmark(form.title),
        intro=unmark(form.intro),
        submit_label=unmark(form.submit_label),
        ideas=tuple(replace(s, body=unmark(s.body), heading=unmark(s.heading)) for s in form.ideas),
        fields=tuple(
            replace(
                f,
                label=unmark(f.label),
                hint=unmark(f.hint),
                choices=tuple(replace(c, label=unmark(c.label)) for c in f.choices),
            )
            for f in form.fields
        ),
    )

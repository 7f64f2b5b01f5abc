"""The neutral message model. Services return these; each front-end renders them natively.

A capability a platform lacks degrades to plain text (see `plain_text`), so every message has
a readable form without buttons, colour or emoji.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

CUSTOM_ID_MAX = 100


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
class Section:
    """A block of the message. `untrusted` marks words a participant typed: every renderer
    escapes them so they cannot ping anyone or inject formatting when reposted."""

    body: str
    heading: str = ""
    untrusted: bool = False


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "text/plain"


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

    def plain_text(self) -> str:
        """The whole message as plain text; buttons become numbered choices."""
        lines: list[str] = []
        if self.title:
            lines.append(self.title)
        if self.text:
            lines.append(self.text)
        for section in self.sections:
            if section.heading:
                lines.append(section.heading)
            lines.append(section.body)
        if self.actions:
            lines.append("Choices:")
            lines.extend(f"{n}. {a.label}" for n, a in enumerate(self.actions, start=1))
        for attachment in self.attachments:
            lines.append(f"[file: {attachment.filename}]")
        return "\n\n".join(line for line in lines if line)


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


@dataclass(frozen=True)
class Form:
    """A private form (Discord modal, Slack modal, or questions asked one by one in the shell)."""

    title: str
    custom_id: str
    fields: tuple[FormField, ...]
    intro: str = ""
    submit_label: str = "Send"


@dataclass(frozen=True)
class Reply:
    """A command's answer: a message, shown only to the person when `private`."""

    message: OutgoingMessage
    private: bool = True


@dataclass(frozen=True)
class OpenForm:
    """A command's answer that opens a form. It must be the first response on every platform."""

    form: Form


Response = Reply | OpenForm


@dataclass(frozen=True)
class FormSubmission:
    custom_id: str
    values: dict[str, str] = field(default_factory=dict)

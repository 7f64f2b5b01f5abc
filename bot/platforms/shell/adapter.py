"""Shows what the bot says in a terminal, clearly marking channels, threads and private messages.

The terminal chat behaves like the platforms: a person can press only the buttons they can
see (the channel's, their breakout thread's, and those in private messages to them), and a
file the bot attaches (a calendar invite, "my data", a claims sheet) is written under the
data folder, `<data>/files/<person>/NAME`, readable by its owner only, and its path printed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.core.marked import unmark
from bot.core.messages import Action, Attachment, OutgoingMessage, unmarked
from bot.core.refs import ConversationRef, MessageRef, UserRef
from bot.engine.texts import Texts
from bot.platforms.memory import MemoryAdapter, Sent

Printer = Callable[[str], None]

# A folder or file name made only of these; anything else becomes "-".
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def render(message: OutgoingMessage) -> str:
    """Plain text with buttons shown as numbered choices (press one with `/press N`)."""
    return unmarked(message).plain_text()


def unmarking(printer: Printer) -> Printer:
    """`printer`, printing the words of a sentence as written: a terminal shows typed words
    as they are (bot/core/typed.py took out what could control it), without their marks
    (bot/core/marked.py)."""
    return lambda text: printer(unmark(text))


@dataclass(frozen=True)
class Buttons:
    """One message's buttons, and who can see them: one person (a private message or a
    private answer), a thread's members, or everyone in the channel."""

    actions: tuple[Action, ...]
    person: str | None = None  # a user id
    thread: str | None = None  # a thread id


class ShellAdapter(MemoryAdapter):
    def __init__(
        self, printer: Printer = print, files: Path | None = None, texts: Texts | None = None
    ) -> None:
        super().__init__()
        self.printer = unmarking(printer)
        self.files = files  # where attached files are written; None: nowhere
        self.texts = texts or Texts.load()
        self.thread_names: dict[str, str] = {}
        self.thread_members: dict[str, set[str]] = {}
        self.buttons: list[Buttons] = []

    def where(self, to: ConversationRef | UserRef | MessageRef) -> str:
        if isinstance(to, UserRef):
            return f"private to {to.display_name or to.id}"
        conversation = to.conversation if isinstance(to, MessageRef) else to
        if conversation.thread_id:
            return f"#{conversation.id} > {self.thread_names.get(conversation.thread_id, 'thread')}"
        return f"#{conversation.id}"

    def record(self, item: Sent) -> None:
        super().record(item)
        if item.op == "thread" and isinstance(item.to, ConversationRef) and item.to.thread_id:
            self.thread_names[item.to.thread_id] = item.name
            self.thread_members[item.to.thread_id] = {m.id for m in item.members}
            names = ", ".join(m.display_name or m.id for m in item.members)
            self.printer(f'--- new thread "{item.name}" with {names}')
        elif item.op == "archive":
            self.printer(f"--- thread closed: {self.where(item.to)}")
        elif item.op == "add_member":
            if isinstance(item.to, ConversationRef) and item.to.thread_id:
                members = self.thread_members.setdefault(item.to.thread_id, set())
                members.update(m.id for m in item.members)
            names = ", ".join(m.display_name or m.id for m in item.members)
            self.printer(f"--- {names} added to {self.where(item.to)}")
        elif item.message is not None:
            self.printer(f"[{self.where(item.to)}] Brewbot:\n{_indent(render(item.message))}")
            if isinstance(item.to, UserRef):
                self.show(item.message, person=item.to)
            else:
                conversation = item.to.conversation if isinstance(item.to, MessageRef) else item.to
                self.show(item.message, conversation=conversation)

    def show(
        self,
        message: OutgoingMessage,
        *,
        person: UserRef | None = None,
        conversation: ConversationRef | None = None,
    ) -> None:
        """Note the buttons of a message shown to `person` only, or to everyone who can see
        `conversation`, and save its files for them."""
        thread = conversation.thread_id if conversation is not None else None
        if message.actions:
            self.buttons.append(Buttons(message.actions, person.id if person else None, thread))
        if message.attachments:
            if person is not None:
                owner, label = person.id, person.display_name or person.id
            else:
                assert conversation is not None
                owner = label = conversation.thread_id or conversation.id
            self.save(owner, label, message.attachments)

    def pressable(self, user: UserRef) -> tuple[Action, ...]:
        """The buttons of the newest message with buttons that `user` can see."""
        for shown in reversed(self.buttons):
            if shown.person not in (None, user.id):
                continue
            if shown.thread is not None and user.id not in self.thread_members.get(
                shown.thread, set()
            ):
                continue
            return shown.actions
        return ()

    def save(self, owner: str, label: str, attachments: tuple[Attachment, ...]) -> list[Path]:
        """Write each file to `<files>/<owner>/NAME` (a new name if taken), for the owner
        only (0600 in a 0700 folder), and print where it is."""
        if self.files is None:
            return []
        saved: list[Path] = []
        folder = self.files / _safe(owner.removeprefix("shell-"))
        for attachment in attachments:
            try:
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                path = _write_new(folder, _safe(attachment.filename), attachment.content)
            except OSError as exc:
                self.printer(self.texts.t("shell.file_failed", owner=label, reason=exc.strerror))
                continue
            saved.append(path)
            self.printer(self.texts.t("shell.file", owner=label, path=path))
        return saved


def _safe(name: str) -> str:
    cleaned = _UNSAFE.sub("-", Path(name).name).strip(".-")
    return cleaned or "file"


def _write_new(folder: Path, name: str, content: bytes) -> Path:
    stem, dot, suffix = name.partition(".")
    for number in range(1, 1000):
        path = folder / (name if number == 1 else f"{stem}-{number}{dot}{suffix}")
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(handle, "wb") as file:
            os.fchmod(file.fileno(), 0o600)  # whatever the umask
            file.write(content)
        return path
    raise FileExistsError(f"{folder / name} and 998 more")


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.splitlines())

"""An in-memory ChatAdapter that records everything the bot says.

Used by the shell (which also prints), by `brewbot demo` and `brewbot bench`, and by tests.
Failures can be injected per operation to exercise the services' error paths.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.core.marked import unmark
from bot.core.messages import Form, OutgoingMessage, unmarked, unmarked_form
from bot.core.ports import DeliveryError
from bot.core.refs import ConversationRef, MessageRef, Platform, UserRef


@dataclass(frozen=True)
class Sent:
    """One thing the bot did: op is send, private, thread, add_member, archive or edit."""

    op: str
    to: ConversationRef | UserRef | MessageRef
    message: OutgoingMessage | None = None
    name: str = ""
    members: tuple[UserRef, ...] = ()


class MemoryAdapter:
    platform = Platform.SHELL

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.failures: dict[str, DeliveryError] = {}
        # Threads by their `once` key, as a platform would let them be found again.
        self.threads: dict[str, ConversationRef] = {}
        self._ids = itertools.count(1)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def _check(self, op: str, target: str = "") -> None:
        """Fail as told in `failures`, by operation ("private") or by operation and target
        ("private:user-sam", "send:wg-channel")."""
        failure = self.failures.get(f"{op}:{target}") or self.failures.get(op)
        if failure is not None:
            raise failure

    async def send(self, to: ConversationRef, message: OutgoingMessage) -> MessageRef:
        self._check("send", to.id)
        self.record(Sent("send", to, message))
        return MessageRef(to, f"m{next(self._ids)}")

    async def edit(self, ref: MessageRef, message: OutgoingMessage) -> None:
        self._check("edit")
        self.record(Sent("edit", ref, message))

    async def create_thread(
        self,
        parent: ConversationRef,
        name: str,
        members: Sequence[UserRef],
        *,
        once: str = "",
        again: bool = False,
    ) -> ConversationRef:
        self._check("thread")
        if again and once in self.threads:
            return self.threads[once]
        thread = ConversationRef(parent.community, parent.id, f"t{next(self._ids)}")
        self.record(Sent("thread", thread, name=name, members=tuple(members)))
        if once:
            self.threads[once] = thread
        return thread

    async def add_member(self, thread: ConversationRef, user: UserRef) -> None:
        self._check("add_member")
        self.record(Sent("add_member", thread, members=(user,)))

    async def archive_thread(self, thread: ConversationRef) -> None:
        self._check("archive")
        self.record(Sent("archive", thread))

    async def send_private(self, user: UserRef, message: OutgoingMessage) -> MessageRef:
        self._check("private", user.id)
        self.record(Sent("private", user, message))
        return MessageRef(ConversationRef(user.community, f"dm-{user.id}"), f"m{next(self._ids)}")

    def record(self, item: Sent) -> None:
        # Shown as a reader of plain text would see it: typed words without their marks.
        if item.message is not None:
            item = replace(item, message=unmarked(item.message))
        self.sent.append(replace(item, name=unmark(item.name)))

    # Helpers for reading what happened.
    def ops(self, op: str) -> list[Sent]:
        return [s for s in self.sent if s.op == op]

    def private_to(self, user_id: str) -> list[OutgoingMessage]:
        return [
            s.message
            for s in self.sent
            if s.op == "private"
            and isinstance(s.to, UserRef)
            and s.to.id == user_id
            and s.message is not None
        ]


@dataclass
class MemoryResponder:
    """Records one interaction's answers. `deferred` shows whether it acknowledged first."""

    deferred: bool = False
    replies: list[tuple[OutgoingMessage, bool]] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    first: str | None = None

    async def defer(self) -> None:
        self.first = self.first or "defer"
        self.deferred = True

    async def reply(self, message: OutgoingMessage, *, private: bool = True) -> None:
        self.first = self.first or "reply"
        self.replies.append((unmarked(message), private))

    async def open_form(self, form: Form) -> None:
        self.first = self.first or "form"
        self.forms.append(unmarked_form(form))

    @property
    def text(self) -> str:
        return "\n".join(m.plain_text() for m, _ in self.replies)

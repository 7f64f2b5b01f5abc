"""Shows what the bot says in a terminal, clearly marking channels, threads and private messages."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.messages import OutgoingMessage
from bot.core.refs import ConversationRef, MessageRef, UserRef
from bot.platforms.memory import MemoryAdapter, Sent

Printer = Callable[[str], None]


def render(message: OutgoingMessage) -> str:
    """Plain text with buttons shown as numbered choices (press one with `/press N`)."""
    return message.plain_text()


class ShellAdapter(MemoryAdapter):
    def __init__(self, printer: Printer = print) -> None:
        super().__init__()
        self.printer = printer
        self.thread_names: dict[str, str] = {}
        # The newest message with buttons, so `/press N` knows what N means.
        self.last_actions: tuple = ()

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
            names = ", ".join(m.display_name or m.id for m in item.members)
            self.printer(f'--- new thread "{item.name}" with {names}')
        elif item.op == "archive":
            self.printer(f"--- thread closed: {self.where(item.to)}")
        elif item.op == "add_member":
            names = ", ".join(m.display_name or m.id for m in item.members)
            self.printer(f"--- {names} added to {self.where(item.to)}")
        elif item.message is not None:
            if item.message.actions:
                self.last_actions = item.message.actions
            self.printer(f"[{self.where(item.to)}] Brewbot:\n{_indent(render(item.message))}")


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.splitlines())

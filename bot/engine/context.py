"""What a handler gets for one command: the open transaction, who and where, and a list of
platform effects to run only after the transaction commits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError, as_id
from bot.core.refs import ConversationRef, UserRef
from storage.models import Community, Participant

Effect = Callable[[], Awaitable[None]]

# True while a command's effects run: a person is waiting for the answer, and hears in it
# how the effects went. A job's effects run with nobody waiting.
someone_waiting: ContextVar[bool] = ContextVar("someone_waiting", default=False)


@dataclass
class CommandContext:
    tx: AsyncSession
    community: Community
    actor: Participant
    user: UserRef
    conversation: ConversationRef
    args: dict[str, Any]
    is_facilitator: bool
    effects: list[Effect] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    undelivered: bool = False  # an effect's delivery did not go through (yet)

    def after_commit(self, effect: Effect) -> None:
        """Run `effect` once the change is safely stored; a failed effect never undoes it."""
        self.effects.append(effect)

    def arg(self, name: str) -> Any:
        return self.args.get(name)

    def session_id(self) -> int | None:
        """The session a command names, or the session in a button's `brew:...:<id>`."""
        if "arg" not in self.args:
            return self.args.get("session")
        found = as_id(str(self.args["arg"]))
        if found is None:
            raise CommandError("errors.unknown_button")
        return found

"""One unit of work (`Work`): an open transaction, the community it is for, and the platform
effects to run only once it commits. A command's `CommandContext` is one, with who and where;
a scheduled job makes a plain one. Each step (open, gather, close then draft) takes a `Work`,
so it is written once for the command and the job that both take it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError, as_id
from bot.core.refs import ConversationRef, UserRef, is_visitor
from storage.models import Community, Participant

Effect = Callable[[], Awaitable[None]]

# True while a command's effects run: a person is waiting for the answer, and hears in it
# how the effects went. A job's effects run with nobody waiting.
someone_waiting: ContextVar[bool] = ContextVar("someone_waiting", default=False)


@dataclass
class Work:
    tx: AsyncSession
    community: Community
    effects: list[Effect] = field(default_factory=list, kw_only=True)
    # The person who asked for this step (a command's), told if a post it makes is refused
    # for good once nobody is waiting; "" for a job, whose posts' refusals go to the
    # session's facilitator (bot/delivery/notices.py), and for an anonymous step, whose
    # writer no row may name (the dispatcher, `asker_of`).
    asker: str = field(default="", kw_only=True)

    def after_commit(self, effect: Effect) -> None:
        """Run `effect` once the change is safely stored; a failed effect never undoes it."""
        self.effects.append(effect)


@dataclass
class CommandContext(Work):
    actor: Participant
    user: UserRef
    conversation: ConversationRef
    args: dict[str, Any]
    is_facilitator: bool
    notes: list[str] = field(default_factory=list)
    undelivered: bool = False  # an effect's delivery did not go through (yet)

    def arg(self, name: str) -> Any:
        return self.args.get(name)

    def session_id(self) -> int | None:
        """The session a command names, or the session in a button's `brew:...:<id>` (or
        `brew:...:<id>:<rest>`, see `arg_rest`)."""
        if "arg" not in self.args:
            return self.args.get("session")
        found = as_id(str(self.args["arg"]).partition(":")[0])
        if found is None:
            raise CommandError("errors.unknown_button")
        return found

    def arg_rest(self) -> str:
        """What a button's or form's id carries after its session id (`brew:...:<id>:<rest>`),
        or "" (a reflection form's one-use nonce: bot/reflections/resend.py)."""
        return str(self.args.get("arg", "")).partition(":")[2]


def no_transaction() -> AsyncSession:
    """The `tx` of a step that only reads (`ComponentRoute.reads_only`): bound to no database,
    so reading through it fails at once rather than waiting, and nothing added to it is ever
    written (the dispatcher refuses a step that tried)."""
    return AsyncSession()


def asker_of(user: UserRef, *, anonymous: bool) -> str:
    """Who to record as asking for what a step makes (`Work.asker`): the person, but never
    for an anonymous step, and never a visitor of the web pages, who cannot be told later."""
    return "" if anonymous or is_visitor(user.id) else user.id

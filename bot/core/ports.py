"""Ports every platform implements. Services depend on these, never on a chat SDK."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bot.core.messages import Form, OutgoingMessage
from bot.core.refs import ConversationRef, MessageRef, Platform, UserRef


class DeliveryError(Exception):
    """A platform refused or could not deliver something (missing permission, gone channel).

    `reason` is a short key (e.g. "missing_permission", "not_found", "dm_closed") and `detail`
    names what was missing, so services can tell the facilitator in one sentence ("I could not
    find {detail}"). `cause` is what the platform answered ("Discord answered 503"), for the
    error's own text only: it is never put in a sentence anyone reads in the chat. `left` is
    the part of the target not reached, for a delivery to several at once (a letter's
    addresses, some of which the mail server took): only that part is tried again.
    """

    def __init__(self, reason: str, detail: str = "", *, cause: str = "", left: str = "") -> None:
        super().__init__(": ".join(part for part in (reason, detail, cause) if part))
        self.reason = reason
        self.detail = detail
        self.cause = cause
        self.left = left


@runtime_checkable
class ChatAdapter(Protocol):
    platform: Platform

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def send(self, to: ConversationRef, message: OutgoingMessage) -> MessageRef: ...

    async def edit(self, ref: MessageRef, message: OutgoingMessage) -> None: ...

    async def create_thread(
        self,
        parent: ConversationRef,
        name: str,
        members: Sequence[UserRef],
        *,
        once: str = "",
        again: bool = False,
    ) -> ConversationRef:
        """A breakout thread. `once` names it for good; with `again` (an earlier try may have
        made it without our knowing) the thread made then is found and returned instead of
        making a second one, where the platform lets us find it."""
        ...

    async def add_member(self, thread: ConversationRef, user: UserRef) -> None: ...

    async def archive_thread(self, thread: ConversationRef) -> None: ...

    async def send_private(self, user: UserRef, message: OutgoingMessage) -> MessageRef: ...


class Responder(Protocol):
    """One per incoming interaction. `open_form` must be the first response if used."""

    async def defer(self) -> None: ...

    async def reply(self, message: OutgoingMessage, *, private: bool = True) -> None: ...

    async def open_form(self, form: Form) -> None: ...

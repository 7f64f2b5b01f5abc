"""Taking part from a web page: a visitor's form goes through the dispatcher, the same one path
as every platform's commands, buttons and forms (bot/engine/dispatch.py), with the same
checks, group commit, refusals and anonymity. The web front-end only turns the answer into a
page.

A visitor is a person id made from the form's nonce (bot/core/refs.py `visitor_id`), in the
session's own community, never stored. Nothing about the request (address, browser, the
page's link) reaches the dispatcher.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.app import App
from bot.core.messages import Form, OutgoingMessage
from bot.core.ports import DeliveryError
from bot.core.refs import ConversationRef, UserRef, visitor_id
from bot.sessions.links import SessionPage

# Where a visitor's answers are "said": nowhere in the chat, only back to the page.
PAGE_CONVERSATION = "web"


@dataclass
class PageAnswer:
    """A Responder (bot/core/ports.py) that keeps the answer for the page to show."""

    message: OutgoingMessage | None = None

    async def defer(self) -> None:
        return None

    async def reply(self, message: OutgoingMessage, *, private: bool = True) -> None:
        self.message = message

    async def open_form(self, form: Form) -> None:
        # The page sends forms; none of the steps it offers answers with another one, and a
        # page could not open it like a chat's pop-up: say so, as a platform would.
        raise DeliveryError("form_not_shown", form.title)


def _visitor(shown: SessionPage, word: str, *, easy: bool) -> tuple[UserRef, ConversationRef]:
    """The visitor as the dispatcher sees them: `word` (an opening's nonce, or a keyed
    address) in a person id no platform has, in the session's own community."""
    user = UserRef(shown.community, visitor_id(word), easy_read=easy)
    return user, ConversationRef(shown.community, PAGE_CONVERSATION)


async def send_form(
    brew: App, shown: SessionPage, custom: str, values: dict[str, str], nonce: str, *, easy: bool
) -> OutgoingMessage:
    """A form sent from the page (`custom`: its component id), as the chat's own form."""
    answer = PageAnswer()
    user, where = _visitor(shown, nonce, easy=easy)
    await brew.dispatcher.run_component(custom, values, user, where, answer)
    return _said(brew, answer)


async def run_command(
    brew: App, shown: SessionPage, name: str, args: dict[str, Any], visitor: str, *, easy: bool
) -> OutgoingMessage:
    """A command the page offers (taking a reflection back), as if typed in the chat."""
    answer = PageAnswer()
    user, where = _visitor(shown, visitor, easy=easy)
    await brew.dispatcher.run(brew.dispatcher.table.commands[name], args, user, where, answer)
    return _said(brew, answer)


def _said(brew: App, answer: PageAnswer) -> OutgoingMessage:
    # Every path through the dispatcher answers; one that could not (a form) is a failure
    # to say so.
    if answer.message is None:
        return OutgoingMessage(brew.deps.texts.t("errors.internal"), refused=True)
    return answer.message

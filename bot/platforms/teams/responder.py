"""The Responder for one Teams interaction (a typed `brew ...`, a button press, a dialog).

Teams has no message only one person can see in a channel or chat. A private answer goes in
the person's 1:1 chat with Brewbot (where it was asked, or opened for it). Where Teams will
not open that chat (the app is not added to their chats, or they are an anonymous meeting
guest, whom no bot may message), the conversation gets a card whose one button shows the
answer in a dialog to the person who asked, and to nobody else. Dialogs are private by
nature: what a dialog's submission is answered with is shown in the dialog (listeners.py).

A form opens only from a card button (Teams' rule): a typed command or a message-button
press that answers with a form posts an "Open the form" card, kept for its person in the same
way (`Shelf`); its button opens the form as a dialog.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from microsoft_teams.api.activities.message.message import MessageActivityInput

from bot.core.messages import Form, OutgoingMessage, Section
from bot.core.ports import DeliveryError
from bot.core.refs import ConversationRef, UserRef
from bot.platforms.teams.adapter import TeamsAdapter, address
from bot.platforms.teams.cards import open_form_card

# The buttons that open what is kept for one person (a form, an answer): brew:teamsform:open:
# TOKEN (never a route).
FORM_BUTTON = "brew:teamsform:open:"
# Forms and answers waiting for their button; the oldest forgotten first.
KEPT_FORMS = 10_000

Kept = Form | OutgoingMessage


class Shelf:
    """What waits in Teams for one person: a form a typed command or a message button answered
    with, or an answer that could not reach them privately, until its button is pressed; and
    every dialog while it is open, so what is sent is read back field by field
    (`cards.form_values`) and a refusal shows the dialog again. Each is given only to the
    person it was kept for. In memory, the oldest forgotten first: after a restart a button
    asks to ask again, and a dialog's answers are read as they came."""

    def __init__(self, size: int = KEPT_FORMS) -> None:
        self.size = size
        self._kept: OrderedDict[str, tuple[Kept, str]] = OrderedDict()

    def keep(self, item: Kept, owner: str) -> str:
        token = secrets.token_urlsafe(12)
        self._kept[token] = (item, owner)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return token

    def get(self, token: str, owner: str) -> Kept | None:
        found = self._kept.get(token)
        return found[0] if found is not None and found[1] == owner else None

    def kept_for_another(self, token: str, owner: str) -> bool:
        found = self._kept.get(token)
        return found is not None and found[1] != owner


class TeamsResponder:
    def __init__(
        self,
        adapter: TeamsAdapter,
        shelf: Shelf,
        *,
        user: UserRef,
        where: ConversationRef,
        personal: bool,
        anonymous: bool = False,
    ) -> None:
        self.adapter = adapter
        self.shelf = shelf
        self.texts = adapter.texts
        self.user = user
        self.where = where
        # Asked in the person's own 1:1 chat with Brewbot: private answers go right there.
        self.personal = personal
        # An anonymous meeting guest: no bot may open a 1:1 chat with them.
        self.anonymous = anonymous

    async def defer(self) -> None:
        # The request was answered before the work began (listeners.py).
        return None

    async def reply(self, message: OutgoingMessage, *, private: bool = True) -> None:
        message = replace(message, keep_copy=False)
        if not private:
            await self.adapter.send(self.where, message)
            return
        await self._privately(
            lambda: self.adapter.send(self.where, message),
            lambda: self.adapter.send_private(self.user, message),
            lambda: self._kept_here(
                message, self.texts.t("teams.answer_here"), self.texts.t("teams.show_answer")
            ),
        )

    async def open_form(self, form: Form) -> None:
        """An "Open the form" card, in the person's 1:1 chat: the form may hold what is
        theirs (their name, their choices)."""
        title = self.texts.t("teams.form_here", title=form.title)
        card = self._opener(form, title, "")
        await self._privately(
            lambda: self.adapter.post_to(self.where, card),
            lambda: self.adapter.post_private(self.user, card),
            lambda: self.adapter.post_to(self.where, card),
        )

    def _opener(self, item: Kept, title: str, button: str) -> MessageActivityInput:
        """A card whose one button opens `item`, kept for this person only."""
        token = self.shelf.keep(item, self.user.id)
        card = open_form_card(
            title, f"{FORM_BUTTON}{token}", words=self.adapter.words, button=button
        )
        return MessageActivityInput.model_validate(card)

    async def _kept_here(self, message: OutgoingMessage, title: str, button: str) -> None:
        await self.adapter.post_to(self.where, self._opener(message, title, button))

    async def _privately(
        self,
        here: Callable[[], Awaitable[object]],
        there: Callable[[], Awaitable[object]],
        instead: Callable[[], Awaitable[object]],
    ) -> None:
        """Say something private: `here` when asked in the person's 1:1 chat, else `there`
        (their 1:1 chat); where Teams will not open that chat, `instead` (a card in the
        conversation whose button only this person can open)."""
        if self.personal:
            await here()
            return
        if self.anonymous:
            await instead()
            return
        try:
            await there()
        except DeliveryError as exc:
            if exc.reason != "dm_closed":
                raise
            await instead()

    async def private_copy(self, message: OutgoingMessage) -> bool:
        """Best effort, to the person's 1:1 chat: never through the outbox, never stored,
        nothing logged (it may hold a withdrawal code). True once it arrived."""
        try:
            await self.adapter.send_private(self.user, replace(message, keep_copy=False))
        except DeliveryError:
            return False
        return True

    @property
    def conversation_id(self) -> str:
        return address(self.where)


@dataclass(frozen=True)
class First:
    """What an invoke was answered with first: a form to open, or a message."""

    form: Form | None = None
    message: OutgoingMessage | None = None


class DialogResponder:
    """The Responder for an invoke (task/fetch, task/submit), whose HTTP answer is what Teams
    shows in the dialog. The first answer is held for the listener, which waits for it a short
    while (`first`); an answer that comes after the listener stopped waiting goes the usual
    way (`inner`), with the person's own words when it turns a submission down."""

    # Read by the dispatcher: a submission is acknowledged once its checks have passed, so a
    # refusal comes in time to be shown in the dialog.
    shows_refusals_in_form = True

    def __init__(self, inner: TeamsResponder, *, words: str = "") -> None:
        self.inner = inner
        self.words = words
        self.first: asyncio.Future[First] = asyncio.get_running_loop().create_future()
        self.acknowledged = asyncio.Event()
        self.late = False

    async def defer(self) -> None:
        self.acknowledged.set()

    async def reply(self, message: OutgoingMessage, *, private: bool = True) -> None:
        if not self.late and not self.first.done():
            self.first.set_result(First(message=message))
            return
        if message.refused and self.words:
            words = Section(self.words, self.inner.texts.t("teams.form_your_words"), untrusted=True)
            message = replace(message, sections=(*message.sections, words))
        try:
            await self.inner.reply(message, private=private)
        except DeliveryError:
            # Nothing is logged: the time of a dialog's answer is the time of a reflection.
            return

    async def open_form(self, form: Form) -> None:
        if not self.late and not self.first.done():
            self.first.set_result(First(form=form))
            return
        await self.inner.open_form(form)

"""The Responder for one Teams interaction (a typed `brew ...`, a button press, a dialog).

Teams has no message only one person can see in a channel or chat. A private answer goes in
the person's 1:1 chat with Brewbot (where it was asked, or opened for it); where the app is
not installed for them, the conversation is told, with nothing of the answer, how to add it.
Dialog answers are private by nature: what a dialog's submission is answered with is shown
in the dialog itself (see listeners.py).

A form opens only from a card button (Teams' rule): a typed command or a message-button
press that answers with a form posts an "Open the form" card; its button asks for the form
kept here (`FormShelf`), which then opens as a dialog.
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

# The "Open the form" buttons' custom id: brew:teamsform:open:TOKEN (never a route).
FORM_BUTTON = "brew:teamsform:open:"
# Forms waiting for their button; the oldest forgotten first.
KEPT_FORMS = 10_000


class FormShelf:
    """Forms waiting in Teams: one a typed command or a message button answered with, until
    its "Open the form" button is pressed, and every dialog while it is open, so what is sent
    is read back field by field (`cards.form_values`) and a refusal shows the dialog again.
    In memory, the oldest forgotten first: after a restart an "Open the form" button asks to
    ask again, and a dialog's answers are read as they came."""

    def __init__(self, size: int = KEPT_FORMS) -> None:
        self.size = size
        self._forms: OrderedDict[str, Form] = OrderedDict()

    def keep(self, form: Form) -> str:
        token = secrets.token_urlsafe(12)
        self._forms[token] = form
        while len(self._forms) > self.size:
            self._forms.popitem(last=False)
        return token

    def get(self, token: str) -> Form | None:
        return self._forms.get(token)


class TeamsResponder:
    def __init__(
        self,
        adapter: TeamsAdapter,
        shelf: FormShelf,
        *,
        user: UserRef,
        where: ConversationRef,
        personal: bool,
    ) -> None:
        self.adapter = adapter
        self.shelf = shelf
        self.texts = adapter.texts
        self.user = user
        self.where = where
        # Asked in the person's own 1:1 chat with Brewbot: private answers go right there.
        self.personal = personal

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
        )

    async def open_form(self, form: Form) -> None:
        """An "Open the form" card, in the person's 1:1 chat: the form may hold what is
        theirs (their name, their choices)."""
        token = self.shelf.keep(form)
        card = open_form_card(
            self.texts.t("teams.form_here", title=form.title),
            f"{FORM_BUTTON}{token}",
            words=self.adapter.words,
        )
        activity = MessageActivityInput.model_validate(card)
        await self._privately(
            lambda: self.adapter.post_to(self.where, activity),
            lambda: self.adapter.post_private(self.user, activity),
        )

    async def _privately(
        self, here: Callable[[], Awaitable[object]], there: Callable[[], Awaitable[object]]
    ) -> None:
        """Say something private: `here` when asked in the person's 1:1 chat, else `there`
        (their 1:1 chat); where Teams refuses that chat, the conversation hears how to get
        it, and nothing of it."""
        if self.personal:
            await here()
            return
        try:
            await there()
        except DeliveryError as exc:
            if exc.reason != "dm_closed":
                raise
            note = OutgoingMessage(self.texts.t("teams.add_app_for_private"))
            await self.adapter.send(self.where, note)

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

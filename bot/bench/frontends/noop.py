"""The floor under a front-end burst: a dispatcher that answers as the real one does (the
same form, or an acknowledgement then a private answer) without any of its work, so a
burst answered by it costs what the platform library, the loopback network and the logging
cost on their own."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from bot.core.commands import Command, clean
from bot.core.messages import Form, OutgoingMessage, parse_custom_id
from bot.core.ports import Responder
from bot.core.refs import ConversationRef, UserRef
from bot.engine.dispatch import Dispatcher


class NoopDispatcher(Dispatcher):
    """Stands in for the App's dispatcher, which the front-ends look up at each press."""

    def __init__(self, real: Dispatcher, form: Callable[[int], Form]) -> None:
        super().__init__(real.db, real.table, real.texts, real.clock, real.community_defaults)
        # The reflection form, made once per session by the real service's own builder.
        self._form = cache(form)

    async def run_text(
        self, text: str, user: UserRef, where: ConversationRef, responder: Responder
    ) -> None:
        await self._answer(False, "", responder)

    async def run(
        self,
        command: Command,
        args: dict[str, Any],
        user: UserRef,
        where: ConversationRef,
        responder: Responder,
    ) -> None:
        await self._answer(command.may_open_form, "", responder)

    async def run_component(
        self,
        custom: str,
        values: dict[str, str],
        user: UserRef,
        where: ConversationRef,
        responder: Responder,
    ) -> None:
        parsed = parse_custom_id(clean(custom))
        route = self.table.components.get(parsed[:2]) if parsed else None
        opens = route is not None and route.may_open_form
        await self._answer(opens, parsed[2] if parsed else "", responder)

    async def _answer(self, opens: bool, arg: str, responder: Responder) -> None:
        if opens and arg.isdigit():
            form: Form = self._form(int(arg))
            await responder.open_form(form)
            return
        await responder.defer()
        await responder.reply(OutgoingMessage("ok"), private=True)
